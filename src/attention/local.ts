/**
 * Local attention (Luong, Pham & Manning 2015, "Effective Approaches to Attention-based Neural Machine
 * Translation", §3.2): at target step t the decoder state h_t looks only at a window of 2D + 1 source
 * positions around an aligned position p_t:
 *   window    s ∈ [p_t − D, p_t + D] (integer positions s with |s − p_t| ≤ D, inside the sentence)
 *   align     a_t(s) = softmax_{s ∈ window}(score(h_t, h̄_s))                          (eq. 7)
 *   context   c_t = Σ_s a_t(s) h̄_s
 * with p_t chosen one of two ways:
 *   local-m   monotonic: p_t = t (clamped here to the last source position, S_b − 1, so that a target
 *             longer than its source keeps a non-empty window; the paper does not say);
 *   local-p   predictive: p_t = S_b · σ(v_pᵀ tanh(W_p h_t)) (eq. 9), S_b the source length, and the
 *             weights favour positions near p_t with a Gaussian (eq. 10):
 *             a_t(s) = softmax_{s ∈ window}(score(h_t, h̄_s)) · exp(−(s − p_t)² / (2σ²)),  σ = D/2.
 * Positions s are 0-based here (the paper's are 1-based, p_t ∈ [0, S]). local-p's weights do not sum
 * to 1 (the Gaussian scales them after the softmax, as eq. 10 writes); its p_t gets its gradient
 * through the Gaussian (the window's edges are a step, with no gradient), as in the paper.
 *
 * The score is any `Score` (Luong's dot, general or concat); the window is a mask on `attend`.
 *
 * Shapes: query (B, Dq); keys (B, S, Dk); values (B, S, Dv); positions p (B); W_p (A, Dq), v_p (A).
 */
import {
  exp,
  linear,
  matmul,
  mul,
  sigmoid,
  squeeze,
  sub,
  type Tensor,
  tanh,
  tensor,
  unsqueeze,
} from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import { attend } from "./attend.js";
import { type AttentionMask, maskFromAllowed } from "./masks.js";
import type { Score } from "./scores.js";

/** Throws unless D is an integer ≥ 1 (the half-width of the window; σ = D/2 must be > 0). */
export function checkWindow(op: string, D: number): void {
  if (!Number.isSafeInteger(D) || D < 1) {
    throw new Error(`${op}: window D must be an integer ≥ 1, got ${D}`);
  }
}

function checkLengths(op: string, lengths: readonly number[]): void {
  for (const n of lengths) {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new Error(`${op}: every source length must be an integer ≥ 1, got [${lengths.join(", ")}]`);
    }
  }
}

/** local-m's aligned positions at target step t: p_t = min(t, S_b − 1) per row (B). */
export function monotonicPosition(t: number, lengths: readonly number[]): Tensor {
  if (!Number.isSafeInteger(t) || t < 0)
    throw new Error(`monotonicPosition: step t must be an integer ≥ 0, got ${t}`);
  checkLengths("monotonicPosition", lengths);
  return tensor(
    lengths.map((n) => Math.min(t, n - 1)),
    [lengths.length],
  );
}

/** local-p's aligned positions: p_t = S_b · σ(v_pᵀ tanh(W_p h_t)) per row, for h_t (B, Dq). */
export function predictivePosition(
  query: Tensor,
  params: { wP: Tensor; vP: Tensor },
  lengths: readonly number[],
): Tensor {
  const { wP, vP } = params;
  if (
    query.rank !== 2 ||
    query.shape[0] !== lengths.length ||
    wP.rank !== 2 ||
    query.shape[1] !== wP.shape[1]
  ) {
    throw new Error(
      `predictivePosition: query must be (B, Dq) with B = ${lengths.length} lengths and Dq = W_p's columns, got query ${fmt(query.shape)} and W_p ${fmt(wP.shape)}`,
    );
  }
  if (vP.rank !== 1 || vP.shape[0] !== wP.shape[0]) {
    throw new Error(`predictivePosition: v_p must be (A) = [${wP.shape[0]}], got ${fmt(vP.shape)}`);
  }
  checkLengths("predictivePosition", lengths);
  const g = sigmoid(matmul(tanh(linear(query, wP)), vP)); // (B)
  return mul(g, tensor([...lengths], [lengths.length]));
}

