/**
 * The fused attention kernel as an autograd op (FlashAttention, Dao et al. 2022, Algorithm 1; backward
 * as FlashAttention-2, Dao 2023, Algorithm 2):
 *   O = softmax(Q Kᵀ · scale + bias (+ causal)) V,   lse_i = log Σ_j exp(e_ij),
 * one node whose backward calls the backend's fused backward kernel. `src/attention/fused.ts` builds the
 * user-facing `fusedAttention` (masks, weights on request) on top of it.
 *
 * Shapes: query (…, T, D), key (…, S, D), value (…, S, Dv) with the same leading dims (…) →
 * output (…, T, Dv), lse (…, T); a bias broadcastable to the scores (…, T, S).
 */
import type { Backend, FusedAttentionParams } from "../../kernels/contract.js";
import { backend } from "../../kernels/registry.js";
import { fmt, sameShape } from "../shape.js";
import { record, Tensor } from "../tensor.js";
import { mul, sub } from "./elementwise.js";
import { sum } from "./reduce.js";

/** True when `b` (default: the active backend) declares both fused attention kernels. */
export function hasFusedAttention(b: Backend = backend()): boolean {
  return b.capabilities.fusedAttention && !!b.attentionForward && !!b.attentionBackward;
}

/**
 * Whether `scaledDotProductAttention` takes the fused path by default on `b`: when it has the kernels
 * and declares them its fast path (`capabilities.preferFusedAttention`). The reference backend does not:
 * its fused kernels are the oracle, and its default stays the three readable steps.
 */
export function prefersFusedAttention(b: Backend = backend()): boolean {
  return hasFusedAttention(b) && b.capabilities.preferFusedAttention;
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

/** Throws, naming the shapes, unless query, key and value fit the fused kernel. */
export function checkFusedShapes(query: Tensor, key: Tensor, value: Tensor): void {
  if (!fusedShapesOk(query, key, value)) {
    throw new Error(
      `fusedAttention: expected query (…, T, D), key (…, S, D), value (…, S, Dv) with the same leading dims, got query ${fmt(query.shape)}, key ${fmt(key.shape)}, value ${fmt(value.shape)}`,
    );
  }
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

/** Options of `flashAttention`. */
export interface FlashAttentionOptions {
  scale: number;
  /** Query i sees keys j ≤ i (top-left aligned), inside the kernel. */
  causal: boolean;
  /** Additive bias broadcastable to the scores (…, T, S); −∞ = not allowed. Not differentiated. */
  bias: Tensor | null;
}

/** One fused attention node on the active backend: `{ output, lse }` (see the file comment). */
export function flashAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  opts: FlashAttentionOptions,
): { output: Tensor; lse: Tensor } {
  const be = backend();
  if (!hasFusedAttention(be)) {
    throw new Error(`fusedAttention: the active backend "${be.name}" has no fused attention kernel`);
  }
  checkFusedShapes(query, key, value);
  const r = query.rank;
  const lead = query.shape.slice(0, -2);
  const T = query.shape[r - 2];
  const S = key.shape[r - 2];
  const Dv = value.shape[r - 1];
  const p: FusedAttentionParams = {
    bh: lead.reduce((n, d) => n * d, 1),
    t: T,
    s: S,
    d: query.shape[r - 1],
    dv: Dv,
    scale: opts.scale,
    causal: opts.causal,
    bias: opts.bias ? kernelBias(opts.bias, [...lead, T, S]) : undefined,
  };
  const f = be.attentionForward!(query.data, key.data, value.data, p);
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
  return { output, lse: new Tensor(f.lse, [...lead, T]) };
}

/**
 * softmax(e) given its log-sum-exp: y = exp(e − lse), rows with lse = −∞ → 0. The gradient is the
 * softmax's, y ⊙ (g − Σ_j g_j y_j), since lse depends on e.
 */
export function softmaxFromLse(e: Tensor, lse: Tensor): Tensor {
  const b = backend();
  const lseShape = [...lse.shape, 1];
  // exp(e − (+∞)) = 0 on fully masked rows, where e − (−∞) would be NaN.
  const safe = lse.data.map((v) => (v === Number.NEGATIVE_INFINITY ? Number.POSITIVE_INFINITY : v));
  const y = new Tensor(b.unary("exp", b.binary("sub", e.data, e.shape, safe, lseShape, e.shape)), e.shape);
  return record(y, "softmaxFromLse", [e], (g) => [mul(y, sub(g, sum(mul(g, y), -1, true)))]);
}
