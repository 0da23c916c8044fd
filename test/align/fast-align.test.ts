/**
 * fast_align (src/align/fast-align.ts): the diagonal prior δ, AER 0 on a synthetic dictionary corpus,
 * ambiguous (repeated) words resolved along the diagonal where Model 1 ties, the tension's effect and
 * its fit, EM's likelihood with a fixed tension, and the JSON round trip.
 */
import { describe, expect, it } from "vitest";
import { classicalAlignerFromJSON, trainClassicalAligner } from "../../src/align/classical.js";
import { FAST_ALIGN_DEFAULTS, FastAlign, trainFastAlign } from "../../src/align/fast-align.js";
import { trainIbmModel1 } from "../../src/align/ibm-model1.js";
import { alignmentScores } from "../../src/eval/alignment.js";

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const k = Math.floor(rand() * (i + 1));
    [xs[i], xs[k]] = [xs[k], xs[i]];
  }
  return xs;
}

/**
 * Sentences of 3–6 distinct words of a 20-pair dictionary "s<k>" ↔ "T<k>": the translation is in a
 * random order (`permuted`) or the same order; `nullWords` (no translation) go into about half of the
 * source sentences; with `repeat`, every third sentence has the word "a" (↔ "A") at two positions.
 */
function dictionaryCorpus(
  sentences: number,
  seed: number,
  o: { permuted: boolean; nullWords?: string[]; repeat?: boolean },
): { corpus: { src: string[][]; tgt: string[][] }; gold: Set<string>[] } {
  const rand = seeded(seed);
  const src: string[][] = [];
  const tgt: string[][] = [];
  const gold: Set<string>[] = [];
  for (let n = 0; n < sentences; n++) {
    const len = 3 + Math.floor(rand() * 4);
    const ids = shuffle([...Array(20).keys()], rand).slice(0, len);
    const order = o.permuted ? shuffle([...ids], rand) : [...ids];
    const s = ids.map((k) => `s${k}`);
    const t = order.map((k) => `T${k}`);
    if (o.repeat && n % 3 === 0) {
      s[0] = "a";
      s[2] = "a";
      t[t.indexOf(`T${ids[0]}`)] = "A";
      t[t.indexOf(`T${ids[2]}`)] = "A";
    }
    for (const w of o.nullWords ?? []) if (rand() < 0.5) s.splice(Math.floor(rand() * (s.length + 1)), 0, w);
    // gold: the k-th dictionary word of the source ↔ its translation's position
    const links = new Set<string>();
    let kk = 0;
    s.forEach((w, i) => {
      if (w.startsWith("x")) return;
      links.add(`${i}-${order.indexOf(ids[kk])}`);
      kk++;
    });
    src.push(s);
    tgt.push(t);
    gold.push(links);
  }
  return { corpus: { src, tgt }, gold };
}

function aer(predicted: Set<string>[], gold: Set<string>[]): number {
  return alignmentScores(
    predicted,
    gold,
    gold.map(() => new Set()),
  ).aer;
}

describe("fast_align's alignment prior δ", () => {
  const { corpus } = dictionaryCorpus(50, 1, { permuted: false });
  const model = trainFastAlign(corpus, { iterations: 1, tension: 4, optimizeTension: false });

  it("δ(0) = p0; δ(i) = (1 − p0) exp(−λ |i/l − j/m|) / Z, summing to 1", () => {
    const l = 5;
    const m = 4;
    const out = new Float64Array(l + 1);
    for (let j = 0; j < m; j++) {
      model.alignmentPrior(j, l, m, out);
      expect(out[0]).toBe(0.08);
      let z = 0;
      for (let i = 1; i <= l; i++) z += Math.exp(-4 * Math.abs(i / l - (j + 1) / m));
      for (let i = 1; i <= l; i++) {
        expect(out[i]).toBeCloseTo((0.92 * Math.exp(-4 * Math.abs(i / l - (j + 1) / m))) / z, 14);
      }
      expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    }
    // the peak follows the diagonal: target 4 of 4 ↔ source 5 of 5
    model.alignmentPrior(3, 5, 4, out);
    expect(out.indexOf(Math.max(...out.slice(1)))).toBe(5);
  });

  it("without the NULL word there is no p0", () => {
    const noNull = trainFastAlign(corpus, { iterations: 1, nullWord: false });
    const out = new Float64Array(4);
    noNull.alignmentPrior(1, 3, 3, out);
    expect(out[0]).toBe(0);
    expect(noNull.p0).toBe(0);
    expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
  });

  it("a higher tension is a sharper prior", () => {
    const sharp = trainFastAlign(corpus, { iterations: 1, tension: 12, optimizeTension: false });
    const flat = trainFastAlign(corpus, { iterations: 1, tension: 1, optimizeTension: false });
    const a = new Float64Array(7);
    const b = new Float64Array(7);
    sharp.alignmentPrior(2, 6, 6, a);
    flat.alignmentPrior(2, 6, 6, b);
    expect(a[3]).toBeGreaterThan(b[3]);
    expect(a[3]).toBeGreaterThan(0.6);
    expect(b[3]).toBeLessThan(0.3);
    expect(a[6]).toBeLessThan(b[6]);
  });
});

