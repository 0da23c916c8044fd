/**
 * IBM Models 1 and 2 (src/align/ibm-model1.ts, ibm-model2.ts), the two-way entry (classical.ts) and the
 * corpus words (corpus.ts): Koehn's textbook EM table computed by hand, a synthetic dictionary corpus
 * whose every link is known, EM's non-decreasing likelihood, JSON round trips and input errors.
 */
import { describe, expect, it } from "vitest";
import {
  type ClassicalMethod,
  classicalAlignerFromJSON,
  trainClassicalAligner,
} from "../../src/align/classical.js";
import { alignmentWords, lexicalForm, type ParallelCorpus } from "../../src/align/corpus.js";
import { FLOOR_PROB, type IbmModel1, trainIbmModel1 } from "../../src/align/ibm-model1.js";
import { trainIbmModel2 } from "../../src/align/ibm-model2.js";
import { SYMMETRIZATIONS } from "../../src/align/symmetrize.js";
import { alignmentScores } from "../../src/eval/alignment.js";

/** mulberry32: a small seeded generator, so the corpora are the same on every run. */
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
 * A corpus from a 1:1 dictionary of 20 pairs (source "s<k>" ↔ target "T<k>"): each sentence has 3–6
 * distinct words, its translation the same words in a random order (so a diagonal prior alone cannot
 * find the links); `nullWords` are source words with no translation, put in at random positions of
 * about half the sentences. Returns the corpus and the gold links `"s-t"` of every sentence.
 */
