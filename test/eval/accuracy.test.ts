import { describe, expect, it } from "vitest";
import { accuracyByLength, exactMatch, tokenAccuracy } from "../../src/eval/accuracy.js";

const refs = [["jump", "jump"], ["walk", "left", "walk"], ["run"], ["look", "look", "look"]];
const hyps = [
  ["jump", "jump"], // exact
  ["walk", "left"], // one short: 2 of 3 positions right
  ["run", "run"], // one too long: 1 of 2 positions right
  ["look", "walk", "look"], // 2 of 3
];

describe("exactMatch", () => {
  it("counts whole-sequence matches", () => {
    expect(exactMatch(hyps, refs)).toBe(1 / 4);
    expect(exactMatch(refs, refs)).toBe(1);
    expect(exactMatch([[]], [[]])).toBe(1);
    expect(exactMatch([], [])).toBe(0);
  });

  it("works for numeric token ids and rejects unpaired input", () => {
    expect(exactMatch([[1, 2], [3]], [[1, 2], [4]])).toBe(0.5);
    expect(() => exactMatch([[1]], [])).toThrow(/1 hypotheses but 0 references/);
  });
});

describe("tokenAccuracy", () => {
  it("position-wise, with missing and extra tokens wrong", () => {
    // correct: 2 + 2 + 1 + 2 = 7; positions max(|h|,|r|): 2 + 3 + 2 + 3 = 10
    expect(tokenAccuracy(hyps, refs)).toBeCloseTo(7 / 10, 15);
  });

  it("a shifted hypothesis scores low even though it shares tokens", () => {
    expect(tokenAccuracy([["a", "b", "c"]], [["x", "a", "b"]])).toBe(0);
    expect(tokenAccuracy([[]], [["a", "b"]])).toBe(0);
    expect(tokenAccuracy([[]], [[]])).toBe(1);
  });
});

describe("accuracyByLength", () => {
  it("buckets by reference length, sorted", () => {
    expect(accuracyByLength(hyps, refs)).toEqual([
      { length: 1, count: 1, exactMatch: 0, tokenAccuracy: 1 / 2 },
      { length: 2, count: 1, exactMatch: 1, tokenAccuracy: 1 },
      { length: 3, count: 2, exactMatch: 0, tokenAccuracy: 4 / 6 },
    ]);
  });

  it("accepts a custom length (here the hypothesis length)", () => {
    const b = accuracyByLength(hyps, refs, (_r, h) => h.length);
    expect(b.map((x) => [x.length, x.count])).toEqual([
      [2, 3],
      [3, 1],
    ]);
    expect(b[0].exactMatch).toBeCloseTo(1 / 3, 15);
  });
});
