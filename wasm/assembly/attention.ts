// Fused scaled-dot-product attention, FlashAttention style (Dao et al. 2022, Algorithm 1; backward as
// FlashAttention-2, Dao 2023, Algorithm 2). The T×S score matrix is never stored: queries are taken
// in blocks of BR rows, keys in blocks of BC, and each BR×BC tile of scores lives in a per-thread
// scratch buffer.
//
//   forward   for each key block j:  S = scale·Q_i K_jᵀ + bias (masked → −∞)
//                                    m_new = max(m, rowmax S);  P = exp(S − m_new)
//                                    l = e^{m − m_new}·l + rowsum P;  O = e^{m − m_new}·O + P V_j
//             O /= l;  lse = m + log l     (a row with every key masked: O = 0, lse = −∞)
//   backward  P = exp(S − lse) recomputed tile by tile; D_i = rowsum(dO ⊙ O) (given);
//             dV_j += Pᵀ dO_i;  dP = dO_i V_jᵀ;  dS = scale·P ⊙ (dP − D_i);
//             dK_j += dSᵀ Q_i;  dQ_i += dS K_j
//   The backward runs in two passes so that every output block has one owner and threads never
//   need to add into the same memory: over query blocks (dQ), then over key blocks (dK, dV; these
//   read only the packed Kᵀ and Vᵀ, so dK and dV may overwrite K and V).
//
// Layout (set up by attentionJob in src/kernels/wasm/index.ts): Q, dO, O (bh, tpad, ·); K, V (bh, spad, ·); head
// dims dp, dvp padded to multiples of 8 with zeros, tpad and spad to multiples of 4 (zero rows).
// Kᵀ and Vᵀ are packed per key block: panel (h, kb) holds dp (dvp) rows of BC keys.

import { argF, argI, argP, at, hmax, hsum, imin, NEG_INF, nextTask, transpose4, vexpFast } from "./common";
import { kern4x8 } from "./gemm";

const BR = 64;
const BC = 64;
const LDS: usize = BC * 4;
/** Bytes of per-thread scratch: score and dP tiles, row max and row sum. */
export const ATTN_SCRATCH: i32 = 2 * BR * BC * 4 + 2 * BR * 4;

// Job parameters as static fields: wasm globals, private to each instance (thread). Nothing here is
// allocated in linear memory, which all threads share.
class P {
  static bh: i32 = 0;
  static t: i32 = 0;
  static tpad: i32 = 0;
  static s: i32 = 0;
  static spad: i32 = 0;
  static dp: i32 = 0;
  static dvp: i32 = 0;
  static scale: f32 = 0;
  static causal: bool = false;
  static Q: usize = 0;
  static K: usize = 0;
  static V: usize = 0;
  static KT: usize = 0;
  static VT: usize = 0;
  static O: usize = 0;
  static LSE: usize = 0;
  static D: usize = 0;
  static dQ: usize = 0;
  static dK: usize = 0;
  static dV: usize = 0;
  static bias: usize = 0;
  static biasOff: usize = 0;
  static bst: i32 = 0;
  static bss: i32 = 0;
  static scratch: usize = 0;
  static nKB: i32 = 0;
  static nQB: i32 = 0;
}

function readParams(args: usize, tid: i32): void {
  P.bh = argI(args, 1);
  P.t = argI(args, 2);
  P.tpad = argI(args, 3);
  P.s = argI(args, 4);
  P.spad = argI(args, 5);
  P.dp = argI(args, 6);
  P.dvp = argI(args, 7);
  P.scale = argF(args, 8);
  P.causal = argI(args, 9) != 0;
  P.Q = argP(args, 10);
  P.K = argP(args, 11);
  P.V = argP(args, 12);
  P.KT = argP(args, 13);
  P.VT = argP(args, 14);
  P.O = argP(args, 15);
  P.LSE = argP(args, 16);
  P.D = argP(args, 17);
  P.dQ = argP(args, 18);
  P.dK = argP(args, 19);
  P.dV = argP(args, 20);
  P.bias = argP(args, 21);
  P.biasOff = argP(args, 22);
  P.bst = argI(args, 23);
  P.bss = argI(args, 24);
  P.scratch = argP(args, 25) + <usize>tid * argP(args, 26);
  P.nKB = (P.s + BC - 1) / BC;
  P.nQB = (P.tpad + BR - 1) / BR;
}

