/** decodeAll: batches sorted by length, hypotheses back in input order, each as decoding it alone. */
import { describe, expect, it } from "vitest";
import { decodeAll, decodeLength, greedyDecode, MAX_DECODE_STEPS } from "../../src/decode/index.js";
import { Seq2Seq } from "../../src/models/seq2seq/index.js";
import { manualSeed } from "../../src/tensor/index.js";

manualSeed(9);
const model = new Seq2Seq({
  srcVocabSize: 10,
  tgtVocabSize: 8,
  embedDim: 6,
  hiddenSize: 6,
  attention: "bahdanau",
  dropout: 0,
});
const sources = [[4, 5, 6, 7, 8], [9], [5, 6], [4, 4, 4, 9], [7, 8, 9]];

describe("decodeAll", () => {
  it("returns each source's greedy hypothesis in input order, whatever the batch size", () => {
    const maxLength = decodeLength(5);
    const alone = sources.map((s) => greedyDecode(model, s, 1, s.length, [s.length], { maxLength })[0]);
    model.train();
    for (const batchSize of [1, 2, 64]) {
      const hyps = decodeAll(model, sources, { batchSize, maxLength });
      expect(hyps.map((h) => h.tokens)).toEqual(alone.map((h) => h.tokens));
      hyps.forEach((h, i) => {
        expect(h.alignment.length).toBe(alone[i].alignment.length);
        for (const row of h.alignment) expect(row).toHaveLength(sources[i].length);
      });
    }
    expect(model.training).toBe(true); // put back as it was
  });

  it("refuses empty sources and lengths out of range", () => {
    expect(() => decodeAll(model, [[4], []])).toThrow("decodeAll: source 1 is empty");
    expect(() => decodeAll(model, [[4]], { maxLength: 0 })).toThrow(/maxLength must be an integer from 1/);
    expect(() => decodeAll(model, [[4]], { maxLength: MAX_DECODE_STEPS + 1 })).toThrow(/2058/);
  });
});
