/**
 * TransformerModel with crossAttentionValues "embeddings": every decoder layer's cross-attention takes
 * its queries from the decoder, its keys from the memory and its values from √d · E_src[src] (no
 * positions, no encoder) through the layer's own W^V. Checked by hand for a layer and its heads; a
 * source token's embedding row reaches the values at its own positions only (the memory's values are
 * contextual: every position moves); the KV cache (step, memoryCache, beams) equals decoding without
 * it and the teacher-forced forward; "memory" stays the default; checkpoints round-trip and bad values
 * are refused; ONNX export refuses the mode.
 */

import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { validateCheckpointMeta } from "../../src/checkpoint/format.js";
import { beamSearch, EOS_ID, greedyDecode, SOS_ID, type StepDecoder } from "../../src/decode/index.js";
import {
  TransformerModel,
  type TransformerModelConfig,
  type TransformerState,
} from "../../src/models/transformer/index.js";
import { exportTransformerOnnx } from "../../src/onnx/transformer.js";
import { manualSeed, noGrad, type Tensor, tensor } from "../../src/tensor/index.js";
import { saveCheckpoint } from "../../src/train/checkpoint.js";
import { loadModel } from "../../src/train/load-model.js";

const B = 2;
const S = 4;
const T = 3;
const V = 9;
const src = [5, 6, 7, 8, 9, 10, 0, 0];
const srcLengths = [4, 2];
const tgtIn = [2, 4, 5, 2, 6, 0];

function small(extra: Partial<TransformerModelConfig> = {}) {
  return new TransformerModel({
    srcVocabSize: 12,
    tgtVocabSize: V,
    dModel: 8,
    nhead: 2,
    numEncoderLayers: 2,
    numDecoderLayers: 2,
    dimFeedforward: 16,
    dropout: 0,
    crossAttentionValues: "embeddings",
    ...extra,
  });
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst).toBeLessThanOrEqual(tol);
};

