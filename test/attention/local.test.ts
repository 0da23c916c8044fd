/**
 * Luong's local attention (§3.2): the window |s − p_t| ≤ D, local-m's p_t = t, local-p's
 * p_t = S·σ(v_pᵀ tanh(W_p h_t)) and its Gaussian factor exp(−(s − p_t)²/(2σ²)), σ = D/2, on hand cases;
 * zero weight outside the window; finite-difference gradients through the predicted position.
 */
import { describe, expect, it } from "vitest";
import {
  gaussianFactor,
  localAttention,
  localWindowMask,
  monotonicPosition,
  predictivePosition,
} from "../../src/attention/local.js";
import { paddingMask } from "../../src/attention/masks.js";
import { dot, general } from "../../src/attention/scores.js";
import { manualSeed, noGrad, randn, type Tensor, tensor } from "../../src/tensor/index.js";
import { gradcheck } from "../helpers/gradcheck.js";

function softmax(e: number[]): number[] {
  const m = Math.max(...e);
  const z = e.reduce((a, x) => a + Math.exp(x - m), 0);
  return e.map((x) => Math.exp(x - m) / z);
}

describe("local attention, hand cases", () => {
  // One row, S = 7 source positions with 1-d keys k_s = s/4 and values v_s = s; the query q = 2, so
  // with the dot score e_s = 2 · s/4 = s/2.
  const S = 7;
  const keys = tensor(
    Array.from({ length: S }, (_, s) => s / 4),
    [1, S, 1],
  );
  const values = tensor(
    Array.from({ length: S }, (_, s) => s),
    [1, S, 1],
  );
  const q = tensor([2], [1, 1]);

  it("local-p: window {1, 2, 3, 4} around p = 2.6 (D = 2), softmax there times exp(−(s − p)²/2) (σ = 1)", () => {
    const p = tensor([2.6], [1]);
    const r = noGrad(() =>
      localAttention(q, keys, values, { score: dot(), positions: p, window: 2, gaussian: true }),
    );
    const inWindow = [1, 2, 3, 4];
    const a = softmax(inWindow.map((s) => s / 2));
    const want = new Array<number>(S).fill(0);
    inWindow.forEach((s, i) => {
      want[s] = a[i] * Math.exp(-((s - 2.6) ** 2) / 2);
    });
    const got = Array.from(r.weights.data);
    for (let s = 0; s < S; s++) expect(got[s], `s = ${s}`).toBeCloseTo(want[s], 6);
    expect(got[0]).toBe(0);
    expect(got[5]).toBe(0);
    expect(got[6]).toBe(0);
    expect(r.output.data[0]).toBeCloseTo(
      want.reduce((acc, w, s) => acc + w * s, 0),
      5,
    );
    // The Gaussian scales after the softmax: the weights sum to less than 1.
    expect(got.reduce((x, y) => x + y, 0)).toBeLessThan(0.95);
  });

  it("local-m: p_t = t clamped to the last position; window of 2D + 1 positions, softmax inside, no Gaussian", () => {
    expect(Array.from(monotonicPosition(5, [3, 8, 6]).data)).toEqual([2, 5, 5]);
    const p = monotonicPosition(3, [S]);
    const r = noGrad(() =>
      localAttention(q, keys, values, { score: dot(), positions: p, window: 1, gaussian: false }),
    );
    const a = softmax([2, 3, 4].map((s) => s / 2));
    expect(Array.from(r.weights.data).map((x) => +x.toFixed(6))).toEqual(
      [0, 0, a[0], a[1], a[2], 0, 0].map((x) => +x.toFixed(6)),
    );
  });

  it("the window mask allows exactly |s − p| ≤ D, and padding still applies inside it", () => {
    const mask = localWindowMask(tensor([0.5, 4], [2]), 6, 1);
    const bias = Array.from(mask.biasFor("test", [2, 1, 6]).data).map((x) => (x === 0 ? 1 : 0));
    expect(bias).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    const k = randn([2, 6, 3]);
    const r = noGrad(() =>
      localAttention(randn([2, 3]), k, k, {
        score: dot(),
        positions: tensor([0.5, 4], [2]),
        window: 1,
        gaussian: false,
        mask: paddingMask([6, 4]),
      }),
    );
    const w = Array.from(r.weights.data);
    expect(w.slice(6).map((x) => x > 0)).toEqual([false, false, false, true, false, false]);
    expect(w[9]).toBeCloseTo(1, 6); // only s = 3 is in the window and in the sentence
  });

  it("predictivePosition is S_b · σ(v_pᵀ tanh(W_p h)) per row; the Gaussian is exp(−(s − p)²/(2 (D/2)²))", () => {
    const h = tensor([1, -2, 0.5, 3], [2, 2]);
    const wP = tensor([0.3, -0.1, 0.2, 0.4, -0.5, 0.25], [3, 2]);
    const vP = tensor([1, -1, 0.5], [3]);
    const p = predictivePosition(h, { wP, vP }, [5, 9]);
    for (let b = 0; b < 2; b++) {
      let z = 0;
      for (let a = 0; a < 3; a++) {
        z += vP.data[a] * Math.tanh(wP.data[a * 2] * h.data[b * 2] + wP.data[a * 2 + 1] * h.data[b * 2 + 1]);
      }
      expect(p.data[b]).toBeCloseTo([5, 9][b] / (1 + Math.exp(-z)), 5);
    }
    const g = gaussianFactor(tensor([1.5], [1]), 4, 3); // σ = 1.5
    expect(Array.from(g.data).map((x) => +x.toFixed(6))).toEqual(
      [0, 1, 2, 3].map((s) => +Math.exp(-((s - 1.5) ** 2) / (2 * 1.5 * 1.5)).toFixed(6)),
    );
  });

  it("refuses a bad window, bad positions or bad shapes, naming them", () => {
    const p = tensor([1], [1]);
    const opts = { score: dot(), positions: p, gaussian: false };
    expect(() => localAttention(q, keys, values, { ...opts, window: 0 })).toThrow(
      "localAttention: window D must be an integer ≥ 1, got 0",
    );
    expect(() => localAttention(q, keys, values, { ...opts, window: 1.5 })).toThrow(/integer ≥ 1, got 1.5/);
    expect(() =>
      localAttention(q, keys, values, { ...opts, window: 2, positions: tensor([1, 2], [2]) }),
    ).toThrow("localAttention: positions must be (B) = [1], got [2]");
    expect(() => localAttention(tensor([2], [1]), keys, values, { ...opts, window: 2 })).toThrow(
      /localAttention: query must be \(B, Dq\)/,
    );
    expect(() => localWindowMask(tensor([Number.NaN], [1]), 3, 1)).toThrow(
      "localWindowMask: position 0 is NaN",
    );
    expect(() => monotonicPosition(-1, [3])).toThrow(
      "monotonicPosition: step t must be an integer ≥ 0, got -1",
    );
    expect(() => monotonicPosition(0, [0])).toThrow(/every source length must be an integer ≥ 1/);
    expect(() =>
      predictivePosition(tensor([1, 2], [1, 2]), { wP: randn([3, 4]), vP: randn([3]) }, [4]),
    ).toThrow(/predictivePosition: query must be \(B, Dq\)/);
  });
});

