// Element-wise kernels: unary ops and broadcasting binary ops, with SIMD fast paths for
// same-shape (vector ⊕ vector) and scalar (vector ⊕ scalar) runs.
import { argI, argP, at, imin, sexp, vexp, vsigmoid, vtanh } from "./common";

// Unary op codes (order of UnaryOp in src/kernels/wasm/runtime.ts).
export const U_NEG = 0;
export const U_EXP = 1;
export const U_LOG = 2;
export const U_TANH = 3;
export const U_SIGMOID = 4;
export const U_RELU = 5;
export const U_SQRT = 6;
export const U_ABS = 7;
export const U_SIGN = 8;
export const U_SQUARE = 9;
export const U_RECIPROCAL = 10;
export const U_ERF = 11;

// Binary op codes (order of BinaryOp).
export const B_ADD = 0;
export const B_SUB = 1;
export const B_MUL = 2;
export const B_DIV = 3;
export const B_POW = 4;
export const B_MAX = 5;
export const B_MIN = 6;
export const B_EQ = 7;
export const B_GT = 8;
export const B_GE = 9;

@inline function vsign(x: v128): v128 {
  const pos = v128.and(f32x4.gt(x, f32x4.splat(0)), f32x4.splat(1));
  const neg = v128.and(f32x4.lt(x, f32x4.splat(0)), f32x4.splat(-1));
  return v128.or(pos, neg);
}

@inline function vunary(op: i32, x: v128): v128 {
  switch (op) {
    case U_NEG:
      return f32x4.neg(x);
    case U_EXP:
      return vexp(x);
    case U_SIGMOID:
      return vsigmoid(x);
    case U_TANH:
      return vtanh(x);
    case U_RELU:
      return f32x4.max(x, f32x4.splat(0));
    case U_SQRT:
      return f32x4.sqrt(x);
    case U_ABS:
      return f32x4.abs(x);
    case U_SIGN:
      return vsign(x);
    case U_SQUARE:
      return f32x4.mul(x, x);
    case U_RECIPROCAL:
      return f32x4.div(f32x4.splat(1), x);
    default:
      return x;
  }
}

/**
 * erf(x) = 2/√π · e^(−x²) · Σ_{n≥0} 2ⁿ x^(2n+1) / (1·3·…·(2n+1)) (Abramowitz & Stegun 7.1.6), summed in
 * f64 (positive terms: no cancellation) to float32 accuracy; |erf| rounds to 1 in float32 beyond 3.92.
 */
function serf(x: f32): f32 {
  if (isNaN(x)) return x;
  const a = <f64>Mathf.abs(x);
  if (a >= 4.0) return x > 0 ? 1.0 : -1.0;
  let term = a;
  let sum = a;
  const a2 = 2.0 * a * a;
  for (let n = 1; term > 1e-10 * sum; n++) {
    term *= a2 / <f64>(2 * n + 1);
    sum += term;
  }
  const r = <f32>(1.1283791670955126 * Math.exp(-a * a) * sum);
  return x < 0 ? -r : r;
}

@inline function sunary(op: i32, x: f32): f32 {
  switch (op) {
    case U_ERF:
      return serf(x);
    case U_LOG:
      return Mathf.log(x);
    case U_EXP:
      return sexp(x);
    default:
      return f32x4.extract_lane(vunary(op, f32x4.splat(x)), 0);
  }
}

@inline function unaryLoop(op: i32, x: usize, out: usize, start: i32, end: i32): void {
  let i = start;
  if (op != U_LOG && op != U_ERF) {
    for (; i + 4 <= end; i += 4) v128.store(at(out, i), vunary(op, v128.load(at(x, i))));
  }
  for (; i < end; i++) store<f32>(at(out, i), sunary(op, load<f32>(at(x, i))));
}

/**
 * args: [_, op, x, out, n]. Threads split the range statically; each share runs in chunks, one call
 * each, so that V8's optimised code (used from a function's next call) takes over early.
 */
export function unary(args: usize, tid: i32, nt: i32): void {
  const op = argI(args, 1);
  const x = argP(args, 2);
  const out = argP(args, 3);
  const n = argI(args, 4);
  const share = ((n + nt - 1) / nt + 3) & ~3;
  const start = imin(n, tid * share);
  const end = imin(n, start + share);
  for (let c = start; c < end; c += CHUNK) unaryRange(op, x, out, c, imin(end, c + CHUNK));
}

const CHUNK = 16384;