describe("fast_align on the synthetic dictionary corpus: every link known", () => {
  it("random word order: AER 0 with grow-diag-final-and, intersect and each direction", () => {
    const { corpus, gold } = dictionaryCorpus(300, 7, { permuted: true });
    const al = trainClassicalAligner(corpus, { method: "fast" });
    const at = (f: (s: string[], t: string[]) => Set<string>) =>
      corpus.src.map((s, k) => f(s, corpus.tgt[k]));
    expect(
      aer(
        at((s, t) => al.align(s, t)),
        gold,
      ),
    ).toBe(0);
    expect(
      aer(
        at((s, t) => al.align(s, t, "intersect")),
        gold,
      ),
    ).toBe(0);
    expect(
      aer(
        at((s, t) => al.alignForward(s, t)),
        gold,
      ),
    ).toBe(0);
    expect(
      aer(
        at((s, t) => al.alignBackward(s, t)),
        gold,
      ),
    ).toBe(0);
    // the prior cannot have done it: the fitted tension is low on shuffled sentences
    expect((al.forward as FastAlign).tension).toBeLessThan(1);
  });

  it("source words without a translation stay unaligned (AER 0)", () => {
    // an untranslated word in about half the sentences (≈ 9% of the source words)
    const { corpus, gold } = dictionaryCorpus(600, 11, { permuted: true, nullWords: ["x0"] });
    expect(gold.some((g, k) => g.size < corpus.src[k].length)).toBe(true);
    const al = trainClassicalAligner(corpus, { method: "fast" });
    for (const how of ["grow-diag-final-and", "intersect"] as const) {
      expect(
        aer(
          corpus.src.map((s, k) => al.align(s, corpus.tgt[k], how)),
          gold,
        ),
        how,
      ).toBe(0);
    }
  });

  it("p0 must cover the NULL rate: with ≈ 18% untranslated words p0 = 0.08 links some, p0 = 0.2 none", () => {
    const { corpus, gold } = dictionaryCorpus(300, 11, { permuted: true, nullWords: ["x0", "x1"] });
    const score = (p0: number, how: "grow-diag-final-and" | "intersect") => {
      const al = trainClassicalAligner(corpus, { method: "fast", p0 });
      return aer(
        corpus.src.map((s, k) => al.align(s, corpus.tgt[k], how)),
        gold,
      );
    };
    // backward, NULL (prior 0.08) loses to a target word for some "x0"/"x1"; grow-diag-final-and
    // keeps such a link when it neighbours a kept one, the intersection never does
    expect(score(0.08, "grow-diag-final-and")).toBeGreaterThan(0);
    expect(score(0.08, "intersect")).toBe(0);
    expect(score(0.2, "grow-diag-final-and")).toBe(0);
  });
});

