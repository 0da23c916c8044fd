/** clipGradNorm / clipGradValue with PyTorch's semantics (the PyTorch comparison is in optimizers.test.ts). */
import { describe, expect, it } from "vitest";
import { clipGradNorm, clipGradValue } from "../../../src/nn/index.js";
import { add, tensor } from "../../../src/tensor/index.js";

function withGrad(values: number[], grad: number[]) {
  const p = tensor(values, [values.length], { requiresGrad: true });
  p.grad = tensor(grad, [grad.length]);
  return p;
}

describe("clipGradNorm", () => {
  it("returns the total 2-norm and scales by maxNorm / (norm + 1e-6)", () => {
    const a = withGrad([0, 0], [3, 0]);
    const b = withGrad([0], [4]);
    const norm = clipGradNorm([a, b], 1);
    expect(norm).toBeCloseTo(5, 6);
    const c = 1 / (5 + 1e-6);
    expect(a.grad!.data[0]).toBeCloseTo(3 * c, 6);
    expect(b.grad!.data[0]).toBeCloseTo(4 * c, 6);
  });

  it("leaves small gradients alone, skips parameters without gradients", () => {
    const a = withGrad([0, 0], [0.3, 0.4]);
    const none = tensor([1], [1], { requiresGrad: true });
    expect(clipGradNorm([a, none], 1)).toBeCloseTo(0.5, 6);
    expect(Array.from(a.grad!.data)).toEqual([Math.fround(0.3), Math.fround(0.4)]);
    expect(none.grad).toBeNull();
    expect(clipGradNorm([none], 1)).toBe(0);
  });

  it("supports the max norm and reports non-finite norms on request", () => {
    const a = withGrad([0, 0], [-3, 2]);
    expect(clipGradNorm([a], 10, { normType: Number.POSITIVE_INFINITY })).toBe(3);
    const bad = withGrad([0], [Number.NaN]);
    expect(() => clipGradNorm([bad], 1, { errorIfNonfinite: true })).toThrow(/clipGradNorm: the total norm/);
  });

  it("scales each leaf's gradient once, even where autograd routed one tensor to two leaves", () => {
    // a + b routes the same gradient tensor to both leaves; backward() gives each leaf its own buffer.
    const a = tensor([1, 1], [2], { requiresGrad: true });
    const b = tensor([1, 1], [2], { requiresGrad: true });
    add(a, b).sum().backward();
    expect(a.grad).not.toBe(b.grad);
    expect(a.grad!.data).not.toBe(b.grad!.data);
    clipGradNorm([a, b], 1);
    const expected = 1 / (2 + 1e-6);
    expect(a.grad!.data[0]).toBeCloseTo(expected, 6);
    expect(b.grad!.data[0]).toBeCloseTo(expected, 6);
  });
});

describe("in place, as PyTorch's clip_grad_norm_ / clip_grad_value_", () => {
  it("keeps each .grad tensor and its array (a kept gradient stays the optimizer's array)", () => {
    // 3000 entries: the backend's scale kernel where it has one; 2: the loop.
    for (const n of [3000, 2]) {
      const a = withGrad(new Array(n).fill(0), new Array(n).fill(1));
      const [g, d] = [a.grad, a.grad!.data];
      clipGradNorm([a], 1);
      expect(a.grad).toBe(g);
      expect(a.grad!.data).toBe(d);
      expect(d[0]).toBeCloseTo(1 / (Math.sqrt(n) + 1e-6), 6);
      clipGradValue([a], 1e-3);
      expect(a.grad!.data).toBe(d);
      expect(d[n - 1]).toBeCloseTo(Math.min(1e-3, 1 / Math.sqrt(n)), 7);
    }
  });
});

describe("clipGradValue", () => {
  it("clamps each entry", () => {
    const a = withGrad([0, 0, 0], [-2, 0.5, 3]);
    clipGradValue([a], 1);
    expect(Array.from(a.grad!.data)).toEqual([-1, 0.5, 1]);
  });
});
