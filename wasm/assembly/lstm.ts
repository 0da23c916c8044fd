// The fused LSTM cell (src/kernels/contract.ts, LstmCellResult): the element-wise part of one step in
// one kernel, four hidden units per SIMD lane group (a scalar tail runs the same lane functions).
//   forward:  c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g),   h' = σ(o) ⊙ tanh(c')
//   backward: dc' = dc'_in + dh ⊙ o ⊙ (1 − tanh²c');  d(pre i) = dc'⊙g⊙i(1−i), d(pre f) = dc'⊙c⊙f(1−f),
//             d(pre g) = dc'⊙i⊙(1−g²), d(pre o) = dh⊙tanh c'⊙o(1−o);  dc = dc'⊙f.
import { argI, argP, at, imin, vsigmoid, vtanh } from "./common";

/** Four lanes of the forward for batch row b, units j … j+3. */
@inline function cellLanes(
  gates: usize,
  c: usize,
  hc: usize,
  act: usize,
  b: i32,
  j: i32,
  H: i32,
  B: i32,
): void {
  const gr = b * 4 * H;
  const vi = vsigmoid(v128.load(at(gates, gr + j)));
  const vf = vsigmoid(v128.load(at(gates, gr + H + j)));
  const vg = vtanh(v128.load(at(gates, gr + 2 * H + j)));
  const vo = vsigmoid(v128.load(at(gates, gr + 3 * H + j)));
  const cn = f32x4.add(f32x4.mul(vf, v128.load(at(c, b * H + j))), f32x4.mul(vi, vg));
  const tc = vtanh(cn);
  v128.store(at(hc, b * H + j), f32x4.mul(vo, tc));
  v128.store(at(hc, (B + b) * H + j), cn);
  const ar = b * 5 * H;
  v128.store(at(act, ar + j), vi);
  v128.store(at(act, ar + H + j), vf);
  v128.store(at(act, ar + 2 * H + j), vg);
  v128.store(at(act, ar + 3 * H + j), vo);
  v128.store(at(act, ar + 4 * H + j), tc);
}

@inline function splatAt(p: usize, i: i32): v128 {
  return f32x4.splat(load<f32>(at(p, i)));
}

/** args: [_, gates, c, hc, act, B, H]. Threads split the batch rows. */
export function lstmCell(args: usize, tid: i32, nt: i32): void {
  const gates = argP(args, 1);
  const c = argP(args, 2);
  const hc = argP(args, 3);
  const act = argP(args, 4);
  const B = argI(args, 5);
  const H = argI(args, 6);
  const share = (B + nt - 1) / nt;
  const end = imin(B, (tid + 1) * share);
  for (let b = tid * share; b < end; b++) {
    let j = 0;
    for (; j + 4 <= H; j += 4) cellLanes(gates, c, hc, act, b, j, H, B);
    for (; j < H; j++) {
      const gr = b * 4 * H;
      const i = vsigmoid(splatAt(gates, gr + j));
      const f = vsigmoid(splatAt(gates, gr + H + j));
      const g = vtanh(splatAt(gates, gr + 2 * H + j));
      const o = vsigmoid(splatAt(gates, gr + 3 * H + j));
      const cn = f32x4.add(f32x4.mul(f, splatAt(c, b * H + j)), f32x4.mul(i, g));
      const tc = vtanh(cn);
      store<f32>(at(hc, b * H + j), f32x4.extract_lane(f32x4.mul(o, tc), 0));
      store<f32>(at(hc, (B + b) * H + j), f32x4.extract_lane(cn, 0));
      const ar = b * 5 * H;
      store<f32>(at(act, ar + j), f32x4.extract_lane(i, 0));
      store<f32>(at(act, ar + H + j), f32x4.extract_lane(f, 0));
      store<f32>(at(act, ar + 2 * H + j), f32x4.extract_lane(g, 0));
      store<f32>(at(act, ar + 3 * H + j), f32x4.extract_lane(o, 0));
      store<f32>(at(act, ar + 4 * H + j), f32x4.extract_lane(tc, 0));
    }
  }
}

