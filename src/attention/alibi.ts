/**
 * ALiBi, attention with linear biases (Press, Smith & Lewis 2022, "Train Short, Test Long", §3):
 * no position embeddings; each head h adds a fixed penalty proportional to the distance to its scores,
 *   e_hij = q_i·k_j / √d − m_h · |i − j|,
 * with head slopes the geometric sequence m_h = 2^(−8h/H), h = 1 … H (for H a power of two; otherwise
 * the slopes of the nearest smaller power of two n, followed by every other slope of 2n, as the paper's
 * code does). Under a causal mask (j ≤ i) this is the paper's −m_h (i − j); for bidirectional attention
 * the symmetric |i − j| is the usual extension. The biases enter the `attend` core as an additive mask
 * (step 2: a_ij = softmax_j(e_ij + m_ij)).
 *
 * Shapes: the bias is (H, T, S), broadcasting over the batch of (B, H, T, S) scores. Queries are at
 * positions offset … offset + T − 1 (default offset = S − T: the queries are the last T positions, as in
 * incremental decoding where the keys include the past) and keys at 0 … S − 1.
 */
import { tensor } from "../tensor/index.js";
import { type AttentionMask, additiveMask } from "./masks.js";

/** The ALiBi slopes m_1 … m_H. */
export function alibiSlopes(numHeads: number): number[] {
  if (!Number.isInteger(numHeads) || numHeads <= 0) {
    throw new Error(`alibiSlopes: numHeads must be a positive integer, got ${numHeads}`);
  }
  const geometric = (n: number) => Array.from({ length: n }, (_, h) => 2 ** ((-8 * (h + 1)) / n));
  const n = 2 ** Math.floor(Math.log2(numHeads));
  if (n === numHeads) return geometric(n);
  const extra = geometric(2 * n).filter((_, i) => i % 2 === 0);
  return [...geometric(n), ...extra.slice(0, numHeads - n)];
}

/** The ALiBi bias −m_h·|i − j| as a mask for scores (…, H, T, S). */
export function alibiMask(
  numHeads: number,
  queryLength: number,
  keyLength: number,
  { offset = keyLength - queryLength }: { offset?: number } = {},
): AttentionMask {
  const slopes = alibiSlopes(numHeads);
  const T = queryLength;
  const S = keyLength;
  if (!Number.isInteger(T) || !Number.isInteger(S) || T < 0 || S < 0 || !Number.isInteger(offset)) {
    throw new Error(
      `alibiMask: queryLength (${T}), keyLength (${S}) and offset (${offset}) must be integers ≥ 0`,
    );
  }
  const bias = new Float32Array(numHeads * T * S);
  for (let h = 0; h < numHeads; h++) {
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < S; j++) bias[(h * T + i) * S + j] = 0 - slopes[h] * Math.abs(offset + i - j);
    }
  }
  return additiveMask(tensor(bias, [numHeads, T, S]));
}
