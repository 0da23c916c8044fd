/**
 * Self- and cross-attention (Vaswani et al. 2017, §3.2): the difference is only where Q, K and V
 * come from.
 *   self  ("intra"): Q = X W_Qᵀ, K = X W_Kᵀ, V = X W_Vᵀ — one sequence attends to itself;
 *   cross ("inter"): Q = X W_Qᵀ, K = Z W_Kᵀ, V = Z W_Vᵀ — a sequence attends to another one
 *                    (which is exactly what Luong and Bahdanau attention do).
 * Y_i = Σ_j softmax_j(Q_i·K_j / √d) V_j. Without projections, Q = K = V = X.
 * Both are configurations of scaled dot-product attention, hence of `attend`.
 */
import { linear, type Tensor } from "../tensor/index.js";
import type { AttentionResult } from "./attend.js";
import type { AttentionMask } from "./masks.js";
import { scaledDotProductAttention } from "./scaled-dot-product.js";

/** The projections W_Q, W_K, W_V of `selfAttention` / `crossAttention` (identity where left out). */
export interface ProjectionParams {
  /** W_Q (Dk, Dx); identity when omitted. */
  wq?: Tensor;
  wk?: Tensor;
  wv?: Tensor;
}

/** Options of `selfAttention` and `crossAttention`. */
export interface SelfAttentionOptions extends ProjectionParams {
  mask?: AttentionMask | null;
  causal?: boolean;
  /** Score scale (default 1/√d_k; pass 1 for plain dot products). */
  scale?: number;
}

const project = (x: Tensor, w?: Tensor) => (w ? linear(x, w) : x);

/** One sequence X (…, T, D) attends to itself. */
export function selfAttention(x: Tensor, opts: SelfAttentionOptions = {}): AttentionResult {
  return crossAttention(x, x, opts);
}

/** Sequence X (…, T, Dx) attends to another sequence Z (…, S, Dz). */
export function crossAttention(x: Tensor, context: Tensor, opts: SelfAttentionOptions = {}): AttentionResult {
  const q = project(x, opts.wq);
  const k = project(context, opts.wk);
  const v = project(context, opts.wv);
  return scaledDotProductAttention(q, k, v, { mask: opts.mask, causal: opts.causal, scale: opts.scale });
}
