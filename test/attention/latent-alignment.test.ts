/**
 * mixPositions (attention/latent-alignment.ts), log Σ_j a_j softmax(z_j): on every backend its
 * gradients match the composed formula's on the reference backend (float64 sums, autograd through
 * softmax, matmul, add and log); where the backend has the fused `mixtureBackward` kernel, the forward
 * is the composed one bit for bit and the kernel is what runs.
 */
import { expect, it, vi } from "vitest";
import { mixPositions } from "../../src/attention/latent-alignment.js";
import type { Backend } from "../../src/kernels/contract.js";
import { backend, getBackend, setBackend } from "../../src/kernels/registry.js";
import { manualSeed, mul, randn, softmax, sum, type Tensor } from "../../src/tensor/index.js";
import { describeOnEveryBackend } from "../helpers/on-backend.js";

/** A loss through mixPositions with weights a = softmax(w) and logits z; its value and gradients. */
function run(w0: Float32Array, z0: Float32Array, shape: [number, number, number], overwriteLogits = false) {
  const [N, S, V] = shape;
  const w = randn([N, S]);
  w.data.set(w0);
  w.requiresGrad = true;
  const z = randn([N, S, V]);
  z.data.set(z0);
  z.requiresGrad = true;
  const { logits, positionProbs } = mixPositions(softmax(w, -1), z, { overwriteLogits });
  const target = randn([N, V]);
  target.data.fill(0.01);
  for (let i = 0; i < N; i++) target.data[i * V + (i % V)] = 1;
  const loss: Tensor = sum(mul(logits, target));
  loss.backward();
  return {
    logits: logits.data,
    probs: positionProbs.data,
    gw: w.grad!.data,
    gz: z.grad!.data,
    shared: positionProbs.data === z.data,
  };
}

function inputs(shape: [number, number, number]) {
  manualSeed(11);
  const [N, S, V] = shape;
  const w = randn([N, S]).data;
  const z = randn([N, S, V], 2).data;
  // A masked position (weight 0 after the softmax) and a row whose probabilities underflow.
  w[1] = -1e4;
  return { w, z };
}

const SHAPES: [number, number, number][] = [
  [6, 5, 37], // a tail past the SIMD width
  [4, 3, 512],
  [1, 1, 9],
];

describeOnEveryBackend("mixPositions", (b: Backend) => {
  it("has the composed formula's gradients (reference backend, autograd) within 1e-5", async () => {
    for (const shape of SHAPES) {
      const { w, z } = inputs(shape);
      const here = run(w, z, shape);
      const name = getBackend();
      await setBackend("reference");
      const want = run(w, z, shape);
      await setBackend(name);
      for (const [key, tol] of [
        ["logits", 1e-5],
        ["gw", 1e-5],
        ["gz", 1e-5],
      ] as const) {
        const scale = Math.max(...want[key].map(Math.abs));
        if (key !== "gw" || shape[1] > 1) expect(scale).toBeGreaterThan(0); // one position: a ≡ 1
        for (let i = 0; i < want[key].length; i++)
          expect(Math.abs(here[key][i] - want[key][i]), `${shape} ${key}[${i}]`).toBeLessThanOrEqual(
            tol * scale + 1e-9,
          );
      }
    }
  });

  it("overwriteLogits: the same numbers; the logits' array takes the probabilities only on the fused path", () => {
    const shape: [number, number, number] = [6, 5, 37];
    const { w, z } = inputs(shape);
    const plain = run(w, z, shape);
    const over = run(w, z, shape, true);
    for (const key of ["logits", "probs", "gw", "gz"] as const)
      expect(Array.from(over[key]), key).toEqual(Array.from(plain[key]));
    expect(plain.shared).toBe(false);
    expect(over.shared).toBe(b.mixtureBackward !== undefined);
  });

  it.skipIf(!b.mixtureBackward)(
    "runs the fused kernel, with the composed forward's numbers bit for bit",
    async () => {
      const shape: [number, number, number] = [6, 5, 37];
      const { w, z } = inputs(shape);
      const spy = vi.spyOn(backend() as Required<Backend>, "mixtureBackward");
      const fused = run(w, z, shape);
      expect(spy).toHaveBeenCalledTimes(1);
      spy.mockRestore();
      const kernel = backend().mixtureBackward;
      (backend() as { mixtureBackward?: unknown }).mixtureBackward = undefined;
      try {
        const composed = run(w, z, shape);
        expect(Array.from(fused.logits)).toEqual(Array.from(composed.logits));
        expect(Array.from(fused.probs)).toEqual(Array.from(composed.probs));
      } finally {
        (backend() as { mixtureBackward?: unknown }).mixtureBackward = kernel;
      }
      expect(() =>
        backend().mixtureBackward!(new Float32Array(6), new Float32Array(4), new Float32Array(2), 1, 2, 3),
      ).toThrow(/mixtureBackward: probs 6, upstream 4, weights 2 do not fit \(1, 2, 3\)/);
    },
  );
});
