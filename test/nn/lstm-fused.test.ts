/**
 * The fused LSTM cell (one kernel and one autograd node per step, on backends that have it: native)
 * against the element-wise ops of `lstmPointwise` on the reference backend: h, c and the gradients of a
 * loss on both with respect to the gates and the previous cell, within 1e-5, including saturated gates.
 * (The PyTorch LSTM parity suite, test/nn/pytorch-parity.test.ts, runs through it on native too.)
 */
import { describe, expect, it } from "vitest";
import { referenceBackend } from "../../src/kernels/reference/index.js";
import { withBackend } from "../../src/kernels/registry.js";
import { lstmPointwise } from "../../src/nn/index.js";
import { mul, sum, tensor } from "../../src/tensor/index.js";
import { createRng } from "../../src/tensor/random.js";
import { loadTestBackends } from "../helpers/backends.js";

const fused = (await loadTestBackends()).filter((b) => b.lstmCell && b.lstmCellBackward);
const rng = createRng(11);
const uniform = (n: number, lo: number, hi: number) =>
  Float32Array.from({ length: n }, () => lo + (hi - lo) * rng());

function run(B: number, H: number, gates: Float32Array, c: Float32Array, wh: Float32Array, wc: Float32Array) {
  const g = tensor(gates.slice(), [B, 4 * H], { requiresGrad: true });
  const c0 = tensor(c.slice(), [B, H], { requiresGrad: true });
  const next = lstmPointwise(g, c0, H);
  sum(mul(next.h, tensor(wh, [B, H])))
    .add(sum(mul(next.c, tensor(wc, [B, H]))))
    .backward();
  return { h: next.h.data, c: next.c.data, dg: g.grad!.data, dc: c0.grad!.data };
}

function expectClose(label: string, a: Float32Array, e: Float32Array): void {
  expect(a.length, label).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i] - e[i]);
    if (!(err <= 1e-6 + 1e-5 * Math.abs(e[i]))) throw new Error(`${label}[${i}]: ${a[i]} vs ${e[i]}`);
  }
}

describe.runIf(fused.length > 0).each(fused)("fused LSTM cell on $name", (backend) => {
  for (const [B, H, spread] of [
    [1, 1, 2],
    [3, 5, 3],
    [7, 33, 4],
    [4, 16, 40], // saturated gates: σ and tanh at ±1
  ] as const) {
    it(`(B, H) = (${B}, ${H}), gates in ±${spread}: h, c and gradients equal the element-wise ops`, () => {
      const gates = uniform(B * 4 * H, -spread, spread);
      const c = uniform(B * H, -2, 2);
      const wh = uniform(B * H, -1, 1);
      const wc = uniform(B * H, -1, 1);
      const want = withBackend(referenceBackend, () => run(B, H, gates, c, wh, wc));
      const calls = (backend as unknown as { stats: { serial: Record<string, number> } }).stats.serial;
      const before = calls.lstmCell ?? 0;
      const got = withBackend(backend, () => run(B, H, gates, c, wh, wc));
      expect(calls.lstmCell, "the fused kernel ran").toBe(before + 1);
      expectClose("h", got.h, want.h);
      expectClose("c", got.c, want.c);
      expectClose("d gates", got.dg, want.dg);
      expectClose("d c", got.dc, want.dc);
    });
  }
});
