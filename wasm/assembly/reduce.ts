// Axis-wise kernels on (outer, n, inner) views: reductions, softmax / log-softmax, argmax.
import { argI, argP, at, hmax, hsum, imin, NEG_INF, nextTask, vexpFast } from "./common";

const R_SUM = 0;
const R_MAX = 1;
// op 2 = min: the kernels test only for sum and max.

/** Sum of n contiguous floats, accumulated in float64 (as the reference). */
function rowSum(x: usize, n: i32): f64 {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const v = v128.load(at(x, j));
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
    s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
  }
  const s = f64x2.add(s0, s1);
  let acc = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; j < n; j++) acc += <f64>load<f32>(at(x, j));
  return acc;
}

function rowExtreme(isMax: bool, x: usize, n: i32): f32 {
  let acc = isMax ? f32x4.splat(NEG_INF) : f32x4.splat(-NEG_INF);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const v = v128.load(at(x, j));
    acc = isMax ? f32x4.max(acc, v) : f32x4.min(acc, v);
  }
  let r: f32 = isMax ? hmax(acc) : -hmax(f32x4.neg(acc));
  for (; j < n; j++) {
    const v = load<f32>(at(x, j));
    r = isMax ? Mathf.max(r, v) : Mathf.min(r, v);
  }
  return r;
}

/**
 * Reduces the middle axis of (outer, n, inner) → (outer, inner). args: [counter, op, x, out, outer,
 * n, inner, scratch, scratchStride]. Sums accumulate in float64 (scratch: inner doubles per thread).
 */
export function reduce(args: usize, tid: i32, nt: i32): void {
  const op = argI(args, 1);
  const x = argP(args, 2);
  const out = argP(args, 3);
  const outer = argI(args, 4);
  const n = argI(args, 5);
  const inner = argI(args, 6);
  const acc64 = argP(args, 7) + <usize>tid * argP(args, 8);
  if (inner == 1) {
    const per = 16;
    const tasks = (outer + per - 1) / per;
    for (let task = nextTask(args); task < tasks; task = nextTask(args)) {
      const o1 = imin(outer, (task + 1) * per);
      for (let o = task * per; o < o1; o++) {
        const row = at(x, o * n);
        const v: f32 = op == R_SUM ? <f32>rowSum(row, n) : rowExtreme(op == R_MAX, row, n);
        store<f32>(at(out, o), v);
      }
    }
    return;
  }
  for (let o = nextTask(args); o < outer; o = nextTask(args)) {
    const base = at(x, o * n * inner);
    const dst = at(out, o * inner);
    if (op == R_SUM) {
      memory.fill(acc64, 0, (<usize>inner) << 3);
      for (let j = 0; j < n; j++) {
        const row = base + ((<usize>(j * inner)) << 2);
        let i = 0;
        for (; i + 2 <= inner; i += 2) {
          const p = acc64 + ((<usize>i) << 3);
          const v = v128.load64_zero(at(row, i));
          v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v)));
        }
        for (; i < inner; i++) {
          const p = acc64 + ((<usize>i) << 3);
          store<f64>(p, load<f64>(p) + <f64>load<f32>(at(row, i)));
        }
      }
      for (let i = 0; i < inner; i++) store<f32>(at(dst, i), <f32>load<f64>(acc64 + ((<usize>i) << 3)));
    } else {
      const isMax = op == R_MAX;
      memory.copy(dst, base, (<usize>inner) << 2);
      for (let j = 1; j < n; j++) {
        const row = base + ((<usize>(j * inner)) << 2);
        let i = 0;
        for (; i + 4 <= inner; i += 4) {
          const p = at(dst, i);
          const v = v128.load(at(row, i));
          v128.store(p, isMax ? f32x4.max(v128.load(p), v) : f32x4.min(v128.load(p), v));
        }
        for (; i < inner; i++) {
          const p = at(dst, i);
          const v = load<f32>(at(row, i));
          store<f32>(p, isMax ? Mathf.max(load<f32>(p), v) : Mathf.min(load<f32>(p), v));
        }
      }
    }
  }
}

/** Softmax of one contiguous row (x → out); all −∞ gives zeros (log: −∞). */
export function softmaxRow(x: usize, out: usize, n: i32, log: bool): void {
  const m = rowExtreme(true, x, n);
  if (m == NEG_INF) {
    const fill = log ? NEG_INF : 0;
    for (let j = 0; j < n; j++) store<f32>(at(out, j), fill);
    return;
  }
  const mv = f32x4.splat(m);
  let s0 = f32x4.splat(0);
  let j = 0;
  if (log) {
    for (; j + 4 <= n; j += 4) s0 = f32x4.add(s0, vexpFast(f32x4.sub(v128.load(at(x, j)), mv)));
  } else {
    for (; j + 4 <= n; j += 4) {
      const e = vexpFast(f32x4.sub(v128.load(at(x, j)), mv));
      v128.store(at(out, j), e);
      s0 = f32x4.add(s0, e);
    }
  }
  let sum = hsum(s0);
  for (; j < n; j++) {
    const e = f32x4.extract_lane(vexpFast(f32x4.splat(load<f32>(at(x, j)) - m)), 0);
    if (!log) store<f32>(at(out, j), e);
    sum += e;
  }
  j = 0;
  if (log) {
    const lse = f32x4.splat(m + Mathf.log(sum));
    for (; j + 4 <= n; j += 4) v128.store(at(out, j), f32x4.sub(v128.load(at(x, j)), lse));
    const l = m + Mathf.log(sum);
    for (; j < n; j++) store<f32>(at(out, j), load<f32>(at(x, j)) - l);
  } else {
    const inv = f32x4.splat(1 / sum);
    for (; j + 4 <= n; j += 4) v128.store(at(out, j), f32x4.mul(v128.load(at(out, j)), inv));
    const il: f32 = 1 / sum;
    for (; j < n; j++) store<f32>(at(out, j), load<f32>(at(out, j)) * il);
  }
}

