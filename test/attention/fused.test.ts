/**
 * The fast path beside the readable path (nanoGPT's `if flash:`): fused attention (one kernel, one
 * autograd node, weights recomputed from the log-sum-exp) against the three steps of `attend`, on
 * every backend: outputs, weights and the gradients of a loss on both, within 1e-5.
 */
import { describe, expect, it } from "vitest";
import {
  type AttentionMask,
  additiveMask,
  causalMask,
  fusedAttention,
  maskFromAllowed,
  paddingMask,
  scaledDotProductAttention,
} from "../../src/attention/index.js";
import type { Backend } from "../../src/kernels/contract.js";
import { withBackend } from "../../src/kernels/registry.js";
import { MultiHeadAttention } from "../../src/nn/index.js";
import { mul, sum, type Tensor, tensor } from "../../src/tensor/index.js";
import { createRng } from "../../src/tensor/random.js";
import { loadTestBackends } from "../helpers/backends.js";

const backends = await loadTestBackends();
const rng = createRng(7);

function uniform(shape: number[], lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => lo + (hi - lo) * rng());
}

interface Case {
  name: string;
  q: number[];
  k: number[];
  dv?: number;
  causal?: boolean;
  mask?: () => AttentionMask;
  scale?: number;
  /** Batch entries whose every key is masked (zero output, weights and gradients). */
  deadBatch?: number;
}

const biasTS = tensor(uniform([5, 6], -2, 2), [5, 6]);
const biasHS = tensor(uniform([3, 1, 8]), [3, 1, 8]);

const cases: Case[] = [
  { name: "plain", q: [2, 3, 5, 8], k: [2, 3, 7, 8] },
  { name: "unbatched (T, D), explicit scale", q: [6, 5], k: [9, 5], scale: 0.7 },
  { name: "causal, T = S", q: [2, 2, 9, 8], k: [2, 2, 9, 8], causal: true },
  { name: "causal, T < S", q: [1, 2, 4, 6], k: [1, 2, 11, 6], causal: true },
  { name: "causal, T > S", q: [1, 2, 11, 6], k: [1, 2, 4, 6], causal: true },
  { name: "causalMask() as the mask", q: [2, 7, 4], k: [2, 7, 4], mask: () => causalMask() },
  {
    name: "padding (one batch entry fully masked)",
    q: [2, 2, 5, 4],
    k: [2, 2, 6, 4],
    mask: () => paddingMask([4, 0]),
    deadBatch: 1,
  },
  { name: "additive bias (T, S)", q: [2, 2, 5, 4], k: [2, 2, 6, 4], mask: () => additiveMask(biasTS) },
  {
    name: "padding + causal + bias, T ≠ S",
    q: [2, 3, 6, 8],
    k: [2, 3, 8, 8],
    dv: 5,
    causal: true,
    mask: () => paddingMask([8, 3]).and(additiveMask(biasHS)),
  },
  {
    name: "allowed matrix with a fully masked query row",
    q: [1, 4, 3],
    k: [1, 5, 3],
    mask: () =>
      maskFromAllowed([
        [1, 0, 1, 0, 0],
        [0, 0, 0, 0, 0],
        [1, 1, 1, 1, 1],
        [0, 0, 0, 0, 1],
      ]),
  },
  { name: "large S = 1000, several key blocks", q: [1, 2, 48, 16], k: [1, 2, 1000, 16], causal: true },
  {
    name: "large S = 1000 with padding",
    q: [2, 1, 20, 8],
    k: [2, 1, 1000, 8],
    mask: () => paddingMask([1000, 333]),
  },
];

/** Output, weights and gradients of L = Σ out ⊙ R₁ + Σ weights ⊙ R₂. */
function runSdpa(c: Case, fused: boolean, data: Record<string, Float32Array>) {
  const dv = c.dv ?? c.k[c.k.length - 1];
  const vShape = [...c.k.slice(0, -1), dv];
  const q = tensor(data.q, c.q, { requiresGrad: true });
  const k = tensor(data.k, c.k, { requiresGrad: true });
  const v = tensor(data.v, vShape, { requiresGrad: true });
  const r = scaledDotProductAttention(q, k, v, { causal: c.causal, mask: c.mask?.(), scale: c.scale, fused });
  const loss = sum(mul(r.output, tensor(data.r1, r.output.shape))).add(
    sum(mul(r.weights, tensor(data.r2, r.weights.shape))),
  );
  loss.backward();
  return { r, output: r.output, weights: r.weights, dq: q.grad!, dk: k.grad!, dv: v.grad! };
}

function expectClose(label: string, a: Tensor, b: Tensor): void {
  expect([...a.shape], `${label} shape`).toEqual([...b.shape]);
  for (let i = 0; i < b.size; i++) {
    const err = Math.abs(a.data[i] - b.data[i]) / Math.max(1, Math.abs(b.data[i]));
    if (!(err <= 1e-5)) throw new Error(`${label}: at ${i} got ${a.data[i]}, expected ${b.data[i]}`);
  }
}

