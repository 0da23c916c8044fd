/**
 * The fused decoder step of the Transformer model: one kernel call per decoder layer per step
 * (`decoderLayerStep`, src/kernels/contract.ts: layer norms, projections, cached self-attention,
 * cross-attention, feed-forward), with the KV cache laid out for it and preallocated — no concat, no
 * tensor per intermediate, nothing recorded for autograd. The numbers are those of the unfused layers
 * (nn/transformer-decoder-layer.ts) up to float rounding (test/models/transformer-fused-step.test.ts).
 *
 * The cache (`FusedDecoderCache`): per layer the self-attention keys and values (rows, H, capacity,
 * dH), written at each step's position in place; `capacity` doubles when a step reaches it (the
 * earlier positions copied once), so a sentence of T tokens costs O(log T) copies instead of T
 * concats. The memory's keys and values (rows, H, S, dH) are projected once, with each layer's
 * cross-attention W_k, W_v and biases (what `TransformerModel.memoryCache` computes with the modules).
 * A state stays valid after it was stepped: positions below a state's `position` are never written
 * again — a step from a state whose cache has been written past its position (a second step from the
 * same state) copies the cache first. Selecting rows without repeats (greedy search dropping finished
 * sentences) shares the arrays through a row map; rows with repeats (beams) are copied.
 *
 * Used only where it computes exactly what the layers would: eval mode (no dropout), no gradient
 * recording, not while an export traces the ops, cross-attention values from the memory, sinusoidal
 * or learned positions, standard multi-head attention (packed in-projection with biases, no rotary),
 * affine layer norms, ReLU or GELU. Anything else — and any model option this file does not know —
 * takes the unfused path (the encoder likewise, and also when its weights are asked for). Weights are
 * read from the modules' own tensors at every step (never copied, nothing packed), so an optimizer
 * update is seen by the next step.
 */

import { KVCache } from "../../attention/kv-cache.js";
import type { DecoderLayerWeights, EncoderLayerWeights } from "../../kernels/contract.js";
import {
  layerNormRows,
  encoderLayer as referenceEncoderLayer,
  decoderLayerStep as referenceLayerStep,
  linearRows as referenceLinearRows,
} from "../../kernels/reference/transformer-layers.js";
import { backend } from "../../kernels/registry.js";
import type { LayerNorm } from "../../nn/layer-norm.js";
import { LearnedPositionalEncoding } from "../../nn/learned-positional-encoding.js";
import type { MultiheadAttention } from "../../nn/multihead-attention.js";
import { SinusoidalPositionalEncoding, sinusoidalEncoding } from "../../nn/sinusoidal-positional-encoding.js";
import { TransformerDecoderCache } from "../../nn/transformer-decoder.js";
import { TransformerDecoderLayer } from "../../nn/transformer-decoder-layer.js";
import { TransformerEncoderLayer } from "../../nn/transformer-encoder-layer.js";
import { isGradEnabled, isTracing, Tensor } from "../../tensor/index.js";
import type { TransformerModel } from "./model.js";

/** The first capacity of a fused cache (positions); it doubles as needed. */
export const FUSED_INITIAL_CAPACITY = 32;

/** The arrays a fused cache's rows live in, shared by the caches that select rows of it. */
interface FusedStorage {
  /** Per layer (physical rows, H, S, dH): the memory's keys and values, never written after. */
  memoryKey: readonly Float32Array[];
  memoryValue: readonly Float32Array[];
  capacity: number;
  /** Per layer (physical rows, H, capacity, dH). */
  selfKey: readonly Float32Array[];
  selfValue: readonly Float32Array[];
  /** Positions written so far (by the furthest state on this storage). */
  written: number;
}

/** The decoder's KV cache in the fused step's layout (see the file's comment). */
export class FusedDecoderCache {
  constructor(
    /** H and dH of every layer. */
    readonly heads: number,
    readonly headDim: number,
    /** S: the memory's (padded) length. */
    readonly srcLength: number,
    /** Per row: its source length, and its row in the storage. */
    readonly srcLengths: Int32Array,
    readonly rowMap: Int32Array,
    readonly storage: FusedStorage,
  ) {}

  get rows(): number {
    return this.rowMap.length;
  }

  get capacity(): number {
    return this.storage.capacity;
  }

