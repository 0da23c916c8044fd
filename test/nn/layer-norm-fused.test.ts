/**
 * layerNorm as one op (μ, σ² in double; x̂ and 1/σ kept for the backward) against the equation
 * written with the tensor ops, values and every gradient, with and without γ and β and over two
 * trailing axes; and its errors.
 */
import { describe, expect, it } from "vitest";
import { layerNorm } from "../../src/nn/layer-norm.js";
import { add, div, mean, mul, sqrt, square, sub, sum, type Tensor, tensor } from "../../src/tensor/index.js";

const vals = (n: number, s: number) => Array.from({ length: n }, (_, i) => Math.sin(s + 1.3 * i) * 2 + 0.5);
function composed(x: Tensor, k: number, w: Tensor | null, b: Tensor | null, eps: number): Tensor {
  const axes = Array.from({ length: k }, (_, i) => x.rank - k + i);
  const c = sub(x, mean(x, axes, true));
  let y = div(c, sqrt(add(mean(square(c), axes, true), eps)));
  if (w) y = mul(y, w);
  if (b) y = add(y, b);
  return y;
}
function near(a: Tensor | null, b: Tensor | null, what: string) {
  expect(a, what).not.toBeNull();
  const [x, y] = [a!.data, b!.data];
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++)
    expect(Math.abs(x[i] - y[i]), `${what}[${i}]`).toBeLessThanOrEqual(2e-6 + 2e-6 * Math.abs(y[i]));
}

describe("layerNorm (one op)", () => {
  for (const [shape, norm, affine] of [
    [[3, 4, 8], [8], true],
    [[3, 4, 8], [8], false],
    [[2, 3, 4, 5], [4, 5], true],
  ] as const) {
    it(`x ${shape}, normalizedShape ${norm}, affine ${affine}`, () => {
      const n = shape.reduce((p, d) => p * d, 1);
      const D = norm.reduce((p, d) => p * d, 1);
      const run = (fused: boolean) => {
        const x = tensor(vals(n, 1), [...shape], { requiresGrad: true });
        const w = affine ? tensor(vals(D, 2), [...norm], { requiresGrad: true }) : null;
        const b = affine ? tensor(vals(D, 3), [...norm], { requiresGrad: true }) : null;
        const y = fused ? layerNorm(x, norm, w, b, 1e-5) : composed(x, norm.length, w, b, 1e-5);
        sum(mul(y, tensor(vals(n, 4), [...shape]))).backward();
        return { y, x: x.grad, w: w?.grad ?? null, b: b?.grad ?? null };
      };
      const f = run(true);
      const c = run(false);
      near(f.y, c.y, "y");
      near(f.x, c.x, "dx");
      if (affine) {
        near(f.w, c.w, "dγ");
        near(f.b, c.b, "dβ");
      }
    });
  }
  it("refuses a γ of the wrong size and an input that does not end in normalizedShape", () => {
    const x = tensor(vals(12, 1), [3, 4]);
    expect(() => layerNorm(x, [4], tensor(vals(3, 1), [3]))).toThrow(
      /layerNorm: weight \[3\] does not match normalizedShape \[4\]/,
    );
    expect(() => layerNorm(x, [5])).toThrow(/does not end in normalizedShape/);
  });
});
