/**
 * Sampling (src/decode/sampling.ts): the exact top-k / top-p masks and temperature on hand-made scores,
 * empirical frequencies of many seeded draws against the exact masked softmax, seed determinism, and
 * the same samples with and without the Transformer's KV cache and whatever the batch.
 */
import { describe, expect, it } from "vitest";
import {
  applyTopK,
  applyTopP,
  decodeAll,
  drawToken,
  greedyDecode,
  type StepDecoder,
  samplingDistribution,
} from "../../src/decode/index.js";
import { Seq2Seq } from "../../src/models/seq2seq/index.js";
import { TransformerModel, type TransformerState } from "../../src/models/transformer/index.js";
import { createRng, indexSelect, manualSeed, type Tensor } from "../../src/tensor/index.js";

const NEG = Number.NEGATIVE_INFINITY;
const kept = (z: Float64Array) => Array.from(z.keys()).filter((v) => z[v] !== NEG);

describe("sampling masks and distribution", () => {
  it("top-k keeps the k best scores, and ties with the k-th", () => {
    const z = Float64Array.from([2, 1, 0, -1, 3]);
    applyTopK(z, 2);
    expect(kept(z)).toEqual([0, 4]);
    expect(z[0]).toBe(2); // kept scores are unchanged
    const ties = Float64Array.from([1, 1, 1, 0]);
    applyTopK(ties, 2);
    expect(kept(ties)).toEqual([0, 1, 2]);
  });

  it("top-p keeps the smallest best-first set whose mass reaches p (HF's rule), at least one token", () => {
    const p = [0.5, 0.3, 0.15, 0.05];
    const masked = (topP: number) => {
      const z = Float64Array.from(p, Math.log);
      applyTopP(z, topP);
      return kept(z);
    };
    expect(masked(0.4)).toEqual([0]);
    expect(masked(0.7)).toEqual([0, 1]);
    expect(masked(0.85)).toEqual([0, 1, 2]);
    expect(masked(0.97)).toEqual([0, 1, 2, 3]);
    expect(masked(1)).toEqual([0, 1, 2, 3]);
    expect(masked(1e-9)).toEqual([0]);
  });

  it("temperature, top-k and top-p compose in HF's order into the renormalised softmax", () => {
    const z = [1, 3, 0.5, 2, -1];
    // τ = 2: softmax(z / 2), exactly.
    const e = z.map((x) => Math.exp(x / 2));
    const sum = e.reduce((a, b) => a + b, 0);
    const d = samplingDistribution(z, { temperature: 2 });
    e.forEach((x, v) => {
      expect(d[v]).toBeCloseTo(x / sum, 12);
    });
    // τ = 2, top-k 3 → {1, 3, 0}; top-p 0.6 on that: p(1) = e^1.5 / (e^1.5 + e^1 + e^0.5) = 0.506 < 0.6,
    // so token 3 joins (mass before it 0.506 < 0.6); token 0 has 0.506 + 0.307 ≥ 0.6 before it: dropped.
    const d2 = samplingDistribution(z, { temperature: 2, topK: 3, topP: 0.6 });
    const z1 = Math.exp(1.5);
    const z3 = Math.exp(1);
    expect(z1 / (z1 + z3 + Math.exp(0.5))).toBeCloseTo(0.506, 3);
    expect(d2[1]).toBeCloseTo(z1 / (z1 + z3), 12);
    expect(d2[3]).toBeCloseTo(z3 / (z1 + z3), 12);
    expect([d2[0], d2[2], d2[4]]).toEqual([0, 0, 0]);
  });

  it("many seeded draws follow the exact masked distribution", () => {
    const z = [0.3, -1.2, 2.0, 1.1, 0.0, -0.4];
    const o = { temperature: 0.8, topK: 4, topP: 0.9 };
    const p = samplingDistribution(z, o);
    const rng = createRng(12345);
    const n = 40_000;
    const counts = new Array(z.length).fill(0);
    for (let i = 0; i < n; i++) counts[drawToken(p, rng())]++;
    p.forEach((pv, v) => {
      if (pv === 0)
        expect(counts[v]).toBe(0); // masked tokens are never drawn
      else expect(Math.abs(counts[v] / n - pv)).toBeLessThan(4 * Math.sqrt((pv * (1 - pv)) / n));
    });
    expect(p.filter((x) => x > 0).length).toBeGreaterThan(1); // the test draws from more than one token
  });

  it("refuses options out of range, naming them", () => {
    const m = new Seq2Seq({ srcVocabSize: 6, tgtVocabSize: 6, embedDim: 4, hiddenSize: 4, dropout: 0 });
    const run = (sample: object) => greedyDecode(m, [4, 5], 1, 2, [2], { sample });
    expect(() => run({ temperature: 0 })).toThrow(
      "greedyDecode: temperature must be a finite number > 0, got 0",
    );
    expect(() => run({ topK: 1.5 })).toThrow("topK must be an integer ≥ 1, got 1.5");
    expect(() => run({ topP: 0 })).toThrow("topP must be in (0, 1], got 0");
    expect(() => run({ topP: 1.1 })).toThrow("topP must be in (0, 1]");
    expect(() => run({ seed: -1 })).toThrow("seed must be an integer");
  });
});

