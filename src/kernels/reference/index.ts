/**
 * The reference backend: plain TypeScript, written to be read. It is the oracle every other backend
 * is tested against (see test/kernels/conformance.test.ts). Arithmetic is done in float64 JS numbers
 * and stored as float32.
 */
import type { Backend, BinaryOp, MatmulParams, ReduceOp, UnaryOp } from "../contract.js";
import { checkSoftmaxOut, concatRows, forEachIndexedRow, REDUCE_IDENTITY } from "../shared.js";
import { broadcastStrides, stridesOf } from "../strides.js";
import { attentionBackward, attentionForward } from "./attention.js";
import { erf } from "./erf.js";
import { decoderLayerStep, encoderLayer, linearRows } from "./transformer-layers.js";

const unaryFns: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  tanh: Math.tanh,
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  relu: (x) => Math.max(x, 0),
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  erf,
};

const binaryFns: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  maximum: (a, b) => Math.max(a, b),
  minimum: (a, b) => Math.min(a, b),
  eq: (a, b) => (a === b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
};

function unary(op: UnaryOp, x: Float32Array): Float32Array {
  const f = unaryFns[op];
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  return out;
}

function binary(
  op: BinaryOp,
  a: Float32Array,
  aShape: readonly number[],
  b: Float32Array,
  bShape: readonly number[],
  outShape: readonly number[],
): Float32Array {
  const f = binaryFns[op];
  const n = outShape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(n);
  if (a.length === n && b.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
    return out;
  }
  if (b.length === 1 && a.length === n) {
    const bv = b[0];
    for (let i = 0; i < n; i++) out[i] = f(a[i], bv);
    return out;
  }
  if (a.length === 1 && b.length === n) {
    const av = a[0];
    for (let i = 0; i < n; i++) out[i] = f(av, b[i]);
    return out;
  }
  // General case: walk the output index with an odometer, carrying offsets into a and b.
  const rank = outShape.length;
  const as = broadcastStrides(aShape, outShape);
  const bs = broadcastStrides(bShape, outShape);
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const lastLen = outShape[last];
  const asl = as[last];
  const bsl = bs[last];
  let ai = 0;
  let bi = 0;
  for (let o = 0; o < n; o += lastLen) {
    for (let j = 0; j < lastLen; j++) out[o + j] = f(a[ai + j * asl], b[bi + j * bsl]);
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      ai += as[d];
      bi += bs[d];
      if (idx[d] < outShape[d]) break;
      ai -= as[d] * idx[d];
      bi -= bs[d] * idx[d];
      idx[d] = 0;
    }
  }
  return out;
}

function matmul(a: Float32Array, b: Float32Array, p: MatmulParams): Float32Array {
  const { batch, m, k, n, transA, transB } = p;
  const out = new Float32Array(batch * m * n);
  const aRow = new Float64Array(k); // row i of op(A), gathered once (contiguous, float64)
  const acc = new Float64Array(n);
  for (let bt = 0; bt < batch; bt++) {
    const ao = p.aOffsets[bt];
    const bo = p.bOffsets[bt];
    const oo = bt * m * n;
    for (let i = 0; i < m; i++) {
      for (let kk = 0; kk < k; kk++) aRow[kk] = transA ? a[ao + kk * m + i] : a[ao + i * k + kk];
      if (transB) {
        // C[i, j] = Σ_k A[i, k] · B[j, k]: two contiguous rows per dot product.
        for (let j = 0; j < n; j++) {
          const bRow = bo + j * k;
          let s = 0;
          for (let kk = 0; kk < k; kk++) s += aRow[kk] * b[bRow + kk];
          out[oo + i * n + j] = s;
        }
      } else {
        // C[i, :] = Σ_k A[i, k] · B[k, :]: stream over contiguous rows of B.
        acc.fill(0);
        for (let kk = 0; kk < k; kk++) {
          const av = aRow[kk];
          if (av === 0) continue;
          const bRow = bo + kk * n;
          for (let j = 0; j < n; j++) acc[j] += av * b[bRow + j];
        }
        for (let j = 0; j < n; j++) out[oo + i * n + j] = acc[j];
      }
    }
  }
  return out;
}

function reduce(op: ReduceOp, x: Float32Array, outer: number, n: number, inner: number): Float32Array {
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let acc = REDUCE_IDENTITY[op];
      for (let j = 0; j < n; j++) {
        const v = x[base + j * inner];
        if (op === "sum") acc += v;
        else if (op === "max") acc = v > acc || Number.isNaN(v) ? v : acc;
        else acc = v < acc || Number.isNaN(v) ? v : acc;
      }
      out[o * inner + i] = acc;
    }
  }
  return out;
}

function softmax(
  x: Float32Array,
  outer: number,
  n: number,
  inner: number,
  log: boolean,
  into?: Float32Array,
): Float32Array {
  checkSoftmaxOut(x, into);
  // Each entry is written after its lane's last read of it (max, sum, then the entry): in place is safe.
  const out = into ?? new Float32Array(x.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < n; j++) max = Math.max(max, x[base + j * inner]);
      if (max === Number.NEGATIVE_INFINITY) {
        // Every entry masked: zero weights (log: -inf), never NaN.
        for (let j = 0; j < n; j++) out[base + j * inner] = log ? Number.NEGATIVE_INFINITY : 0;
        continue;
      }
      let sum = 0;
      for (let j = 0; j < n; j++) sum += Math.exp(x[base + j * inner] - max);
      if (log) {
        const lse = max + Math.log(sum);
        for (let j = 0; j < n; j++) out[base + j * inner] = x[base + j * inner] - lse;
      } else {
        for (let j = 0; j < n; j++) out[base + j * inner] = Math.exp(x[base + j * inner] - max) / sum;
      }
    }
  }
  return out;
}

function argmax(x: Float32Array, outer: number, n: number, inner: number): Int32Array {
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = 0;
      for (let j = 1; j < n; j++) if (x[base + j * inner] > x[base + best * inner]) best = j;
      out[o * inner + i] = best;
    }
  }
  return out;
}

function permute(x: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const out = new Float32Array(x.length);
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  const srcStrides = perm.map((p) => inStrides[p]); // stride in x for each output axis
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < x.length; o++) {
    out[o] = x[src];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      src += srcStrides[d];
      if (idx[d] < outShape[d]) break;
      src -= srcStrides[d] * idx[d];
      idx[d] = 0;
    }
  }
  return out;
}

function indexSelect(
  x: Float32Array,
  outer: number,
  n: number,
  inner: number,
  indices: Int32Array,
): Float32Array {
  const out = new Float32Array(outer * indices.length * inner);
  forEachIndexedRow(outer, n, inner, indices, (picked, packed) => {
    out.set(x.subarray(picked, picked + inner), packed);
  });
  return out;
}

function indexAdd(
  g: Float32Array,
  outer: number,
  n: number,
  inner: number,
  indices: Int32Array,
  into?: Float32Array,
): Float32Array {
  const out = into && into.length === outer * n * inner ? into : new Float32Array(outer * n * inner);
  forEachIndexedRow(outer, n, inner, indices, (picked, packed) => {
    for (let i = 0; i < inner; i++) out[picked + i] += g[packed + i];
  });
  return out;
}

export const referenceBackend: Backend = {
  name: "reference",
  capabilities: { fusedAttention: true, preferFusedAttention: false, threads: false },
  linearRows,
  decoderLayerStep,
  encoderLayer,
  unary,
  binary,
  matmul,
  reduce,
  softmax,
  argmax,
  permute,
  indexSelect,
  indexAdd,
  concat: concatRows,
  attentionForward,
  attentionBackward,
};
