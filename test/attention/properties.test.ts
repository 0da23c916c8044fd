/**
 * Properties (fast-check): weights are a distribution over the allowed keys; self-attention without
 * positions is permutation-equivariant; masked keys get zero weight and zero gradient; ±1e4 logits
 * stay finite.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attend, paddingMask, scaledDotProductAttention, selfAttention } from "../../src/attention/index.js";
import { indexSelect, mul, sum, type Tensor, tensor } from "../../src/tensor/index.js";

const dims = fc.record({
  B: fc.integer({ min: 1, max: 3 }),
  T: fc.integer({ min: 1, max: 5 }),
  S: fc.integer({ min: 1, max: 6 }),
  D: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer(),
});

function values(n: number, seed: number, scale = 3): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

const make = (shape: number[], seed: number, scale = 3, requiresGrad = false): Tensor =>
  tensor(
    values(
      shape.reduce((p, d) => p * d, 1),
      seed,
      scale,
    ),
    shape,
    { requiresGrad },
  );

describe("attention properties", () => {
  it("weights are a distribution over the unmasked keys (and all-zero when none are allowed)", () => {
    fc.assert(
      fc.property(
        dims,
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 3, maxLength: 3 }),
        (d, lens) => {
          const lengths = lens.slice(0, d.B).map((l) => Math.min(l, d.S));
          const q = make([d.B, d.T, d.D], d.seed);
          const k = make([d.B, d.S, d.D], d.seed + 1);
          const { weights } = attend(q, k, k, { score: "scaledDot", mask: paddingMask(lengths) });
          const w = weights.data;
          for (let b = 0; b < d.B; b++) {
            for (let t = 0; t < d.T; t++) {
              let total = 0;
              for (let s = 0; s < d.S; s++) {
                const x = w[(b * d.T + t) * d.S + s];
                expect(x).toBeGreaterThanOrEqual(0);
                if (s >= lengths[b]) expect(x).toBe(0);
                total += x;
              }
              expect(total).toBeCloseTo(lengths[b] > 0 ? 1 : 0, 5);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("self-attention without positions is permutation-equivariant: f(PX) = P f(X)", () => {
    fc.assert(
      fc.property(dims, fc.integer({ min: 0, max: 1000 }), (d, ps) => {
        const x = make([d.T, d.D], d.seed);
        const perm = [...Array(d.T).keys()].sort((a, b) => ((a * 7919 + ps) % 97) - ((b * 7919 + ps) % 97));
        const y = selfAttention(x).output;
        const yPermuted = selfAttention(indexSelect(x, 0, perm)).output;
        const expected = indexSelect(y, 0, perm);
        yPermuted.data.forEach((v, i) => {
          expect(v).toBeCloseTo(expected.data[i], 5);
        });
      }),
      { numRuns: 60 },
    );
  });

  it("masked keys get zero weight and their keys and values get zero gradient", () => {
    fc.assert(
      fc.property(dims, (d) => {
        const len = Math.max(0, d.S - 1);
        const q = make([d.B, d.T, d.D], d.seed, 3, true);
        const k = make([d.B, d.S, d.D], d.seed + 1, 3, true);
        const v = make([d.B, d.S, d.D], d.seed + 2, 3, true);
        const r = attend(q, k, v, { mask: paddingMask(Array(d.B).fill(len)) });
        sum(mul(r.output, make(r.output.shape as number[], d.seed + 3))).backward();
        for (let b = 0; b < d.B; b++) {
          for (let j = 0; j < d.D; j++) {
            const i = (b * d.S + d.S - 1) * d.D + j; // the masked (last) key
            expect(k.grad!.data[i]).toBe(0);
            expect(v.grad!.data[i]).toBe(0);
          }
        }
        expect([...q.grad!.data].every(Number.isFinite)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it("large logits (±1e4) stay finite in values and gradients", () => {
    fc.assert(
      fc.property(dims, (d) => {
        const q = make([d.B, 1, d.T, d.D], d.seed, 100, true);
        const k = make([d.B, 1, d.S, d.D], d.seed + 1, 100, true);
        const v = make([d.B, 1, d.S, d.D], d.seed + 2, 1, true);
        const r = scaledDotProductAttention(q, k, v, { scale: 1 });
        sum(mul(r.output, r.output)).backward();
        for (const t of [r.output, r.weights, q.grad!, k.grad!, v.grad!]) {
          expect([...t.data].every(Number.isFinite)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});