/** The window as a mask (B, 1, S): position s is allowed when |s − p_b| ≤ D. */
export function localWindowMask(positions: Tensor, S: number, D: number): AttentionMask {
  checkWindow("localWindowMask", D);
  if (positions.rank !== 1) {
    throw new Error(`localWindowMask: positions must be (B), got ${fmt(positions.shape)}`);
  }
  const B = positions.shape[0];
  const allowed = new Float32Array(B * S);
  for (let b = 0; b < B; b++) {
    const p = positions.data[b];
    if (!Number.isFinite(p)) throw new Error(`localWindowMask: position ${b} is ${p}`);
    for (let s = 0; s < S; s++) allowed[b * S + s] = Math.abs(s - p) <= D ? 1 : 0;
  }
  return maskFromAllowed(tensor(allowed, [B, 1, S]));
}

/** The Gaussian factor exp(−(s − p_b)² / (2σ²)), σ = D/2, for s = 0 … S−1: (B, S), differentiable in p. */
export function gaussianFactor(positions: Tensor, S: number, D: number): Tensor {
  checkWindow("gaussianFactor", D);
  const s = tensor(
    Array.from({ length: S }, (_, i) => i),
    [1, S],
  );
  const d = sub(s, unsqueeze(positions, 1)); // (B, S)
  const sigma = D / 2;
  return exp(mul(mul(d, d), -1 / (2 * sigma * sigma)));
}

/** Options of `localAttention`: its score, the aligned positions p_t, the window's half-width D and the Gaussian. */
export interface LocalAttentionOptions {
  /** The score (Luong dot / general / concat), on the keys given. */
  score: Score;
  /** Aligned positions p_t (B): `monotonicPosition` (local-m) or `predictivePosition` (local-p). */
  positions: Tensor;
  /** Half-width D of the window (integer ≥ 1). */
  window: number;
  /** Multiply by exp(−(s − p_t)² / (2σ²)) after the softmax (local-p: true; local-m: false). */
  gaussian: boolean;
  /** Further allowed keys (the source padding). */
  mask?: AttentionMask | null;
}

/** One decoder step of local attention: context (B, Dv) and weights (B, S), zero outside the window. */
export function localAttention(
  query: Tensor,
  keys: Tensor,
  values: Tensor,
  opts: LocalAttentionOptions,
): { output: Tensor; weights: Tensor } {
  if (query.rank !== 2 || keys.rank !== 3 || query.shape[0] !== keys.shape[0]) {
    throw new Error(
      `localAttention: query must be (B, Dq) and keys (B, S, Dk) with the same B, got query ${fmt(query.shape)} and keys ${fmt(keys.shape)}`,
    );
  }
  const [B, S] = [keys.shape[0], keys.shape[1]];
  if (opts.positions.rank !== 1 || opts.positions.shape[0] !== B) {
    throw new Error(`localAttention: positions must be (B) = [${B}], got ${fmt(opts.positions.shape)}`);
  }
  checkWindow("localAttention", opts.window);
  const window = localWindowMask(opts.positions, S, opts.window);
  const mask = opts.mask ? opts.mask.and(window) : window;
  const r = attend(unsqueeze(query, 1), keys, values, { score: opts.score, mask });
  if (!opts.gaussian) return { output: squeeze(r.output, 1), weights: squeeze(r.weights, 1) };
  const weights = mul(squeeze(r.weights, 1), gaussianFactor(opts.positions, S, opts.window)); // (B, S)
  const output = squeeze(matmul(unsqueeze(weights, 1), values), 1);
  return { output, weights };
}
