/**
 * Plain TypeScript the backends share: where elements go (axis collapsing for the compiled kernels'
 * index walks, the row walks of concat and the index kernels), the results of empty kernels, and the
 * thread-count check. Nothing here does arithmetic on the values, so no backend's numbers depend on it.
 */
import type { AttentionGrads, FusedAttentionParams, ReduceOp } from "./contract.js";
import { stridesOf } from "./strides.js";

/** A reduction over no elements: its identity (sum 0, max −∞, min +∞). */
export const REDUCE_IDENTITY: Readonly<Record<ReduceOp, number>> = {
  sum: 0,
  max: Number.NEGATIVE_INFINITY,
  min: Number.POSITIVE_INFINITY,
};

/**
 * Axes of `shape` (a walk over the output, `strides` into each operand) with length-1 axes dropped
 * and neighbours merged where every operand is contiguous across them: the innermost run grows as
 * long as possible (a same-shape operation becomes one run). No axis left: one axis of length 1.
 */
export function collapseAxes(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { dims: number[]; strides: number[][] } {
  const dims: number[] = [];
  const out: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const k = dims.length - 1;
    if (k >= 0 && strides.every((s, o) => out[o][k] === s[i] * shape[i])) {
      dims[k] *= shape[i];
      for (let o = 0; o < strides.length; o++) out[o][k] = strides[o][i];
    } else {
      dims.push(shape[i]);
      for (let o = 0; o < strides.length; o++) out[o].push(strides[o][i]);
    }
  }
  if (dims.length === 0) return { dims: [1], strides: strides.map(() => [0]) };
  return { dims, strides: out };
}

/**
 * The walk of a permute, collapsed: output axes (`dims`) and the stride in x of each. A single axis
 * is a copy (its stride is 1, or 0 when x holds one element).
 */
export function permuteWalk(
  shape: readonly number[],
  perm: readonly number[],
): { dims: number[]; strides: number[] } {
  const inStrides = stridesOf(shape);
  const c = collapseAxes(
    perm.map((a) => shape[a]),
    [perm.map((a) => inStrides[a])],
  );
  return { dims: c.dims, strides: c.strides[0] };
}

/** Concatenates parts of shape (outer, sizes[i], inner) along the middle axis (copies only). */
export function concatRows(
  parts: Float32Array[],
  outer: number,
  sizes: readonly number[],
  inner: number,
): Float32Array {
  const total = sizes.reduce((p, s) => p + s, 0);
  const out = new Float32Array(outer * total * inner);
  for (let o = 0; o < outer; o++) {
    let off = o * total * inner;
    for (let p = 0; p < parts.length; p++) {
      const len = sizes[p] * inner;
      const src = parts[p];
      // Short rows by hand: a subarray view per row costs more than the copy (and feeds the GC).
      if (len >= 128) out.set(src.subarray(o * len, (o + 1) * len), off);
      else for (let j = 0, s = o * len; j < len; j++) out[off + j] = src[s + j];
      off += len;
    }
  }
  return out;
}

/**
 * The rows an index kernel pairs, in order: for each o < outer and j < indices.length, the offset of
 * row indices[j] of (outer, n, inner) and of row j of (outer, indices.length, inner).
 */
export function forEachIndexedRow(
  outer: number,
  n: number,
  inner: number,
  indices: Int32Array,
  visit: (picked: number, packed: number) => void,
): void {
  const m = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) visit((o * n + indices[j]) * inner, (o * m + j) * inner);
  }
}

/** Whether fused attention has nothing to compute (no queries, or no keys). */
export function attentionIsEmpty(p: FusedAttentionParams): boolean {
  return p.bh * p.t === 0 || p.s === 0;
}

/** Fused attention with no keys: zero output, lse = −∞ (every key masked). */
export function emptyAttention(p: FusedAttentionParams): { output: Float32Array; lse: Float32Array } {
  return {
    output: new Float32Array(p.bh * p.t * p.dv),
    lse: new Float32Array(p.bh * p.t).fill(Number.NEGATIVE_INFINITY),
  };
}

/** Zero gradients of fused attention, shaped as q, k and v. */
export function zeroAttentionGrads(p: FusedAttentionParams): AttentionGrads {
  return {
    dq: new Float32Array(p.bh * p.t * p.d),
    dk: new Float32Array(p.bh * p.s * p.d),
    dv: new Float32Array(p.bh * p.s * p.dv),
  };
}

/** Throws unless n is a thread count (a positive integer). */
/** softmax's `out`, when given, must hold x.length floats (it may be x itself). */
export function checkSoftmaxOut(x: Float32Array, out: Float32Array | undefined): void {
  if (out && out.length !== x.length) throw new Error(`softmax: out ${out.length} ≠ x ${x.length}`);
}

export function checkThreadCount(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: expected a positive integer, got ${n}`);
}