/** Packs Kᵀ (and Vᵀ) panels. args as readParams, slot 27: 2 to pack V too. */
export function attnPack(args: usize, tid: i32, nt: i32): void {
  readParams(args, tid);
  const withV = argI(args, 27) == 2;
  const tasks = P.bh * P.nKB;
  for (let task = nextTask(args); task < tasks; task = nextTask(args)) {
    const h = task / P.nKB;
    const kb = task - h * P.nKB;
    packPanel(P.K, P.dp, h, kb, P.KT);
    if (withV) packPanel(P.V, P.dvp, h, kb, P.VT);
  }
}

function packPanel(src: usize, d: i32, h: i32, kb: i32, dst: usize): void {
  const panel = dst + <usize>((h * P.nKB + kb) * d) * LDS;
  const j0 = kb * BC;
  const jn = imin(BC, P.s - j0);
  if (jn < BC) memory.fill(panel, 0, <usize>d * LDS);
  const ss = (<usize>d) << 2;
  let jj = 0;
  for (; jj + 4 <= jn; jj += 4) {
    const row = at(src, (h * P.spad + j0 + jj) * d);
    const dst = panel + ((<usize>jj) << 2);
    for (let kk = 0; kk < d; kk += 4) transpose4(at(row, kk), ss, dst + <usize>kk * LDS, LDS);
  }
  for (; jj < jn; jj++) {
    const row = at(src, (h * P.spad + j0 + jj) * d);
    const dst = panel + ((<usize>jj) << 2);
    for (let kk = 0; kk < d; kk++) store<f32>(dst + <usize>kk * LDS, load<f32>(at(row, kk)));
  }
}

/** S(rows × 8·np) = Q(rows × dp) · Kᵀ panel (dp × BC), tile row stride BC. */
function scoreTile(q: usize, dp: i32, rows: i32, kt: usize, np: i32, sx: usize): void {
  const ars = (<usize>dp) << 2;
  for (let p = 0; p < np; p++) {
    for (let r = 0; r < rows; r += 4) {
      const c = sx + <usize>r * LDS + <usize>p * 32;
      kern4x8(q + <usize>r * ars, ars, 4, kt + <usize>p * 32, LDS, dp, c, LDS, false);
    }
  }
}

/**
 * Turns raw dot products of row i (keys j0 … j0+ncols) into scores: scale·x + bias, and −∞ where
 * masked (causal j > i, or j ≥ s). Returns the row's maximum — NaN if a score is NaN (f32x4.max, not
 * pmax, which drops NaN: a row of NaN scores would look fully masked, output 0 and lse −∞).
 */
function maskRow(srow: usize, ncols: i32, h: i32, i: i32, j0: i32, jn: i32): f32 {
  let limit = jn;
  if (P.causal) limit = imin(limit, i - j0 + 1);
  if (limit < 0) limit = 0;
  const sc = P.scale;
  const sv = f32x4.splat(sc);
  let mv = f32x4.splat(NEG_INF);
  let c = 0;
  let vEnd = 0;
  if (P.bias == 0) {
    for (; c + 4 <= limit; c += 4) {
      const y = f32x4.mul(v128.load(at(srow, c)), sv);
      v128.store(at(srow, c), y);
      mv = f32x4.max(mv, y);
    }
    vEnd = c;
    for (; c < limit; c++) store<f32>(at(srow, c), load<f32>(at(srow, c)) * sc);
  } else {
    const brow = at(P.bias, load<i32>(at(P.biasOff, h)) + i * P.bst + j0 * P.bss);
    if (P.bss == 1) {
      for (; c + 4 <= limit; c += 4) {
        const y = f32x4.add(f32x4.mul(v128.load(at(srow, c)), sv), v128.load(at(brow, c)));
        v128.store(at(srow, c), y);
        mv = f32x4.max(mv, y);
      }
    } else if (P.bss == 0) {
      const bv = f32x4.splat(load<f32>(brow));
      for (; c + 4 <= limit; c += 4) {
        const y = f32x4.add(f32x4.mul(v128.load(at(srow, c)), sv), bv);
        v128.store(at(srow, c), y);
        mv = f32x4.max(mv, y);
      }
    }
    vEnd = c;
    for (; c < limit; c++) {
      store<f32>(at(srow, c), load<f32>(at(srow, c)) * sc + load<f32>(at(brow, c * P.bss)));
    }
  }
  let m = hmax(mv);
  for (let t = vEnd; t < limit; t++) m = Mathf.max(m, load<f32>(at(srow, t)));
  for (; c < ncols; c++) store<f32>(at(srow, c), NEG_INF);
  return m;
}

