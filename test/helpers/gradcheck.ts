/**
 * Finite-difference gradient check: compares autograd's gradient of L = Σ f(x)·R with central
 * differences (L(x + εe_i) − L(x − εe_i)) / 2ε, element by element, in float32.
 */
import { expect } from "vitest";
import { mul, noGrad, randn, sum, type Tensor } from "../../src/tensor/index.js";

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
}

export function gradcheck(
  name: string,
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  { eps = 1e-2, atol = 2e-3, rtol = 2e-2 }: GradcheckOptions = {},
): void {
  for (const x of inputs) {
    x.requiresGrad = true;
    x.grad = null;
  }
  const out = f(...inputs);
  const r = randn(out.shape);
  const loss = () => sum(mul(f(...inputs), r)).item();
  sum(mul(out, r)).backward();
  noGrad(() => {
    inputs.forEach((x, n) => {
      const g = x.grad;
      expect(g, `${name}: input ${n} got no gradient`).not.toBeNull();
      for (let i = 0; i < x.size; i++) {
        const old = x.data[i];
        x.data[i] = old + eps;
        const up = loss();
        x.data[i] = old - eps;
        const down = loss();
        x.data[i] = old;
        const numeric = (up - down) / (2 * eps);
        const analytic = g!.data[i];
        const ok = Math.abs(numeric - analytic) <= atol + rtol * Math.abs(numeric);
        expect(ok, `${name}: d/dx${n}[${i}] analytic ${analytic} vs numeric ${numeric}`).toBe(true);
      }
    });
  });
}
