/**
 * Gradient sums that matmul's backward adds into in place (`matmulAccumulate`, where a backend has
 * it): a weight used at many steps gets one sum, every product added into it. Checked on every
 * backend against the gradient written out by hand: for L = Σ_t sum(C_t ⊙ (X_t Wᵀ)) + sum(D ⊙ (W Y)),
 * dL/dW = Σ_t C_tᵀ X_t + D Yᵀ, and for L' = Σ_t sum(C_t ⊙ (X_t W_x)) with W_x used on the right too.
 */
import { expect, it } from "vitest";
import { add, linear, matmul, mul, sum, type Tensor, tensor } from "../../src/tensor/index.js";
import { addLinear } from "../../src/tensor/ops/matmul.js";
import { describeOnEveryBackend } from "../helpers/on-backend.js";

/** A deterministic (r, c) matrix of small values. */
function mat(r: number, c: number, seed: number): number[] {
  return Array.from({ length: r * c }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 0.5);
}
/** Plain-number matrix product (r × k)(k × c), for the expected gradients. */
function mm(a: number[], b: number[], r: number, k: number, c: number): number[] {
  const out = new Array<number>(r * c).fill(0);
  for (let i = 0; i < r; i++)
    for (let p = 0; p < k; p++) for (let j = 0; j < c; j++) out[i * c + j] += a[i * k + p] * b[p * c + j];
  return out;
}
function tr(a: number[], r: number, c: number): number[] {
  const out = new Array<number>(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j];
  return out;
}
function close(actual: Tensor | null, want: number[]): void {
  expect(actual).not.toBeNull();
  const got = [...actual!.data];
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(want[i]));
}

describeOnEveryBackend("gradient sums over many matmuls", () => {
  const [B, I, O, T] = [5, 7, 6, 6];
  it("a linear weight used at six steps and once on the left of a product", () => {
    const w = tensor(mat(O, I, 1), [O, I], { requiresGrad: true });
    const xs = Array.from({ length: T }, (_, t) => mat(B, I, 10 + t));
    const cs = Array.from({ length: T }, (_, t) => mat(B, O, 30 + t));
    const y = mat(I, 3, 50);
    const d = mat(O, 3, 51);
    let loss = sum(mul(matmul(w, tensor(y, [I, 3])), tensor(d, [O, 3])));
    for (let t = 0; t < T; t++)
      loss = loss.add(sum(mul(linear(tensor(xs[t], [B, I]), w), tensor(cs[t], [B, O]))));
    loss.backward();
    // dW = Σ_t C_tᵀ X_t + D Yᵀ
    const want = mm(d, tr(y, I, 3), O, 3, I);
    for (let t = 0; t < T; t++) {
      const term = mm(tr(cs[t], B, O), xs[t], O, B, I);
      for (let i = 0; i < term.length; i++) want[i] += term[i];
    }
    close(w.grad, want);
  });
  it("a weight on the right of six products (dW = Σ_t X_tᵀ C_t), and as both operands of one", () => {
    const w = tensor(mat(I, I, 2), [I, I], { requiresGrad: true });
    const xs = Array.from({ length: T }, (_, t) => mat(B, I, 60 + t));
    const cs = Array.from({ length: T }, (_, t) => mat(B, I, 80 + t));
    const e = mat(I, I, 99);
    let loss = sum(mul(matmul(w, w), tensor(e, [I, I])));
    for (let t = 0; t < T; t++)
      loss = loss.add(sum(mul(matmul(tensor(xs[t], [B, I]), w), tensor(cs[t], [B, I]))));
    loss.backward();
    // d/dW sum(E ⊙ W W) = E Wᵀ + Wᵀ E
    const wv = mat(I, I, 2);
    const want = mm(e, tr(wv, I, I), I, I, I).map((v, i) => v + mm(tr(wv, I, I), e, I, I, I)[i]);
    for (let t = 0; t < T; t++) {
      const term = mm(tr(xs[t], B, I), cs[t], I, B, I);
      for (let i = 0; i < term.length; i++) want[i] += term[i];
    }
    close(w.grad, want);
  });
  it("a batched operand (N, S, D) used at six steps as attention's values: dM = Σ_t W_tᵀ C_t per batch entry", () => {
    const [N, S, D] = [3, 4, 5];
    const mem = tensor(mat(N * S, D, 3), [N, S, D], { requiresGrad: true });
    const ws = Array.from({ length: T }, (_, t) => mat(N, S, 110 + t));
    const cs = Array.from({ length: T }, (_, t) => mat(N, D, 130 + t));
    let loss = sum(mul(mem, tensor(mat(N * S, D, 150), [N, S, D])));
    for (let t = 0; t < T; t++)
      loss = loss.add(sum(mul(matmul(tensor(ws[t], [N, 1, S]), mem), tensor(cs[t], [N, 1, D]))));
    loss.backward();
    const want = mat(N * S, D, 150);
    for (let t = 0; t < T; t++)
      for (let b = 0; b < N; b++)
        for (let s = 0; s < S; s++)
          for (let d = 0; d < D; d++) want[(b * S + s) * D + d] += ws[t][b * S + s] * cs[t][b * D + d];
    close(mem.grad, want);
  });
  it("addLinear(base, x, W) = base + x Wᵀ, values and every gradient as the composed ops, W reused at six steps", () => {
    const [N, In, Out] = [4, 5, 7];
    const run = (fused: boolean) => {
      const w = tensor(mat(Out, In, 5), [Out, In], { requiresGrad: true });
      const base = tensor(mat(N, Out, 6), [N, Out], { requiresGrad: true });
      let h = tensor(mat(N, In, 7), [N, In], { requiresGrad: true });
      const h0 = h;
      let loss: Tensor | null = null;
      const outs: number[] = [];
      for (let t = 0; t < T; t++) {
        const y = fused ? addLinear(base, h, w) : add(base, linear(h, w));
        outs.push(...y.data);
        const term = sum(mul(y, tensor(mat(N, Out, 200 + t), [N, Out])));
        loss = loss ? loss.add(term) : term;
        h = mul(h, 0.9);
      }
      loss!.backward();
      return { outs, w: [...w.grad!.data], base: [...base.grad!.data], h: [...h0.grad!.data] };
    };
    const fused = run(true);
    const composed = run(false);
    close(tensor(fused.outs, [fused.outs.length]), composed.outs);
    close(tensor(fused.w, [fused.w.length]), composed.w);
    close(tensor(fused.base, [fused.base.length]), composed.base);
    close(tensor(fused.h, [fused.h.length]), composed.h);
    expect(() =>
      addLinear(tensor(mat(2, 3, 1), [2, 3]), tensor(mat(2, 4, 1), [2, 4]), tensor(mat(3, 5, 1), [3, 5])),
    ).toThrow(/addLinear: \[2, 3\] \+ \[2, 4\]·\[3, 5\]ᵀ do not fit/);
    expect(() =>
      addLinear(tensor(mat(2, 4, 1), [2, 4]), tensor(mat(2, 5, 1), [2, 5]), tensor(mat(3, 5, 1), [3, 5])),
    ).toThrow(/addLinear: \[2, 4\] \+ \[2, 5\]·\[3, 5\]ᵀ do not fit/);
  });
});
