/**
 * Seeded pseudo-random numbers, so initialisation, dropout and data shuffles are reproducible.
 * Generator: mulberry32 (32-bit state); normals by Box–Muller.
 */

import { backend } from "../kernels/registry.js";

let state = 0x2545f491;

/** Masks at least this long are drawn by the backend's `dropoutMask` kernel where it has one. */
const KERNEL_MASK = 1024;

/** Sets the global seed (like `torch.manual_seed`). */
export function manualSeed(seed: number): void {
  state = seed >>> 0;
}

/** A uniform float in [0, 1) from the global generator. */
export function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * A dropout mask of n entries from the global generator: 0 where a draw u < p, else `keep` — n
 * calls of `random()`, or the backend's kernel for long masks: the same draws in the same order
 * (it compares the 32-bit integer u·2³² < p·2³², which is exact).
 */
export function dropoutMask(n: number, p: number, keep: number): Float32Array {
  const mask = new Float32Array(n);
  const threshold = p * 4294967296;
  const kernel = n >= KERNEL_MASK ? backend().dropoutMask : undefined;
  if (kernel) {
    state = kernel.call(backend(), mask, state, threshold, keep) >>> 0;
    return mask;
  }
  for (let i = 0; i < n; i++) mask[i] = random() < p ? 0 : keep;
  return mask;
}

/** A standard normal sample. */
export function randomNormal(): number {
  let u = 0;
  while (u === 0) u = random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Returns an independent generator with its own seed (for data pipelines that must not disturb init). */
export function createRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The global generator's state (saved in checkpoints so `--resume` continues exactly). */
export function getRngState(): number {
  return state;
}

/** Restores a state from `getRngState`. */
export function setRngState(s: number): void {
  state = s >>> 0;
}