manualSeed(4);
const lstm = new Seq2Seq({
  srcVocabSize: 10,
  tgtVocabSize: 12,
  embedDim: 6,
  hiddenSize: 6,
  attention: "bahdanau",
  dropout: 0,
});
lstm.eval();
const sources = [[4, 5, 6, 7, 8], [9], [5, 6], [4, 4, 4, 9], [7, 8, 9]];

describe("sampled decoding", () => {
  it("is determined by the seed, per sentence, whatever the batch size", () => {
    const sample = { seed: 7, temperature: 1.5 };
    const a = decodeAll(lstm, sources, { sample, batchSize: 64, maxLength: 12 });
    for (const batchSize of [1, 2]) {
      const b = decodeAll(lstm, sources, { sample, batchSize, maxLength: 12 });
      expect(b.map((h) => h.tokens)).toEqual(a.map((h) => h.tokens));
      expect(b.map((h) => h.logProb)).toEqual(a.map((h) => h.logProb));
    }
    const other = decodeAll(lstm, sources, { sample: { ...sample, seed: 8 }, maxLength: 12 });
    expect(other.map((h) => h.tokens)).not.toEqual(a.map((h) => h.tokens));
  });

  it("top-k 1 is greedy search; logProb sums the model's own log-probabilities", () => {
    const greedy = decodeAll(lstm, sources, { maxLength: 12 });
    const top1 = decodeAll(lstm, sources, { sample: { seed: 3, topK: 1, temperature: 0.5 }, maxLength: 12 });
    expect(top1.map((h) => h.tokens)).toEqual(greedy.map((h) => h.tokens));
    top1.forEach((h, i) => {
      expect(h.logProb).toBeCloseTo(greedy[i].logProb, 5);
    });
  });

  it("the Transformer samples the same with and without its KV cache", () => {
    manualSeed(5);
    const tf = new TransformerModel({
      srcVocabSize: 10,
      tgtVocabSize: 12,
      dModel: 8,
      nhead: 2,
      numEncoderLayers: 1,
      numDecoderLayers: 2,
      dimFeedforward: 16,
      dropout: 0,
    });
    tf.eval();
    // Without the cache: every step runs the decoder over the whole prefix (decodeAll, lastOnly).
    type Uncached = { memory: Tensor; srcLengths: number[]; prefix: number[][] };
    const uncached: StepDecoder<Uncached> = {
      encode(src, B, S, srcLengths) {
        const st: TransformerState = tf.encode(src, B, S, srcLengths);
        return { memory: st.memory, srcLengths, prefix: Array.from({ length: B }, () => []) };
      },
      step(state, prev) {
        const prefix = state.prefix.map((p, i) => [...p, prev[i]]); // <sos> first
        const [N, S] = state.memory.shape;
        const T = prefix[0].length;
        const r = tf.decodeAll(state.memory, state.srcLengths, prefix.flat(), T, {
          needWeights: true,
          lastOnly: true,
        });
        return {
          logits: r.logits.reshape([N, r.logits.shape[2]]),
          weights: (r.weights as Tensor).reshape([N, S]),
          state: { ...state, prefix },
        };
      },
      // Finished sentences leave the batch (greedyDecode's row dropping): keep the live rows.
      selectRows(state, index) {
        return {
          memory: indexSelect(state.memory, 0, index),
          srcLengths: Array.from(index, (i) => state.srcLengths[i]),
          prefix: Array.from(index, (i) => state.prefix[i]),
        };
      },
    };
    const src = [4, 5, 6, 7, 8, 9, 0, 0];
    const sample = { seed: 11, temperature: 1.3, topP: 0.95 };
    const cached = greedyDecode(tf, src, 2, 4, [4, 2], { sample, maxLength: 9 });
    const plain = greedyDecode(uncached, src, 2, 4, [4, 2], { sample, maxLength: 9 });
    expect(plain.map((h) => h.tokens)).toEqual(cached.map((h) => h.tokens));
    plain.forEach((h, i) => {
      expect(h.logProb).toBeCloseTo(cached[i].logProb, 4);
    });
    expect(cached.some((h) => h.tokens.length > 1)).toBe(true);
  });
});
