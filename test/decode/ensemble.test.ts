/** EnsembleDecoder: two copies of one model decode as that model; two models mix their probabilities. */
import { describe, expect, it } from "vitest";
import { beamSearch, EnsembleDecoder, greedyDecode, type StepDecoder } from "../../src/decode/index.js";
import { Seq2Seq } from "../../src/models/seq2seq/index.js";
import { TransformerModel } from "../../src/models/transformer/index.js";
import { manualSeed } from "../../src/tensor/index.js";

const lstm = (seed: number) => {
  manualSeed(seed);
  return new Seq2Seq({
    srcVocabSize: 10,
    tgtVocabSize: 8,
    embedDim: 6,
    hiddenSize: 6,
    attention: "bahdanau",
    dropout: 0,
  }).eval();
};
const transformer = (seed: number) => {
  manualSeed(seed);
  return new TransformerModel({
    srcVocabSize: 10,
    tgtVocabSize: 8,
    dModel: 8,
    nhead: 2,
    numEncoderLayers: 1,
    numDecoderLayers: 1,
    dimFeedforward: 16,
    dropout: 0,
  }).eval();
};
const src = [4, 5, 6, 7, 8, 9, 0, 0];
const lens = [4, 2];

describe("EnsembleDecoder", () => {
  for (const [name, make] of [
    ["Seq2Seq", lstm],
    ["Transformer", transformer],
  ] as const) {
    it(`two copies of one ${name} equal that model: tokens, scores and alignments (greedy and beam)`, () => {
      const a = make(1);
      const b = make(1); // same seed: the same weights, another instance
      const ens = new EnsembleDecoder([a, b] as StepDecoder<unknown>[]);
      const one = a as StepDecoder<unknown>;
      const g1 = greedyDecode(one, src, 2, 4, lens, { maxLength: 8 });
      const g2 = greedyDecode(ens, src, 2, 4, lens, { maxLength: 8 });
      const b1 = beamSearch(one, src, 2, 4, lens, { beamSize: 3, maxLength: 8 });
      const b2 = beamSearch(ens, src, 2, 4, lens, { beamSize: 3, maxLength: 8 });
      for (const [x, y] of [
        [g1, g2],
        [b1, b2],
      ]) {
        expect(y.map((h) => h.tokens)).toEqual(x.map((h) => h.tokens));
        y.forEach((h, i) => {
          expect(h.logProb).toBeCloseTo(x[i].logProb, 5);
          expect(h.alignment.flat().map((w, k) => w - x[i].alignment.flat()[k])).toEqual(
            h.alignment.flat().map(() => expect.closeTo(0, 6)),
          );
        });
      }
    });
  }

  it("mixes two different models' probabilities: log of their mean", () => {
    const a = lstm(1);
    const b = transformer(2);
    const ens = new EnsembleDecoder([a, b] as StepDecoder<unknown>[]);
    const sa = a.encode(src, 2, 4, lens);
    const sb = b.encode(src, 2, 4, lens);
    const prev = [2, 2];
    const pa = a.step(sa, prev).logits.softmax(-1).data;
    const pb = b.step(sb, prev).logits.softmax(-1).data;
    const r = ens.step(ens.encode(src, 2, 4, lens), prev);
    expect(r.logits.shape).toEqual([2, 8]);
    r.logits.data.forEach((x, k) => {
      expect(x).toBeCloseTo(Math.log((pa[k] + pb[k]) / 2), 5);
    });
    const wa = a.step(sa, prev).weights?.data ?? [];
    const wb = b.step(sb, prev).weights?.data ?? [];
    r.weights?.data.forEach((w, k) => {
      expect(w).toBeCloseTo((wa[k] + wb[k]) / 2, 6);
    });
  });

  it("refuses members with different target vocabularies, and no members", () => {
    manualSeed(1);
    const small = new Seq2Seq({ srcVocabSize: 10, tgtVocabSize: 7, embedDim: 4, hiddenSize: 4, dropout: 0 });
    const ens = new EnsembleDecoder([lstm(1), small] as StepDecoder<unknown>[]);
    expect(() => greedyDecode(ens, src, 2, 4, lens)).toThrow(
      "EnsembleDecoder: model 1 gives logits [2,7], model 0 [2, 8] (same target vocabulary needed)",
    );
    expect(() => new EnsembleDecoder([])).toThrow("EnsembleDecoder: no models");
  });
});
