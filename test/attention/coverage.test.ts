/**
 * Coverage attention (Tu et al. 2016): the score e_ij = vᵀ tanh(W s + U h_j + V C_j) computed by hand,
 * the coverage accumulating C_i = Σ_{k ≤ i} α_k, padding never covered, finite-difference gradients.
 */
import { describe, expect, it } from "vitest";
import { bahdanauAttention } from "../../src/attention/bahdanau.js";
import { coverageAttention, coverageLoss } from "../../src/attention/coverage.js";
import { paddingMask } from "../../src/attention/masks.js";
import {
  abs,
  concat,
  manualSeed,
  noGrad,
  randn,
  type Tensor,
  tensor,
  zeros,
} from "../../src/tensor/index.js";
import { gradcheck } from "../helpers/gradcheck.js";

const B = 2;
const S = 4;
const Dq = 3;
const Dk = 5;
const A = 4;

function params() {
  return {
    wQuery: randn([A, Dq]),
    wKey: randn([A, Dk]),
    v: randn([A]),
    wCover: randn([A, 1]),
  };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe("coverageAttention", () => {
  it("scores e_j = vᵀ tanh(W s + U h_j + V C_j) (by hand) and sums the encoder states", () => {
    manualSeed(1);
    const p = params();
    const s = randn([B, Dq]);
    const h = randn([B, S, Dk]);
    const C = randn([B, S]);
    const r = noGrad(() => coverageAttention(s, h, C, p));
    const [W, U, v, V] = [p.wQuery.data, p.wKey.data, p.v.data, p.wCover.data];
    for (let b = 0; b < B; b++) {
      const e: number[] = [];
      for (let j = 0; j < S; j++) {
        let sum = 0;
        for (let a = 0; a < A; a++) {
          let x = V[a] * C.data[b * S + j];
          for (let i = 0; i < Dq; i++) x += W[a * Dq + i] * s.data[b * Dq + i];
          for (let k = 0; k < Dk; k++) x += U[a * Dk + k] * h.data[(b * S + j) * Dk + k];
          sum += v[a] * Math.tanh(x);
        }
        e.push(sum);
      }
      const m = Math.max(...e);
      const z = e.reduce((acc, x) => acc + Math.exp(x - m), 0);
      const alpha = e.map((x) => Math.exp(x - m) / z);
      expect(maxDiff(r.weights.data.subarray(b * S, (b + 1) * S), alpha)).toBeLessThan(1e-6);
      for (let k = 0; k < Dk; k++) {
        let c = 0;
        for (let j = 0; j < S; j++) c += alpha[j] * h.data[(b * S + j) * Dk + k];
        expect(r.output.data[b * Dk + k]).toBeCloseTo(c, 5);
      }
      for (let j = 0; j < S; j++) {
        expect(r.coverage.data[b * S + j]).toBeCloseTo(C.data[b * S + j] + alpha[j], 6);
      }
    }
  });

  it("with V C = 0 it is Bahdanau attention; a non-zero coverage changes the weights", () => {
    manualSeed(2);
    const p = params();
    const s = randn([B, Dq]);
    const h = randn([B, S, Dk]);
    noGrad(() => {
      const cov = coverageAttention(s, h, zeros([B, S]), p);
      const bah = bahdanauAttention(s, h, { wQuery: p.wQuery, wKey: p.wKey, v: p.v });
      expect(maxDiff(cov.weights.data, bah.weights.data)).toBeLessThan(1e-6);
      const moved = coverageAttention(s, h, randn([B, S]), p);
      expect(maxDiff(moved.weights.data, bah.weights.data)).toBeGreaterThan(1e-3);
    });
  });

  it("accumulates: after i steps C_i = Σ_k α_k, each row's coverage sums to i, padding stays 0", () => {
    manualSeed(3);
    const p = params();
    const h = randn([B, S, Dk]);
    const lengths = [4, 2];
    const mask = paddingMask(lengths);
    noGrad(() => {
      let C: Tensor = zeros([B, S]);
      const sum = new Float64Array(B * S);
      const steps = 5;
      for (let i = 0; i < steps; i++) {
        const r = coverageAttention(randn([B, Dq]), h, C, p, { mask });
        for (let k = 0; k < B * S; k++) sum[k] += r.weights.data[k];
        C = r.coverage;
      }
      expect(maxDiff(C.data, sum)).toBeLessThan(1e-5);
      for (let b = 0; b < B; b++) {
        let total = 0;
        for (let j = 0; j < S; j++) total += C.data[b * S + j];
        expect(total).toBeCloseTo(steps, 4);
      }
      expect(C.data[1 * S + 2]).toBe(0);
      expect(C.data[1 * S + 3]).toBe(0);
    });
  });

  it("gradients of context and coverage match central finite differences (s, h, C and every parameter)", () => {
    manualSeed(4);
    const p = params();
    const mask = paddingMask([4, 3]);
    gradcheck(
      "coverageAttention",
      (s, h, C, W, U, v, V) => {
        const r = coverageAttention(s, h, C, { wQuery: W, wKey: U, v, wCover: V }, { mask });
        return concat([r.output, r.coverage], 1);
      },
      [randn([B, Dq]), randn([B, S, Dk]), randn([B, S]), p.wQuery, p.wKey, p.v, p.wCover],
    );
  });

  it("names the argument when shapes are wrong", () => {
    manualSeed(5);
    const p = params();
    const s = randn([B, Dq]);
    const h = randn([B, S, Dk]);
    expect(() => coverageAttention(s, h, zeros([B, S + 1]), p)).toThrow(
      "coverageAttention: coverage must be (B, S) = [2, 4], got [2, 5]",
    );
    expect(() => coverageAttention(randn([3, Dq]), h, zeros([B, S]), p)).toThrow(
      /coverageAttention: decoderState must be \(B, Dq\) with B = 2, got \[3, 3\]/,
    );
    expect(() => coverageAttention(s, h, zeros([B, S]), { ...p, wCover: randn([A, 2]) })).toThrow(
      "coverageAttention: wCover must be (A, 1) = [4, 1], got [4, 2]",
    );
    expect(() => coverageAttention(s, randn([S, Dk]), zeros([B, S]), p)).toThrow(
      "coverageAttention: encoderStates must be (B, S, Dk), got [4, 5]",
    );
  });
});

describe("coverageLoss (See et al. 2017, eq. 12)", () => {
  it("is Σ_i Σ_j min(α_ij, Σ_{k<i} α_kj) on a hand case, leaving out padded target steps", () => {
    // One sentence, S = 3, T = 3: step 0 looks at 0, step 1 half at 0 and half at 1, step 2 at 1.
    const w = tensor(
      [
        [1, 0, 0],
        [0.5, 0.5, 0],
        [0, 0.9, 0.1],
      ],
      [1, 3, 3],
    );
    // Step 0: C = 0 → 0. Step 1: C = [1, 0, 0] → min(0.5, 1) = 0.5. Step 2: C = [1.5, 0.5, 0] → min(0.9, 0.5) = 0.5.
    expect(coverageLoss(w).item()).toBeCloseTo(1.0, 6);
    expect(coverageLoss(w, [2]).item()).toBeCloseTo(0.5, 6);
    // A one-to-one (never repeated) attention costs nothing.
    const diagonal = tensor(
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
      [1, 3, 3],
    );
    expect(coverageLoss(diagonal).item()).toBe(0);
  });

  it("its gradient matches central finite differences, and bad arguments are named", () => {
    manualSeed(6);
    gradcheck("coverageLoss", (w) => coverageLoss(abs(w), [4, 2]), [randn([2, 4, 3])]);
    expect(() => coverageLoss(randn([2, 3]))).toThrow("coverageLoss: weights must be (B, T, S), got [2, 3]");
    expect(() => coverageLoss(randn([2, 3, 4]), [3, 4])).toThrow(
      "coverageLoss: targetLengths must be 2 integers in [0, 3] for weights [2, 3, 4], got [3, 4]",
    );
  });
});