describe("TransformerModel crossAttentionValues", () => {
  it('defaults to "memory", rejects unknown values, adds no parameter', () => {
    manualSeed(1);
    const a = small({ crossAttentionValues: undefined });
    expect(a.config.crossAttentionValues).toBe("memory");
    manualSeed(1);
    const b = small();
    expect(b.namedParameters().map(([n, p]) => [n, p.shape])).toEqual(
      a.namedParameters().map(([n, p]) => [n, p.shape]),
    );
    expect(() => small({ crossAttentionValues: "encoder" as never })).toThrow(/crossAttentionValues/);
  });

  it("one layer's cross-attention per head by hand: V = W^V (√d · E_src[src]), K = W^K memory", () =>
    noGrad(() => {
      manualSeed(2);
      const m = small().eval();
      const d = 8;
      const H = 2;
      const dk = d / H;
      const layer = [...m.transformer.decoder.layers][1];
      const mha = layer.multiheadAttn;
      // Record what the layer's cross-attention is given and returns.
      const seen: { q: Tensor; k: Tensor; v: Tensor; out: Tensor }[] = [];
      const orig = mha.forward.bind(mha);
      mha.forward = (q, k, v, opts) => {
        const r = orig(q, k, v, opts);
        seen.push({ q, k: k as Tensor, v: v as Tensor, out: r.output });
        return r;
      };
      const { memory } = m.encode(src, B, S, srcLengths);
      m.forward(src, srcLengths, tgtIn, B, S, T);
      expect(seen.length).toBe(1);
      const { q, k, v, out } = seen[0];
      close(k.data, memory.data); // keys: the memory
      const E = m.srcEmbed.weight.data;
      const x = new Float64Array(B * S * d);
      for (let i = 0; i < B * S; i++)
        for (let j = 0; j < d; j++) x[i * d + j] = E[src[i] * d + j] * Math.sqrt(d);
      close(v.data, x); // values: the scaled source embeddings, no positions
      const p = new Map(m.namedParameters());
      const W = p.get("transformer.decoder.layers.1.multihead_attn.in_proj_weight")!.data; // (3d, d)
      const bias = p.get("transformer.decoder.layers.1.multihead_attn.in_proj_bias")!.data;
      const Wo = p.get("transformer.decoder.layers.1.multihead_attn.out_proj.weight")!.data;
      const bo = p.get("transformer.decoder.layers.1.multihead_attn.out_proj.bias")!.data;
      const proj = (rows: ArrayLike<number>, n: number, part: number) => {
        const r = new Float64Array(n * d);
        for (let i = 0; i < n; i++)
          for (let o = 0; o < d; o++) {
            let s = bias[part * d + o];
            for (let j = 0; j < d; j++) s += W[(part * d + o) * d + j] * rows[i * d + j];
            r[i * d + o] = s;
          }
        return r;
      };
      const Q = proj(q.data, B * T, 0);
      const K = proj(memory.data, B * S, 1);
      const Vv = proj(x, B * S, 2);
      const expected = new Float64Array(B * T * d);
      for (let b = 0; b < B; b++)
        for (let t = 0; t < T; t++) {
          const ctx = new Float64Array(d);
          for (let h = 0; h < H; h++) {
            const e = new Float64Array(srcLengths[b]);
            for (let s = 0; s < srcLengths[b]; s++) {
              let z = 0;
              for (let j = 0; j < dk; j++)
                z += Q[(b * T + t) * d + h * dk + j] * K[(b * S + s) * d + h * dk + j];
              e[s] = z / Math.sqrt(dk);
            }
            const mx = Math.max(...e);
            const w = Array.from(e, (z) => Math.exp(z - mx));
            const sum = w.reduce((a, c) => a + c, 0);
            for (let s = 0; s < srcLengths[b]; s++)
              for (let j = 0; j < dk; j++) ctx[h * dk + j] += (w[s] / sum) * Vv[(b * S + s) * d + h * dk + j];
          }
          for (let o = 0; o < d; o++) {
            let z = bo[o];
            for (let j = 0; j < d; j++) z += Wo[o * d + j] * ctx[j];
            expected[(b * T + t) * d + o] = z;
          }
        }
      close(out.data, expected, 1e-5);
    }));

  it("a source token's embedding row changes the values at its own positions only (memory: all)", () =>
    noGrad(() => {
      const valuesAfterBump = (mode: "memory" | "embeddings") => {
        manualSeed(3);
        const m = small({ crossAttentionValues: mode }).eval();
        const st0 = m.encode(src, B, S, srcLengths);
        const before = m.memoryCache(st0.memory, st0.memoryValues);
        const v0 = Float64Array.from(before.layers[0].cross.value!.data);
        const logits0 = Float64Array.from(m.forward(src, srcLengths, tgtIn, B, S, T).logits.data);
        for (let j = 0; j < 8; j++) m.srcEmbed.weight.data[6 * 8 + j] += 0.5; // token 6: row 0, position 1
        const st = m.encode(src, B, S, srcLengths);
        const v1 = m.memoryCache(st.memory, st.memoryValues).layers[0].cross.value!.data; // (B, H, S, dk)
        const logits1 = m.forward(src, srcLengths, tgtIn, B, S, T).logits.data;
        const moved = new Set<number>();
        for (let i = 0; i < v0.length; i++) {
          if (Math.abs(v0[i] - v1[i]) > 1e-9) {
            const s = Math.floor(i / 4) % S;
            const b = Math.floor(i / (2 * S * 4));
            moved.add(b * S + s);
          }
        }
        let dl = 0;
        for (let i = 0; i < logits0.length; i++) dl = Math.max(dl, Math.abs(logits0[i] - logits1[i]));
        return { moved: [...moved].sort((a, b) => a - b), dl };
      };
      const emb = valuesAfterBump("embeddings");
      expect(emb.moved).toEqual([1]);
      expect(emb.dl).toBeGreaterThan(1e-4);
      const mem = valuesAfterBump("memory");
      expect(mem.moved).toEqual([0, 1, 2, 3]); // contextual values: the whole sentence moves
    }));

  for (const normFirst of [false, true]) {
    it(`step decoding with the KV cache gives the teacher-forced logits and weights (normFirst ${normFirst})`, () =>
      noGrad(() => {
        manualSeed(4);
        const m = small({ normFirst }).eval();
        const full = m.forward(src, srcLengths, tgtIn, B, S, T, { needWeights: true });
        let state = m.encode(src, B, S, srcLengths);
        // Also from a cache whose memory keys and values the encoder projected (the exported path).
        let pre: TransformerState = { ...state, cache: m.memoryCache(state.memory, state.memoryValues) };
        for (let t = 0; t < T; t++) {
          const r = m.step(state, [tgtIn[t], tgtIn[T + t]]);
          const rp = m.step(pre, [tgtIn[t], tgtIn[T + t]]);
          state = r.state;
          pre = rp.state;
          for (let b = 0; b < B; b++) {
            const want = full.logits.data.subarray((b * T + t) * V, (b * T + t + 1) * V);
            close(r.logits.data.subarray(b * V, (b + 1) * V), want);
            close(rp.logits.data.subarray(b * V, (b + 1) * V), want);
            close(
              r.weights.data.subarray(b * S, (b + 1) * S),
              full.weights!.data.subarray((b * T + t) * S, (b * T + t + 1) * S),
            );
          }
        }
      }));
  }

  it("greedy and beam search with the cache equal decoding without it (prefix recomputed)", () =>
    noGrad(() => {
      manualSeed(5);
      const m = small().eval();
      const decoder: StepDecoder<TransformerState> = m;
      const greedy = greedyDecode(decoder, src, B, S, srcLengths, { maxLength: 6 });
      for (let b = 0; b < B; b++) {
        const one = src.slice(b * S, b * S + srcLengths[b]);
        const L = srcLengths[b];
        const { memory, memoryValues } = m.encode(one, 1, L, [L]);
        const prefix = [SOS_ID];
        const out: number[] = [];
        for (let t = 0; t < 6; t++) {
          const r = m.decodeAll(memory, [L], prefix, prefix.length, { lastOnly: true, memoryValues });
          let best = 0;
          for (let v = 1; v < V; v++) if (r.logits.data[v] > r.logits.data[best]) best = v;
          if (best === EOS_ID) break;
          out.push(best);
          prefix.push(best);
        }
        expect(greedy[b].tokens).toEqual(out);
      }
      const beams = beamSearch(decoder, src, B, S, srcLengths, {
        beamSize: 3,
        lengthPenalty: 0,
        maxLength: 6,
      });
      for (let b = 0; b < B; b++) {
        const h = beams[b];
        const finished = h.alignment.length > h.tokens.length;
        const outTokens = finished ? [...h.tokens, EOS_ID] : h.tokens;
        const inTokens = [SOS_ID, ...outTokens.slice(0, -1)];
        const one = src.slice(b * S, b * S + srcLengths[b]);
        const { logits } = m.forward(one, [srcLengths[b]], inTokens, 1, srcLengths[b], inTokens.length);
        let lp = 0;
        outTokens.forEach((tok, t) => {
          const row = logits.data.subarray(t * V, (t + 1) * V);
          const mx = Math.max(...row);
          const z = Math.log(row.reduce((a, c) => a + Math.exp(c - mx), 0)) + mx;
          lp += row[tok] - z;
        });
        expect(Math.abs(lp - h.logProb)).toBeLessThanOrEqual(1e-4);
      }
    }));

  it("decodeAll finds the values encode made for its memory, and refuses a memory without them", () =>
    noGrad(() => {
      manualSeed(6);
      const m = small().eval();
      const { memory, memoryValues } = m.encode(src, B, S, srcLengths);
      const a = m.decodeAll(memory, srcLengths, tgtIn, T, { memoryValues }).logits.data;
      const b = m.decodeAll(memory, srcLengths, tgtIn, T).logits.data;
      close(a, b, 0);
      const copy = tensor(Float32Array.from(memory.data), memory.shape);
      expect(() => m.decodeAll(copy, srcLengths, tgtIn, T)).toThrow(/memoryValues/);
      // "memory" mode ignores values: the memory is its own.
      manualSeed(6);
      const plain = small({ crossAttentionValues: "memory" }).eval();
      const st = plain.encode(src, B, S, srcLengths);
      expect(st.memoryValues).toBeUndefined();
      const c = tensor(Float32Array.from(st.memory.data), st.memory.shape);
      close(
        plain.decodeAll(c, srcLengths, tgtIn, T).logits.data,
        plain.forward(src, srcLengths, tgtIn, B, S, T).logits.data,
        0,
      );
    }));

  it("checkpoint round trip keeps the mode (loadModel), and meta validation refuses bad values", async () => {
    const ROOT = fileURLToPath(new URL("../..", import.meta.url));
    const lstm = JSON.parse(readFileSync(join(ROOT, "pretrained/en-hi/best.json"), "utf8")).meta;
    const config: TransformerModelConfig = {
      srcVocabSize: lstm.srcVocab.length,
      tgtVocabSize: lstm.tgtVocab.length,
      dModel: 8,
      nhead: 2,
      numEncoderLayers: 1,
      numDecoderLayers: 1,
      dimFeedforward: 16,
      dropout: 0,
      crossAttentionValues: "embeddings",
    };
    manualSeed(7);
    const model = new TransformerModel(config).eval();
    const meta = {
      kind: "transformer",
      config,
      task: lstm.task,
      srcVocab: lstm.srcVocab,
      tgtVocab: lstm.tgtVocab,
      ...(lstm.srcTokenizer ? { srcTokenizer: lstm.srcTokenizer, tgtTokenizer: lstm.tgtTokenizer } : {}),
      maxTargetLength: 6,
    };
    const dir = await mkdtemp(join(tmpdir(), "qkv-xvalues-"));
    try {
      await saveCheckpoint(dir, "best", { model: model.stateDict(), meta });
      const { model: loaded } = await loadModel(dir, "best");
      expect(loaded).toBeInstanceOf(TransformerModel);
      const t = loaded as TransformerModel;
      expect(t.config.crossAttentionValues).toBe("embeddings");
      const ids = [5, 6, 7];
      const want = noGrad(() => model.forward(ids, [3], [SOS_ID, 4], 1, 3, 2).logits.data);
      const got = noGrad(() => t.forward(ids, [3], [SOS_ID, 4], 1, 3, 2).logits.data);
      close(got, want, 0);
      // The same weights read as "memory" give other logits: the mode is what was saved.
      const asMemory = new TransformerModel({ ...config, crossAttentionValues: "memory" }).eval();
      asMemory.loadStateDict(model.stateDict());
      const other = noGrad(() => asMemory.forward(ids, [3], [SOS_ID, 4], 1, 3, 2).logits.data);
      expect(Math.max(...Array.from(other, (x, i) => Math.abs(x - want[i])))).toBeGreaterThan(1e-4);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(() =>
      validateCheckpointMeta({ ...meta, config: { ...config, crossAttentionValues: "keys" } }, "x.json"),
    ).toThrow(/meta\.config\.crossAttentionValues must be "memory" or "embeddings", got/);
    expect(() => validateCheckpointMeta(meta, "x.json")).not.toThrow();
  });

  it("ONNX export refuses the mode with a clear error", async () => {
    manualSeed(8);
    await expect(exportTransformerOnnx(small())).rejects.toThrow(
      /crossAttentionValues: embeddings is not exported yet/,
    );
  });
});
