/**
 * The global generator's dropout masks: `dropoutMask` draws what n calls of `random()` draw, in the
 * same order, and leaves the generator where they would (so a seeded run's masks and every later
 * draw are the same whichever way the mask is made, in JavaScript or by a backend's kernel).
 */
import { expect, it } from "vitest";
import { dropout, manualSeed, random, tensor } from "../../src/tensor/index.js";
import { dropoutMask } from "../../src/tensor/random.js";
import { describeOnEveryBackend } from "../helpers/on-backend.js";

// On every backend: a backend's dropoutMask kernel (long masks) must draw what the generator draws.
describeOnEveryBackend("dropoutMask", () => {
  for (const p of [0.1, 0.5, 0.9]) {
    it(`p = ${p}: the mask random() < p would give, and the same next draw`, () => {
      const n = 10_007;
      const keep = 1 / (1 - p);
      manualSeed(42);
      const want = Float32Array.from({ length: n }, () => (random() < p ? 0 : keep));
      const nextWant = random();
      manualSeed(42);
      const got = dropoutMask(n, p, keep);
      expect([...got]).toEqual([...want]);
      expect(random()).toBe(nextWant);
      const dropped = got.filter((v) => v === 0).length / n;
      expect(Math.abs(dropped - p)).toBeLessThan(0.02);
    });
  }
  it("dropout zeroes about p of the entries and scales the rest by 1 / (1 − p)", () => {
    manualSeed(7);
    const y = dropout(tensor(new Array(4000).fill(2), [4000]), 0.25);
    const zeros = [...y.data].filter((v) => v === 0).length;
    expect(Math.abs(zeros / 4000 - 0.25)).toBeLessThan(0.03);
    expect([...y.data].every((v) => v === 0 || Math.abs(v - 2 / 0.75) < 1e-6)).toBe(true);
  });
});