  /**
   * Rows `index` of this cache at `position`: the same storage through another row map when no row
   * repeats (dropping finished rows costs nothing), else a copy (beams that share a history must not
   * write into each other's rows).
   */
  select(index: ArrayLike<number>, position: number): FusedDecoderCache {
    const idx = Array.from(index);
    for (const r of idx) {
      if (!Number.isInteger(r) || r < 0 || r >= this.rows) {
        throw new Error(`FusedDecoderCache: row ${r} out of range for ${this.rows} rows`);
      }
    }
    if (new Set(idx).size < idx.length) return this.copy(position, this.capacity, idx);
    return new FusedDecoderCache(
      this.heads,
      this.headDim,
      this.srcLength,
      Int32Array.from(idx, (r) => this.srcLengths[r]),
      Int32Array.from(idx, (r) => this.rowMap[r]),
      this.storage,
    );
  }

  /** A cache on its own storage of `capacity` positions holding this one's first `positions`, rows `index` (all by default). */
  copy(positions: number, capacity: number, index?: ArrayLike<number>): FusedDecoderCache {
    const { heads: H, headDim: dH, srcLength: S, storage } = this;
    const rows = index ? Array.from(index) : Array.from({ length: this.rows }, (_, r) => r);
    const phys = rows.map((r) => this.rowMap[r]);
    const n = rows.length;
    const gatherSelf = (src: Float32Array) => {
      const out = new Float32Array(n * H * capacity * dH);
      phys.forEach((r, i) => {
        for (let h = 0; h < H; h++) {
          const from = (r * H + h) * storage.capacity * dH;
          out.set(src.subarray(from, from + positions * dH), (i * H + h) * capacity * dH);
        }
      });
      return out;
    };
    const per = H * S * dH;
    const identity = phys.length * per === storage.memoryKey[0]?.length && phys.every((r, i) => r === i);
    const gatherMemory = (src: Float32Array) => {
      if (identity) return src; // never written: shared
      const out = new Float32Array(n * per);
      phys.forEach((r, i) => {
        out.set(src.subarray(r * per, (r + 1) * per), i * per);
      });
      return out;
    };
    return new FusedDecoderCache(
      H,
      dH,
      S,
      Int32Array.from(rows, (r) => this.srcLengths[r]),
      Int32Array.from({ length: n }, (_, i) => i),
      {
        memoryKey: storage.memoryKey.map(gatherMemory),
        memoryValue: storage.memoryValue.map(gatherMemory),
        capacity,
        selfKey: storage.selfKey.map(gatherSelf),
        selfValue: storage.selfValue.map(gatherSelf),
        written: positions,
      },
    );
  }

  /**
   * The same keys and values as the unfused path's cache (TransformerDecoderCache of KVCache
   * tensors), holding the first `positions` positions: for a state that leaves the fused path.
   */
  toDecoderCache(positions: number): TransformerDecoderCache {
    const { rows, heads: H, headDim: dH, srcLength: S } = this;
    const c = this.copy(positions, Math.max(positions, 1)).storage;
    const n = rows * H * positions * dH;
    return new TransformerDecoderCache(
      c.selfKey.map((_, l) => {
        const self = new KVCache("self");
        if (positions > 0) {
          self.key = new Tensor(c.selfKey[l].subarray(0, n), [rows, H, positions, dH]);
          self.value = new Tensor(c.selfValue[l].subarray(0, n), [rows, H, positions, dH]);
        }
        const cross = new KVCache("static");
        cross.key = new Tensor(c.memoryKey[l], [rows, H, S, dH]);
        cross.value = new Tensor(c.memoryValue[l], [rows, H, S, dH]);
        return { self, cross };
      }),
    );
  }
}

/**
 * `fields` with the fused cache and, as `cache`, the unfused path's view of it (TransformerDecoderCache
 * of tensors), made on first read only (what an export or a test reads; decoding never does), holding
 * the first `position` positions.
 */
export function withFusedCache<T extends object>(
  fields: T,
  fused: FusedDecoderCache,
  position: number,
): T & { fused: FusedDecoderCache; cache: TransformerDecoderCache } {
  let view: TransformerDecoderCache | null = null;
  return Object.defineProperty({ ...fields, fused }, "cache", {
    enumerable: true,
    get: () => {
      view ??= fused.toDecoderCache(position);
      return view;
    },
  }) as T & { fused: FusedDecoderCache; cache: TransformerDecoderCache };
}

/** The resolved config options the fused step knows, with the values it supports (any value: null). */
const KNOWN_OPTIONS: Record<string, readonly unknown[] | null> = {
  srcVocabSize: null,
  tgtVocabSize: null,
  dModel: null,
  nhead: null,
  numEncoderLayers: null,
  numDecoderLayers: null,
  dimFeedforward: null,
  dropout: null,
  activation: ["relu", "gelu"],
  normFirst: null,
  layerNormEps: null,
  positions: ["sinusoidal", "learned"],
  maxLength: null,
  tieOutput: null,
  crossAttentionValues: ["memory"],
  latentAlignment: null,
  kvHeads: null, // only = nhead (plain multi-head attention): optionsSupported
  window: [null, undefined],
};