@inline function zeroRow(row: usize, ncols: i32): void {
  memory.fill(row, 0, (<usize>ncols) << 2);
}

@inline function scaleRow(row: usize, n: i32, a: f32): void {
  const av = f32x4.splat(a);
  for (let c = 0; c < n; c += 4) v128.store(at(row, c), f32x4.mul(v128.load(at(row, c)), av));
}

/** Forward pass: O and lse. Tasks are (head, block of BR queries). */
export function attnForward(args: usize, tid: i32, nt: i32): void {
  readParams(args, tid);
  const tasks = P.bh * P.nQB;
  // One call per task (not one loop in this function): V8 switches a wasm function to optimised
  // code on its next call, so a long job must not run inside a single cold call.
  for (let task = nextTask(args); task < tasks; task = nextTask(args)) {
    const h = task / P.nQB;
    forwardTask(h, (task - h * P.nQB) * BR);
  }
}

function forwardTask(h: i32, i0: i32): void {
  const sx = P.scratch;
  const mrow = sx + <usize>(2 * BR * BC * 4);
  const lrow = mrow + <usize>(BR * 4);
  const dp = P.dp;
  const dvp = P.dvp;
  const ldo = (<usize>dvp) << 2;
  const rows = imin(BR, P.tpad - i0);
  const qb = at(P.Q, (h * P.tpad + i0) * dp);
  const ob = at(P.O, (h * P.tpad + i0) * dvp);
  const lse = at(P.LSE, h * P.tpad + i0);
  memory.fill(ob, 0, <usize>rows * ldo);
  for (let r = 0; r < rows; r++) {
    store<f32>(at(mrow, r), NEG_INF);
    store<f32>(at(lrow, r), 0);
  }
  const iLast = imin(i0 + rows, P.t) - 1;
  let kbEnd = P.nKB;
  if (P.causal) kbEnd = imin(kbEnd, iLast / BC + 1);
  if (iLast < i0) kbEnd = 0;
  for (let kb = 0; kb < kbEnd; kb++) {
    const j0 = kb * BC;
    const jn = imin(BC, P.s - j0);
    const np = (jn + 7) >> 3;
    const ncols = np << 3;
    // 1. scores of the tile
    scoreTile(qb, dp, rows, P.KT + <usize>((h * P.nKB + kb) * dp) * LDS, np, sx);
    // 2. online softmax, row by row
    for (let r = 0; r < rows; r++) {
      const i = i0 + r;
      const srow = sx + <usize>r * LDS;
      if (i >= P.t) {
        zeroRow(srow, ncols);
        continue;
      }
      const mOld = load<f32>(at(mrow, r));
      const mNew = Mathf.max(mOld, maskRow(srow, ncols, h, i, j0, jn));
      if (mNew == NEG_INF) {
        zeroRow(srow, ncols);
        continue;
      }
      const mNv = f32x4.splat(mNew);
      let sum = f32x4.splat(0);
      for (let c = 0; c < ncols; c += 4) {
        const e = vexpFast(f32x4.sub(v128.load(at(srow, c)), mNv));
        v128.store(at(srow, c), e);
        sum = f32x4.add(sum, e);
      }
      const alpha: f32 = mOld == NEG_INF ? 0 : Mathf.exp(mOld - mNew);
      const l = load<f32>(at(lrow, r)) * alpha + hsum(sum);
      store<f32>(at(lrow, r), l);
      store<f32>(at(mrow, r), mNew);
      if (alpha != 1) scaleRow(ob + <usize>r * ldo, dvp, alpha);
    }
    // 3. O += P V_j
    const vb = at(P.V, (h * P.spad + j0) * dvp);
    for (let c = 0; c < dvp; c += 8) {
      for (let r = 0; r < rows; r += 4) {
        const o = ob + <usize>r * ldo + ((<usize>c) << 2);
        kern4x8(sx + <usize>r * LDS, LDS, 4, vb + ((<usize>c) << 2), ldo, jn, o, ldo, true);
      }
    }
  }
  for (let r = 0; r < rows; r++) {
    const l = load<f32>(at(lrow, r));
    // l is NaN when a score was NaN: O and lse are NaN then, as in the reference (not "all masked").
    if (l > 0 || isNaN(l)) {
      scaleRow(ob + <usize>r * ldo, dvp, 1 / l);
      store<f32>(at(lse, r), load<f32>(at(mrow, r)) + Mathf.log(l));
    } else {
      store<f32>(at(lse, r), NEG_INF);
    }
  }
}