/** Softmax over the middle axis for `w` ≤ 4 adjacent inner lanes at once (lanes ≥ w are ignored). */
function softmaxLanes(x: usize, out: usize, n: i32, inner: i32, w: i32, log: bool): void {
  const stride = (<usize>inner) << 2;
  // Load w lanes (rest -∞) of row j.
  let m = f32x4.splat(NEG_INF);
  for (let j = 0; j < n; j++) m = f32x4.max(m, loadLanes(x + <usize>j * stride, w));
  const dead = f32x4.eq(m, f32x4.splat(NEG_INF));
  const ms = v128.bitselect(f32x4.splat(0), m, dead);
  let sum = f32x4.splat(0);
  for (let j = 0; j < n; j++) {
    const e = vexpFast(f32x4.sub(loadLanes(x + <usize>j * stride, w), ms));
    sum = f32x4.add(sum, e);
    if (!log) storeLanes(out + <usize>j * stride, e, w);
  }
  // A lane is dead (every entry −∞: zeros, log −∞) only when its sum is 0; a NaN sum is NaN, as in
  // the reference (gt(sum, 0) is false for NaN and turned a NaN lane into zeros).
  const live = f32x4.ne(sum, f32x4.splat(0));
  if (log) {
    const lse = f32x4.add(
      ms,
      f32x4(
        Mathf.log(f32x4.extract_lane(sum, 0)),
        Mathf.log(f32x4.extract_lane(sum, 1)),
        Mathf.log(f32x4.extract_lane(sum, 2)),
        Mathf.log(f32x4.extract_lane(sum, 3)),
      ),
    );
    for (let j = 0; j < n; j++) {
      const y = f32x4.sub(loadLanes(x + <usize>j * stride, w), lse);
      storeLanes(out + <usize>j * stride, v128.bitselect(y, f32x4.splat(NEG_INF), live), w);
    }
  } else {
    const inv = f32x4.div(f32x4.splat(1), sum);
    for (let j = 0; j < n; j++) {
      const p = out + <usize>j * stride;
      const y = f32x4.mul(loadLanes(p, w), inv);
      storeLanes(p, v128.bitselect(y, f32x4.splat(0), live), w);
    }
  }
}

@inline function loadLanes(p: usize, w: i32): v128 {
  if (w == 4) return v128.load(p);
  let v = f32x4.splat(NEG_INF);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (w > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (w > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

@inline function storeLanes(p: usize, v: v128, w: i32): void {
  if (w == 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (w > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (w > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** args: [counter, x, out, outer, n, inner, log]. */
export function softmax(args: usize, tid: i32, nt: i32): void {
  const x = argP(args, 1);
  const out = argP(args, 2);
  const outer = argI(args, 3);
  const n = argI(args, 4);
  const inner = argI(args, 5);
  const log = argI(args, 6) != 0;
  if (inner == 1) {
    const per = 8;
    const tasks = (outer + per - 1) / per;
    for (let task = nextTask(args); task < tasks; task = nextTask(args)) {
      const o1 = imin(outer, (task + 1) * per);
      for (let o = task * per; o < o1; o++) softmaxRow(at(x, o * n), at(out, o * n), n, log);
    }
    return;
  }
  const chunks = (inner + 3) >> 2;
  const tasks = outer * chunks;
  for (let task = nextTask(args); task < tasks; task = nextTask(args)) {
    const o = task / chunks;
    const i = (task - o * chunks) << 2;
    const off = o * n * inner + i;
    softmaxLanes(at(x, off), at(out, off), n, inner, imin(4, inner - i), log);
  }
}

/** First index of the maximum along the middle axis. args: [_, x, out(i32), outer, n, inner]. */
export function argmax(args: usize, tid: i32, nt: i32): void {
  const x = argP(args, 1);
  const out = argP(args, 2);
  const outer = argI(args, 3);
  const n = argI(args, 4);
  const inner = argI(args, 5);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = at(x, o * n * inner + i);
      const stride = (<usize>inner) << 2;
      let best = 0;
      let bv = load<f32>(base);
      for (let j = 1; j < n; j++) {
        const v = load<f32>(base + <usize>j * stride);
        if (v > bv) {
          bv = v;
          best = j;
        }
      }
      store<i32>(out + ((<usize>(o * inner + i)) << 2), best);
    }
  }
}