describe("monotone corpus: the diagonal decides where Model 1 cannot", () => {
  const { corpus, gold } = dictionaryCorpus(300, 5, { permuted: false, repeat: true });
  const repeated = corpus.src.map((_, k) => k).filter((k) => k % 3 === 0);
  const pair: [string[], string[]] = [
    ["a", "s1", "a", "s2"],
    ["A", "T1", "A", "T2"],
  ];

  it("Model 1 ties the repeated words (same posterior), the lower position wins both", () => {
    const m1 = trainIbmModel1(corpus);
    const p = m1.alignmentPosterior(pair[0], pair[1]);
    expect(p[0][1]).toBeCloseTo(p[0][3], 12);
    expect(p[2][1]).toBeCloseTo(p[2][3], 12);
    expect([...m1.viterbi(pair[0], pair[1])].sort()).toEqual(["0-0", "0-2", "1-1", "3-3"]);
    const predicted = repeated.map((k) => m1.viterbi(corpus.src[k], corpus.tgt[k]));
    expect(
      aer(
        predicted,
        repeated.map((k) => gold[k]),
      ),
    ).toBeGreaterThan(0.1);
  });

  it("fast_align puts each on the diagonal: AER 0 on those sentences, posterior favours the diagonal", () => {
    const fast = trainFastAlign(corpus);
    expect([...fast.viterbi(pair[0], pair[1])].sort()).toEqual(["0-0", "1-1", "2-2", "3-3"]);
    const p = fast.alignmentPosterior(pair[0], pair[1]);
    expect(p[0][1]).toBeGreaterThan(p[0][3]);
    expect(p[2][3]).toBeGreaterThan(p[2][1]);
    const predicted = repeated.map((k) => fast.viterbi(corpus.src[k], corpus.tgt[k]));
    expect(
      aer(
        predicted,
        repeated.map((k) => gold[k]),
      ),
    ).toBe(0);
    const all = trainClassicalAligner(corpus, { method: "fast" });
    expect(
      aer(
        corpus.src.map((s, k) => all.align(s, corpus.tgt[k])),
        gold,
      ),
    ).toBe(0);
  });

  it("the tension sets how sharply: the posterior of the diagonal cell grows with λ", () => {
    const diagonalMass = (tension: number): number => {
      const m = trainFastAlign(corpus, { tension, optimizeTension: false });
      const p = m.alignmentPosterior(pair[0], pair[1]);
      return p[2][3] / (p[2][1] + p[2][3]); // target "A" at 3: source "a" at 3 rather than at 1
    };
    const masses = [0.5, 2, 8].map(diagonalMass);
    expect(masses[0]).toBeGreaterThan(0.5);
    expect(masses[1]).toBeGreaterThan(masses[0]);
    expect(masses[2]).toBeGreaterThan(masses[1]);
    expect(masses[2]).toBeGreaterThan(0.95);
  });

  it("the fitted tension rises on monotone data and falls on shuffled data", () => {
    const monotone = trainFastAlign(corpus);
    expect(monotone.tension).toBeGreaterThan(FAST_ALIGN_DEFAULTS.tension + 2);
    const shuffled = trainFastAlign(dictionaryCorpus(300, 5, { permuted: true }).corpus);
    expect(shuffled.tension).toBeLessThan(FAST_ALIGN_DEFAULTS.tension / 2);
    expect(shuffled.tension).toBeGreaterThanOrEqual(FAST_ALIGN_DEFAULTS.minTension);
    const fixed = trainFastAlign(corpus, { optimizeTension: false, tension: 3 });
    expect(fixed.tension).toBe(3);
  });

  it("EM with a fixed tension: the log-likelihood never decreases", () => {
    const lls: number[] = [];
    trainFastAlign(corpus, { iterations: 8, optimizeTension: false, onIteration: (_i, ll) => lls.push(ll) });
    expect(lls.length).toBe(8);
    for (let i = 1; i < lls.length; i++) expect(lls[i]).toBeGreaterThanOrEqual(lls[i - 1] - 1e-9);
  });
});

describe("fast_align: JSON round trip", () => {
  it("tension and p0 kept; same links and posteriors", () => {
    const { corpus } = dictionaryCorpus(200, 9, { permuted: false, repeat: true, nullWords: ["x0"] });
    const al = trainClassicalAligner(corpus, { method: "fast", p0: 0.1 });
    const json = JSON.parse(JSON.stringify(al));
    expect(json.forward.p0).toBe(0.1);
    expect(json.forward.tension).toBe((al.forward as FastAlign).tension);
    const back = classicalAlignerFromJSON(json);
    expect(back.forward).toBeInstanceOf(FastAlign);
    expect((back.backward as FastAlign).tension).toBe((al.backward as FastAlign).tension);
    corpus.src.slice(0, 50).forEach((s, k) => {
      const t = corpus.tgt[k];
      expect(back.align(s, t)).toEqual(al.align(s, t));
      expect(back.alignBackward(s, t)).toEqual(al.alignBackward(s, t));
      expect(back.posterior(s, t)).toEqual(al.posterior(s, t));
    });
    expect(() => classicalAlignerFromJSON({ ...json, forward: { ...json.forward, tension: -1 } })).toThrow(
      /forward\.tension must be a positive number/,
    );
    expect(() => classicalAlignerFromJSON({ ...json, backward: { ...json.backward, p0: 1 } })).toThrow(
      /backward\.p0 must be a number in \[0, 1\)/,
    );
  });
});
