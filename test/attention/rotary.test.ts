/**
 * RoPE: the rotation of each feature pair by m·θ_i (checked entry by entry against the equation),
 * scores that depend only on the relative position n − m, norms kept, gradients that flow, and
 * multi-head attention with RoPE decoding incrementally (KV cache at positions P, P+1, …) exactly as
 * the full causal forward.
 */
import { describe, expect, it } from "vitest";
import { KVCache, RotaryEmbedding } from "../../src/attention/index.js";
import { MultiheadAttention } from "../../src/nn/index.js";
import { concat, manualSeed, matmulT, noGrad, randn, slice, sum } from "../../src/tensor/index.js";

describe("RotaryEmbedding", () => {
  it("rotates pair i at position m by the angle m·base^(−2i/d)", () => {
    manualSeed(1);
    const d = 6;
    const rope = new RotaryEmbedding(d, { base: 100 });
    const x = randn([2, 4, d]);
    const offset = 3;
    const y = rope.apply(x, offset);
    for (let b = 0; b < 2; b++) {
      for (let m = 0; m < 4; m++) {
        for (let i = 0; i < d / 2; i++) {
          const angle = (offset + m) * 100 ** ((-2 * i) / d);
          const at = (b * 4 + m) * d + 2 * i;
          const [x0, x1] = [x.data[at], x.data[at + 1]];
          expect(y.data[at]).toBeCloseTo(x0 * Math.cos(angle) - x1 * Math.sin(angle), 5);
          expect(y.data[at + 1]).toBeCloseTo(x0 * Math.sin(angle) + x1 * Math.cos(angle), 5);
        }
      }
    }
  });

  it("scores depend on positions only through n − m, and norms are kept", () => {
    manualSeed(2);
    const rope = new RotaryEmbedding(8);
    const q = randn([1, 8]);
    const k = randn([1, 8]);
    const score = (m: number, n: number) => matmulT(rope.apply(q, m), rope.apply(k, n), false, true).item();
    expect(score(3, 7)).toBeCloseTo(score(10, 14), 4);
    expect(score(0, 5)).toBeCloseTo(score(20, 25), 4);
    expect(Math.abs(score(0, 5) - score(0, 1))).toBeGreaterThan(1e-3);
    const norm = (t: ReturnType<typeof randn>) => Math.sqrt(sum(t.mul(t)).item());
    expect(norm(rope.apply(q, 9))).toBeCloseTo(norm(q), 5);
  });

  it("is differentiable and rejects odd sizes or wrong shapes", () => {
    const rope = new RotaryEmbedding(4);
    const x = randn([3, 4], 1, 0, { requiresGrad: true });
    sum(rope.apply(x, 1)).backward();
    expect(x.grad?.shape).toEqual([3, 4]);
    expect(() => new RotaryEmbedding(5)).toThrow(/positive even integer, got 5/);
    expect(() => rope.apply(randn([3, 6]))).toThrow(/x must be \(…, L, 4\), got \[3, 6\]/);
  });

  it("multi-head attention with RoPE: the KV cache equals the full causal forward", () =>
    noGrad(() => {
      manualSeed(4);
      const m = new MultiheadAttention({
        embedDim: 8,
        numHeads: 2,
        batchFirst: true,
        rotary: new RotaryEmbedding(4),
      });
      const x = randn([2, 6, 8]);
      const full = m.forward(x, x, x, { isCausal: true }).output;
      const cache = new KVCache("self");
      const steps = [0, 1, 2, 3, 4, 5].map((t) => {
        const xt = slice(x, 1, t, t + 1);
        return m.forward(xt, xt, xt, { isCausal: true, cache }).output;
      });
      const inc = concat(steps, 1);
      for (let i = 0; i < full.size; i++)
        expect(Math.abs(inc.data[i] - full.data[i])).toBeLessThanOrEqual(1e-5);
      expect(
        () => new MultiheadAttention({ embedDim: 8, numHeads: 2, rotary: new RotaryEmbedding(8) }),
      ).toThrow(/rotary.dim \(8\) must equal the head size 4/);
    }));
});
