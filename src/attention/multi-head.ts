/**
 * Multi-head attention, functional (Vaswani et al. 2017, §3.2.2):
 *   MultiHead(Q, K, V) = Concat(head_1, …, head_h) W^O,  head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V)
 * as `torch.nn.functional.multi_head_attention_forward`: the projection weights are arguments, and
 * each head is scaled dot-product attention on the one `attend` core (scaled-dot-product.ts, the fused
 * kernel where the backend has one). The layer that owns the weights, with PyTorch's state-dict names,
 * is `MultiheadAttention` in src/nn.
 *
 * For incremental decoding the function also takes keys and values that are already projected and
 * split into heads: `pastKey`/`pastValue` are prepended to this call's (a self-attention KV cache, so
 * step t projects only its new positions), and `staticKey`/`staticValue` replace the projection of
 * `key`/`value` (cross-attention over an encoder memory projected once). It returns the keys and values
 * it attended over so the caller can keep them (kv-cache.ts).
 *
 * Positions: `rotary` rotates queries and keys per head (RoPE, rotary.ts) at absolute positions
 * P, P+1, … where P is the length of `pastKey`; ALiBi and other position biases enter as masks
 * (`attnMask: alibiMask(…)`, alibi.ts), or, with `alibi: true`, are built here for the queries at
 * positions P … P+T−1 over keys 0 … P+T−1 (so a cached step gets the bias at its absolute position).
 * `window` (sliding-window attention, masks.ts `slidingWindowMask`) likewise: query P + i sees keys
 * j with P + i − window < j ≤ P + i (`windowCausal`, default) or |P + i − j| < window (a band).
 *
 * Grouped-query attention (Ainslie et al. 2023; `numKvHeads` = Hk dividing H, 1 = multi-query,
 * Shazeer 2019): the key and value projections have Hk·dH rows instead of E, so inProjWeight is
 * ((H + 2Hk)·dH, E) and inProjBias ((H + 2Hk)·dH); query head h reads kv head ⌊h·Hk/H⌋ (torch SDPA's
 * `enable_gqa`), and the keys and values returned (what a KV cache keeps) are (B, Hk, P+S, dH).
 *
 * Shapes (declared once): B batch, T target (query) length, S source (key) length, P past length,
 * E embedDim, H numHeads, dH = E/H head size. Inputs are (T, B, E) by default, (B, T, E) with
 * `batchFirst`, or unbatched (T, E). Weights are (B, T, S) averaged over heads, or (B, H, T, S) per head;
 * the returned keys and values are (B, H, P+S, dH).
 */
import {
  concat as join,
  linear,
  mean,
  permute,
  reshape,
  slice,
  squeeze,
  type Tensor,
  transpose,
  unsqueeze,
} from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import { alibiMask } from "./alibi.js";
import { type AttentionMask, causalMask, combineMasks, slidingWindowMask } from "./masks.js";
import type { RotaryEmbedding } from "./rotary.js";
import { scaledDotProductAttention } from "./scaled-dot-product.js";

/** Options of `multiHeadAttentionForward` (PyTorch's `multi_head_attention_forward`). */
export interface MultiHeadForwardOptions {
  /** Which keys are padding (e.g. `paddingMask(lengths)` or `fromTorchKeyPaddingMask(m)`). */
  keyPaddingMask?: AttentionMask | null;
  /** A (T, S) or (B·H, T, S) mask (e.g. `causalMask()` or `fromTorchAttnMask(m, "bool")`). */
  attnMask?: AttentionMask | null;
  /** Adds a causal mask (with past keys: query i, at position P + i, sees keys j ≤ P + i). */
  isCausal?: boolean;
  /** Return the attention weights (default true). */
  needWeights?: boolean;
  /** Average the weights over heads (default true) or return them per head. */
  averageWeights?: boolean;
}

