import { describe, expect, it } from "vitest";
import {
  alignReadings,
  forcedAlign,
  forcedAlignAll,
  forcedAlignReadings,
  READING_SYMMETRIZATIONS,
  readingName,
  resolveReading,
  transformerReadings,
  withSymmetrizations,
} from "../../src/align/forced.js";
import { bidirectionalLinks } from "../../src/align/symmetrize.js";
import { BpeTokenizer } from "../../src/data/bpe.js";
import type { Tokenizer } from "../../src/data/tokenizers.js";
import { EOS, SOS } from "../../src/data/vocab.js";
import { WordTokenizer } from "../../src/data/word-tokenizer.js";
import { attentionToLinks } from "../../src/eval/alignment.js";
import { Seq2Seq } from "../../src/models/seq2seq/model.js";
import { TransformerModel } from "../../src/models/transformer/model.js";
import { logSoftmax, manualSeed, mean, noGrad, type Tensor } from "../../src/tensor/index.js";

const EN = ["turn off the lights .", "the dog is big .", "i know tom .", "where is the big dog ?"];
const HI = ["बत्तियाँ बंद करो ।", "कुत्ता बड़ा है ।", "मैं टॉम को जानता हूँ ।", "बड़ा कुत्ता कहाँ है ?"];
const srcTok = WordTokenizer.build(EN);
const tgtTok = WordTokenizer.build(HI);

function seq2seq(attention: "bahdanau" | "luong-general", dropout = 0.3): Seq2Seq {
  manualSeed(11);
  return new Seq2Seq({
    srcVocabSize: srcTok.size,
    tgtVocabSize: tgtTok.size,
    embedDim: 8,
    hiddenSize: 6,
    attention,
    dropout,
  });
}

function transformer(src: Tokenizer = srcTok, tgt: Tokenizer = tgtTok, dropout = 0.3): TransformerModel {
  manualSeed(12);
  return new TransformerModel({
    srcVocabSize: src.size,
    tgtVocabSize: tgt.size,
    dModel: 16,
    nhead: 4,
    numEncoderLayers: 2,
    numDecoderLayers: 2,
    dimFeedforward: 32,
    dropout,
  });
}

/**
 * The reference: decode step by step with prev = <sos>, y_0, y_1 … and keep, for each step, the
 * weights returned WITH the logits that score the next target token y_t. `pick` chooses the weights
 * of a step (seq2seq: its one map; Transformer: a layer's head).
 */
function stepByStep<S, R extends { logits: Tensor; state: S }>(
  model: {
    encode(src: number[], B: number, S: number, lengths: number[]): S;
    step(state: S, prev: number[]): R;
    eval(): unknown;
  },
  src: number[],
  tgt: number[],
  pick: (r: R) => number[],
): { rows: number[][]; logProb: number } {
  model.eval();
  return noGrad(() => {
    let state = model.encode(src, 1, src.length, [src.length]);
    const rows: number[][] = [];
    let logProb = 0;
    const prev = [SOS, ...tgt];
    const next = [...tgt, EOS];
    for (let t = 0; t < prev.length; t++) {
      const r = model.step(state, [prev[t]]);
      state = r.state;
      logProb += logSoftmax(r.logits, -1).data[next[t]];
      if (t < tgt.length) rows.push(pick(r));
    }
    return { rows, logProb };
  });
}

function expectRowsClose(a: number[][], b: number[][]): void {
  expect(a.length).toBe(b.length);
  a.forEach((row, t) => {
    expect(row.length).toBe(b[t].length);
    row.forEach((v, s) => {
      expect(v).toBeCloseTo(b[t][s], 5);
    });
  });
}

const SRC = "where is the big dog ?";
const TGT = "बड़ा कुत्ता कहाँ है ?";

