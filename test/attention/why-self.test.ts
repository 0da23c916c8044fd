/**
 * The seed's demonstration: Luong dot attention IS scaled-dot attention with Q = s, K = V = h, scale 1.
 *
 * The two sides of each proof take different code: the Luong / `attend` side runs the three readable
 * steps (score → softmax → weighted sum) on the reference backend, the scaled-dot side runs the fused
 * attention kernel (FlashAttention: tiles, online softmax, log-sum-exp) of the native backend (each
 * instruction set it was built for) and of the wasm backend. Both are also held against the formula
 * computed here in float64, so a bug in either path, or in one both share, fails the test.
 */
import { describe, expect, it } from "vitest";
import { whySelf } from "../../examples/why-self.js";
import {
  type AttentionResult,
  attend,
  luongAttention,
  scaledDotProductAttention,
  selfAttention,
} from "../../src/attention/index.js";
import type { Backend } from "../../src/kernels/contract.js";
import { loadNativeBackends } from "../../src/kernels/native/index.js";
import { referenceBackend } from "../../src/kernels/reference/index.js";
import { withBackend } from "../../src/kernels/registry.js";
import { loadWasmBackend } from "../../src/kernels/wasm/index.js";
import { manualSeed, randn, type Tensor } from "../../src/tensor/index.js";

// Fused backends: the native addon on each instruction set where it is built, and wasm always.
const fusedBackends: Backend[] = [await loadWasmBackend()];
let nativeMissing: string | null = null;
try {
  fusedBackends.unshift(...(await loadNativeBackends()));
} catch (e) {
  nativeMissing = (e as Error).message;
}

const onReference = <T>(fn: () => T): T => withBackend(referenceBackend, fn);
const tookFusedPath = (r: AttentionResult) => "lse" in r;

/** softmax_j(scale · q_i·k_j) and Σ_j a_ij v_j in float64 over (B, T, D) × (B, S, D) × (B, S, Dv). */
function formula(q: Tensor, k: Tensor, v: Tensor, scale: number): { weights: number[]; output: number[] } {
  const [B, T, D] = q.shape;
  const S = k.shape[1];
  const Dv = v.shape[2];
  const weights: number[] = [];
  const output: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < T; i++) {
      const e: number[] = [];
      for (let j = 0; j < S; j++) {
        let d = 0;
        for (let c = 0; c < D; c++) d += q.data[(b * T + i) * D + c] * k.data[(b * S + j) * D + c];
        e.push(scale * d);
      }
      const m = Math.max(...e);
      const z = e.reduce((p, x) => p + Math.exp(x - m), 0);
      const a = e.map((x) => Math.exp(x - m) / z);
      weights.push(...a);
      for (let c = 0; c < Dv; c++)
        output.push(a.reduce((p, w, j) => p + w * v.data[(b * S + j) * Dv + c], 0));
    }
  }
  return { weights, output };
}

/** Every element within 1e-5 (relative to max(1, |expected|)) of `expected`. */
function expectClose(label: string, got: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(got.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(got[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (!(err <= 1e-5)) throw new Error(`${label}: at ${i} got ${got[i]}, expected ${expected[i]}`);
  }
}

/** One side ran the fused kernel, the other the three steps; both give the formula's numbers. */
function expectTwoPaths(
  fused: AttentionResult,
  steps: AttentionResult,
  want: ReturnType<typeof formula>,
): void {
  expect(tookFusedPath(fused), "one side ran the fused kernel").toBe(true);
  expect(tookFusedPath(steps), "the other side ran the three steps").toBe(false);
  expectClose("three steps: weights vs formula", steps.weights.data, want.weights);
  expectClose("three steps: output vs formula", steps.output.data, want.output);
  expectClose("fused: weights vs formula", fused.weights.data, want.weights);
  expectClose("fused: output vs formula", fused.output.data, want.output);
  expectClose("fused output vs three steps output", fused.output.data, steps.output.data);
}

describe("why self-attention is called self", () => {
  // Where the addon is not built (or QKV_NATIVE=0) the proofs run on wasm alone; say so in the report.
  if (nativeMissing !== null) it.skip(`on the native backend: not loaded (${nativeMissing})`, () => {});

  describe.each(fusedBackends)("scaled-dot side on the fused kernel of $name", (fused: Backend) => {
    it("Luong dot (three steps, reference) = fused scaled-dot attention with Q = s, K = V = h, scale 1", () => {
      manualSeed(5);
      const s = randn([3, 7]); // (B, Dq): one decoder step per batch element
      const h = randn([3, 9, 7]); // (B, S, D)
      const luong = onReference(() => luongAttention(s, h, { score: "dot" }));
      const sdpa = withBackend(fused, () =>
        scaledDotProductAttention(s.reshape([3, 1, 7]), h, h, { scale: 1 }),
      );
      expect(luong.weights.shape).toEqual([3, 9]);
      expect(sdpa.weights.shape).toEqual([3, 1, 9]);
      expect(sdpa.output.shape).toEqual([3, 1, 7]);
      expectTwoPaths(sdpa, luong, formula(s.reshape([3, 1, 7]), h, h, 1));
    });

    it("self-attention (fused) is attend (three steps, reference) with Q, K and V all from one sequence", () => {
      manualSeed(6);
      const x = randn([2, 5, 4]);
      const a = withBackend(fused, () => selfAttention(x));
      const b = onReference(() => attend(x, x, x, { score: "scaledDot" }));
      expect(a.weights.shape).toEqual([2, 5, 5]);
      expectTwoPaths(a, b, formula(x, x, x, 1 / Math.sqrt(4)));
    });

    it('the "Turn off the lights" example: Luong on the reference backend = scaled-dot on the fused kernel', () => {
      // On the reference backend both sides of the example take `attend`; on a fused backend its
      // scaled-dot side takes the fused kernel (the backend prefers it) and its Luong side the steps.
      const ref = onReference(() => whySelf());
      const r = withBackend(fused, () => whySelf());
      expect(r.maxDiff).toBeLessThan(1e-6);
      expectClose("example: fused sdpa vs reference luong", r.sdpa.flat(), ref.luong.flat());
      expectClose("example: fused self vs reference self", r.self.flat(), ref.self.flat());
      const argmax = (row: number[]) => row.indexOf(Math.max(...row));
      for (const x of [ref, r]) {
        expect(x.luong.map(argmax)).toEqual([3, 1, 0]); // लाइट→lights, बंद→off, करो→Turn
        expect(x.sdpa.map(argmax)).toEqual([3, 1, 0]);
        expect(x.self.length).toBe(4);
        expect(x.self.map(argmax)).toEqual([0, 1, 2, 3]); // each word attends most to itself
        for (const row of [...x.luong, ...x.sdpa, ...x.self])
          expect(row.reduce((p, y) => p + y, 0)).toBeCloseTo(1, 6);
      }
    });
  });
});
