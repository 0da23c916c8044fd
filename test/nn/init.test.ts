/** nn.init: in-place initialisers with PyTorch's formulas, seeded by manualSeed. */
import { describe, expect, it } from "vitest";
import { init } from "../../src/nn/index.js";
import { manualSeed, zeros } from "../../src/tensor/index.js";

function stats(v: Float32Array) {
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  const sd = Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length);
  return { m, sd, max: Math.max(...Array.from(v, Math.abs)) };
}

describe("init", () => {
  it("computes fans and gains as PyTorch", () => {
    expect(init.fans([6, 4, 3, 3])).toEqual({ fanIn: 36, fanOut: 54 });
    expect(init.calculateGain("tanh")).toBeCloseTo(5 / 3, 12);
    expect(init.calculateGain("leaky_relu", Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(() => init.fans([3])).toThrow(/rank ≥ 2/);
  });

  it("draws from the stated distributions, reproducibly", () => {
    manualSeed(1);
    const a = init.xavierUniform(zeros([200, 300]));
    manualSeed(1);
    const b = init.xavierUniform(zeros([200, 300]));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const bound = Math.sqrt(6 / 500);
    expect(stats(a.data).max).toBeLessThanOrEqual(bound);
    expect(stats(a.data).max).toBeGreaterThan(0.99 * bound);
    const n = stats(init.kaimingNormal(zeros([300, 200]), { nonlinearity: "relu" }).data);
    expect(Math.abs(n.sd - Math.sqrt(2 / 200))).toBeLessThan(0.002);
    const x = stats(init.xavierNormal(zeros([300, 200])).data);
    expect(Math.abs(x.sd - Math.sqrt(2 / 500))).toBeLessThan(0.002);
    const k = stats(init.kaimingUniform(zeros([300, 200]), { a: Math.sqrt(5) }).data);
    expect(k.max).toBeLessThanOrEqual(1 / Math.sqrt(200) + 1e-7);
    expect(Array.from(init.constant(zeros([2]), 3).data)).toEqual([3, 3]);
  });
});