describe("local attention gradients", () => {
  it("local-p: query, keys, values, W, W_p and v_p match central finite differences", () => {
    manualSeed(7);
    const B = 2;
    const S = 6;
    const D = 2;
    const lengths = [6, 5];
    const inputs = [
      randn([B, 3]),
      randn([B, S, 4]),
      randn([B, S, 4]),
      randn([3, 4]),
      randn([5, 3]),
      randn([5]),
    ];
    const positions = (qq: Tensor, wP: Tensor, vP: Tensor) => predictivePosition(qq, { wP, vP }, lengths);
    // The window's edges are steps: check the positions sit well inside, so ±ε cannot move an edge.
    const p0 = noGrad(() => positions(inputs[0], inputs[4], inputs[5]));
    for (const p of p0.data) {
      const frac = p - Math.floor(p);
      expect(frac > 0.1 && frac < 0.9, `p = ${p} is too near a window edge for this check`).toBe(true);
    }
    gradcheck(
      "localAttention (local-p)",
      (qq, k, v, w, wP, vP) => {
        const r = localAttention(qq, k, v, {
          score: general({ weight: w }),
          positions: positions(qq, wP, vP),
          window: D,
          gaussian: true,
          mask: paddingMask(lengths),
        });
        return r.output;
      },
      inputs,
      { eps: 1e-3, atol: 3e-3, rtol: 3e-2 },
    );
  });

  it("local-m: query, keys, values and W match central finite differences", () => {
    manualSeed(8);
    const lengths = [5, 3];
    gradcheck(
      "localAttention (local-m)",
      (qq, k, v, w) =>
        localAttention(qq, k, v, {
          score: general({ weight: w }),
          positions: monotonicPosition(2, lengths),
          window: 1,
          gaussian: false,
          mask: paddingMask(lengths),
        }).output,
      [randn([2, 3]), randn([2, 5, 4]), randn([2, 5, 4]), randn([3, 4])],
    );
  });
});