/**
 * Recomputes P = exp(S − lse) for a tile (rows from i0, keys from j0) and dS = scale·P ⊙ (dP − D)
 * where dP = dO Vᵀ. Leaves P in sx and dS in dpx.
 */
function probsAndDs(h: i32, i0: i32, rows: i32, kb: i32, sx: usize, dpx: usize): void {
  const j0 = kb * BC;
  const jn = imin(BC, P.s - j0);
  const np = (jn + 7) >> 3;
  const ncols = np << 3;
  const qb = at(P.Q, (h * P.tpad + i0) * P.dp);
  const dob = at(P.O, (h * P.tpad + i0) * P.dvp);
  scoreTile(qb, P.dp, rows, P.KT + <usize>((h * P.nKB + kb) * P.dp) * LDS, np, sx);
  for (let r = 0; r < rows; r++) {
    const i = i0 + r;
    const srow = sx + <usize>r * LDS;
    const lse = load<f32>(at(P.LSE, h * P.tpad + i));
    if (i >= P.t || lse == NEG_INF) {
      zeroRow(srow, ncols);
      continue;
    }
    maskRow(srow, ncols, h, i, j0, jn);
    const lv = f32x4.splat(lse);
    for (let c = 0; c < ncols; c += 4) {
      v128.store(at(srow, c), vexpFast(f32x4.sub(v128.load(at(srow, c)), lv)));
    }
  }
  // dP = dO_i V_jᵀ
  const ldo = (<usize>P.dvp) << 2;
  const vt = P.VT + <usize>((h * P.nKB + kb) * P.dvp) * LDS;
  for (let q = 0; q < np; q++) {
    for (let r = 0; r < rows; r += 4) {
      const c = dpx + <usize>r * LDS + <usize>q * 32;
      kern4x8(dob + <usize>r * ldo, ldo, 4, vt + <usize>q * 32, LDS, P.dvp, c, LDS, false);
    }
  }
  // dS = scale · P ⊙ (dP − D_i)
  const sv = f32x4.splat(P.scale);
  for (let r = 0; r < rows; r++) {
    const dv = f32x4.splat(load<f32>(at(P.D, h * P.tpad + i0 + r)));
    const prow = sx + <usize>r * LDS;
    const drow = dpx + <usize>r * LDS;
    for (let c = 0; c < ncols; c += 4) {
      const pr = v128.load(at(prow, c));
      v128.store(at(drow, c), f32x4.mul(sv, f32x4.mul(pr, f32x4.sub(v128.load(at(drow, c)), dv))));
    }
  }
}

