/**
 * Fused scaled-dot-product attention — the same numbers as `attend`'s three steps,
 *   Attention(Q, K, V) = softmax(Q Kᵀ · scale + M) V          (Vaswani et al. 2017, eq. 1)
 * computed by one kernel that never stores the (T, S) scores (FlashAttention, Dao et al. 2022,
 * Algorithm 1: tiles of keys, an online softmax, and the log-sum-exp of each query row saved).
 * One autograd node; its backward recomputes the weights from the saved log-sum-exp tile by tile
 * (FlashAttention-2, Dao 2023, Algorithm 2, with D_i = rowsum(dO ⊙ O)).
 *
 * The weights are still there on request: `weights` recomputes them as exp(e − lse) the first time
 * it is read (a differentiable tensor, so a loss on the weights trains q and k too). A user never
 * has to choose between speed and the attention map.
 *
 * Shapes: query (…, T, D), key (…, S, D), value (…, S, Dv) with the same leading dims (…) →
 * output (…, T, Dv), weights (…, T, S), lse (…, T). The leading dims are flattened to BH slices.
 */
import {
  add,
  checkFusedShapes,
  flashAttention,
  fusedShapesOk,
  hasFusedAttention,
  matmulT,
  mul,
  prefersFusedAttention,
  softmaxFromLse,
  type Tensor,
} from "../tensor/index.js";
import type { AttentionResult } from "./attend.js";
import { type AttentionMask, causalMask } from "./masks.js";

export { fusedShapesOk, hasFusedAttention, prefersFusedAttention };

/** Options of `fusedAttention`. */
export interface FusedAttentionOptions {
  /** Score scale (default 1/√D). */
  scale?: number;
  /** Query i sees keys j ≤ i (top-left aligned), applied inside the kernel. */
  causal?: boolean;
  /** Any other mask (padding, allowed matrix, additive bias); becomes the kernel's bias. */
  mask?: AttentionMask | null;
}

/** What `fusedAttention` returns: output, weights (computed on first read) and the log-sum-exp per query. */
export interface FusedAttentionResult extends AttentionResult {
  /** log Σ_j exp(e_ij) per query (…, T); −∞ for a query whose keys are all masked. */
  readonly lse: Tensor;
}

/**
 * Scaled dot-product attention on the active backend's fused kernel (it must have one: see
 * `hasFusedAttention`). `weights` is computed lazily, on first access.
 *
 * @example
 * const r = fusedAttention(q, k, v, { causal: true });   // q, k, v (B, H, T, D)
 * r.output;    // (B, H, T, D), one autograd node
 * r.weights;   // (B, H, T, T), recomputed from r.lse when read
 */
export function fusedAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  opts: FusedAttentionOptions = {},
): FusedAttentionResult {
  checkFusedShapes(query, key, value);
  const r = query.rank;
  const scoreShape = [...query.shape.slice(0, -1), key.shape[r - 2]];
  const scale = opts.scale ?? 1 / Math.sqrt(query.shape[r - 1]);
  // A purely causal mask runs on the kernel's causal path; anything else becomes a bias.
  let causal = opts.causal ?? false;
  let mask = opts.mask ?? null;
  if (mask?.isLearned) {
    throw new Error(
      "fusedAttention: the mask has a learned bias (requiresGrad), which the fused kernel does not differentiate; use scaledDotProductAttention or attend",
    );
  }
  if (mask?.isCausalOnly) {
    causal = true;
    mask = null;
  }
  const biasTensor = mask ? mask.biasFor("fusedAttention", scoreShape) : null;
  const { output, lse } = flashAttention(query, key, value, { scale, causal, bias: biasTensor });
  let weights: Tensor | null = null;
  return {
    output,
    lse,
    get weights(): Tensor {
      if (!weights) {
        // e = Q Kᵀ · scale + bias (+ causal), then exp(e − lse): the map the kernel summed over.
        let e = mul(matmulT(query, key, false, true), scale);
        if (biasTensor) e = add(e, biasTensor);
        if (causal) e = add(e, causalMask().biasFor("fusedAttention", scoreShape));
        weights = softmaxFromLse(e, lse);
      }
      return weights;
    },
  };
}
