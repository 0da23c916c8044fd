/** Length and coverage penalties (GNMT §7) against hand-computed values, and the n-best order they give. */
import { describe, expect, it } from "vitest";
import { beamSearchNBest, coveragePenalty, lengthPenalty } from "../../src/decode/index.js";
import { Seq2Seq } from "../../src/models/seq2seq/index.js";
import { manualSeed } from "../../src/tensor/index.js";

describe("penalty formulas", () => {
  it("GNMT lp = ((5 + |Y|) / 6)^α; avg = the number of log-probabilities summed", () => {
    expect(lengthPenalty(0.6, 4, true)).toBeCloseTo(1.5 ** 0.6, 14);
    expect(lengthPenalty(1, 7, false)).toBeCloseTo(2, 14);
    expect(lengthPenalty(0, 30, true)).toBe(1);
    expect(lengthPenalty("avg", 4, true)).toBe(5);
    expect(lengthPenalty("avg", 4, false)).toBe(4);
  });

  it("coverage cp = β Σ_i log(min(Σ_j a_ji, 1))", () => {
    const a = [
      [0.5, 0.2, 0.3],
      [0.7, 0.1, 0.2],
    ];
    // coverage per source position: 1.2 → 1, 0.3, 0.5
    expect(coveragePenalty(a, 0.2)).toBeCloseTo(0.2 * (Math.log(0.3) + Math.log(0.5)), 14);
    expect(coveragePenalty(a, 0)).toBe(0);
  });
});

manualSeed(3);
const model = new Seq2Seq({
  srcVocabSize: 10,
  tgtVocabSize: 8,
  embedDim: 6,
  hiddenSize: 6,
  attention: "bahdanau",
  dropout: 0,
});
model.eval();
const src = [4, 5, 6, 7, 8, 9, 0, 0];

describe("beam ranking", () => {
  const cases = [
    { lengthPenalty: 0.6, coveragePenalty: 0 },
    { lengthPenalty: 1.5, coveragePenalty: 0 },
    { lengthPenalty: "avg" as const, coveragePenalty: 0 },
    { lengthPenalty: 0.6, coveragePenalty: 0.4 },
  ];
  for (const o of cases) {
    it(`n-best lists are in the order of log P / lp + cp (${JSON.stringify(o)})`, () => {
      const pools = beamSearchNBest(model, src, 2, 4, [4, 2], 5, { beamSize: 5, maxLength: 9, ...o });
      for (const pool of pools) {
        expect(pool.length).toBeGreaterThan(1);
        const s = pool.map((h) => {
          const finished = h.alignment.length === h.tokens.length + 1; // the EOS step has its row
          return (
            h.logProb / lengthPenalty(o.lengthPenalty, h.tokens.length, finished) +
            coveragePenalty(h.alignment, o.coveragePenalty)
          );
        });
        for (let i = 1; i < s.length; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1] + 1e-9);
      }
    });
  }

  it("refuses a bad length or coverage penalty, naming it", () => {
    expect(() => beamSearchNBest(model, src, 2, 4, [4, 2], 1, { lengthPenalty: -1 })).toThrow(
      'beamSearch: lengthPenalty must be a number ≥ 0 (GNMT α) or "avg", got -1',
    );
    expect(() => beamSearchNBest(model, src, 2, 4, [4, 2], 1, { coveragePenalty: Number.NaN })).toThrow(
      "beamSearch: coveragePenalty must be a finite number ≥ 0",
    );
    const none = new Seq2Seq({
      srcVocabSize: 10,
      tgtVocabSize: 8,
      embedDim: 4,
      hiddenSize: 4,
      attention: "none",
    });
    expect(() => beamSearchNBest(none, src, 2, 4, [4, 2], 1, { coveragePenalty: 0.2 })).toThrow(
      "coveragePenalty needs attention weights",
    );
  });
});