/** Backward pass 2: dK and dV, tasks are (head, block of BC keys). `O` holds dO here. */
export function attnBackwardKV(args: usize, tid: i32, nt: i32): void {
  readParams(args, tid);
  const tasks = P.bh * P.nKB;
  for (let task = nextTask(args); task < tasks; task = nextTask(args)) {
    const h = task / P.nKB;
    backwardKVTask(h, task - h * P.nKB);
  }
}

function backwardKVTask(h: i32, kb: i32): void {
  const sx = P.scratch;
  const dpx = sx + <usize>(BR * BC * 4);
  const ldq = (<usize>P.dp) << 2;
  const ldo = (<usize>P.dvp) << 2;
  const j0 = kb * BC;
  const jn = imin(BC, P.s - j0);
  const kr = (jn + 3) & ~3;
  const dkb = at(P.dK, (h * P.spad + j0) * P.dp);
  const dvb = at(P.dV, (h * P.spad + j0) * P.dvp);
  memory.fill(dkb, 0, <usize>kr * ldq);
  memory.fill(dvb, 0, <usize>kr * ldo);
  const ib0 = P.causal ? j0 / BR : 0;
  for (let ib = ib0; ib < P.nQB; ib++) {
    const i0 = ib * BR;
    if (i0 >= P.t) break;
    const rows = imin(BR, P.tpad - i0);
    probsAndDs(h, i0, rows, kb, sx, dpx);
    const qb = at(P.Q, (h * P.tpad + i0) * P.dp);
    const dob = at(P.O, (h * P.tpad + i0) * P.dvp);
    // dV_j += Pᵀ dO_i, dK_j += dSᵀ Q_i
    for (let c = 0; c < P.dvp; c += 8) {
      for (let g = 0; g < kr; g += 4) {
        const o = dvb + <usize>g * ldo + ((<usize>c) << 2);
        kern4x8(sx + ((<usize>g) << 2), 4, LDS, dob + ((<usize>c) << 2), ldo, rows, o, ldo, true);
      }
    }
    for (let c = 0; c < P.dp; c += 8) {
      for (let g = 0; g < kr; g += 4) {
        const o = dkb + <usize>g * ldq + ((<usize>c) << 2);
        kern4x8(dpx + ((<usize>g) << 2), 4, LDS, qb + ((<usize>c) << 2), ldq, rows, o, ldq, true);
      }
    }
  }
}

/** Backward pass 1: dQ, tasks are (head, block of BR queries). `O` holds dO here. */
export function attnBackwardQ(args: usize, tid: i32, nt: i32): void {
  readParams(args, tid);
  const tasks = P.bh * P.nQB;
  for (let task = nextTask(args); task < tasks; task = nextTask(args)) {
    const h = task / P.nQB;
    backwardQTask(h, (task - h * P.nQB) * BR);
  }
}

function backwardQTask(h: i32, i0: i32): void {
  const sx = P.scratch;
  const dpx = sx + <usize>(BR * BC * 4);
  const ldq = (<usize>P.dp) << 2;
  const rows = imin(BR, P.tpad - i0);
  const dqb = at(P.dQ, (h * P.tpad + i0) * P.dp);
  memory.fill(dqb, 0, <usize>rows * ldq);
  const iLast = imin(i0 + rows, P.t) - 1;
  let kbEnd = P.nKB;
  if (P.causal) kbEnd = imin(kbEnd, iLast / BC + 1);
  if (iLast < i0) kbEnd = 0;
  for (let kb = 0; kb < kbEnd; kb++) {
    const j0 = kb * BC;
    const jn = imin(BC, P.s - j0);
    probsAndDs(h, i0, rows, kb, sx, dpx);
    // dQ_i += dS K_j
    const kb0 = at(P.K, (h * P.spad + j0) * P.dp);
    for (let c = 0; c < P.dp; c += 8) {
      for (let r = 0; r < rows; r += 4) {
        const o = dqb + <usize>r * ldq + ((<usize>c) << 2);
        kern4x8(dpx + <usize>r * LDS, LDS, 4, kb0 + ((<usize>c) << 2), ldq, jn, o, ldq, true);
      }
    }
  }
}
