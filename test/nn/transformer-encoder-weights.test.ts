/** The encoder's self-attention maps (what the explorer shows as intra-attention): per layer, per head. */
import { describe, expect, it } from "vitest";
import { paddingMask } from "../../src/attention/masks.js";
import { TransformerModel } from "../../src/models/transformer/index.js";
import { TransformerEncoder } from "../../src/nn/index.js";
import { manualSeed, randn } from "../../src/tensor/index.js";

const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe("TransformerEncoder.forwardWithWeights", () => {
  for (const normFirst of [false, true]) {
    it(`normFirst=${normFirst}: same output as forward; layer 0's map is its self-attention on the input`, () => {
      manualSeed(3);
      const enc = new TransformerEncoder({
        dModel: 8,
        nhead: 2,
        numLayers: 2,
        dimFeedforward: 16,
        dropout: 0,
        batchFirst: true,
        normFirst,
      }).eval();
      const x = randn([2, 5, 8]);
      const mask = paddingMask([5, 3]);
      const r = enc.forwardWithWeights(x, { mask });
      expect(maxDiff(r.output.data, enc.forward(x, { mask }).data)).toBe(0);
      expect(r.weights.map((w) => w.shape)).toEqual([
        [2, 2, 5, 5],
        [2, 2, 5, 5],
      ]);
      const layer0 = enc.layers.at(0) as unknown as {
        selfAttn: { forward: (...a: unknown[]) => { weights: { data: Float32Array } } };
        norm1: { forward: (t: unknown) => unknown };
      };
      const q = normFirst ? layer0.norm1.forward(x) : x;
      const want = layer0.selfAttn.forward(q, q, q, { attnMask: mask, averageWeights: false }).weights;
      expect(maxDiff(r.weights[0].data, want.data)).toBeLessThan(1e-7);
      // Rows are distributions over the allowed keys; padded keys (batch 1, j ≥ 3) get nothing.
      for (const w of r.weights) {
        const d = w.data;
        for (let row = 0; row < d.length / 5; row++) {
          const vals = d.subarray(row * 5, row * 5 + 5);
          expect(vals.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
          if (row >= 2 * 5) expect([vals[3], vals[4]]).toEqual([0, 0]); // batch 1 rows
        }
      }
    });
  }

  it("TransformerModel.encode({ needWeights }) keeps every encoder layer's map", () => {
    manualSeed(4);
    const m = new TransformerModel({
      srcVocabSize: 11,
      tgtVocabSize: 9,
      dModel: 8,
      nhead: 2,
      numEncoderLayers: 3,
      numDecoderLayers: 1,
      dimFeedforward: 16,
      dropout: 0,
    }).eval();
    const st = m.encode([4, 5, 6, 7], 1, 4, [4], { needWeights: true });
    expect(st.encoderWeights?.map((w) => w.shape)).toEqual([
      [1, 2, 4, 4],
      [1, 2, 4, 4],
      [1, 2, 4, 4],
    ]);
    expect(m.encode([4, 5, 6, 7], 1, 4, [4]).encoderWeights).toBeUndefined();
  });
});