/** What the fused step reads from a model: every decoder layer's weights, the final norm, the output. */
export interface FusedWeights {
  layers: DecoderLayerWeights[];
  norm: { weight: Float32Array; bias: Float32Array } | null;
  out: { weight: Float32Array; bias: Float32Array | null };
}

/** Whether every option of the model's config is one the fused layers compute as the modules do. */
function optionsSupported(model: TransformerModel): boolean {
  // Training (dropout), gradients, and tracing (an export must see every op) take the modules.
  if (model.training || isGradEnabled() || isTracing()) return false;
  for (const [k, v] of Object.entries(model.config)) {
    const allowed = KNOWN_OPTIONS[k];
    if (allowed === undefined) {
      if (v !== undefined && v !== null && v !== false) return false; // an option this file does not know
    } else if (allowed !== null && !allowed.includes(v)) return false;
  }
  // Grouped-query attention (fewer K/V heads than query heads) takes the modules.
  return model.config.kvHeads === undefined || model.config.kvHeads === model.config.nhead;
}

/** The tensors' arrays, or null when one is missing. */
function arraysOf(ts: (Tensor | null | undefined)[]): Float32Array[] | null {
  return ts.some((t) => !t) ? null : ts.map((t) => (t as Tensor).data);
}

/** A standard multi-head attention's in/out projections and biases (packed, no rotary), or null. */
function attentionArrays(mha: MultiheadAttention, d: number, H: number): Float32Array[] | null {
  if (mha.rotary || mha.embedDim !== d || mha.numHeads !== H) return null;
  return arraysOf([
    mha.maybeParam("in_proj_weight"),
    mha.maybeParam("in_proj_bias"),
    mha.outProj.weight,
    mha.outProj.bias,
  ]);
}

/** A final or layer norm's γ and β, or null (no affine parameters, or another ε). */
function normArrays(norm: LayerNorm, eps: number): Float32Array[] | null {
  return norm.eps === eps ? arraysOf([norm.weight, norm.bias]) : null;
}

/**
 * The model's decoder weights for the fused step (the tensors' own arrays, read now), or null where
 * the fused step would not compute what the unfused layers do (see the file's comment).
 */
export function fusedWeights(model: TransformerModel): FusedWeights | null {
  if (!optionsSupported(model)) return null;
  const { dModel: d, nhead: H, layerNormEps: eps } = model.config;
  const decoder = model.transformer.decoder;
  const layers: DecoderLayerWeights[] = [];
  for (const layer of decoder.layers) {
    if (Object.getPrototypeOf(layer) !== TransformerDecoderLayer.prototype) return null;
    const sa = attentionArrays(layer.selfAttn, d, H);
    const ca = attentionArrays(layer.multiheadAttn, d, H);
    const ff = arraysOf([layer.linear1.weight, layer.linear1.bias, layer.linear2.weight, layer.linear2.bias]);
    const n1 = normArrays(layer.norm1, eps);
    const n2 = normArrays(layer.norm2, eps);
    const n3 = normArrays(layer.norm3, eps);
    if (!sa || !ca || !ff || !n1 || !n2 || !n3) return null;
    layers.push({
      selfIn: sa[0],
      selfInBias: sa[1],
      selfOut: sa[2],
      selfOutBias: sa[3],
      crossIn: ca[0],
      crossInBias: ca[1],
      crossOut: ca[2],
      crossOutBias: ca[3],
      linear1: ff[0],
      linear1Bias: ff[1],
      linear2: ff[2],
      linear2Bias: ff[3],
      norm1: n1[0],
      norm1Bias: n1[1],
      norm2: n2[0],
      norm2Bias: n2[1],
      norm3: n3[0],
      norm3Bias: n3[1],
    });
  }
  const norm = decoder.norm ? normArrays(decoder.norm, eps) : null;
  if (decoder.norm && !norm) return null;
  return {
    layers,
    norm: norm ? { weight: norm[0], bias: norm[1] } : null,
    out: { weight: model.out.weight.data, bias: model.out.bias?.data ?? null },
  };
}

