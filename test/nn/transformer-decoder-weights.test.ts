/** The decoder's masked self-attention maps (what the explorer shows beside the cross-attention): per layer, per head. */
import { describe, expect, it } from "vitest";
import { causalMask, paddingMask } from "../../src/attention/masks.js";
import { TransformerModel } from "../../src/models/transformer/index.js";
import { TransformerDecoder } from "../../src/nn/index.js";
import { manualSeed, randn, type Tensor, tensor } from "../../src/tensor/index.js";

const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe("TransformerDecoder.forwardWithWeights({ needSelfWeights })", () => {
  for (const normFirst of [false, true]) {
    it(`normFirst=${normFirst}: same output; layer 0's map is its causal self-attention; the cache gives the same rows`, () => {
      manualSeed(5);
      const dec = new TransformerDecoder({
        dModel: 8,
        nhead: 2,
        numLayers: 2,
        dimFeedforward: 16,
        dropout: 0,
        batchFirst: true,
        normFirst,
      }).eval();
      const T = 4;
      const y = randn([2, T, 8]);
      const memory = randn([2, 5, 8]);
      const opts = { tgtMask: causalMask(), memoryMask: paddingMask([5, 3]) };
      const r = dec.forwardWithWeights(y, memory, { ...opts, needSelfWeights: true });
      expect(maxDiff(r.output.data, dec.forward(y, memory, opts).data)).toBe(0);
      expect(r.selfWeights?.map((w) => w.shape)).toEqual([
        [2, 2, T, T],
        [2, 2, T, T],
      ]);
      expect(r.crossWeights.map((w) => w.shape)).toEqual([
        [2, 2, T, 5],
        [2, 2, T, 5],
      ]);
      expect(dec.forwardWithWeights(y, memory, opts).selfWeights).toBeUndefined();
      const layer0 = dec.layers.at(0) as unknown as {
        selfAttn: { forward: (...a: unknown[]) => { weights: { data: Float32Array } } };
        norm1: { forward: (t: unknown) => unknown };
      };
      const q = normFirst ? layer0.norm1.forward(y) : y;
      const want = layer0.selfAttn.forward(q, q, q, { attnMask: causalMask(), averageWeights: false });
      const self = r.selfWeights ?? [];
      expect(maxDiff(self[0].data, want.weights.data)).toBeLessThan(1e-7);
      // Rows are distributions over the prefix: nothing after the diagonal.
      for (const w of self) {
        for (let row = 0; row < w.size / T; row++) {
          const i = row % T;
          const vals = w.data.subarray(row * T, row * T + T);
          expect(vals.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
          for (let j = i + 1; j < T; j++) expect(vals[j]).toBe(0);
          expect(vals[i]).toBeGreaterThan(0);
        }
      }
      // Step by step with the KV cache: step t's row is (B, H, 1, t + 1), equal to row t of the full map.
      const cache = dec.createCache();
      for (let t = 0; t < T; t++) {
        const s = dec.forwardWithWeights(positionOf(y, t), memory, {
          memoryMask: opts.memoryMask,
          cache,
          needSelfWeights: true,
        });
        for (let l = 0; l < 2; l++) {
          const w = (s.selfWeights ?? [])[l];
          expect(w.shape).toEqual([2, 2, 1, t + 1]);
          for (let bh = 0; bh < 4; bh++) {
            const got = w.data.subarray(bh * (t + 1), (bh + 1) * (t + 1));
            const full = self[l].data.subarray((bh * T + t) * T, (bh * T + t) * T + t + 1);
            expect(maxDiff(got, full)).toBeLessThan(1e-5);
          }
        }
      }
    });
  }

  it("TransformerModel.decodeAll({ needWeights, needSelfWeights }) keeps every decoder layer's map", () => {
    manualSeed(6);
    const m = new TransformerModel({
      srcVocabSize: 11,
      tgtVocabSize: 9,
      dModel: 8,
      nhead: 2,
      numEncoderLayers: 1,
      numDecoderLayers: 3,
      dimFeedforward: 16,
      dropout: 0,
    }).eval();
    const { memory } = m.encode([4, 5, 6, 7], 1, 4, [4]);
    const r = m.decodeAll(memory, [4], [2, 5, 6], 3, { needWeights: true, needSelfWeights: true });
    expect(r.selfWeights?.map((w) => w.shape)).toEqual([
      [1, 2, 3, 3],
      [1, 2, 3, 3],
      [1, 2, 3, 3],
    ]);
    expect(m.decodeAll(memory, [4], [2, 5, 6], 3, { needWeights: true }).selfWeights).toBeUndefined();
  });
});

/** Position t of every batch row of x (B, T, E), as (B, 1, E). */
function positionOf(x: Tensor, t: number): Tensor {
  const [B, T, E] = x.shape;
  const out: number[] = [];
  for (let b = 0; b < B; b++) out.push(...x.data.subarray((b * T + t) * E, (b * T + t + 1) * E));
  return tensor(out, [B, 1, E]);
}
