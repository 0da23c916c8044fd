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
import type { Backend, FusedAttentionParams } from "../kernels/contract.js";
import { backend } from "../kernels/registry.js";
import { add, matmulT, mul, record, sub, sum, Tensor } from "../tensor/index.js";
import { fmt, sameShape } from "../tensor/shape.js";
import type { AttentionResult } from "./attend.js";
import { type AttentionMask, causalMask } from "./masks.js";

export interface FusedAttentionOptions {
  /** Score scale (default 1/√D). */
  scale?: number;
  /** Query i sees keys j ≤ i (top-left aligned), applied inside the kernel. */
  causal?: boolean;
  /** Any other mask (padding, allowed matrix, additive bias); becomes the kernel's bias. */
  mask?: AttentionMask | null;
}

export interface FusedAttentionResult extends AttentionResult {
  /** log Σ_j exp(e_ij) per query (…, T); −∞ for a query whose keys are all masked. */
  readonly lse: Tensor;
}

/** True when `b` (default: the active backend) has both fused attention kernels. */
export function hasFusedAttention(b: Backend = backend()): boolean {
  return typeof b.attentionForward === "function" && typeof b.attentionBackward === "function";
}

/**
 * Whether `scaledDotProductAttention` takes the fused path by default on `b`: when it has the kernels
 * and is not the reference backend. The reference backend keeps the three readable steps as its
 * default (its fused kernels are the oracle the fast ones are tested against; `fused: true` or
 * `fusedAttention` use them).
 */
export function prefersFusedAttention(b: Backend = backend()): boolean {
  return hasFusedAttention(b) && b.name !== "reference";
}

/** Whether query, key and value fit the fused kernel: rank ≥ 2, same leading dims, matching D and S. */
export function fusedShapesOk(query: Tensor, key: Tensor, value: Tensor): boolean {
  const r = query.rank;
  if (r < 2 || key.rank !== r || value.rank !== r) return false;
  const lead = query.shape.slice(0, -2);
  return (
    sameShape(lead, key.shape.slice(0, -2)) &&
    sameShape(lead, value.shape.slice(0, -2)) &&
    query.shape[r - 1] === key.shape[r - 1] &&
    key.shape[r - 2] === value.shape[r - 2]
  );
}

/** The kernel's bias: per-slice offsets and (t, s) strides into a tensor broadcastable to the scores. */
function kernelBias(bias: Tensor, scoreShape: readonly number[]): NonNullable<FusedAttentionParams["bias"]> {
  const rank = scoreShape.length;
  const shape = [...Array(rank - bias.rank).fill(1), ...bias.shape];
  const strides = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i];
  }
  const lead = scoreShape.slice(0, -2);
  const bh = lead.reduce((p, d) => p * d, 1);
  const offsets = new Int32Array(bh);
  for (let h = 0; h < bh; h++) {
    let rest = h;
    let off = 0;
    for (let d = lead.length - 1; d >= 0; d--) {
      off += (rest % lead[d]) * strides[d];
      rest = Math.floor(rest / lead[d]);
    }
    offsets[h] = off;
  }
  return { data: bias.data, offsets, strides: [strides[rank - 2], strides[rank - 1]] };
}

/**
 * softmax(e) given its log-sum-exp: y = exp(e − lse), rows with lse = −∞ → 0. The gradient is the
 * softmax's, y ⊙ (g − Σ_j g_j y_j), since lse depends on e.
 */
function softmaxFromLse(e: Tensor, lse: Tensor): Tensor {
  const b = backend();
  const lseShape = [...lse.shape, 1];
  // exp(e − (+∞)) = 0 on fully masked rows, where e − (−∞) would be NaN.
  const safe = lse.data.map((v) => (v === Number.NEGATIVE_INFINITY ? Number.POSITIVE_INFINITY : v));
  const y = new Tensor(b.unary("exp", b.binary("sub", e.data, e.shape, safe, lseShape, e.shape)), e.shape);
  return record(y, "softmaxFromLse", [e], (g) => [mul(y, sub(g, sum(mul(g, y), -1, true)))]);
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
  const be = backend();
  if (!be.attentionForward || !be.attentionBackward) {
    throw new Error(`fusedAttention: the active backend "${be.name}" has no fused attention kernel`);
  }
  if (!fusedShapesOk(query, key, value)) {
    throw new Error(
      `fusedAttention: expected query (…, T, D), key (…, S, D), value (…, S, Dv) with the same leading dims, got query ${fmt(query.shape)}, key ${fmt(key.shape)}, value ${fmt(value.shape)}`,
    );
  }
  const r = query.rank;
  const lead = query.shape.slice(0, -2);
  const T = query.shape[r - 2];
  const D = query.shape[r - 1];
  const S = key.shape[r - 2];
  const Dv = value.shape[r - 1];
  const bh = lead.reduce((p, d) => p * d, 1);
  const scoreShape = [...lead, T, S];
  const scale = opts.scale ?? 1 / Math.sqrt(D);
  // A purely causal mask runs on the kernel's causal path; anything else becomes a bias.
  let causal = opts.causal ?? false;
  let mask = opts.mask ?? null;
  if (mask?.isCausalOnly) {
    causal = true;
    mask = null;
  }
  const biasTensor = mask ? mask.biasFor("fusedAttention", scoreShape) : null;
  const p: FusedAttentionParams = {
    bh,
    t: T,
    s: S,
    d: D,
    dv: Dv,
    scale,
    causal,
    bias: biasTensor ? kernelBias(biasTensor, scoreShape) : undefined,
  };
  const f = be.attentionForward(query.data, key.data, value.data, p);
  const output = record(
    new Tensor(f.output, [...lead, T, Dv]),
    "fusedAttention",
    [query, key, value],
    (g) => {
      const grads = be.attentionBackward!(query.data, key.data, value.data, f.output, f.lse, g.data, p);
      return [
        new Tensor(grads.dq, query.shape),
        new Tensor(grads.dk, key.shape),
        new Tensor(grads.dv, value.shape),
      ];
    },
  );
  const lse = new Tensor(f.lse, [...lead, T]);
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
