// Data movement: permute (transpose), indexSelect / indexAdd (gather / scatter-add), concat.
import { argI, argP, at, imin } from "./common";

/**
 * out = x with axes permuted, on collapsed shapes. args: [_, rank, outShape, srcStrides, x, out, n,
 * idx]. srcStrides[d] is the element stride in x of output axis d. Three paths: contiguous runs
 * (last source stride 1), a tiled 2-D transpose (the last two output axes swapped), and a general
 * odometer.
 */
export function permute(args: usize, tid: i32, nt: i32): void {
  const rank = argI(args, 1);
  const shape = argP(args, 2);
  const strides = argP(args, 3);
  const x = argP(args, 4);
  const out = argP(args, 5);
  const n = argI(args, 6);
  const idx = argP(args, 7);
  if (n == 0) return;
  const last = rank - 1;
  const len = load<i32>(shape + ((<usize>last) << 2));
  const sl = load<i32>(strides + ((<usize>last) << 2));
  const tiled = sl != 1 && rank >= 2 && load<i32>(strides + ((<usize>(last - 1)) << 2)) == 1;
  const lead = tiled ? rank - 2 : rank - 1;
  const rows = tiled ? load<i32>(shape + ((<usize>(last - 1)) << 2)) : 1;
  const block = tiled ? rows * len : len;
  memory.fill(idx, 0, (<usize>rank) << 2);
  let src = 0;
  for (let o = 0; o < n; o += block) {
    if (sl == 1) {
      memory.copy(at(out, o), at(x, src), (<usize>len) << 2);
    } else if (tiled) {
      // out[r, c] = x[src + r + c·sl] for r < rows, c < len, in 8×8 tiles.
      for (let r0 = 0; r0 < rows; r0 += 8) {
        const r1 = imin(rows, r0 + 8);
        for (let c0 = 0; c0 < len; c0 += 8) {
          const c1 = imin(len, c0 + 8);
          for (let r = r0; r < r1; r++) {
            const dst = at(out, o + r * len);
            for (let c = c0; c < c1; c++) store<f32>(at(dst, c), load<f32>(at(x, src + r + c * sl)));
          }
        }
      }
    } else {
      const dst = at(out, o);
      for (let c = 0; c < len; c++) store<f32>(at(dst, c), load<f32>(at(x, src + c * sl)));
    }
    for (let d = lead - 1; d >= 0; d--) {
      const p = idx + ((<usize>d) << 2);
      const i = load<i32>(p) + 1;
      const s = load<i32>(strides + ((<usize>d) << 2));
      src += s;
      if (i < load<i32>(shape + ((<usize>d) << 2))) {
        store<i32>(p, i);
        break;
      }
      src -= s * i;
      store<i32>(p, 0);
    }
  }
}

/** out(outer, m, inner) = x(outer, indices[j], inner). args: [_, x, out, outer, n, inner, indices, m]. */
export function indexSelect(args: usize, tid: i32, nt: i32): void {
  const x = argP(args, 1);
  const out = argP(args, 2);
  const outer = argI(args, 3);
  const n = argI(args, 4);
  const inner = argI(args, 5);
  const indices = argP(args, 6);
  const m = argI(args, 7);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const src = at(x, (o * n + load<i32>(at(indices, j))) * inner);
      const dst = at(out, (o * m + j) * inner);
      if (inner == 1) store<f32>(dst, load<f32>(src));
      else memory.copy(dst, src, (<usize>inner) << 2);
    }
  }
}

/**
 * out = zeros(outer, n, inner); out[o, indices[j]] += g[o, j].
 * args: [_, g, out, outer, n, inner, indices, m].
 */
export function indexAdd(args: usize, tid: i32, nt: i32): void {
  const g = argP(args, 1);
  const out = argP(args, 2);
  const outer = argI(args, 3);
  const n = argI(args, 4);
  const inner = argI(args, 5);
  const indices = argP(args, 6);
  const m = argI(args, 7);
  memory.fill(out, 0, <usize>outer * <usize>n * <usize>inner * 4);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const dst = at(out, (o * n + load<i32>(at(indices, j))) * inner);
      const src = at(g, (o * m + j) * inner);
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        v128.store(at(dst, i), f32x4.add(v128.load(at(dst, i)), v128.load(at(src, i))));
      }
      for (; i < inner; i++) store<f32>(at(dst, i), load<f32>(at(dst, i)) + load<f32>(at(src, i)));
    }
  }
}

/**
 * Concatenation along the middle axis. args: [_, out, outer, inner, count, parts, sizes, total]:
 * parts is a u32 array of addresses, sizes an i32 array of middle lengths.
 */
export function concat(args: usize, tid: i32, nt: i32): void {
  const out = argP(args, 1);
  const outer = argI(args, 2);
  const inner = argI(args, 3);
  const count = argI(args, 4);
  const parts = argP(args, 5);
  const sizes = argP(args, 6);
  const total = argI(args, 7);
  for (let o = 0; o < outer; o++) {
    let off = o * total * inner;
    for (let p = 0; p < count; p++) {
      const len = load<i32>(at(sizes, p)) * inner;
      const src = <usize>load<u32>(at(parts, p));
      memory.copy(at(out, off), at(src, o * len), (<usize>len) << 2);
      off += len;
    }
  }
}