describe("forcedAlign: row t is the attention that predicts target token t", () => {
  for (const kind of ["bahdanau", "luong-general"] as const) {
    it(`${kind}: rows equal the weights of the step whose logits score y_t`, () => {
      const model = seq2seq(kind);
      expect(model.training).toBe(true);
      const a = forcedAlign(model, srcTok, tgtTok, SRC, TGT);
      expect(model.training).toBe(true); // restored
      const ref = stepByStep(model, srcTok.encode(SRC), tgtTok.encode(TGT), (r) =>
        Array.from(r.weights?.data ?? []),
      );
      expect(a.tgtTokens.length).toBe(5);
      expectRowsClose(a.tokenWeights, ref.rows);
      expect(a.logProb).toBeCloseTo(ref.logProb, 4);
      // Consecutive steps attend differently, so a shift by one row would not pass.
      expect(
        Math.max(...a.tokenWeights[1].map((v, s) => Math.abs(v - a.tokenWeights[0][s]))),
      ).toBeGreaterThan(1e-4);
      expect(a.reading).toEqual({});
    });
  }

  it("transformer: rows equal the step weights of the chosen layer and head (and the default)", () => {
    const model = transformer();
    const src = srcTok.encode(SRC);
    const tgt = tgtTok.encode(TGT);
    type R = { layerWeights: Tensor[]; weights: Tensor };
    const head = (l: number, h: number) => (r: R) => {
      const w = r.layerWeights[l]; // (1, H, S)
      const S = w.shape[2];
      return Array.from(w.data.subarray(h * S, (h + 1) * S));
    };
    for (const [l, h] of [
      [0, 1],
      [1, 3],
    ]) {
      const a = forcedAlign(model, srcTok, tgtTok, SRC, TGT, { layer: l, head: h });
      expect(a.reading).toEqual({ layer: l, head: h });
      const ref = stepByStep(model, src, tgt, head(l, h));
      expectRowsClose(a.tokenWeights, ref.rows);
      expect(a.logProb).toBeCloseTo(ref.logProb, 4);
    }
    // Default: the last layer's mean over heads, the map decoding keeps as the alignment.
    const d = forcedAlign(model, srcTok, tgtTok, SRC, TGT);
    expect(d.reading).toEqual({ layer: 1, head: "mean" });
    expectRowsClose(d.tokenWeights, stepByStep(model, src, tgt, (r) => Array.from(r.weights.data)).rows);
    // Mean of all layers and heads.
    const all = forcedAlign(model, srcTok, tgtTok, SRC, TGT, { layer: "mean", head: "mean" });
    const ref = stepByStep(model, src, tgt, (r) => {
      const lw = r.layerWeights.map((w) => mean(w, 1).data);
      return Array.from(lw[0], (_, s) => lw.reduce((acc, w) => acc + w[s], 0) / lw.length);
    });
    expectRowsClose(all.tokenWeights, ref.rows);
  });
});

describe("forcedAlign: words, links, batching", () => {
  it("rows sum to 1 over the source tokens (no renormalising needed), links are the argmax", () => {
    const model = seq2seq("bahdanau");
    const a = forcedAlign(model, srcTok, tgtTok, SRC, TGT);
    expect(a.srcWords).toEqual(SRC.split(" "));
    expect(a.tgtWords).toEqual(TGT.split(" "));
    for (const row of a.tokenWeights) expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    expect(a.links).toEqual(attentionToLinks(a.wordWeights));
    expect(a.links.size).toBe(a.tgtWords.length);
  });

  it("symmetrize: the same matrix, links read by rows and columns and combined", () => {
    const pairs = EN.map((source, i) => ({ source, target: HI[i] }));
    for (const model of [seq2seq("luong-general"), transformer()]) {
      const readings = withSymmetrizations([resolveReading(model)]);
      expect(readings.map((r) => r.symmetrize ?? "none")).toEqual([...READING_SYMMETRIZATIONS]);
      const all = forcedAlignReadings(model, srcTok, tgtTok, pairs, readings);
      let differs = false;
      all.forEach((byPair, r) => {
        byPair.forEach((a, i) => {
          expect(a.wordWeights).toEqual(all[0][i].wordWeights); // the matrix is the same
          expect(a.links).toEqual(bidirectionalLinks(a.wordWeights, readings[r].symmetrize ?? "none"));
          if (r > 0 && [...a.links].sort().join() !== [...all[0][i].links].sort().join()) differs = true;
        });
      });
      expect(differs).toBe(true); // the column direction changes some links of these random models
      // intersect ⊆ the rows' links
      all[1].forEach((a, i) => {
        for (const k of a.links) expect(all[0][i].links.has(k)).toBe(true);
      });
    }
  });

  it("symmetrize: resolved, named and checked", () => {
    const m = seq2seq("bahdanau");
    expect(resolveReading(m, { symmetrize: "intersect" })).toEqual({ symmetrize: "intersect" });
    expect(resolveReading(m, { symmetrize: "none" })).toEqual({});
    expect(resolveReading(transformer(), { head: 1, symmetrize: "grow-diag" })).toEqual({
      layer: 1,
      head: 1,
      symmetrize: "grow-diag",
    });
    expect(readingName({ symmetrize: "intersect" })).toBe("its attention, both directions, intersect");
    expect(readingName({ posterior: true, symmetrize: "grow-diag" })).toBe(
      "alignment posterior, both directions, grow-diag",
    );
    expect(() => resolveReading(m, { symmetrize: "both" as never })).toThrow(
      'symmetrize: expected one of none, intersect, union, grow-diag, grow-diag-final, grow-diag-final-and, got "both"',
    );
  });

  it("batched alignment equals one pair at a time (padding does not leak), order kept", () => {
    for (const model of [seq2seq("luong-general"), transformer()]) {
      const pairs = EN.map((source, i) => ({ source, target: HI[i] }));
      const progress: number[] = [];
      const all = forcedAlignAll(model, srcTok, tgtTok, pairs, {
        batchSize: 3,
        onProgress: (done) => progress.push(done),
      });
      expect(progress).toEqual([3, 4]);
      all.forEach((a, i) => {
        const one = forcedAlign(model, srcTok, tgtTok, pairs[i].source, pairs[i].target);
        expect(a.srcWords).toEqual(one.srcWords);
        expectRowsClose(a.tokenWeights, one.tokenWeights);
        expect(a.logProb).toBeCloseTo(one.logProb, 4);
        expect(a.links).toEqual(one.links);
      });
    }
  });

  it("forcedAlignReadings reads every reading from one pass", () => {
    const model = transformer();
    const readings = transformerReadings(model);
    expect(readings.length).toBe(2 * 4 + 2 + 1);
    const pairs = EN.map((source, i) => ({ source, target: HI[i] }));
    const r = forcedAlignReadings(model, srcTok, tgtTok, pairs, readings, { batchSize: 2 });
    readings.forEach((reading, k) => {
      const one = forcedAlign(model, srcTok, tgtTok, EN[2], HI[2], reading);
      expectRowsClose(r[k][2].tokenWeights, one.tokenWeights);
    });
  });

  it("checks readings: head and layer ranges, none on seq2seq", () => {
    const model = transformer();
    expect(() => resolveReading(model, { head: 7 })).toThrow("head 7: the model has 4 heads (0–3)");
    expect(() => resolveReading(model, { layer: 2 })).toThrow(
      "layer 2: the model has 2 decoder layers (0–1)",
    );
    expect(() => resolveReading(seq2seq("bahdanau"), { layer: 0 })).toThrow(
      /seq2seq model has one attention/,
    );
    expect(() => forcedAlign(seq2seq("bahdanau"), srcTok, tgtTok, "   ", TGT)).toThrow(/has no tokens/);
  });
});

