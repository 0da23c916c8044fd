/**
 * Scaled dot-product attention (Vaswani et al. 2017, eq. 1):
 *   Attention(Q, K, V) = softmax(Q Kᵀ / √d_k + M) V
 * with PyTorch's options: a mask, `causal`, an explicit `scale`, dropout on the weights, and
 * grouped-query attention (Ainslie et al. 2023): Hq query heads share Hk = Hq/g key/value heads,
 * query head h reading kv head ⌊h/g⌋ (as `repeat_interleave`, torch's `enable_gqa`).
 *
 * Shapes: query (…, Hq, T, D), key (…, Hk, S, D), value (…, Hk, S, Dv) → output (…, Hq, T, Dv),
 * weights (…, Hq, T, S). Without a head axis, (…, T, D) works as well.
 * A configuration of `attend`: score = scaledDot(scale).
 *
 * Two paths with the same numbers (nanoGPT's `if flash:`): where the active backend has a fused
 * attention kernel (wasm) and no dropout is asked for, one fused op (fused.ts: FlashAttention, the
 * weights recomputed from the saved log-sum-exp only when `weights` is read); otherwise the three
 * readable steps of `attend`. The reference backend takes the three steps unless `fused: true`.
 */
import { repeatInterleave, type Tensor } from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import { type AttentionResult, attend, checkAttentionDropout, checkAttentionShapes } from "./attend.js";
import { fusedAttention, fusedShapesOk, hasFusedAttention, prefersFusedAttention } from "./fused.js";
import { type AttentionMask, causalMask, combineMasks } from "./masks.js";
import { scaledDot } from "./scores.js";

/** Options of `scaledDotProductAttention` (PyTorch's `scaled_dot_product_attention`, in camelCase). */
export interface ScaledDotProductOptions {
  mask?: AttentionMask | null;
  /** Adds a causal mask (query i sees keys j ≤ i, top-left aligned). */
  causal?: boolean;
  /** Score scale (default 1/√D). */
  scale?: number;
  dropout?: number;
  training?: boolean;
  /**
   * true: use the backend's fused kernel if it has one; false: always the three steps (score →
   * softmax → weighted sum). Default: fused on backends that prefer it (wasm), three steps on the
   * reference backend. Never fused while dropout is active.
   */
  fused?: boolean;
}

/**
 * softmax(Q Kᵀ / √d_k + M) V (Vaswani et al. 2017, eq. 1), as
 * `torch.nn.functional.scaled_dot_product_attention`, with masks, `causal`, `scale`, dropout and
 * grouped-query heads. Returns `{ output, weights }`.
 *
 * @example
 * const x = randn([1, 4, 8]);
 * const { output, weights } = scaledDotProductAttention(x, x, x, { mask: causalMask() });
 */
export function scaledDotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  opts: ScaledDotProductOptions = {},
): AttentionResult {
  checkAttentionShapes("scaledDotProductAttention", query, key, value);
  let k = key;
  let v = value;
  if (query.rank >= 3 && key.rank === query.rank) {
    const hq = query.shape[query.rank - 3];
    const hk = key.shape[key.rank - 3];
    if (hq !== hk) {
      if (hk === 0 || hq % hk !== 0 || value.shape[value.rank - 3] !== hk) {
        throw new Error(
          `scaledDotProductAttention: query heads (${hq}) must be a multiple of key/value heads (${hk}) for grouped-query attention; got query ${fmt(query.shape)}, key ${fmt(key.shape)}, value ${fmt(value.shape)}`,
        );
      }
      k = repeatInterleave(key, hq / hk, -3);
      v = repeatInterleave(value, hq / hk, -3);
    }
  }
  checkAttentionDropout("scaledDotProductAttention", opts.dropout);
  const dropping = (opts.dropout ?? 0) > 0 && opts.training === true;
  const fused = opts.fused ?? prefersFusedAttention();
  // The fused kernel differentiates q, k and v, not the bias: a learned bias takes the three steps.
  const learnedBias = opts.mask?.isLearned ?? false;
  if (fused && !dropping && !learnedBias && hasFusedAttention() && fusedShapesOk(query, k, v)) {
    // The result's `weights` is a getter: computed (from the saved log-sum-exp) only when read.
    return fusedAttention(query, k, v, { scale: opts.scale, causal: opts.causal, mask: opts.mask });
  }
  const mask = combineMasks(opts.mask, opts.causal ? causalMask() : null);
  return attend(query, k, v, {
    score: scaledDot(opts.scale),
    mask,
    dropout: opts.dropout,
    training: opts.training,
  });
}
