/**
 * Sampling the next token (Hugging Face `generate(do_sample=True)`'s warpers, in its order):
 *
 *   1. temperature  z_v ← z_v / τ                                   (τ > 0; τ < 1 sharpens, τ > 1 flattens)
 *   2. top-k        z_v ← −∞ unless z_v ≥ the k-th largest score    (Fan et al. 2018; ties with it kept, as HF)
 *   3. top-p        z_v ← −∞ unless the probability mass of the tokens ranked above v is < p
 *                   (nucleus, Holtzman et al. 2020: the smallest set, best first, whose mass reaches p;
 *                   the best token always stays)
 *   4. draw         v ~ softmax(z)   by inverse CDF on one uniform u ∈ [0, 1) of the row's generator
 *
 * Differences from Hugging Face: probabilities and cumulative sums are float64 (HF: the model's dtype);
 * top-p ranks equal probabilities by token id (HF: `torch.sort`'s order); `topP = 1` and no `topK`
 * leave the scores unchanged (as HF, which then adds no warper). Each sentence has its own generator,
 * `createRng(rowSeed(seed, i))` (tensor/random.ts's mulberry32) for its index i in the input, so what a
 * sentence draws does not depend on the batch it was decoded in, nor on the KV cache.
 */
import { createRng } from "../tensor/index.js";

/** How to sample a token: temperature, then top-k, then top-p, from a seeded generator. */
export interface SamplingOptions {
  /** τ > 0 (default 1: the model's distribution). */
  temperature?: number;
  /** Keep the k best scores (integer ≥ 1; default: all). */
  topK?: number;
  /** Keep the nucleus of mass p ∈ (0, 1] (default 1: all). */
  topP?: number;
  /** Seed of the generators (default 0): sentence i draws from createRng(rowSeed(seed, i)). */
  seed?: number;
}

/** Throws naming `who` and the option when a sampling option is out of its range. */
export function checkSamplingOptions(o: SamplingOptions, who: string): void {
  const { temperature, topK, topP, seed } = o;
  if (temperature !== undefined && !(Number.isFinite(temperature) && temperature > 0))
    throw new Error(`${who}: temperature must be a finite number > 0, got ${temperature}`);
  if (topK !== undefined && !(Number.isSafeInteger(topK) && topK >= 1))
    throw new Error(`${who}: topK must be an integer ≥ 1, got ${topK}`);
  if (topP !== undefined && !(Number.isFinite(topP) && topP > 0 && topP <= 1))
    throw new Error(`${who}: topP must be in (0, 1], got ${topP}`);
  if (seed !== undefined && !(Number.isSafeInteger(seed) && seed >= 0 && seed <= 0xffffffff))
    throw new Error(`${who}: seed must be an integer from 0 to 2^32 − 1, got ${seed}`);
}

/** Divides the scores by τ, in place. */
export function applyTemperature(scores: Float64Array, temperature: number): void {
  if (temperature === 1) return;
  for (let v = 0; v < scores.length; v++) scores[v] /= temperature;
}

/** Sets every score below the k-th largest to −∞, in place (ties with the k-th are kept, as HF's TopK). */
export function applyTopK(scores: Float64Array, k: number): void {
  if (k >= scores.length) return;
  const kth = Float64Array.from(scores).sort().reverse()[k - 1];
  for (let v = 0; v < scores.length; v++) if (scores[v] < kth) scores[v] = Number.NEGATIVE_INFINITY;
}

/** softmax of a row of scores (float64; −∞ → 0; a row of all −∞ is refused). */
export function softmaxRow(scores: Float64Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const s of scores) if (s > max) max = s;
  if (max === Number.NEGATIVE_INFINITY) throw new Error("softmaxRow: every score is −∞: no token to choose");
  if (Number.isNaN(max) || max === Number.POSITIVE_INFINITY)
    throw new Error(`softmaxRow: the scores hold ${max}`);
  const p = new Float64Array(scores.length);
  let z = 0;
  for (let v = 0; v < scores.length; v++) {
    p[v] = Math.exp(scores[v] - max);
    z += p[v];
  }
  for (let v = 0; v < p.length; v++) p[v] /= z;
  return p;
}

/**
 * Keeps the nucleus: tokens best first (equal probabilities by id) while the mass before each is < p;
 * the others → −∞, in place. Equivalent to HF's TopP (ascending sort, drop cumulative mass ≤ 1 − p).
 */
export function applyTopP(scores: Float64Array, p: number): void {
  if (p >= 1) return;
  const probs = softmaxRow(scores);
  const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a] || a - b);
  let before = 0;
  for (const v of order) {
    if (before >= p) scores[v] = Number.NEGATIVE_INFINITY;
    before += probs[v];
  }
}

/** The distribution sampled from: temperature, top-k, top-p on a copy of `scores`, then softmax. */
export function samplingDistribution(scores: ArrayLike<number>, o: SamplingOptions): Float64Array {
  const z = Float64Array.from(scores);
  applyTemperature(z, o.temperature ?? 1);
  if (o.topK !== undefined) applyTopK(z, o.topK);
  if (o.topP !== undefined) applyTopP(z, o.topP);
  return softmaxRow(z);
}

/** The token whose CDF interval holds u ∈ [0, 1): the first v with Σ_{w ≤ v} p_w > u (never a p = 0 one). */
export function drawToken(probs: Float64Array, u: number): number {
  let c = 0;
  let last = -1;
  for (let v = 0; v < probs.length; v++) {
    if (probs[v] === 0) continue;
    c += probs[v];
    last = v;
    if (u < c) return v;
  }
  return last; // rounding: Σ p fell just short of u
}

/** The seed of sentence `index`'s generator under `seed` (a 32-bit mix, so neighbours differ). */
export function rowSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

/** One generator per sentence: `indices[b]` is row b's sentence index in the input. */
export function rowGenerators(seed: number, indices: readonly number[]): (() => number)[] {
  return indices.map((i) => createRng(rowSeed(seed, i)));
}
