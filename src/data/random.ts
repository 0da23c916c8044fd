/**
 * A small seeded pseudo-random number generator for deterministic data handling (shuffles, splits).
 *
 * `mulberry32` is Tommy Ettinger's 32-bit generator (public domain): one 32-bit state, period 2^32,
 * good enough for shuffling data sets and far simpler than carrying a dependency. Same seed, same
 * sequence, on every platform (it only uses 32-bit integer arithmetic via `Math.imul`).
 */

import { createRng } from "../tensor/random.js";

/** Returns a function giving uniform floats in [0, 1), fully determined by `seed` (the tensor layer's generator). */
export const mulberry32: (seed: number) => () => number = createRng;

/** Fisher-Yates shuffle of `items` in place using `rng`; returns the same array. */
export function shuffleInPlace<T>(items: T[], rng: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}