describe("forcedAlign with BPE: pieces of one word become one column and one row", () => {
  const bpeSrc = BpeTokenizer.train([...EN, ...EN], { vocabSize: 280 });
  const bpeTgt = BpeTokenizer.train([...HI, ...HI], { vocabSize: 290 });
  it("sums the source pieces, averages the target pieces", () => {
    const model = transformer(bpeSrc, bpeTgt);
    const src = "where is the biggest dog?";
    const tgt = "सबसे बड़ा कुत्ता कहाँ है?";
    const a = forcedAlign(model, bpeSrc, bpeTgt, src, tgt, { layer: 0, head: 2 });
    expect(a.srcWords).toEqual(["where", "is", "the", "biggest", "dog?"]);
    expect(a.srcTokens.length).toBeGreaterThan(a.srcWords.length); // some words are several pieces
    expect(a.tgtTokens.length).toBeGreaterThan(a.tgtWords.length);
    expect(a.wordWeights.length).toBe(a.tgtWords.length);
    for (const row of a.wordWeights) {
      expect(row.length).toBe(a.srcWords.length);
      expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    }
    a.tgtWords.forEach((_, tw) => {
      const rows = a.tokenWeights.filter((_, t) => a.tgtTokenWord[t] === tw);
      expect(rows.length).toBeGreaterThan(0);
      a.srcWords.forEach((_, sw) => {
        let want = 0;
        for (const row of rows)
          for (let s = 0; s < row.length; s++) if (a.srcTokenWord[s] === sw) want += row[s];
        expect(a.wordWeights[tw][sw]).toBeCloseTo(want / rows.length, 6);
      });
    });
    // Links index words, never pieces.
    for (const k of a.links) {
      const [s, t] = k.split("-").map(Number);
      expect(s).toBeLessThan(a.srcWords.length);
      expect(t).toBeLessThan(a.tgtWords.length);
    }
  });
});