function unaryRange(op: i32, x: usize, out: usize, start: i32, end: i32): void {
  switch (op) {
    case U_NEG:
      unaryLoop(U_NEG, x, out, start, end);
      break;
    case U_EXP:
      unaryLoop(U_EXP, x, out, start, end);
      break;
    case U_LOG:
      unaryLoop(U_LOG, x, out, start, end);
      break;
    case U_TANH:
      unaryLoop(U_TANH, x, out, start, end);
      break;
    case U_SIGMOID:
      unaryLoop(U_SIGMOID, x, out, start, end);
      break;
    case U_RELU:
      unaryLoop(U_RELU, x, out, start, end);
      break;
    case U_SQRT:
      unaryLoop(U_SQRT, x, out, start, end);
      break;
    case U_ABS:
      unaryLoop(U_ABS, x, out, start, end);
      break;
    case U_SIGN:
      unaryLoop(U_SIGN, x, out, start, end);
      break;
    case U_SQUARE:
      unaryLoop(U_SQUARE, x, out, start, end);
      break;
    case U_RECIPROCAL:
      unaryLoop(U_RECIPROCAL, x, out, start, end);
      break;
    case U_ERF:
      unaryLoop(U_ERF, x, out, start, end);
      break;
  }
}

@inline function vbinary(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case B_ADD:
      return f32x4.add(a, b);
    case B_SUB:
      return f32x4.sub(a, b);
    case B_MUL:
      return f32x4.mul(a, b);
    case B_DIV:
      return f32x4.div(a, b);
    case B_MAX:
      return f32x4.max(a, b);
    case B_MIN:
      return f32x4.min(a, b);
    case B_EQ:
      return v128.and(f32x4.eq(a, b), f32x4.splat(1));
    case B_GT:
      return v128.and(f32x4.gt(a, b), f32x4.splat(1));
    case B_GE:
      return v128.and(f32x4.ge(a, b), f32x4.splat(1));
    default:
      return a;
  }
}

@inline function sbinary(op: i32, a: f32, b: f32): f32 {
  if (op == B_POW) return Mathf.pow(a, b);
  return f32x4.extract_lane(vbinary(op, f32x4.splat(a), f32x4.splat(b)), 0);
}

// Three run shapes: vector ⊕ vector, vector ⊕ scalar, scalar ⊕ vector.
@inline function loopVV(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  if (op != B_POW) {
    for (; i + 4 <= n; i += 4) v128.store(at(out, i), vbinary(op, v128.load(at(a, i)), v128.load(at(b, i))));
  }
  for (; i < n; i++) store<f32>(at(out, i), sbinary(op, load<f32>(at(a, i)), load<f32>(at(b, i))));
}

@inline function loopVS(op: i32, a: usize, bv: f32, out: usize, n: i32): void {
  let i = 0;
  if (op != B_POW) {
    const b = f32x4.splat(bv);
    for (; i + 4 <= n; i += 4) v128.store(at(out, i), vbinary(op, v128.load(at(a, i)), b));
  }
  for (; i < n; i++) store<f32>(at(out, i), sbinary(op, load<f32>(at(a, i)), bv));
}

@inline function loopSV(op: i32, av: f32, b: usize, out: usize, n: i32): void {
  let i = 0;
  if (op != B_POW) {
    const a = f32x4.splat(av);
    for (; i + 4 <= n; i += 4) v128.store(at(out, i), vbinary(op, a, v128.load(at(b, i))));
  }
  for (; i < n; i++) store<f32>(at(out, i), sbinary(op, av, load<f32>(at(b, i))));
}

function runVV(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  switch (op) {
    case B_ADD:
      loopVV(B_ADD, a, b, out, n);
      break;
    case B_SUB:
      loopVV(B_SUB, a, b, out, n);
      break;
    case B_MUL:
      loopVV(B_MUL, a, b, out, n);
      break;
    case B_DIV:
      loopVV(B_DIV, a, b, out, n);
      break;
    case B_POW:
      loopVV(B_POW, a, b, out, n);
      break;
    case B_MAX:
      loopVV(B_MAX, a, b, out, n);
      break;
    case B_MIN:
      loopVV(B_MIN, a, b, out, n);
      break;
    case B_EQ:
      loopVV(B_EQ, a, b, out, n);
      break;
    case B_GT:
      loopVV(B_GT, a, b, out, n);
      break;
    case B_GE:
      loopVV(B_GE, a, b, out, n);
      break;
  }
}