function dictionaryCorpus(
  sentences: number,
  seed: number,
  nullWords: string[] = [],
): { corpus: { src: string[][]; tgt: string[][] }; gold: Set<string>[] } {
  const rand = seeded(seed);
  const src: string[][] = [];
  const tgt: string[][] = [];
  const gold: Set<string>[] = [];
  for (let n = 0; n < sentences; n++) {
    const len = 3 + Math.floor(rand() * 4);
    const ids = shuffle([...Array(20).keys()], rand).slice(0, len);
    const s = ids.map((k) => `s${k}`);
    for (const w of nullWords) if (rand() < 0.5) s.splice(Math.floor(rand() * (s.length + 1)), 0, w);
    const t = shuffle([...ids], rand).map((k) => `T${k}`);
    const links = new Set<string>();
    s.forEach((w, i) => {
      const j = t.indexOf(`T${w.slice(1)}`);
      if (w.startsWith("s") && j >= 0) links.add(`${i}-${j}`);
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

// Koehn, "Statistical Machine Translation" (2010), §4.2, Figure 4.3: English (generated) given German.
const KOEHN: ParallelCorpus = {
  src: [
    ["das", "Haus"],
    ["das", "Buch"],
    ["ein", "Buch"],
  ],
  tgt: [
    ["the", "house"],
    ["the", "book"],
    ["a", "book"],
  ],
};

describe("IBM Model 1: Koehn's textbook example (EM table computed by hand)", () => {
  const t = (m: IbmModel1, e: string, f: string): number => m.translationProb(e, f);
  const snapshots: Record<string, number>[] = [];
  const lls: number[] = [];
  trainIbmModel1(KOEHN, {
    iterations: 30,
    nullWord: false,
    onIteration: (_it, ll, m) => {
      lls.push(ll);
      snapshots.push({
        "the|das": t(m, "the", "das"),
        "book|das": t(m, "book", "das"),
        "house|das": t(m, "house", "das"),
        "the|buch": t(m, "the", "Buch"),
        "book|buch": t(m, "book", "Buch"),
        "a|buch": t(m, "a", "Buch"),
        "book|ein": t(m, "book", "ein"),
        "a|ein": t(m, "a", "ein"),
        "the|haus": t(m, "the", "Haus"),
        "house|haus": t(m, "house", "Haus"),
      });
    },
  });

  it("iteration 1: from uniform t, every English word splits 1/2 : 1/2 over the two German words", () => {
    // Expected counts: c(the|das) = 1/2 + 1/2 (pairs 1, 2), c(house|das) = 1/2, c(book|das) = 1/2;
    // total(das) = 2 → t(the|das) = 1/2, t(house|das) = t(book|das) = 1/4. Likewise
    // c(book|Buch) = 1, c(the|Buch) = c(a|Buch) = 1/2 (total 2); c(a|ein) = c(book|ein) = 1/2 (total 1);
    // c(the|Haus) = c(house|Haus) = 1/2 (total 1).
    expect(snapshots[0]).toEqual({
      "the|das": 0.5,
      "book|das": 0.25,
      "house|das": 0.25,
      "the|buch": 0.25,
      "book|buch": 0.5,
      "a|buch": 0.25,
      "book|ein": 0.5,
      "a|ein": 0.5,
      "the|haus": 0.5,
      "house|haus": 0.5,
    });
  });

  it("iteration 2: posteriors from the iteration-1 table", () => {
    // Pair 1 (das Haus / the house): the → das 0.5 : Haus 0.5 = 1/2 : 1/2;
    //   house → das 0.25 : Haus 0.5 = 1/3 : 2/3.
    // Pair 2 (das Buch / the book): the → das 0.5 : Buch 0.25 = 2/3 : 1/3;
    //   book → das 0.25 : Buch 0.5 = 1/3 : 2/3.
    // Pair 3 (ein Buch / a book): a → ein 0.5 : Buch 0.25 = 2/3 : 1/3; book → ein 0.5 : Buch 0.5 = 1/2 : 1/2.
    // das:  the 1/2 + 2/3 = 7/6, house 1/3, book 1/3 (total 11/6) → 7/11, 2/11, 2/11
    // Buch: the 1/3, book 2/3 + 1/2 = 7/6, a 1/3 (total 11/6)       → 2/11, 7/11, 2/11
    // ein:  a 2/3, book 1/2 (total 7/6)                              → 4/7, 3/7
    // Haus: the 1/2, house 2/3 (total 7/6)                           → 3/7, 4/7
    const expected: Record<string, number> = {
      "the|das": 7 / 11,
      "book|das": 2 / 11,
      "house|das": 2 / 11,
      "the|buch": 2 / 11,
      "book|buch": 7 / 11,
      "a|buch": 2 / 11,
      "book|ein": 3 / 7,
      "a|ein": 4 / 7,
      "the|haus": 3 / 7,
      "house|haus": 4 / 7,
    };
    for (const [k, v] of Object.entries(expected)) expect(snapshots[1][k], k).toBeCloseTo(v, 6);
    // Koehn's printed table (4 decimals): 0.6364 0.1818 0.1818 | 0.1818 0.6364 0.1818 | 0.4286 0.5714 | …
    expect(snapshots[1]["the|das"]).toBeCloseTo(0.6364, 4);
    expect(snapshots[1]["a|ein"]).toBeCloseTo(0.5714, 4);
  });

  it("iteration 3 matches the book's third row (0.7479 0.1208 0.1313 …)", () => {
    const s = snapshots[2];
    expect(s["the|das"]).toBeCloseTo(0.7479, 4);
    expect(s["book|das"]).toBeCloseTo(0.1208, 4);
    expect(s["house|das"]).toBeCloseTo(0.1313, 4);
    expect(s["book|buch"]).toBeCloseTo(0.7479, 4);
    expect(s["a|ein"]).toBeCloseTo(0.6534, 4);
    expect(s["house|haus"]).toBeCloseTo(0.6534, 4);
  });

  it("t(the|das), t(book|Buch), t(house|Haus), t(a|ein) rise at every iteration towards 1", () => {
    for (const k of ["the|das", "book|buch", "house|haus", "a|ein"]) {
      for (let i = 1; i < snapshots.length; i++)
        expect(snapshots[i][k], `${k} @${i + 1}`).toBeGreaterThan(snapshots[i - 1][k]);
      expect(snapshots[snapshots.length - 1][k], k).toBeGreaterThan(0.95);
    }
    for (const k of ["book|das", "the|buch", "the|haus", "book|ein"]) {
      expect(snapshots[snapshots.length - 1][k], k).toBeLessThan(0.05);
    }
  });

  it("the log-likelihood never decreases (EM)", () => {
    // iteration 1 starts from t = 1/4: each of the 6 words has Σ_i t / 2 = 1/4 → 6 log(1/4)
    expect(lls[0]).toBeCloseTo(6 * Math.log(0.25), 12);
    for (let i = 1; i < lls.length; i++) expect(lls[i]).toBeGreaterThanOrEqual(lls[i - 1] - 1e-12);
  });

  it("the trained model aligns the toy pairs", () => {
    const m = trainIbmModel1(KOEHN, { iterations: 10, nullWord: false });
    expect([...m.viterbi(["das", "Haus"], ["the", "house"])].sort()).toEqual(["0-0", "1-1"]);
    expect([...m.viterbi(["ein", "Buch"], ["a", "book"])].sort()).toEqual(["0-0", "1-1"]);
  });
});

describe("synthetic dictionary corpus: every link known", () => {
  const { corpus, gold } = dictionaryCorpus(300, 7);
  const methods: ClassicalMethod[] = ["ibm1", "ibm2"];

  it("the generator reorders (a diagonal prior alone would not do)", () => {
    const monotone = gold.filter((g) => [...g].every((k) => k.split("-")[0] === k.split("-")[1])).length;
    expect(monotone).toBeLessThan(gold.length / 4);
  });

  for (const method of methods) {
    it(`${method}: AER 0 with grow-diag-final-and, intersect and each direction`, () => {
      const al = trainClassicalAligner(corpus, { method });
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
    });
  }

  it("the check can fail: without EM (uniform t) nothing is linked, AER 1", () => {
    // Every target word's candidates tie and NULL (position 0) wins the tie. (One iteration is already
    // right on this corpus: t ∝ co-occurrence counts, and only the translation always co-occurs.)
    const none = trainClassicalAligner(corpus, { method: "ibm1", iterations: 0 });
    expect(
      aer(
        corpus.src.map((s, k) => none.align(s, corpus.tgt[k])),
        gold,
      ),
    ).toBe(1);
    const ibm2 = trainClassicalAligner(corpus, { method: "ibm2", iterations: 0, model1Iterations: 0 });
    expect(
      aer(
        corpus.src.map((s, k) => ibm2.align(s, corpus.tgt[k])),
        gold,
      ),
    ).toBe(1);
  });

  // An untranslated word in about half the sentences (≈ 9% of the source words). With 300 pairs
  // Model 2's a(i | j, l, m), one table per length pair, overfits a few rare (l, m) for some seeds and
  // links a target word to the untranslated word (AER ≈ 0.001); 600 pairs are enough.
  const withNull = dictionaryCorpus(600, 11, ["x0"]);
  for (const method of methods) {
    it(`${method}: source words without a translation stay unaligned (AER 0)`, () => {
      const { corpus: c, gold: g } = withNull;
      expect(g.some((links, k) => links.size < c.src[k].length)).toBe(true);
      const al = trainClassicalAligner(c, { method });
      for (const how of ["grow-diag-final-and", "intersect"] as const) {
        const predicted = c.src.map((s, k) => al.align(s, c.tgt[k], how));
        expect(aer(predicted, g), how).toBe(0);
      }
    });
  }

  it("without the NULL word the untranslated words must link somewhere (AER > 0 backward)", () => {
    const { corpus: c, gold: g } = withNull;
    const al = trainClassicalAligner(c, { method: "ibm1", nullWord: false });
    const predicted = c.src.map((s, k) => al.alignBackward(s, c.tgt[k]));
    expect(aer(predicted, g)).toBeGreaterThan(0);
  });

  it("posterior: target × source rows summing to 1, peaked on the gold link", () => {
    const al = trainClassicalAligner(corpus, { method: "ibm2" });
    const [s, t] = [corpus.src[0], corpus.tgt[0]];
    const p = al.posterior(s, t);
    expect(p.length).toBe(t.length);
    for (const row of p) {
      expect(row.length).toBe(s.length);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    for (const k of gold[0]) {
      const [i, j] = k.split("-").map(Number);
      expect(p[j][i]).toBeGreaterThan(0.9);
    }
  });

  it("onProgress counts every iteration of both directions", () => {
    const calls: [number, number][] = [];
    trainClassicalAligner(corpus, {
      method: "ibm2",
      iterations: 2,
      onProgress: (d, n) => calls.push([d, n]),
    });
    // 5 Model 1 + 2 Model 2 iterations, twice
    expect(calls.length).toBe(14);
    expect(calls[0]).toEqual([1, 14]);
    expect(calls[13]).toEqual([14, 14]);
  });
});

describe("IBM Model 2", () => {
  it("EM: the log-likelihood never decreases (Model 1 then Model 2)", () => {
    const { corpus } = dictionaryCorpus(120, 3, ["x0"]);
    const m1: number[] = [];
    const m2: number[] = [];
    trainIbmModel2(corpus, {
      iterations: 8,
      model1Iterations: 4,
      onModel1Iteration: (_i, ll) => m1.push(ll),
      onIteration: (_i, ll) => m2.push(ll),
    });
    expect(m1.length).toBe(4);
    expect(m2.length).toBe(8);
    const all = [...m1, ...m2];
    for (let i = 1; i < all.length; i++)
      expect(all[i], `iteration ${i + 1}`).toBeGreaterThanOrEqual(all[i - 1] - 1e-9);
    expect(all[all.length - 1]).toBeGreaterThan(all[0]);
  });

  it("learns a(i | j, l, m): on a monotone corpus it resolves repeated words that Model 1 cannot", () => {
    // Monotone dictionary sentences of length 4; one word pair "a"/"A" appears twice in some of them.
    const rand = seeded(5);
    const src: string[][] = [];
    const tgt: string[][] = [];
    for (let n = 0; n < 200; n++) {
      const ids = shuffle([...Array(12).keys()], rand).slice(0, 4);
      const s = ids.map((k) => `s${k}`);
      if (n % 4 === 0) {
        s[0] = "a";
        s[2] = "a";
      }
      src.push(s);
      tgt.push(s.map((w) => (w === "a" ? "A" : `T${w.slice(1)}`)));
    }
    const pair = [
      ["a", "s1", "a", "s2"],
      ["A", "T1", "A", "T2"],
    ];
    const m1 = trainIbmModel1({ src, tgt }, { iterations: 10 });
    const m2 = trainIbmModel2({ src, tgt });
    // Model 1 ties the two "a" for each "A": the lower position wins both.
    expect([...m1.viterbi(pair[0], pair[1])].sort()).toEqual(["0-0", "0-2", "1-1", "3-3"]);
    const p1 = m1.alignmentPosterior(pair[0], pair[1]);
    expect(p1[2][1]).toBeCloseTo(p1[2][3], 12);
    expect([...m2.viterbi(pair[0], pair[1])].sort()).toEqual(["0-0", "1-1", "2-2", "3-3"]);
    const a = new Float64Array(5);
    m2.alignmentPrior(2, 4, 4, a);
    expect(a[3]).toBeGreaterThan(0.9); // a(i = 3 | j = 3, 4, 4), 1-based: the diagonal
  });

  it("distortionSmoothing interpolates a with the uniform (GIZA++'s model23SmoothFactor)", () => {
    const { corpus } = dictionaryCorpus(100, 4);
    const plain = trainIbmModel2(corpus);
    const smooth = trainIbmModel2(corpus, { distortionSmoothing: 0.3 });
    const [a, b] = [new Float64Array(5), new Float64Array(5)];
    let lowest = 1;
    for (let j = 0; j < 4; j++) {
      // l = m = 4 (this corpus has no untranslated words)
      plain.alignmentPrior(j, 4, 4, a);
      smooth.alignmentPrior(j, 4, 4, b);
      expect(b.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 6);
      for (let i = 0; i <= 4; i++) {
        expect(b[i]).toBeGreaterThanOrEqual(Math.fround(0.3 / 5) * (1 - 1e-6));
        lowest = Math.min(lowest, a[i]);
      }
    }
    expect(lowest).toBeLessThan(0.3 / 5); // without smoothing some cells go below that floor
    expect(() => trainIbmModel2(corpus, { distortionSmoothing: 2 })).toThrow(
      /trainIbmModel2: options\.distortionSmoothing must be a number in \[0, 1\]/,
    );
  });

  it("a length pair never seen falls back to the uniform a (Model 1)", () => {
    const m2 = trainIbmModel2(KOEHN, { nullWord: false });
    const a = new Float64Array(4);
    m2.alignmentPrior(0, 3, 5, a);
    expect([...a]).toEqual([0, 1 / 3, 1 / 3, 1 / 3]);
  });
});

describe("words never seen in training, empty sentences", () => {
  for (const method of ["ibm1", "ibm2", "fast"] as const) {
    it(`${method}: no crash, a valid posterior`, () => {
      const al = trainClassicalAligner(KOEHN, { method });
      const src = ["das", "Zebra", "Buch"];
      const tgt = ["the", "zebra", "book", "!"];
      expect(al.forward.translationProb("zebra", "Zebra")).toBe(FLOOR_PROB);
      const links = al.align(src, tgt);
      expect(links.has("0-0")).toBe(true);
      expect(links.has("2-2")).toBe(true);
      for (const row of al.posterior(src, tgt)) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(al.align([], ["the"]).size).toBe(0);
      expect(al.posterior([], ["the"])).toEqual([[]]);
      expect(al.align(["das"], []).size).toBe(0);
    });
  }

  it("pairs with an empty side are skipped in training", () => {
    const al = trainClassicalAligner(
      { src: [...KOEHN.src, [], ["Haus"]], tgt: [...KOEHN.tgt, ["house"], []] },
      { method: "ibm1" },
    );
    expect([...al.align(["das", "Haus"], ["the", "house"])].sort()).toEqual(["0-0", "1-1"]);
  });
});

describe("JSON: a trained aligner saved and loaded aligns alike", () => {
  const { corpus } = dictionaryCorpus(150, 21, ["x0"]);
  for (const method of ["ibm1", "ibm2"] as const) {
    it(`${method}: same links (all symmetrisations) and posteriors after a round trip`, () => {
      const al = trainClassicalAligner(corpus, { method, symmetrize: "grow-diag" });
      const text = JSON.stringify(al);
      const back = classicalAlignerFromJSON(JSON.parse(text));
      expect(back.method).toBe(method);
      expect(back.symmetrization).toBe("grow-diag");
      expect(classicalAlignerFromJSON(text).method).toBe(method); // the text itself is accepted too
      expect(JSON.stringify(back)).toBe(text);
      const probe = {
        src: [...corpus.src.slice(0, 40), ["s1", "unseen", "s2"]],
        tgt: [...corpus.tgt.slice(0, 40), ["T2", "T1"]],
      };
      probe.src.forEach((s, k) => {
        const t = probe.tgt[k];
        for (const how of SYMMETRIZATIONS) {
          expect(back.align(s, t, how)).toEqual(al.align(s, t, how));
        }
        expect(back.align(s, t)).toEqual(al.align(s, t));
        expect(back.posterior(s, t)).toEqual(al.posterior(s, t));
      });
    });
  }

  it("minProb leaves out small entries (a smaller file that still loads)", () => {
    const al = trainClassicalAligner(corpus, { method: "ibm1" });
    const full = JSON.stringify(al.toJSON());
    const pruned = JSON.stringify(al.toJSON({ minProb: 1e-3 }));
    expect(pruned.length).toBeLessThan(full.length / 2);
    const back = classicalAlignerFromJSON(pruned);
    expect(back.align(corpus.src[0], corpus.tgt[0])).toEqual(al.align(corpus.src[0], corpus.tgt[0]));
  });

  it("refuses corrupt input with an error naming the field", () => {
    const good = trainClassicalAligner(KOEHN, { method: "ibm2" }).toJSON();
    // biome-ignore lint/suspicious/noExplicitAny: JSON corrupted on purpose, field by field
    type Loose = any;
    const copy = (): Loose => JSON.parse(JSON.stringify(good));
    const bad = (mutate: (j: Loose) => void): Loose => {
      const j = copy();
      mutate(j);
      return j;
    };
    expect(() => classicalAlignerFromJSON("{not json")).toThrow(/classicalAlignerFromJSON: not valid JSON/);
    expect(() => classicalAlignerFromJSON(null)).toThrow(/expected an object/);
    expect(() => classicalAlignerFromJSON([])).toThrow(/expected an object/);
    expect(() => classicalAlignerFromJSON(bad((j) => (j.format = "x")))).toThrow(/format must be/);
    expect(() => classicalAlignerFromJSON(bad((j) => (j.version = 2)))).toThrow(/unsupported version 2/);
    expect(() => classicalAlignerFromJSON(bad((j) => (j.method = "ibm5")))).toThrow(/method must be one of/);
    expect(() => classicalAlignerFromJSON(bad((j) => (j.symmetrize = "grow")))).toThrow(/symmetrize must be/);
    expect(() => classicalAlignerFromJSON(bad((j) => (j.srcWords[1] = j.srcWords[0])))).toThrow(
      /srcWords\[1\]: "das" appears twice/,
    );
    expect(() => classicalAlignerFromJSON(bad((j) => j.tgtWords.pop()))).toThrow(
      /outside the 3 target forms/,
    );
    expect(() => classicalAlignerFromJSON(bad((j) => (j.forward.table.p[0] = 1.5)))).toThrow(
      /forward\.table\.p\[0\] must be a probability/,
    );
    expect(() => classicalAlignerFromJSON(bad((j) => (j.backward.table.p[2] = "0.5")))).toThrow(
      /backward\.table\.p\[2\]/,
    );
    expect(() => classicalAlignerFromJSON(bad((j) => j.forward.table.rows.pop()))).toThrow(
      /rows must be an array/,
    );
    expect(() => classicalAlignerFromJSON(bad((j) => (j.forward.table.rows[1] += 1)))).toThrow(/rows add up/);
    expect(() => classicalAlignerFromJSON(bad((j) => (j.forward.table.cols[1] = 0)))).toThrow(
      /cols\[1\] must be a positive delta/,
    );
    expect(() => classicalAlignerFromJSON(bad((j) => (j.forward.table.cols[0] = -1)))).toThrow(/cols\[0\]/);
    expect(() => classicalAlignerFromJSON(bad((j) => delete j.backward.distortion))).toThrow(
      /backward\.distortion must be an array/,
    );
    expect(() => classicalAlignerFromJSON(bad((j) => j.forward.distortion[0].p.pop()))).toThrow(
      /forward\.distortion\[0\]\.p must be an array of/,
    );
    expect(() => classicalAlignerFromJSON(bad((j) => (j.forward.distortion[0].l = 0)))).toThrow(
      /distortion\[0\]\.l must be a positive integer/,
    );
  });
});

describe("trainClassicalAligner: input errors name the argument", () => {
  it("corpora of different lengths", () => {
    const src = Array.from({ length: 10 }, () => ["a"]);
    const tgt = Array.from({ length: 9 }, () => ["b"]);
    expect(() => trainClassicalAligner({ src, tgt }, { method: "ibm1" })).toThrow(
      "trainClassicalAligner: train.src has 10 sentences, train.tgt has 9",
    );
  });

  it("malformed corpora and options", () => {
    const ok = { src: [["a"]], tgt: [["b"]] };
    const train = (c: unknown, o: unknown) => () => trainClassicalAligner(c as ParallelCorpus, o as never);
    expect(train(null, { method: "ibm1" })).toThrow(/train must be an object/);
    expect(train({ src: [["a"]] }, { method: "ibm1" })).toThrow(/train\.tgt must be an array/);
    expect(train({ src: ["a b"], tgt: [["b"]] }, { method: "ibm1" })).toThrow(
      /train\.src\[0\] must be an array/,
    );
    expect(train({ src: [["a", 3]], tgt: [["b"]] }, { method: "ibm1" })).toThrow(
      /train\.src\[0\]\[1\] must be a string/,
    );
    expect(train(ok, undefined)).toThrow(/opts must be an object/);
    expect(train(ok, { method: "giza" })).toThrow(/opts\.method must be one of ibm1, ibm2, fast, got "giza"/);
    expect(train(ok, { method: "ibm1", iterations: -1 })).toThrow(
      /opts\.iterations must be a non-negative integer/,
    );
    expect(train(ok, { method: "ibm1", symmetrize: "both" })).toThrow(/opts\.symmetrize must be one of/);
    expect(train(ok, { method: "ibm1", nullWord: 1 })).toThrow(/opts\.nullWord must be true or false/);
    expect(train(ok, { method: "fast", p0: 1 })).toThrow(/p0 must be a number in \[0, 1\)/);
    expect(train(ok, { method: "fast", tension: 0 })).toThrow(/tension must be positive/);
    const al = trainClassicalAligner(ok, { method: "ibm1" });
    expect(() => al.align("a" as never, ["b"])).toThrow(
      "ClassicalAligner.alignForward: src must be an array of words",
    );
    expect(() => al.alignBackward(["a"], [3] as never)).toThrow(
      "ClassicalAligner.alignBackward: tgt[0] must be a string, got number",
    );
    expect(() => al.posterior(["a"], null as never)).toThrow(
      "ClassicalAligner.posterior: tgt must be an array",
    );
    expect(() => al.align(["a"], ["b"], "x" as never)).toThrow(/symmetrization must be one of/);
  });
});

describe("corpus words and lexical forms", () => {
  it("alignmentWords: the whitespace-separated words", () => {
    expect(alignmentWords("  Turn off  the lights.\t")).toEqual(["Turn", "off", "the", "lights."]);
    expect(alignmentWords("")).toEqual([]);
  });

  it("lexicalForm: NFC, lowercase, edge punctuation (danda included) stripped", () => {
    expect(lexicalForm("Lights.")).toBe("lights");
    expect(lexicalForm("«Bonjour»,")).toBe("bonjour");
    expect(lexicalForm("don't")).toBe("don't");
    expect(lexicalForm("है।")).toBe("है");
    expect(lexicalForm("हैं॥")).toBe("हैं");
    expect(lexicalForm("e\u0301té")).toBe("été"); // NFC
    expect(lexicalForm("...")).toBe("...");
    expect(lexicalForm("।")).toBe("।");
    expect(lexicalForm("$5")).toBe("$5");
  });

  it('"lights." and "Lights" share statistics while indices count the words as written', () => {
    const corpus = {
      src: [
        ["Turn", "off", "the", "lights."],
        ["the", "Lights", "are", "on"],
        ["off", "."],
      ],
      tgt: [
        ["éteins", "les", "lumières", "."],
        ["les", "lumières", "sont", "allumées"],
        ["éteint", "."],
      ],
    };
    const m = trainIbmModel1(corpus);
    expect(m.translationProb("lumières", "lights.")).toBe(m.translationProb("Lumières", "LIGHTS"));
    const exact = trainIbmModel1(corpus, { lexicalForms: false });
    expect(exact.translationProb("lumières", "lights")).not.toBe(exact.translationProb("lumières", "Lights"));
    expect(exact.translationProb("lumières", "lights")).toBe(FLOOR_PROB);
  });
});
