/**
 * ALiBi: the paper's slopes (geometric 2^(−8h/H), and the interleaving for H not a power of two), the
 * bias −m_h·|i − j| with queries at the last positions, and attention with the bias equal to the
 * softmax written out by hand.
 */
import { describe, expect, it } from "vitest";
import { alibiMask, alibiSlopes, scaledDotProductAttention } from "../../src/attention/index.js";
import { manualSeed, randn } from "../../src/tensor/index.js";

describe("ALiBi", () => {
  it("slopes: 2^(−8h/H), and for 6 heads those of 4 then every other of 8", () => {
    expect(alibiSlopes(8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((h) => 2 ** -h));
    expect(alibiSlopes(4)).toEqual([2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8]);
    expect(alibiSlopes(6)).toEqual([2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8, 2 ** -1, 2 ** -3]);
    expect(() => alibiSlopes(0)).toThrow(/numHeads must be a positive integer, got 0/);
  });

  it("bias −m_h·|i − j| with queries at positions S − T …", () => {
    const bias = alibiMask(2, 2, 4).biasFor("test", [1, 2, 2, 4]);
    expect(bias.shape).toEqual([2, 2, 4]);
    // head 0 (m = 2^-4 for H = 2), query positions 2 and 3.
    const m0 = 2 ** -4;
    expect([...bias.data.slice(0, 8)]).toEqual([-2 * m0, -1 * m0, 0, -1 * m0, -3 * m0, -2 * m0, -1 * m0, 0]);
  });

  it("attention with the bias is softmax(q·k/√d − m|i − j|) v", () => {
    manualSeed(9);
    const [H, T, D] = [2, 3, 4];
    const q = randn([1, H, T, D]);
    const k = randn([1, H, T, D]);
    const v = randn([1, H, T, D]);
    const r = scaledDotProductAttention(q, k, v, { mask: alibiMask(H, T, T), causal: true });
    const slopes = alibiSlopes(H);
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < T; i++) {
        const e: number[] = [];
        for (let j = 0; j <= i; j++) {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q.data[(h * T + i) * D + d] * k.data[(h * T + j) * D + d];
          e.push(dot / Math.sqrt(D) - slopes[h] * (i - j));
        }
        const mx = Math.max(...e);
        const z = e.reduce((s, x) => s + Math.exp(x - mx), 0);
        for (let j = 0; j < T; j++) {
          const want = j <= i ? Math.exp(e[j] - mx) / z : 0;
          expect(r.weights.data[(h * T + i) * T + j]).toBeCloseTo(want, 5);
        }
      }
    }
  });
});