describe("forcedAlign reading { posterior: true } (latentAlignment models)", () => {
  function latent(): Seq2Seq {
    manualSeed(13);
    return new Seq2Seq({
      srcVocabSize: srcTok.size,
      tgtVocabSize: tgtTok.size,
      embedDim: 8,
      hiddenSize: 6,
      attention: "bahdanau",
      attentionValues: "embeddings",
      latentAlignment: true,
      dropout: 0,
    });
  }

  it("row t is a_tj p(y_t | v_j, s_t) / p(y_t) of the step that predicts y_t", () => {
    const model = latent();
    const src = srcTok.encode(SRC);
    const tgt = tgtTok.encode(TGT);
    const [prior, post] = forcedAlignReadings(
      model,
      srcTok,
      tgtTok,
      [{ source: SRC, target: TGT }],
      [{}, { posterior: true }],
    ).map((r) => r[0]);
    expect(post.reading).toEqual({ posterior: true });
    const next = [...tgt, EOS];
    let t = 0;
    const ref = stepByStep(model, src, tgt, (r) => {
      const a = Array.from(r.weights!.data);
      const V = r.positionProbs!.shape[2];
      const p = a.map((w, j) => w * r.positionProbs!.data[j * V + next[t]]);
      const z = p.reduce((x, y) => x + y, 0);
      t++;
      return p.map((x) => x / z);
    });
    expectRowsClose(post.tokenWeights, ref.rows);
    for (const row of post.tokenWeights) expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    // The posterior has seen the word, the attention has not: they differ.
    expect(post.tokenWeights.flat().some((v, i) => Math.abs(v - prior.tokenWeights.flat()[i]) > 1e-3)).toBe(
      true,
    );
    expect(post.logProb).toBeCloseTo(prior.logProb, 6);
  });

  it("is refused for a context model and a Transformer, naming why", () => {
    expect(() => resolveReading(seq2seq("bahdanau"), { posterior: true })).toThrow(
      /only a latentAlignment model/,
    );
    expect(() => resolveReading(transformer(), { posterior: true })).toThrow(/only a latentAlignment model/);
    expect(alignReadings(latent())).toEqual([{}, { posterior: true }]);
    expect(alignReadings(seq2seq("bahdanau"))).toEqual([{}]);
  });
});

describe("forcedAlign on a latentAlignment Transformer: the alignment layer is a reading", () => {
  function latentT(): TransformerModel {
    manualSeed(14);
    return new TransformerModel({
      srcVocabSize: srcTok.size,
      tgtVocabSize: tgtTok.size,
      dModel: 16,
      nhead: 4,
      numEncoderLayers: 1,
      numDecoderLayers: 2,
      dimFeedforward: 32,
      dropout: 0,
      latentAlignment: true,
    });
  }

  it('defaults to layer "alignment"; its rows and posterior match the steps that predict y_t', () => {
    const model = latentT();
    const src = srcTok.encode(SRC);
    const tgt = tgtTok.encode(TGT);
    expect(resolveReading(model)).toEqual({ layer: "alignment" });
    expect(transformerReadings(model).slice(0, 2)).toEqual([
      { layer: "alignment" },
      { layer: "alignment", posterior: true },
    ]);
    const [att, post, l1] = forcedAlignReadings(
      model,
      srcTok,
      tgtTok,
      [{ source: SRC, target: TGT }],
      [{}, { posterior: true }, { layer: 1, head: 0 }],
    ).map((r) => r[0]);
    type R = { weights: Tensor; positionProbs?: Tensor; layerWeights: Tensor[] };
    const next = [...tgt, EOS];
    let t = 0;
    const refPost = stepByStep<unknown, R & { logits: Tensor; state: unknown }>(
      model as never,
      src,
      tgt,
      (r) => {
        const a = Array.from(r.weights.data);
        const V = r.positionProbs!.shape[2];
        const p = a.map((w, j) => w * r.positionProbs!.data[j * V + next[t]]);
        const z = p.reduce((x, y) => x + y, 0);
        t++;
        return p.map((x) => x / z);
      },
    );
    const refAtt = stepByStep<unknown, R & { logits: Tensor; state: unknown }>(
      model as never,
      src,
      tgt,
      (r) => Array.from(r.weights.data),
    );
    expectRowsClose(att.tokenWeights, refAtt.rows);
    expectRowsClose(post.tokenWeights, refPost.rows);
    expect(att.logProb).toBeCloseTo(refAtt.logProb, 4);
    // A decoder layer's head is still its own reading, not the alignment layer's.
    expect(l1.tokenWeights.flat().some((v, i) => Math.abs(v - att.tokenWeights.flat()[i]) > 1e-3)).toBe(true);
    expect(() => resolveReading(model, { layer: "alignment", head: 0 })).toThrow(/one head/);
    expect(() => resolveReading(transformer(), { layer: "alignment" })).toThrow(
      /only a latentAlignment Transformer/,
    );
    expect(() => resolveReading(transformer(), { posterior: true })).toThrow(/only a latentAlignment model/);
  });
});
