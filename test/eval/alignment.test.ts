import { describe, expect, it } from "vitest";
import {
  alignmentErrorRate,
  alignmentPrecision,
  alignmentRecall,
  alignmentScores,
  attentionToLinks,
  invertLinks,
  toLinkSet,
} from "../../src/eval/alignment.js";
import { readHansardsGold } from "../../src/eval/hansards.js";
import { requireDataset } from "../helpers/data.js";

const HAS_HANSARDS = requireDataset("hansards-align-fr-en");

describe("alignment error rate (hand example)", () => {
  // S = {0-0, 1-1}, P = S ∪ {1-2}; A = {0-0, 1-2, 2-2}
  // |A∩S| = 1, |A∩P| = 2, |A| = 3, |S| = 2 → AER = 1 - 3/5 = 0.4, precision 2/3, recall 1/2
  const A = [new Set(["0-0", "1-2", "2-2"])];
  const S = [new Set(["0-0", "1-1"])];
  const P = [new Set(["1-2"])]; // sure links count as possible even if not repeated

  it("AER, precision and recall", () => {
    expect(alignmentErrorRate(A, S, P)).toBeCloseTo(0.4, 15);
    expect(alignmentPrecision(A, S, P)).toBeCloseTo(2 / 3, 15);
    expect(alignmentRecall(A, S, P)).toBe(0.5);
    expect(alignmentScores(A, S, P)).toMatchObject({
      predicted: 3,
      sure: 2,
      predictedSure: 1,
      predictedPossible: 2,
    });
  });

  it("accepts [s, t] pairs as well as 's-t' strings", () => {
    const pairs: Array<[number, number]> = [
      [0, 0],
      [1, 2],
      [2, 2],
    ];
    expect(alignmentErrorRate([pairs], S, P)).toBeCloseTo(0.4, 15);
    expect(toLinkSet([[3, 4], "5-6"])).toEqual(new Set(["3-4", "5-6"]));
    expect(() => toLinkSet(["3?4"])).toThrow(/bad link/);
  });

  it("sums counts over sentences (not an average of per-sentence AERs)", () => {
    // sentence 1: A=S={0-0} (AER 0); sentence 2: A={0-1}, S={0-0} (AER 1) → corpus 1 - (1+1)/(2+2) = 0.5
    const aer = alignmentErrorRate([["0-0"], ["0-1"]], [["0-0"], ["0-0"]], [[], []]);
    expect(aer).toBe(0.5);
  });

  it("degenerate cases", () => {
    expect(alignmentErrorRate([[]], [[]], [[]])).toBe(0);
    expect(alignmentScores([[]], [["0-0"]], [[]])).toMatchObject({ aer: 1, precision: 0, recall: 0 });
  });
});

describe("attentionToLinks", () => {
  // target × source: 3 English words attending over 2 French words
  const W = [
    [0.9, 0.1],
    [0.4, 0.6],
    [0.5, 0.5],
  ];

  it("argmax per target row, source index first, first index on ties", () => {
    expect(attentionToLinks(W)).toEqual(new Set(["0-0", "1-1", "0-2"]));
  });

  it("minWeight drops diffuse rows; threshold adds every strong cell", () => {
    expect(attentionToLinks(W, { minWeight: 0.55 })).toEqual(new Set(["0-0", "1-1"]));
    expect(attentionToLinks(W, { threshold: 0.4 })).toEqual(new Set(["0-0", "0-1", "1-1", "0-2", "1-2"]));
    expect(attentionToLinks(W, { argmax: false, threshold: 0.6 })).toEqual(new Set(["0-0", "1-1"]));
  });

  it("invertLinks swaps sides", () => {
    expect(invertLinks(new Set(["0-2", "1-1"]))).toEqual(new Set(["2-0", "1-1"]));
  });
});

describe.skipIf(!HAS_HANSARDS)("Hansards fr-en gold standard", () => {
  const gold = HAS_HANSARDS ? readHansardsGold() : [];
  const sure = gold.map((g) => g.sure);
  const possible = gold.map((g) => g.possible);

  it("reads 37 sentence pairs, 338 sure and 1784 possible (⊇ sure) links", () => {
    expect(gold.length).toBe(37);
    expect(sure.reduce((n, s) => n + s.size, 0)).toBe(338);
    expect(possible.reduce((n, s) => n + s.size, 0)).toBe(1784);
    expect(gold[1].french.slice(0, 3)).toEqual(["je", "poursuis", "la"]);
    expect(gold[1].english).toEqual(["the", "commissionners", "went", "on", ":"]);
    // line 2 of hansards.a: "8-0 9-1 ... 10-4": sure links; "9?0" possible only
    expect([...gold[1].sure].sort()).toEqual(["10-4", "8-0", "9-1"]);
    expect(gold[1].possible.has("9-0")).toBe(true);
    expect(gold[1].sure.has("9-0")).toBe(false);
    for (const g of gold) {
      for (const k of g.possible) {
        const [f, e] = k.split("-").map(Number);
        expect(f).toBeLessThan(g.french.length);
        expect(e).toBeLessThan(g.english.length);
      }
    }
  });

  it("predicting exactly the sure links gives AER 0, precision 1, recall 1", () => {
    expect(alignmentScores(sure, sure, possible)).toMatchObject({ aer: 0, precision: 1, recall: 1 });
  });

  it("predicting all possible links also gives AER 0 (a known property of AER)", () => {
    expect(alignmentErrorRate(possible, sure, possible)).toBe(0);
  });

  it("an empty prediction gives AER 1", () => {
    expect(
      alignmentErrorRate(
        gold.map(() => new Set<string>()),
        sure,
        possible,
      ),
    ).toBe(1);
  });

  // Expected values computed independently with the dreamt score-alignments formula in Python
  // (|A∩P| counted as |A∩P_only| + |A∩S|, counts summed over the 37 sentences).
  it("the sure links with French/English swapped: |A∩S| = 75, |A∩P| = 90 → AER 1 - 165/676", () => {
    const r = alignmentScores(
      sure.map((s) => invertLinks(s)),
      sure,
      possible,
    );
    expect(r).toMatchObject({ predicted: 338, sure: 338, predictedSure: 75, predictedPossible: 90 });
    expect(r.aer).toBeCloseTo(0.7559171597633136, 15);
  });

  it("the diagonal alignment i-i: |A| = 642, |A∩S| = 67, |A∩P| = 215 → AER 0.71224…", () => {
    const diag = gold.map((g) => {
      const n = Math.min(g.french.length, g.english.length);
      return Array.from({ length: n }, (_, i): [number, number] => [i, i]);
    });
    const r = alignmentScores(diag, sure, possible);
    expect(r).toMatchObject({ predicted: 642, predictedSure: 67, predictedPossible: 215 });
    expect(r.aer).toBeCloseTo(1 - 282 / 980, 15);
    expect(r.aer).toBeCloseTo(0.7122448979591837, 15);
  });

  it("a one-hot attention matrix built from the sure links is read back exactly", () => {
    // target (English) × source (French); row e is one-hot on a French word sure-linked to it, if any
    const g = gold[0];
    const W = g.english.map(() => g.french.map(() => 0));
    const rows = new Set<number>();
    for (const k of g.sure) {
      const [f, e] = k.split("-").map(Number);
      if (!rows.has(e)) {
        W[e][f] = 1;
        rows.add(e);
      }
    }
    const links = attentionToLinks(W, { minWeight: 0.5 });
    expect(links.size).toBe(rows.size);
    for (const l of links) expect(g.sure.has(l)).toBe(true);
  });
});
