/**
 * Incremental decoding with a KV cache: the decoder fed a few new positions at a time, with a cache,
 * returns the same rows as the full causal forward (≤ 1e-5), for both norm placements and layouts, on
 * every backend; the memory's keys and values are projected once; beam-style reordering follows the
 * batch rows; and misuse is reported clearly.
 */
import { describe, expect, it } from "vitest";
import { causalMask, KVCache, paddingMask } from "../../src/attention/index.js";
import { withBackend } from "../../src/kernels/registry.js";
import { MultiheadAttention, TransformerDecoder, TransformerEncoder } from "../../src/nn/index.js";
import {
  concat,
  indexSelect,
  manualSeed,
  noGrad,
  randn,
  slice,
  type Tensor,
} from "../../src/tensor/index.js";
import { loadTestBackends } from "../helpers/backends.js";

const backends = await loadTestBackends();

function maxDiff(a: Tensor, b: Tensor): number {
  expect([...a.shape]).toEqual([...b.shape]);
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

/** Feeds `tgt` in chunks of the given sizes (along the time axis) through a cached decoder. */
function decodeInChunks(
  dec: TransformerDecoder,
  tgt: Tensor,
  memory: Tensor,
  lengths: number[],
  chunks: number[],
  timeAxis: number,
): Tensor {
  const cache = dec.createCache();
  const outs: Tensor[] = [];
  let at = 0;
  for (const n of chunks) {
    const step = slice(tgt, timeAxis, at, at + n);
    outs.push(dec.forward(step, memory, { memoryMask: paddingMask(lengths), cache }));
    at += n;
    expect(cache.length).toBe(at);
  }
  return concat(outs, timeAxis);
}

for (const backend of backends) {
  describe(`KV cache equals the full causal forward (${backend.name})`, () => {
    for (const normFirst of [false, true]) {
      for (const batchFirst of [true, false]) {
        it(`decoder, normFirst=${normFirst}, batchFirst=${batchFirst}`, () =>
          withBackend(backend, () =>
            noGrad(() => {
              manualSeed(11);
              const cfg = { dModel: 16, nhead: 4, dimFeedforward: 32, numLayers: 2, norm: true };
              const dec = new TransformerDecoder({
                ...cfg,
                normFirst,
                batchFirst,
                activation: "gelu",
              }).eval();
              const [B, T, S] = [3, 7, 5];
              const tgt = randn(batchFirst ? [B, T, 16] : [T, B, 16]);
              const memory = randn(batchFirst ? [B, S, 16] : [S, B, 16]);
              const lengths = [5, 2, 4];
              const full = dec.forward(tgt, memory, {
                tgtMask: causalMask(),
                memoryMask: paddingMask(lengths),
              });
              const timeAxis = batchFirst ? 1 : 0;
              const oneByOne = decodeInChunks(dec, tgt, memory, lengths, [1, 1, 1, 1, 1, 1, 1], timeAxis);
              expect(maxDiff(oneByOne, full)).toBeLessThanOrEqual(1e-5);
              const chunked = decodeInChunks(dec, tgt, memory, lengths, [3, 1, 2, 1], timeAxis);
              expect(maxDiff(chunked, full)).toBeLessThanOrEqual(1e-5);
            }),
          ));
      }
    }

    it("multi-head attention: a self cache appends, a static cache projects the memory once", () =>
      withBackend(backend, () =>
        noGrad(() => {
          manualSeed(3);
          const self = new MultiheadAttention({ embedDim: 8, numHeads: 2, batchFirst: true }).eval();
          const cross = new MultiheadAttention({ embedDim: 8, numHeads: 2, batchFirst: true }).eval();
          const x = randn([2, 5, 8]);
          const mem = randn([2, 4, 8]);
          const fullSelf = self.forward(x, x, x, { isCausal: true }).output;
          const fullCross = cross.forward(x, mem, mem).output;
          const sc = new KVCache("self");
          const cc = new KVCache("static");
          const outSelf: Tensor[] = [];
          const outCross: Tensor[] = [];
          for (let t = 0; t < 5; t++) {
            const xt = slice(x, 1, t, t + 1);
            outSelf.push(self.forward(xt, xt, xt, { isCausal: true, cache: sc }).output);
            // After the first step the memory is not read again: null keys and values are fine.
            outCross.push(
              cross.forward(xt, t === 0 ? mem : null, t === 0 ? mem : null, { cache: cc }).output,
            );
            expect(sc.length).toBe(t + 1);
            expect(cc.length).toBe(4);
          }
          expect(maxDiff(concat(outSelf, 1), fullSelf)).toBeLessThanOrEqual(1e-5);
          expect(maxDiff(concat(outCross, 1), fullCross)).toBeLessThanOrEqual(1e-5);
        }),
      ));

    it("reorder follows the batch rows (beam search)", () =>
      withBackend(backend, () =>
        noGrad(() => {
          manualSeed(5);
          const dec = new TransformerDecoder({
            dModel: 8,
            nhead: 2,
            dimFeedforward: 16,
            numLayers: 2,
            batchFirst: true,
          }).eval();
          const enc = new TransformerEncoder({
            dModel: 8,
            nhead: 2,
            dimFeedforward: 16,
            numLayers: 1,
            batchFirst: true,
          }).eval();
          const memory = enc.forward(randn([1, 4, 8]));
          const tgt = randn([3, 3, 8]);
          // Decode 2 steps with one row, then expand to 3 beams, whose next inputs differ.
          const cache = dec.createCache();
          for (let t = 0; t < 2; t++) dec.forward(slice(slice(tgt, 0, 0, 1), 1, t, t + 1), memory, { cache });
          cache.reorder([0, 0, 0]);
          const stepInputs = slice(tgt, 1, 2, 3); // (3, 1, 8): a different third token per beam
          const y = dec.forward(stepInputs, indexSelect(memory, 0, [0, 0, 0]), { cache });
          // Reference: each beam's full sequence [tgt[0, 0], tgt[0, 1], tgt[b, 2]] through the full forward.
          const prefix = indexSelect(slice(slice(tgt, 0, 0, 1), 1, 0, 2), 0, [0, 0, 0]);
          const seqs = concat([prefix, stepInputs], 1);
          const full = dec.forward(seqs, indexSelect(memory, 0, [0, 0, 0]), { tgtMask: causalMask() });
          expect(maxDiff(y, slice(full, 1, 2, 3))).toBeLessThanOrEqual(1e-5);
        }),
      ));
  });
}

describe("cache misuse is reported", () => {
  it("a target mask with a cache, and a cache from another decoder", () => {
    const dec = new TransformerDecoder({
      dModel: 8,
      nhead: 2,
      dimFeedforward: 16,
      numLayers: 2,
      batchFirst: true,
    });
    const other = new TransformerDecoder({
      dModel: 8,
      nhead: 2,
      dimFeedforward: 16,
      numLayers: 1,
      batchFirst: true,
    });
    const x = randn([1, 1, 8]);
    const mem = randn([1, 3, 8]);
    expect(() => dec.forward(x, mem, { tgtMask: causalMask(), cache: dec.createCache() })).toThrow(
      /with a cache the target mask is implied/,
    );
    expect(() => dec.forward(x, mem, { cache: other.createCache() })).toThrow(
      /the cache has 1 layers, the decoder 2/,
    );
  });

  it("past keys of the wrong shape name both shapes", () => {
    const m = new MultiheadAttention({ embedDim: 8, numHeads: 2, batchFirst: true });
    const cache = new KVCache("self");
    cache.key = randn([1, 2, 3, 4]);
    cache.value = randn([1, 2, 3, 4]);
    const x = randn([2, 1, 8]);
    expect(() => m.forward(x, x, x, { cache })).toThrow(/pastKey and pastValue must both be \[2, 2, 3, 4\]/);
  });
});