function runVS(op: i32, a: usize, b: f32, out: usize, n: i32): void {
  switch (op) {
    case B_ADD:
      loopVS(B_ADD, a, b, out, n);
      break;
    case B_SUB:
      loopVS(B_SUB, a, b, out, n);
      break;
    case B_MUL:
      loopVS(B_MUL, a, b, out, n);
      break;
    case B_DIV:
      loopVS(B_DIV, a, b, out, n);
      break;
    case B_POW:
      loopVS(B_POW, a, b, out, n);
      break;
    case B_MAX:
      loopVS(B_MAX, a, b, out, n);
      break;
    case B_MIN:
      loopVS(B_MIN, a, b, out, n);
      break;
    case B_EQ:
      loopVS(B_EQ, a, b, out, n);
      break;
    case B_GT:
      loopVS(B_GT, a, b, out, n);
      break;
    case B_GE:
      loopVS(B_GE, a, b, out, n);
      break;
  }
}

function runSV(op: i32, a: f32, b: usize, out: usize, n: i32): void {
  switch (op) {
    case B_ADD:
      loopSV(B_ADD, a, b, out, n);
      break;
    case B_SUB:
      loopSV(B_SUB, a, b, out, n);
      break;
    case B_MUL:
      loopSV(B_MUL, a, b, out, n);
      break;
    case B_DIV:
      loopSV(B_DIV, a, b, out, n);
      break;
    case B_POW:
      loopSV(B_POW, a, b, out, n);
      break;
    case B_MAX:
      loopSV(B_MAX, a, b, out, n);
      break;
    case B_MIN:
      loopSV(B_MIN, a, b, out, n);
      break;
    case B_EQ:
      loopSV(B_EQ, a, b, out, n);
      break;
    case B_GT:
      loopSV(B_GT, a, b, out, n);
      break;
    case B_GE:
      loopSV(B_GE, a, b, out, n);
      break;
  }
}

/** One run of `len` outputs whose inputs advance by stride sa, sb ∈ {0, 1}. */
function run(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, len: i32): void {
  if (len > CHUNK) {
    // Long runs in chunks (one call each, see unary).
    for (let c = 0; c < len; c += CHUNK) {
      run(op, at(a, c * sa), sa, at(b, c * sb), sb, at(out, c), imin(CHUNK, len - c));
    }
    return;
  }
  if (sa != 0 && sb != 0) runVV(op, a, b, out, len);
  else if (sa != 0) runVS(op, a, load<f32>(b), out, len);
  else if (sb != 0) runSV(op, load<f32>(a), b, out, len);
  else {
    const v = sbinary(op, load<f32>(a), load<f32>(b));
    for (let i = 0; i < len; i++) store<f32>(at(out, i), v);
  }
}

/**
 * Broadcasting binary op on collapsed shapes. args: [_, op, rank, shape, aStrides, bStrides, a, b,
 * out, n, idx]. shape/strides are i32 arrays of length rank (element strides, 0 = broadcast); the
 * last axis has strides 0 or 1; idx is scratch for the odometer. Threads split the outer rows.
 */
export function binary(args: usize, tid: i32, nt: i32): void {
  const op = argI(args, 1);
  const rank = argI(args, 2);
  const shape = argP(args, 3);
  const as = argP(args, 4);
  const bs = argP(args, 5);
  const a = argP(args, 6);
  const b = argP(args, 7);
  const out = argP(args, 8);
  const n = argI(args, 9);
  const idx = argP(args, 10) + ((<usize>tid) << 6);
  if (n == 0) return;
  const last = rank - 1;
  const len = load<i32>(shape + ((<usize>last) << 2));
  const sal = load<i32>(as + ((<usize>last) << 2));
  const sbl = load<i32>(bs + ((<usize>last) << 2));
  const rows = n / len;
  const per = (rows + nt - 1) / nt;
  const r0 = imin(rows, tid * per);
  const r1 = imin(rows, r0 + per);
  if (r0 >= r1) return;
  // Odometer start at row r0.
  let ai = 0;
  let bi = 0;
  let rest = r0;
  for (let d = last - 1; d >= 0; d--) {
    const dim = load<i32>(shape + ((<usize>d) << 2));
    const i = rest % dim;
    rest /= dim;
    store<i32>(idx + ((<usize>d) << 2), i);
    ai += i * load<i32>(as + ((<usize>d) << 2));
    bi += i * load<i32>(bs + ((<usize>d) << 2));
  }
  for (let r = r0; r < r1; r++) {
    run(op, at(a, ai), sal, at(b, bi), sbl, at(out, r * len), len);
    for (let d = last - 1; d >= 0; d--) {
      const p = idx + ((<usize>d) << 2);
      const i = load<i32>(p) + 1;
      const sa = load<i32>(as + ((<usize>d) << 2));
      const sb = load<i32>(bs + ((<usize>d) << 2));
      ai += sa;
      bi += sb;
      if (i < load<i32>(shape + ((<usize>d) << 2))) {
        store<i32>(p, i);
        break;
      }
      ai -= sa * i;
      bi -= sb * i;
      store<i32>(p, 0);
    }
  }
}