/** The projection weights, by the role they play (PyTorch's argument names, camel-cased). */
export interface MultiHeadWeights {
  /** (3E, E): W^Q, W^K, W^V stacked (when kdim = vdim = E). */
  inProjWeight?: Tensor | null;
  /** (E, E), (E, kdim), (E, vdim): separate projections (when kdim or vdim differ from E). */
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  /** (3E): b^Q, b^K, b^V stacked. */
  inProjBias?: Tensor | null;
  /** (E, E) and (E): W^O, b^O. */
  outProjWeight: Tensor;
  outProjBias?: Tensor | null;
}

export interface MultiHeadAttentionArgs extends MultiHeadWeights, MultiHeadForwardOptions {
  numHeads: number;
  /** Inputs and outputs are (B, T, E) instead of (T, B, E) (default false, as PyTorch). */
  batchFirst?: boolean;
  /** Dropout on the attention weights, when `training` (default 0). */
  dropout?: number;
  training?: boolean;
  /** Already projected keys/values (B, H, P, dH) prepended to this call's: the self-attention cache. */
  pastKey?: Tensor | null;
  pastValue?: Tensor | null;
  /** Already projected keys/values (B, H, S, dH) used instead of projecting `key`/`value`. */
  staticKey?: Tensor | null;
  staticValue?: Tensor | null;
  /** Rotary position embedding applied to every head's queries and keys (RoPE). */
  rotary?: RotaryEmbedding | null;
  /** Passed to scaledDotProductAttention (default: the backend's preference). */
  fused?: boolean;
  /** Hk, the key/value heads (grouped-query attention; default numHeads). */
  numKvHeads?: number;
  /** ALiBi biases −m_h·|i − j| at absolute positions (self-attention; alibi.ts). */
  alibi?: boolean;
  /** Sliding window: each query sees only keys within `window` positions (null: all). */
  window?: number | null;
  /** The window's shape: causal (default, i − window < j ≤ i) or a symmetric band (|i − j| < window). */
  windowCausal?: boolean;
}

/** What `MultiheadAttention.forward` returns: the output and the weights (null with `needWeights: false`). */
export interface MultiHeadResult {
  output: Tensor;
  /** (B, T, S) averaged, (B, H, T, S) per head, or null when `needWeights` is false. */
  weights: Tensor | null;
}

/** What `multiHeadAttentionForward` returns. */
export interface MultiHeadForwardResult extends MultiHeadResult {
  /** The keys and values attended over, projected and split into heads: (B, H, P+S, dH). */
  key: Tensor;
  value: Tensor;
}

function sameDims(t: Tensor, shape: readonly number[]): boolean {
  return t.rank === shape.length && t.shape.every((d, i) => d === shape[i]);
}

/**
 * `multiHeadAttentionForward(query, key, value, args)` → `{ output, weights, key, value }`.
 * `key`/`value` may be null when `staticKey`/`staticValue` are given.
 *
 * @example
 * const r = multiHeadAttentionForward(x, x, x, { numHeads: 2, batchFirst: true,
 *   inProjWeight, inProjBias, outProjWeight, outProjBias, isCausal: true });
 */