@inline function backLanes(
  dg: usize,
  dc: usize,
  b: i32,
  j: i32,
  H: i32,
  i: v128,
  f: v128,
  g: v128,
  o: v128,
  tc: v128,
  dh: v128,
  dcIn: v128,
  cPrev: v128,
): void {
  const one = f32x4.splat(1);
  const dcn = f32x4.add(dcIn, f32x4.mul(f32x4.mul(dh, o), f32x4.sub(one, f32x4.mul(tc, tc))));
  const gr = b * 4 * H;
  v128.store(at(dg, gr + j), f32x4.mul(f32x4.mul(f32x4.mul(dcn, g), i), f32x4.sub(one, i)));
  v128.store(at(dg, gr + H + j), f32x4.mul(f32x4.mul(f32x4.mul(dcn, cPrev), f), f32x4.sub(one, f)));
  v128.store(at(dg, gr + 2 * H + j), f32x4.mul(f32x4.mul(dcn, i), f32x4.sub(one, f32x4.mul(g, g))));
  v128.store(at(dg, gr + 3 * H + j), f32x4.mul(f32x4.mul(f32x4.mul(dh, tc), o), f32x4.sub(one, o)));
  v128.store(at(dc, b * H + j), f32x4.mul(dcn, f));
}

/** args: [_, act, c, dhc, dGates, dc, B, H]. Threads split the batch rows. */
export function lstmCellBackward(args: usize, tid: i32, nt: i32): void {
  const act = argP(args, 1);
  const c = argP(args, 2);
  const dhc = argP(args, 3);
  const dg = argP(args, 4);
  const dc = argP(args, 5);
  const B = argI(args, 6);
  const H = argI(args, 7);
  const share = (B + nt - 1) / nt;
  const end = imin(B, (tid + 1) * share);
  for (let b = tid * share; b < end; b++) {
    const ar = b * 5 * H;
    const dr = b * H;
    const dcr = (B + b) * H;
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      backLanes(
        dg,
        dc,
        b,
        j,
        H,
        v128.load(at(act, ar + j)),
        v128.load(at(act, ar + H + j)),
        v128.load(at(act, ar + 2 * H + j)),
        v128.load(at(act, ar + 3 * H + j)),
        v128.load(at(act, ar + 4 * H + j)),
        v128.load(at(dhc, dr + j)),
        v128.load(at(dhc, dcr + j)),
        v128.load(at(c, b * H + j)),
      );
    }
    // The tail: the same lane arithmetic on splatted scalars, one unit at a time.
    for (; j < H; j++) {
      const one = f32x4.splat(1);
      const i = splatAt(act, ar + j);
      const f = splatAt(act, ar + H + j);
      const g = splatAt(act, ar + 2 * H + j);
      const o = splatAt(act, ar + 3 * H + j);
      const tc = splatAt(act, ar + 4 * H + j);
      const dh = splatAt(dhc, dr + j);
      const dcn = f32x4.add(
        splatAt(dhc, dcr + j),
        f32x4.mul(f32x4.mul(dh, o), f32x4.sub(one, f32x4.mul(tc, tc))),
      );
      const gr = b * 4 * H;
      store<f32>(
        at(dg, gr + j),
        f32x4.extract_lane(f32x4.mul(f32x4.mul(f32x4.mul(dcn, g), i), f32x4.sub(one, i)), 0),
      );
      store<f32>(
        at(dg, gr + H + j),
        f32x4.extract_lane(
          f32x4.mul(f32x4.mul(f32x4.mul(dcn, splatAt(c, b * H + j)), f), f32x4.sub(one, f)),
          0,
        ),
      );
      store<f32>(
        at(dg, gr + 2 * H + j),
        f32x4.extract_lane(f32x4.mul(f32x4.mul(dcn, i), f32x4.sub(one, f32x4.mul(g, g))), 0),
      );
      store<f32>(
        at(dg, gr + 3 * H + j),
        f32x4.extract_lane(f32x4.mul(f32x4.mul(f32x4.mul(dh, tc), o), f32x4.sub(one, o)), 0),
      );
      store<f32>(at(dc, b * H + j), f32x4.extract_lane(f32x4.mul(dcn, f), 0));
    }
  }
}
