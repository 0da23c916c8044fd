/**
 * Runs a suite once per kernel backend of `loadTestBackends()`: `describe.each` with the backend made
 * active (by its registered name) for the suite's tests and the previous one restored afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../../src/kernels/contract.js";
import { getBackend, listBackends, registerBackend, setBackend } from "../../src/kernels/index.js";
import { loadTestBackends } from "./backends.js";

const backends = await loadTestBackends();

export function describeOnEveryBackend(title: string, body: (b: Backend) => void): void {
  describe.each(backends.map((b) => [b.name, b] as const))(`${title} [%s]`, (_name, b) => {
    let previous = "reference";
    beforeAll(async () => {
      previous = getBackend();
      // Test-only variants (e.g. native per instruction set) are registered under their own names.
      if (!listBackends().includes(b.name)) registerBackend(b.name, b);
      await setBackend(b.name);
    });
    afterAll(async () => {
      await setBackend(previous);
    });
    it(`runs on the ${b.name} backend`, () => {
      expect(getBackend()).toBe(b.name);
    });
    body(b);
  });
}
