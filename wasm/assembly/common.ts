// Shared helpers for the qkv wasm kernels: argument access and vectorised exp.
//
// Calling convention (see src/kernels/wasm/runtime.ts): every exported kernel takes
// (args, tid, nt). `args` points at a block of 32-bit slots written by JavaScript; slot 0 is a task
// counter that threads advance with atomic.add (dynamic scheduling), the other slots are the
// kernel's parameters. `tid` is this thread's index and `nt` the number of threads running the job.

export const NEG_INF: f32 = -Infinity;
export const POS_INF: f32 = Infinity;

@inline export function argI(args: usize, i: i32): i32 {
  return load<i32>(args + ((<usize>i) << 2));
}

@inline export function argP(args: usize, i: i32): usize {
  return <usize>load<u32>(args + ((<usize>i) << 2));
}

@inline export function argF(args: usize, i: i32): f32 {
  return load<f32>(args + ((<usize>i) << 2));
}

/** Next task index of a dynamically scheduled loop (shared by all threads of the job). */
@inline export function nextTask(args: usize): i32 {
  return atomic.add<i32>(args, 1);
}

/** Byte address of element i of an f32 array. */
@inline export function at(p: usize, i: i32): usize {
  return p + ((<usize>i) << 2);
}

@inline export function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

@inline export function imax(a: i32, b: i32): i32 {
  return a > b ? a : b;
}

/**
 * e^x on four lanes (Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, degree-6 polynomial, 2^n built in the
 * exponent bits; about 1 ulp). exp(−∞) = 0, exp(+∞) = +∞, NaN stays NaN; results below ~1e-37 flush
 * to 0.
 */
@inline export function vexp(x: v128): v128 {
  const xc = f32x4.min(f32x4.max(x, f32x4.splat(-86.0)), f32x4.splat(88.72283));
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.1219444e-4)));
  let p = f32x4.splat(1.98756915e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1.0));
  // p · 2^(n−1) · 2 keeps the exponent field in range for n = 128.
  const e = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(126)), 23);
  let y = f32x4.mul(f32x4.mul(p, e), f32x4.splat(2.0));
  y = v128.bitselect(f32x4.splat(0), y, f32x4.lt(x, f32x4.splat(-86.0)));
  y = v128.bitselect(f32x4.splat(Infinity), y, f32x4.gt(x, f32x4.splat(88.72283)));
  return y;
}

/** Scalar twin of vexp (same polynomial, for tails, so that lanes agree). */
@inline export function sexp(x: f32): f32 {
  return f32x4.extract_lane(vexp(f32x4.splat(x)), 0);
}

/** Horizontal sum and max of four lanes. */
@inline export function hsum(v: v128): f32 {
  const a = f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1);
  return a + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

@inline export function hmax(v: v128): f32 {
  return Mathf.max(
    Mathf.max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    Mathf.max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)),
  );
}

/**
 * e^x for x ≤ 88 (softmax arguments x − max ≤ 0): the same polynomial as vexp with a cheaper range
 * reduction (round-to-nearest by adding 1.5·2^23). x < −87 (and −∞) gives 0; NaN stays NaN.
 */
@inline export function vexpFast(x: v128): v128 {
  const magic = f32x4.splat(12582912.0);
  const xc = f32x4.pmax(x, f32x4.splat(-87.0));
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(1.44269504088896341)), magic);
  const n = f32x4.sub(t, magic);
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.1219444e-4)));
  let p = f32x4.splat(1.98756915e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1.0));
  // t's low mantissa bits hold n: bits(t) = 0x4B400000 + n, so 2^n = (bits(t) − 0x4B400000 + 127) << 23.
  const e = i32x4.shl(i32x4.sub(t, i32x4.splat(0x4b3fff81)), 23);
  return v128.bitselect(f32x4.splat(0), f32x4.mul(p, e), f32x4.lt(x, f32x4.splat(-87.0)));
}

/** Horizontal max that ignores NaN ordering subtleties (pmax), for row maxima. */
@inline export function hpmax(v: v128): f32 {
  const a = f32x4.pmax(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.pmax(a, v128.shuffle<f32>(a, a, 1, 0, 3, 2)), 0);
}

/**
 * 4×4 transpose: dst row c (at dst + c·ds) = column c of the four src rows (at src + r·ss).
 */
@inline export function transpose4(src: usize, ss: usize, dst: usize, ds: usize): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + ss);
  const r2 = v128.load(src + 2 * ss);
  const r3 = v128.load(src + 3 * ss);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + ds, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * ds, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * ds, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

/**
 * tanh on four lanes (Cephes tanhf, about 2 ulp): for |x| ≥ 0.625, 1 − 2/(e^(2|x|) + 1) with the sign
 * of x; below, x + x³·P(x²). ±∞ → ±1, NaN stays NaN.
 */
@inline export function vtanh(x: v128): v128 {
  const a = f32x4.abs(x);
  const z = vexp(f32x4.add(a, a));
  let big = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(z, f32x4.splat(1))));
  big = v128.or(big, v128.and(x, i32x4.splat(0x80000000))); // the sign of x
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, x2), x), x);
  return v128.bitselect(big, small, f32x4.ge(a, f32x4.splat(0.625)));
}

/** σ(x) = 1 / (1 + e^(−x)) on four lanes (the unary sigmoid kernel's formula). */
@inline export function vsigmoid(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), vexp(f32x4.neg(x))));
}
