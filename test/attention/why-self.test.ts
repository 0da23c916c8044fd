/** The seed's demonstration: Luong dot attention IS scaled-dot attention with Q = s, K = V = h, scale 1. */
import { describe, expect, it } from "vitest";
import { whySelf } from "../../examples/why-self.js";
import {
  attend,
  luongAttention,
  scaledDotProductAttention,
  selfAttention,
} from "../../src/attention/index.js";
import { manualSeed, randn } from "../../src/tensor/index.js";

describe("why self-attention is called self", () => {
  it("Luong dot = scaled-dot attention with Q = s, K = V = h and scale 1, to float precision", () => {
    manualSeed(5);
    const s = randn([3, 7]); // (B, Dq): one decoder step per batch element
    const h = randn([3, 9, 7]); // (B, S, D)
    const luong = luongAttention(s, h, { score: "dot" });
    const sdpa = scaledDotProductAttention(s.reshape([3, 1, 7]), h, h, { scale: 1 });
    expect(luong.weights.shape).toEqual([3, 9]);
    expect([...luong.weights.data]).toEqual([...sdpa.weights.data]);
    expect([...luong.output.data]).toEqual([...sdpa.output.data]);
  });

  it("self-attention is attend with Q, K and V all from one sequence", () => {
    manualSeed(6);
    const x = randn([2, 5, 4]);
    const a = selfAttention(x);
    const b = attend(x, x, x, { score: "scaledDot" });
    expect([...a.output.data]).toEqual([...b.output.data]);
    expect(a.weights.shape).toEqual([2, 5, 5]);
  });

  it('the "Turn off the lights" example aligns each Hindi word with its English word', () => {
    const r = whySelf();
    expect(r.maxDiff).toBe(0);
    const argmax = (row: number[]) => row.indexOf(Math.max(...row));
    expect(r.luong.map(argmax)).toEqual([3, 1, 0]); // लाइट→lights, बंद→off, करो→Turn
    expect(r.self.length).toBe(4);
    expect(r.self.map(argmax)).toEqual([0, 1, 2, 3]); // each word attends most to itself
    for (const row of [...r.luong, ...r.self]) expect(row.reduce((p, x) => p + x, 0)).toBeCloseTo(1, 6);
  });
});
