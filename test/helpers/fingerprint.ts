/**
 * A model's weights as two numbers, to pin training results in tests: Σ x_i·((i mod 7) + 1) and Σ x_i²
 * over every tensor (sorted by name), in float64. Any change to one weight moves the first.
 */
import { expect } from "vitest";
import type { Tensor } from "../../src/tensor/index.js";

export function fingerprint(stateDict: Record<string, Tensor>): [number, number] {
  let a = 0;
  let b = 0;
  for (const k of Object.keys(stateDict).sort()) {
    const d = stateDict[k].data;
    for (let i = 0; i < d.length; i++) {
      a += d[i] * ((i % 7) + 1);
      b += d[i] * d[i];
    }
  }
  return [a, b];
}

/** Each number within 1e-6 of its pinned value, relative (float32 training on one machine is exact). */
export function expectPinned(got: readonly number[], pinned: readonly number[], what: string): void {
  expect(got.length, what).toBe(pinned.length);
  got.forEach((x, i) => {
    expect(Math.abs(x - pinned[i]), `${what}[${i}]: ${x} vs pinned ${pinned[i]}`).toBeLessThanOrEqual(
      1e-6 * Math.max(1, Math.abs(pinned[i])),
    );
  });
}
