// Register-blocked micro-kernels and the batched matrix product.
//
// Micro-kernel: a 4×8 (or 1×8) tile of C kept in eight (two) f32x4 registers,
//   C[i, 0:8] (+)= Σ_kk A(i, kk) · B[kk, 0:8]
// A(i, kk) is read by broadcast loads at a + i·ars + kk·acs (any layout, transposed or not);
// B rows are 8 contiguous floats at b + kk·ldb (a packed panel, or row-major data).

import { argI, argP, at, imin, nextTask, transpose4 } from "./common";

/** 4×8 tile: C = (acc ? C : 0) + A·B (all strides in bytes). */
export function kern4x8(
  a: usize,
  ars: usize,
  acs: usize,
  b: usize,
  ldb: usize,
  K: i32,
  c: usize,
  ldc: usize,
  acc: bool,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let a0 = a;
  const a1 = ars;
  const a2 = ars << 1;
  const a3 = ars * 3;
  let bp = b;
  for (let kk = 0; kk < K; kk++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let x = v128.load32_splat(a0);
    c00 = f32x4.add(c00, f32x4.mul(x, b0));
    c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(a0 + a1);
    c10 = f32x4.add(c10, f32x4.mul(x, b0));
    c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(a0 + a2);
    c20 = f32x4.add(c20, f32x4.mul(x, b0));
    c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(a0 + a3);
    c30 = f32x4.add(c30, f32x4.mul(x, b0));
    c31 = f32x4.add(c31, f32x4.mul(x, b1));
    a0 += acs;
    bp += ldb;
  }
  const r1 = c + ldc;
  const r2 = r1 + ldc;
  const r3 = r2 + ldc;
  if (acc) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(r1));
    c11 = f32x4.add(c11, v128.load(r1, 16));
    c20 = f32x4.add(c20, v128.load(r2));
    c21 = f32x4.add(c21, v128.load(r2, 16));
    c30 = f32x4.add(c30, v128.load(r3));
    c31 = f32x4.add(c31, v128.load(r3, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(r1, c10);
  v128.store(r1, c11, 16);
  v128.store(r2, c20);
  v128.store(r2, c21, 16);
  v128.store(r3, c30);
  v128.store(r3, c31, 16);
}

/** 1×8 tile (row tails). */
export function kern1x8(a: usize, acs: usize, b: usize, ldb: usize, K: i32, c: usize, acc: bool): void {
  let c0 = f32x4.splat(0);
  let c1 = f32x4.splat(0);
  let ap = a;
  let bp = b;
  for (let kk = 0; kk < K; kk++) {
    const x = v128.load32_splat(ap);
    c0 = f32x4.add(c0, f32x4.mul(x, v128.load(bp)));
    c1 = f32x4.add(c1, f32x4.mul(x, v128.load(bp, 16)));
    ap += acs;
    bp += ldb;
  }
  if (acc) {
    c0 = f32x4.add(c0, v128.load(c));
    c1 = f32x4.add(c1, v128.load(c, 16));
  }
  v128.store(c, c0);
  v128.store(c, c1, 16);
}

// Blocking of the batched product: a task is (batch, MB rows, NB columns); k runs in KC slices.
const MB = 64;
const NB = 256;
const KC = 256;
/**
 * Bytes of per-thread scratch the matmul needs: the packed B block, then a 4×8 tail tile (general
 * path) or one row of THIN_NC sums (the thin path, accumulating).
 */
export const MATMUL_SCRATCH: i32 = KC * NB * 4 + NB * 4;

/**
 * Packs B(k0:k0+kc, j0:j1) into 8-column panels: panel p, row kk at dst + (p·kc + kk)·32 bytes,
 * columns past j1 zero. B(kk, j) = b[kk·n + j], or b[j·k + kk] when transB.
 */
function packB(b: usize, k: i32, n: i32, transB: bool, k0: i32, kc: i32, j0: i32, j1: i32, dst: usize): void {
  const np = (j1 - j0 + 7) >> 3;
  for (let p = 0; p < np; p++) {
    const jc = j0 + (p << 3);
    const w = imin(8, j1 - jc);
    const panel = dst + <usize>(p * kc) * 32;
    if (!transB) {
      if (w == 8) {
        for (let kk = 0; kk < kc; kk++) {
          const src = at(b, (k0 + kk) * n + jc);
          const d = panel + <usize>kk * 32;
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
        }
      } else {
        for (let kk = 0; kk < kc; kk++) {
          const src = at(b, (k0 + kk) * n + jc);
          const d = panel + <usize>kk * 32;
          v128.store(d, f32x4.splat(0));
          v128.store(d, f32x4.splat(0), 16);
          for (let jj = 0; jj < w; jj++) store<f32>(at(d, jj), load<f32>(at(src, jj)));
        }
      }
    } else {
      // B(kk, j) = b[j·k + kk]: 4×4 transposes of (4 columns j) × (4 rows kk), scalar tails.
      if (w < 8) memory.fill(panel, 0, <usize>kc * 32);
      const ss = (<usize>k) << 2;
      for (let h = 0; h + 4 <= w; h += 4) {
        const src = at(b, (jc + h) * k + k0);
        let kk = 0;
        const dst = panel + ((<usize>h) << 2);
        for (; kk + 4 <= kc; kk += 4) transpose4(at(src, kk), ss, dst + <usize>kk * 32, 32);
        for (; kk < kc; kk++) {
          for (let jj = 0; jj < 4; jj++) {
            const v = load<f32>(src + <usize>jj * ss + ((<usize>kk) << 2));
            store<f32>(dst + <usize>kk * 32 + ((<usize>jj) << 2), v);
          }
        }
      }
      for (let jj = w & ~3; jj < w; jj++) {
        const src = at(b, (jc + jj) * k + k0);
        const d = at(panel, jj);
        for (let kk = 0; kk < kc; kk++) store<f32>(d + <usize>kk * 32, load<f32>(at(src, kk)));
      }
    }
  }
}

/** Columns per task of the thin product (its op(B) block, k ≤ KC rows of it, fits the scratch). */
const THIN_NC = NB;

/**
 * Thin products (m ≤ 2 rows — a decoder step's query against its keys, a batch-1 linear layer — or a
 * depth k ≤ 2, an outer product), k ≤ KC: no packing, direct rows c_i = Σ_p a_ip b_p over op(B)'s
 * rows (B's own rows, or gathered into the scratch when transB). Each element is summed as the
 * micro-kernels sum it (from zero, p = 0 … k − 1, c + a·b; accumulating, that sum is then added to C), so a row's result does not depend on the
 * path or on how many other rows share the call (greedy decoding drops finished rows and must keep
 * the others' numbers). A task is (batch, THIN_NC columns). Same args as `matmul`.
 */
function matmulThin(args: usize, tid: i32): void {
  const batch = argI(args, 1);
  const m = argI(args, 2);
  const k = argI(args, 3);
  const n = argI(args, 4);
  const transA = argI(args, 5) != 0;
  const transB = argI(args, 6) != 0;
  const A = argP(args, 7);
  const B = argP(args, 8);
  const C = argP(args, 9);
  const aOff = argP(args, 10);
  const bOff = argP(args, 11);
  const scratch = argP(args, 12) + <usize>tid * argP(args, 13);
  const accumulate = argI(args, 14) != 0;
  const rowSum = scratch + <usize>(KC * NB * 4); // THIN_NC floats past op(B)'s gathered block
  const ars: usize = transA ? 4 : (<usize>k) << 2;
  const acs: usize = transA ? (<usize>m) << 2 : 4;
  const nb = (n + THIN_NC - 1) / THIN_NC;
  const tasks = batch * nb;
  for (let task = nextTask(args); task < tasks; task = nextTask(args)) {
    const bt = task / nb;
    const j0 = (task - bt * nb) * THIN_NC;
    const w = imin(n, j0 + THIN_NC) - j0;
    const a = at(A, load<i32>(at(aOff, bt)));
    const b = at(B, load<i32>(at(bOff, bt)));
    const c = C + ((<usize>bt * <usize>m * <usize>n) << 2);
    if (transB)
      for (let p = 0; p < k; p++)
        for (let j = 0; j < w; j++) store<f32>(at(scratch, p * w + j), load<f32>(at(b, (j0 + j) * k + p)));
    for (let i = 0; i < m; i++) {
      const ci = at(c, i * n + j0);
      // Accumulating, the row is summed from zero aside and then added to C, as the micro-kernels do.
      const row = accumulate ? rowSum : ci;
      memory.fill(row, 0, (<usize>w) << 2);
      for (let p = 0; p < k; p++) {
        const x = load<f32>(a + <usize>i * ars + <usize>p * acs);
        const bp = transB ? at(scratch, p * w) : at(b, p * n + j0);
        const xv = f32x4.splat(x);
        let j = 0;
        for (; j + 4 <= w; j += 4)
          v128.store(at(row, j), f32x4.add(v128.load(at(row, j)), f32x4.mul(xv, v128.load(at(bp, j)))));
        for (; j < w; j++) store<f32>(at(row, j), load<f32>(at(row, j)) + x * load<f32>(at(bp, j)));
      }
      if (accumulate) {
        let j = 0;
        for (; j + 4 <= w; j += 4)
          v128.store(at(ci, j), f32x4.add(v128.load(at(row, j)), v128.load(at(ci, j))));
        for (; j < w; j++) store<f32>(at(ci, j), load<f32>(at(row, j)) + load<f32>(at(ci, j)));
      }
    }
  }
}

/**
 * C[bt] = op(A[bt]) · op(B[bt]), or C[bt] += … when `accumulate`. args: [counter, batch, m, k, n,
 * transA, transB, A, B, C, aOffsets, bOffsets, scratch, scratchStride, accumulate]. Offsets are i32
 * element offsets per batch entry.
 */
export function matmul(args: usize, tid: i32, nt: i32): void {
  // Thin products take the direct path (k ≤ KC: op(B)'s gathered block fits the scratch).
  const mm = argI(args, 2);
  const kk = argI(args, 3);
  if ((mm <= 2 || kk <= 2) && kk <= KC) {
    matmulThin(args, tid);
    return;
  }
  const batch = argI(args, 1);
  const m = argI(args, 2);
  const k = argI(args, 3);
  const n = argI(args, 4);
  const transA = argI(args, 5) != 0;
  const transB = argI(args, 6) != 0;
  const A = argP(args, 7);
  const B = argP(args, 8);
  const C = argP(args, 9);
  const aOff = argP(args, 10);
  const bOff = argP(args, 11);
  const packed = argP(args, 12) + <usize>tid * argP(args, 13);
  const accumulate = argI(args, 14) != 0;
  const tile = packed + <usize>(KC * NB * 4);
  const mBlocks = (m + MB - 1) / MB;
  const nBlocks = (n + NB - 1) / NB;
  const perBatch = mBlocks * nBlocks;
  const tasks = batch * perBatch;
  const ars: usize = transA ? 4 : (<usize>k) << 2;
  const acs: usize = transA ? (<usize>m) << 2 : 4;
  const ldc: usize = (<usize>n) << 2;
  for (let task = nextTask(args); task < tasks; task = nextTask(args)) {
    const bt = task / perBatch;
    const rem = task - bt * perBatch;
    const mb = rem / nBlocks;
    const nb = rem - mb * nBlocks;
    const i0 = mb * MB;
    const i1 = imin(m, i0 + MB);
    const j0 = nb * NB;
    const j1 = imin(n, j0 + NB);
    const a = at(A, load<i32>(at(aOff, bt)));
    const b = at(B, load<i32>(at(bOff, bt)));
    const c = C + ((<usize>bt * <usize>m * <usize>n) << 2);
    const np = (j1 - j0 + 7) >> 3;
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = imin(KC, k - k0);
      const acc = k0 > 0 || accumulate;
      packB(b, k, n, transB, k0, kc, j0, j1, packed);
      for (let p = 0; p < np; p++) {
        const bp = packed + <usize>(p * kc) * 32;
        const jc = j0 + (p << 3);
        const w = imin(8, j1 - jc);
        let i = i0;
        for (; i + 4 <= i1; i += 4) {
          const ap = a + <usize>i * ars + <usize>k0 * acs;
          const cp = c + <usize>i * ldc + ((<usize>jc) << 2);
          if (w == 8) {
            kern4x8(ap, ars, acs, bp, 32, kc, cp, ldc, acc);
          } else {
            kern4x8(ap, ars, acs, bp, 32, kc, tile, 32, false);
            for (let r = 0; r < 4; r++) {
              for (let jj = 0; jj < w; jj++) {
                const dst = cp + <usize>r * ldc + ((<usize>jj) << 2);
                const v = load<f32>(tile + <usize>(r * 32 + (jj << 2)));
                store<f32>(dst, acc ? load<f32>(dst) + v : v);
              }
            }
          }
        }
        for (; i < i1; i++) {
          const ap = a + <usize>i * ars + <usize>k0 * acs;
          const cp = c + <usize>i * ldc + ((<usize>jc) << 2);
          if (w == 8) {
            kern1x8(ap, acs, bp, 32, kc, cp, acc);
          } else {
            kern1x8(ap, acs, bp, 32, kc, tile, false);
            for (let jj = 0; jj < w; jj++) {
              const dst = cp + ((<usize>jj) << 2);
              const v = load<f32>(tile + ((<usize>jj) << 2));
              store<f32>(dst, acc ? load<f32>(dst) + v : v);
            }
          }
        }
      }
    }
  }
}