/** The encoder's weights for the fused encoder layers, or null (as `fusedWeights`). */
export function fusedEncoderWeights(
  model: TransformerModel,
): { layers: EncoderLayerWeights[]; norm: { weight: Float32Array; bias: Float32Array } | null } | null {
  if (!optionsSupported(model)) return null;
  const { dModel: d, nhead: H, layerNormEps: eps } = model.config;
  const encoder = model.transformer.encoder;
  const layers: EncoderLayerWeights[] = [];
  for (const layer of encoder.layers) {
    if (Object.getPrototypeOf(layer) !== TransformerEncoderLayer.prototype) return null;
    const sa = attentionArrays(layer.selfAttn, d, H);
    const ff = arraysOf([layer.linear1.weight, layer.linear1.bias, layer.linear2.weight, layer.linear2.bias]);
    const n1 = normArrays(layer.norm1, eps);
    const n2 = normArrays(layer.norm2, eps);
    if (!sa || !ff || !n1 || !n2) return null;
    layers.push({
      selfIn: sa[0],
      selfInBias: sa[1],
      selfOut: sa[2],
      selfOutBias: sa[3],
      linear1: ff[0],
      linear1Bias: ff[1],
      linear2: ff[2],
      linear2Bias: ff[3],
      norm1: n1[0],
      norm1Bias: n1[1],
      norm2: n2[0],
      norm2Bias: n2[1],
    });
  }
  const norm = encoder.norm ? normArrays(encoder.norm, eps) : null;
  if (encoder.norm && !norm) return null;
  return { layers, norm: norm ? { weight: norm[0], bias: norm[1] } : null };
}

/**
 * The encoder over x (B × S × d, the embedded source, overwritten): every layer in one kernel call
 * each, then the final norm. Returns the memory's array (x, or the normed copy).
 */
export function runFusedEncoder(
  model: TransformerModel,
  weights: NonNullable<ReturnType<typeof fusedEncoderWeights>>,
  x: Float32Array,
  B: number,
  S: number,
  srcLengths: Int32Array,
): Float32Array {
  const layer = backend().encoderLayer ?? referenceEncoderLayer;
  const c = model.config;
  for (const w of weights.layers) {
    layer(x, {
      rows: B,
      srcLength: S,
      dModel: c.dModel,
      heads: c.nhead,
      dimFeedforward: c.dimFeedforward,
      normFirst: c.normFirst,
      activation: c.activation,
      eps: c.layerNormEps,
      srcLengths,
      weights: w,
    });
  }
  if (!weights.norm) return x;
  const out = new Float32Array(x.length);
  layerNormRows(x, B * S, c.dModel, weights.norm.weight, weights.norm.bias, c.layerNormEps, out);
  return out;
}

/** Rows of `sinusoidalEncoding` computed so far, per d (a table of constants, grown as decoding goes). */
const sinusoidalTables = new Map<number, Float32Array>();

/** Row `position` of the sinusoidal table for width d (as `sinusoidalEncoding(1, d, position)`). */
function sinusoidalRow(d: number, position: number): Float32Array {
  let table = sinusoidalTables.get(d);
  if (!table || table.length < (position + 1) * d) {
    const rows = Math.max(64, 2 * (position + 1));
    table = sinusoidalEncoding(rows, d).data;
    sinusoidalTables.set(d, table);
  }
  return table.subarray(position * d, (position + 1) * d);
}

/**
 * The decoder's input at `position` for tokens `prev` without tensors: √d · E[prev] + PE(position)
 * (eval mode: no dropout), as TransformerModel's embedding computes it; null where that is not
 * computed here (an id out of range, or a learned position past its table): the caller then embeds
 * with the modules, which say what is wrong.
 */
export function embedStep(
  model: TransformerModel,
  prev: ArrayLike<number>,
  position: number,
): Float32Array | null {
  const d = model.config.dModel;
  const V = model.config.tgtVocabSize;
  const table = model.tgtEmbed.weight.data;
  let pe: Float32Array;
  if (model.positions instanceof SinusoidalPositionalEncoding) pe = sinusoidalRow(d, position);
  else if (model.positions instanceof LearnedPositionalEncoding && position < model.config.maxLength)
    pe = model.positions.weight.data.subarray(position * d, (position + 1) * d);
  else return null; // positions inside the attention (rope, alibi) are not fused (optionsSupported)
  const scale = Math.fround(Math.sqrt(d));
  const x = new Float32Array(prev.length * d);
  for (let n = 0; n < prev.length; n++) {
    const id = prev[n];
    if (!Number.isInteger(id) || id < 0 || id >= V) return null;
    for (let i = 0; i < d; i++) x[n * d + i] = Math.fround(table[id * d + i] * scale) + pe[i];
  }
  return x;
}