describe.each(backends)("fused attention vs the three steps on the $name backend", (backend: Backend) => {
  for (const c of cases) {
    it(c.name, () =>
      withBackend(backend, () => {
        const dv = c.dv ?? c.k[c.k.length - 1];
        const T = c.q[c.q.length - 2];
        const S = c.k[c.k.length - 2];
        const lead = c.q.slice(0, -2);
        const data = {
          q: uniform(c.q),
          k: uniform(c.k),
          v: uniform([...c.k.slice(0, -1), dv]),
          r1: uniform([...lead, T, dv]),
          r2: uniform([...lead, T, S]),
        };
        const three = runSdpa(c, false, data);
        const fused = runSdpa(c, true, data);
        expect("lse" in fused.r, "took the fused path").toBe(true);
        expect("lse" in three.r, "took the three steps").toBe(false);
        for (const key of ["output", "weights", "dq", "dk", "dv"] as const) {
          expectClose(`${c.name}.${key}`, fused[key], three[key]);
          expect(fused[key].data.some(Number.isNaN), `${key} has NaN`).toBe(false);
        }
        if (c.deadBatch !== undefined) {
          const b = c.deadBatch;
          for (const key of ["output", "weights", "dq"] as const) {
            const t = fused[key];
            const per = t.size / t.shape[0];
            expect(
              t.data.subarray(b * per, (b + 1) * per).every((x) => x === 0),
              `${key} of the masked batch`,
            ).toBe(true);
          }
        }
      }),
    );
  }

  it("grouped-query heads (Hq = 4, Hk = 2), causal", () =>
    withBackend(backend, () => {
      const q0 = uniform([2, 4, 5, 8]);
      const k0 = uniform([2, 2, 5, 8]);
      const v0 = uniform([2, 2, 5, 8]);
      const run = (fused: boolean) => {
        const q = tensor(q0, [2, 4, 5, 8], { requiresGrad: true });
        const k = tensor(k0, [2, 2, 5, 8], { requiresGrad: true });
        const v = tensor(v0, [2, 2, 5, 8], { requiresGrad: true });
        const r = scaledDotProductAttention(q, k, v, { causal: true, fused });
        sum(mul(r.output, r.output)).backward();
        return [r.output, r.weights, q.grad!, k.grad!, v.grad!];
      };
      const a = run(true);
      const b = run(false);
      a.forEach((t, i) => {
        expectClose(`gqa ${i}`, t, b[i]);
      });
    }));

  it("a loss on the output alone never computes the weights; reading them later does", () =>
    withBackend(backend, () => {
      const q = tensor(uniform([1, 2, 3, 4]), [1, 2, 3, 4], { requiresGrad: true });
      const r = fusedAttention(q, q, q, { causal: true });
      const desc = Object.getOwnPropertyDescriptor(r, "weights");
      expect(typeof desc?.get).toBe("function");
      sum(r.output).backward();
      expect(q.grad).not.toBeNull();
      const w = r.weights;
      expect(w.shape).toEqual([1, 2, 3, 3]);
      expect(r.weights).toBe(w); // computed once
      for (let row = 0; row < 6; row++) {
        const s = w.data.subarray(row * 3, row * 3 + 3).reduce((p, x) => p + x, 0);
        expect(s).toBeCloseTo(1, 6);
      }
      expect(w.data[1]).toBe(0); // query 0 may not see key 1
    }));
});

describe("which path scaledDotProductAttention takes", () => {
  const q = tensor(uniform([2, 3, 4]), [2, 3, 4]);
  const wasm = backends.find((b) => b.name === "wasm")!;
  const reference = backends.find((b) => b.name === "reference")!;

  it("fused by default on wasm, the three steps by default on the reference backend", () => {
    expect("lse" in withBackend(wasm, () => scaledDotProductAttention(q, q, q))).toBe(true);
    expect("lse" in withBackend(reference, () => scaledDotProductAttention(q, q, q))).toBe(false);
    expect("lse" in withBackend(reference, () => scaledDotProductAttention(q, q, q, { fused: true }))).toBe(
      true,
    );
    expect("lse" in withBackend(wasm, () => scaledDotProductAttention(q, q, q, { fused: false }))).toBe(
      false,
    );
  });

  it("three steps while dropout is active; fused again in evaluation", () => {
    const train = withBackend(wasm, () =>
      scaledDotProductAttention(q, q, q, { dropout: 0.5, training: true }),
    );
    expect("lse" in train).toBe(false);
    const evalMode = withBackend(wasm, () =>
      scaledDotProductAttention(q, q, q, { dropout: 0.5, training: false }),
    );
    expect("lse" in evalMode).toBe(true);
  });

  it("MultiHeadAttention on wasm runs the fused kernel and still returns per-head weights", () => {
    const stats = (
      wasm as unknown as { stats: { serial: Record<string, number>; parallel: Record<string, number> } }
    ).stats;
    const count = () => (stats.serial.attnForward ?? 0) + (stats.parallel.attnForward ?? 0);
    const before = count();
    const mha = new MultiHeadAttention({ embedDim: 8, numHeads: 2, batchFirst: true });
    const x = tensor(uniform([2, 5, 8]), [2, 5, 8]);
    const r = withBackend(wasm, () => mha.eval().forward(x, x, x, { averageWeights: false }));
    expect(count()).toBe(before + 1);
    expect(r.weights?.shape).toEqual([2, 2, 5, 5]);
  });

  it("fusedAttention on a backend without the kernels says so", () => {
    const { attentionForward: _f, attentionBackward: _b, ...plain } = reference;
    expect(() => withBackend(plain as Backend, () => fusedAttention(q, q, q))).toThrow(
      /no fused attention kernel/,
    );
    expect(
      "lse" in withBackend(plain as Backend, () => scaledDotProductAttention(q, q, q, { fused: true })),
    ).toBe(false);
  });
});
