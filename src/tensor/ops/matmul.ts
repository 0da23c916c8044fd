/**
 * Batched matrix product with broadcast batch dimensions (as `torch.matmul`):
 *   C[..., i, j] = Σ_k A[..., i, k] B[..., k, j];  dA = g Bᵀ, dB = Aᵀ g (summed over broadcast dims).
 * `matmulT(a, b, transA, transB)` multiplies transposed operands without copying them.
 */
import type { MatmulParams } from "../../kernels/contract.js";
import { backend } from "../../kernels/registry.js";
import { broadcastShapes, fmt, sameShape, sizeOf, stridesOf } from "../shape.js";
import { composite, isTracing, record, Tensor } from "../tensor.js";
import { add, sumTo } from "./elementwise.js";
import { reshape } from "./layout.js";

/** The offsets of a product without batch dimensions: one matrix at 0. */
const NO_BATCH = Int32Array.of(0);

function batchOffsets(batchShape: number[], ownBatch: readonly number[], matSize: number): Int32Array {
  if (batchShape.length === 0) return NO_BATCH; // one matrix product (kernels only read the offsets)
  const n = sizeOf(batchShape);
  const out = new Int32Array(n);
  const own = stridesOf(ownBatch);
  const off = batchShape.length - ownBatch.length;
  const strides = batchShape.map((_, i) => (i < off || ownBatch[i - off] === 1 ? 0 : own[i - off] * matSize));
  const idx = new Array<number>(batchShape.length).fill(0);
  let cur = 0;
  for (let b = 0; b < n; b++) {
    out[b] = cur;
    for (let d = batchShape.length - 1; d >= 0; d--) {
      idx[d]++;
      cur += strides[d];
      if (idx[d] < batchShape[d]) break;
      cur -= strides[d] * idx[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** The kernel's parameters for op(A) · op(B) (rank ≥ 2, broadcast batch dimensions) and its shape. */
function matmulParams(
  a: Tensor,
  b: Tensor,
  transA: boolean,
  transB: boolean,
): { p: MatmulParams; shape: number[] } {
  if (a.rank < 2 || b.rank < 2) {
    throw new Error(`matmul: operands need rank ≥ 2 here, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [k2, n] = transB ? [bc, br] : [br, bc];
  if (k !== k2) {
    throw new Error(
      `matmul: inner dimensions differ: ${fmt(a.shape)}${transA ? "ᵀ" : ""} @ ${fmt(b.shape)}${transB ? "ᵀ" : ""} (${k} vs ${k2})`,
    );
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batchShape = broadcastShapes("matmul", aBatch, bBatch);
  const p: MatmulParams = {
    batch: sizeOf(batchShape),
    m,
    k,
    n,
    transA,
    transB,
    aOffsets: batchOffsets(batchShape, aBatch, ar * ac),
    bOffsets: batchOffsets(batchShape, bBatch, br * bc),
  };
  return { p, shape: [...batchShape, m, n] };
}

/** op(A) · op(B) for tensors of rank ≥ 2 with broadcast batch dimensions. */
export function matmulT(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  const { p, shape } = matmulParams(a, b, transA, transB);
  const out = new Tensor(backend().matmul(a.data, b.data, p), shape);
  return record(
    out,
    "matmul",
    [a, b],
    (g, sums) => {
      let da: Tensor | null = null;
      let db: Tensor | null = null;
      if (a.requiresGrad) {
        da = transA ? matmulInto(b, g, transB, true, sums?.[0]) : matmulInto(g, b, false, !transB, sums?.[0]);
      }
      if (b.requiresGrad) {
        db = transB ? matmulInto(g, a, true, transA, sums?.[1]) : matmulInto(a, g, !transA, false, sums?.[1]);
      }
      return [da && sumTo(da, a.shape), db && sumTo(db, b.shape)];
    },
    { transA, transB },
  );
}

/**
 * A gradient product op(A)·op(B): added in place into `sum` (autograd's own gradient sum of that
 * operand) when the backend can and the product has the sum's shape, returning null; else a new tensor.
 */
function matmulInto(
  a: Tensor,
  b: Tensor,
  transA: boolean,
  transB: boolean,
  sum: Tensor | null | undefined,
): Tensor | null {
  const kernel = sum ? backend().matmulAccumulate : undefined;
  if (!sum || !kernel) return matmulT(a, b, transA, transB);
  const { p, shape } = matmulParams(a, b, transA, transB);
  if (!sameShape(shape, sum.shape)) return matmulT(a, b, transA, transB);
  kernel.call(backend(), a.data, b.data, p, sum.data);
  return null;
}

/** `torch.matmul`: 1-D operands are promoted to a row (left) or column (right) and squeezed back. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank === 0 || b.rank === 0) {
    throw new Error(`matmul: scalars are not allowed, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.shape[0], 1]) : b;
  let out = matmulT(a2, b2);
  if (a.rank === 1) out = reshape(out, [...out.shape.slice(0, -2), out.shape[out.rank - 1]]);
  if (b.rank === 1) out = reshape(out, out.shape.slice(0, -1));
  return out;
}

/** Affine map `y = x Wᵀ + b` with W of shape (out, in), as `torch.nn.functional.linear`. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.rank !== 2 || x.shape[x.rank - 1] !== weight.shape[1]) {
    throw new Error(
      `linear: input ${fmt(x.shape)} does not match weight ${fmt(weight.shape)} (expected last dim ${weight.shape[1]})`,
    );
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new Error(`linear: bias ${fmt(bias.shape)} does not match weight ${fmt(weight.shape)}`);
  }
  // Flatten leading dimensions to one (N, in) @ (in, out) product: one kernel call, and dW is a
  // single (out, in) product instead of a per-batch stack summed afterwards.
  return composite("linear", bias ? [x, weight, bias] : [x, weight], {}, () => {
    const lead = x.shape.slice(0, -1);
    const x2 = reshape(x, [lead.reduce((p, d) => p * d, 1), weight.shape[1]]);
    let y = matmulT(x2, weight, false, true);
    if (bias) y = addBiasInPlace(y, bias);
    return reshape(y, [...lead, weight.shape[0]]);
  });
}

/** Rows at least this long (in all) take the backend's `addInto` for a bias. */
const KERNEL_BIAS = 4096;

/** rows += bias, `bias` repeated over the rows of `data` (its length divides data's). */
function addRowsInto(data: Float32Array, bias: Float32Array): void {
  const kernel = data.length >= KERNEL_BIAS ? backend().addInto : undefined;
  if (kernel) {
    kernel.call(backend(), data, bias);
    return;
  }
  const n = bias.length;
  for (let o = 0; o < data.length; o += n) for (let j = 0; j < n; j++) data[o + j] += bias[j];
}

/**
 * y + b for a product y that nothing else holds (just made by `matmulT`): the bias is added into
 * y's own array (no second (N, out) array), recorded as `add` (dy = g, db = Σ_rows g). Its parent y's
 * backward (a matmul's) never reads y's values, so changing them in place is safe.
 */
function addBiasInPlace(y: Tensor, bias: Tensor): Tensor {
  addRowsInto(y.data, bias.data);
  return record(new Tensor(y.data, y.shape), "add", [y, bias], (g) => [g, sumTo(g, bias.shape)]);
}

/**
 * base + x Wᵀ (as `torch.addmm(base, x, W.T)`), W of shape (out, in): an RNN cell's gates, the
 * input part precomputed, plus the recurrent product. With the backend's `matmulAccumulate` the
 * product is added into a copy of base (one array, no temporary product); else composed.
 * Gradients: dbase = g, dx = g W, dW = gᵀ x (added into W's gradient sum in place where it has one).
 */
export function addLinear(
  base: Tensor,
  x: Tensor,
  weight: Tensor,
  {
    reuseBase = false,
  }: {
    /**
     * Add into base's own array instead of a copy: only for a base nothing reads again (a product
     * just made for this sum, whose own backward never reads its values: an LSTM step's input part).
     */
    reuseBase?: boolean;
  } = {},
): Tensor {
  if (
    weight.rank !== 2 ||
    x.rank !== 2 ||
    x.shape[1] !== weight.shape[1] ||
    base.rank !== 2 ||
    base.shape[0] !== x.shape[0] ||
    base.shape[1] !== weight.shape[0]
  ) {
    throw new Error(`addLinear: ${fmt(base.shape)} + ${fmt(x.shape)}·${fmt(weight.shape)}ᵀ do not fit`);
  }
  const kernel = backend().matmulAccumulate;
  if (!kernel || isTracing()) return add(base, matmulT(x, weight, false, true));
  const out = reuseBase ? base.data : Float32Array.from(base.data);
  kernel.call(backend(), x.data, weight.data, matmulParams(x, weight, false, true).p, out);
  return record(new Tensor(out, base.shape), "addLinear", [base, x, weight], (g, sums) => [
    g,
    x.requiresGrad ? matmulT(g, weight, false, false) : null,
    weight.requiresGrad ? matmulInto(g, x, true, false, sums?.[2]) : null,
  ]);
}