export function multiHeadAttentionForward(
  query: Tensor,
  key: Tensor | null,
  value: Tensor | null,
  args: MultiHeadAttentionArgs,
): MultiHeadForwardResult {
  const op = "multiHeadAttentionForward";
  const H = args.numHeads;
  const wo = args.outProjWeight;
  const E = wo.shape[0];
  if (!Number.isInteger(H) || H <= 0 || wo.rank !== 2 || E % H !== 0 || wo.shape[1] !== E) {
    throw new Error(
      `${op}: outProjWeight ${fmt(wo.shape)} must be (E, E) with E a positive multiple of numHeads (${H})`,
    );
  }
  const dH = E / H;
  const Hk = args.numKvHeads ?? H;
  if (!Number.isInteger(Hk) || Hk <= 0 || H % Hk !== 0) {
    throw new Error(`${op}: numKvHeads (${Hk}) must be a positive divisor of numHeads (${H})`);
  }
  /** Rows of the key (and value) projection: Hk·dH (= E without grouped-query attention). */
  const Ek = Hk * dH;
  const unbatched = query.rank === 2;
  const rank = unbatched ? 2 : 3;
  const shapes = `query ${fmt(query.shape)}, key ${key ? fmt(key.shape) : "null"}, value ${value ? fmt(value.shape) : "null"}`;
  if (query.rank !== rank || (key && key.rank !== rank) || (value && value.rank !== rank)) {
    throw new Error(`${op}: query, key and value must all be rank 2 or all rank 3, got ${shapes}`);
  }
  if (query.shape[rank - 1] !== E) {
    throw new Error(`${op}: query must end in E = ${E} (outProjWeight ${fmt(wo.shape)}), got ${shapes}`);
  }
  // Projection weights W^Q (E, E), W^K (E, kdim), W^V (E, vdim) and biases, sliced where used (and
  // only those used: a step over cached memory keys projects the query alone).
  const packed = args.inProjWeight ?? null;
  const separate = [args.qProjWeight, args.kProjWeight, args.vProjWeight];
  if (packed) {
    if (!sameDims(packed, [E + 2 * Ek, E])) {
      throw new Error(
        `${op}: inProjWeight must be ${fmt([E + 2 * Ek, E])} (numHeads ${H}, numKvHeads ${Hk}), got ${fmt(packed.shape)}`,
      );
    }
  } else if (separate[0] && separate[1] && separate[2]) {
    const [wq, wk, wv] = separate;
    if (wq.rank !== 2 || wk.rank !== 2 || wv.rank !== 2 || wq.shape[0] !== E || wk.shape[0] !== Ek) {
      throw new Error(
        `${op}: q/k/v projection weights must be (E, ·), (Hk·dH, ·), (Hk·dH, ·) with E = ${E}, Hk·dH = ${Ek}, got ${fmt(wq.shape)}, ${fmt(wk.shape)}, ${fmt(wv.shape)}`,
      );
    }
    if (wq.shape[1] !== E || wv.shape[0] !== Ek) {
      throw new Error(
        `${op}: qProjWeight must be (E, E) and vProjWeight (Hk·dH, vdim), E = ${E}, Hk·dH = ${Ek}`,
      );
    }
  } else {
    throw new Error(`${op}: give inProjWeight, or all of qProjWeight, kProjWeight and vProjWeight`);
  }
  const b = args.inProjBias ?? null;
  if (b && !sameDims(b, [E + 2 * Ek])) {
    throw new Error(`${op}: inProjBias must be ${fmt([E + 2 * Ek])}, got ${fmt(b.shape)}`);
  }
  /** Rows [start, end) of projection i (0: query, 1: key, 2: value) in the packed weight and bias. */
  const rows = (i: number): [number, number] => (i === 0 ? [0, E] : [E + (i - 1) * Ek, E + i * Ek]);
  /** W and b of projection i. */
  const weightOf = (i: number): Tensor => (packed ? slice(packed, 0, ...rows(i)) : separate[i]!);
  const biasOf = (i: number): Tensor | null => (b ? slice(b, 0, ...rows(i)) : null);
  const inDim = (i: number): number => (packed ? E : separate[i]!.shape[1]);

  // To batch first: (B, T, E) / (B, S, ·).
  const toBatchFirst = (x: Tensor) =>
    unbatched ? unsqueeze(x, 0) : args.batchFirst ? x : transpose(x, 0, 1);
  const q0 = toBatchFirst(query);
  const [B, T] = q0.shape;
  // (B, L, E) → (B, L, H, dH) → (B, H, L, dH)
  const heads = (x: Tensor, n = H) => permute(reshape(x, [B, x.shape[1], n, dH]), [0, 2, 1, 3]);
  const past = args.pastKey ?? null;
  const P = past ? past.shape[2] : 0;
  let q = heads(linear(q0, weightOf(0), biasOf(0)));
  let k: Tensor;
  let v: Tensor;
  if (args.staticKey || args.staticValue) {
    const sk = args.staticKey;
    const sv = args.staticValue;
    if (!sk || !sv || sk.rank !== 4 || sv.rank !== 4 || sk.shape[0] !== B || sk.shape[1] !== Hk) {
      throw new Error(
        `${op}: staticKey and staticValue must both be (B, Hk, S, dH) = (${B}, ${Hk}, S, ${dH}), got ${sk ? fmt(sk.shape) : "null"} and ${sv ? fmt(sv.shape) : "null"}`,
      );
    }
    if (past) throw new Error(`${op}: pastKey and staticKey exclude each other`);
    k = sk;
    v = sv;
  } else {
    if (!key || !value) throw new Error(`${op}: key and value are required without staticKey/staticValue`);
    if (key.shape[rank - 1] !== inDim(1) || value.shape[rank - 1] !== inDim(2)) {
      throw new Error(
        `${op}: feature sizes must be E=${E}, kdim=${inDim(1)}, vdim=${inDim(2)}; got ${shapes}`,
      );
    }
    const k0 = toBatchFirst(key);
    const v0 = toBatchFirst(value);
    if (k0.shape[0] !== B || v0.shape[0] !== B || v0.shape[1] !== k0.shape[1]) {
      throw new Error(`${op}: batch sizes or key/value lengths disagree: ${shapes}`);
    }
    k = heads(linear(k0, weightOf(1), biasOf(1)), Hk);
    v = heads(linear(v0, weightOf(2), biasOf(2)), Hk);
    if (args.rotary) k = args.rotary.apply(k, P);
    if (past || args.pastValue) {
      const pv = args.pastValue;
      const want = [B, Hk, P, dH];
      if (!past || !pv || !sameDims(past, want) || !sameDims(pv, want)) {
        throw new Error(
          `${op}: pastKey and pastValue must both be ${fmt(want)}, got ${past ? fmt(past.shape) : "null"} and ${pv ? fmt(pv.shape) : "null"}`,
        );
      }
      k = join([past, k], 2);
      v = join([pv, v], 2);
    }
  }
  if (args.rotary) q = args.rotary.apply(q, P);
  // Causal: query i sits at position P + i, so it sees keys j ≤ P + i (all of them when T = 1).
  const shifted = args.isCausal && P > 0 && T > 1 ? causalMask(P) : null;
  // Position masks at absolute positions: queries P … P+T−1 (the last T of the S keys).
  const S = k.shape[2];
  const win = args.window ?? null;
  if (win !== null && (!Number.isInteger(win) || win < 1)) {
    throw new Error(`${op}: window must be an integer ≥ 1 or null, got ${win}`);
  }
  const positional = combineMasks(
    args.alibi ? alibiMask(H, T, S) : null,
    win !== null ? slidingWindowMask(win, T, S, { causal: args.windowCausal ?? true }) : null,
  );
  const mask = combineMasks(args.keyPaddingMask, args.attnMask, shifted, positional);
  const r = scaledDotProductAttention(q, k, v, {
    mask,
    causal: args.isCausal === true && P === 0,
    dropout: args.dropout ?? 0,
    training: args.training ?? false,
    fused: args.fused,
  });
  // (B, H, T, dH) → (B, T, H, dH) → (B, T, E)
  const merged = reshape(permute(r.output, [0, 2, 1, 3]), [B, T, E]);
  let output = linear(merged, wo, args.outProjBias ?? null);
  output = unbatched ? squeeze(output, 0) : args.batchFirst ? output : transpose(output, 0, 1);
  let weights: Tensor | null = null;
  if (args.needWeights ?? true) {
    weights = (args.averageWeights ?? true) ? mean(r.weights, 1) : r.weights;
    if (unbatched) weights = squeeze(weights, 0);
  }
  return { output, weights, key: k, value: v };
}