/**
 * A fused cache for a state whose memory is `memory` (N, S, d): each layer's memory keys and values
 * projected now by its cross-attention's W_k, W_v (rows d … 3d of its in-projection) and biases, as
 * `TransformerModel.memoryCache` would, laid out (N, H, S, dH).
 */
export function startFusedCache(
  model: TransformerModel,
  weights: FusedWeights,
  memory: Tensor,
  srcLengths: readonly number[],
): FusedDecoderCache {
  const [N, S, d] = memory.shape;
  const H = model.config.nhead;
  const dH = d / H;
  const keys: Float32Array[] = [];
  const values: Float32Array[] = [];
  for (const w of weights.layers) {
    const kv = linearRows(memory.data, N * S, d, w.crossIn.subarray(d * d), 2 * d, w.crossInBias.subarray(d));
    const k = new Float32Array(N * S * d);
    const v = new Float32Array(N * S * d);
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < S; j++) {
        const from = (n * S + j) * 2 * d;
        for (let h = 0; h < H; h++) {
          const to = ((n * H + h) * S + j) * dH;
          k.set(kv.subarray(from + h * dH, from + (h + 1) * dH), to);
          v.set(kv.subarray(from + d + h * dH, from + d + (h + 1) * dH), to);
        }
      }
    }
    keys.push(k);
    values.push(v);
  }
  const cap = FUSED_INITIAL_CAPACITY;
  return new FusedDecoderCache(
    H,
    dH,
    S,
    Int32Array.from(srcLengths),
    Int32Array.from({ length: N }, (_, i) => i),
    {
      memoryKey: keys,
      memoryValue: values,
      capacity: cap,
      selfKey: keys.map(() => new Float32Array(N * H * cap * dH)),
      selfValue: keys.map(() => new Float32Array(N * H * cap * dH)),
      written: 0,
    },
  );
}

/** The cache a step at `position` may write into: this one, or a copy (forked or grown). */
export function cacheForStep(cache: FusedDecoderCache, position: number): FusedDecoderCache {
  if (cache.storage.written !== position || position >= cache.capacity) {
    const cap = position >= cache.capacity ? 2 * cache.capacity : cache.capacity;
    return cache.copy(position, Math.max(cap, position + 1));
  }
  return cache;
}

/**
 * Every decoder layer's step on x (N × d, the embedded tokens, overwritten with the decoder's output
 * before its final norm), at `position`; returns each layer's cross-attention per head (N × H × S).
 */
export function runFusedLayers(
  model: TransformerModel,
  weights: FusedWeights,
  cache: FusedDecoderCache,
  x: Float32Array,
  position: number,
): Float32Array[] {
  const step = backend().decoderLayerStep ?? referenceLayerStep;
  const { rows: N, heads: H, srcLength: S } = cache;
  const c = model.config;
  const probs = weights.layers.map((w, l) => {
    const crossProbs = new Float32Array(N * H * S);
    step(x, {
      rows: N,
      dModel: c.dModel,
      heads: H,
      dimFeedforward: c.dimFeedforward,
      srcLength: S,
      capacity: cache.capacity,
      position,
      normFirst: c.normFirst,
      activation: c.activation,
      eps: c.layerNormEps,
      selfKey: cache.storage.selfKey[l],
      selfValue: cache.storage.selfValue[l],
      memoryKey: cache.storage.memoryKey[l],
      memoryValue: cache.storage.memoryValue[l],
      srcLengths: cache.srcLengths,
      rowMap: cache.rowMap,
      crossProbs,
      weights: w,
    });
    return crossProbs;
  });
  cache.storage.written = position + 1;
  return probs;
}

/** layerNorm of every row of x (rows × d) with γ, β (the reference kernel; a few rows per step). */
export function normRows(
  x: Float32Array,
  rows: number,
  d: number,
  g: Float32Array,
  b: Float32Array,
  eps: number,
): Float32Array {
  const out = new Float32Array(rows * d);
  layerNormRows(x, rows, d, g, b, eps, out);
  return out;
}

/** out (rows × M) = x · Wᵀ + b on the active backend (its own kernel, else the reference one). */
export function linearRows(
  x: Float32Array,
  rows: number,
  K: number,
  w: Float32Array,
  M: number,
  b: Float32Array | null,
): Float32Array {
  const out = new Float32Array(rows * M);
  (backend().linearRows ?? referenceLinearRows)(x, rows, K, w, M, b, out);
  return out;
}
