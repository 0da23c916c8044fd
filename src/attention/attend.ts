/**
 * attend — the one core every attention mechanism in qkv is a configuration of.
 *
 *   1. score    e_ij = score(q_i, k_j)                 (scores.ts)
 *   2. softmax  a_ij = exp(e_ij + m_ij) / Σ_k exp(e_ik + m_ik)   (m: the mask's bias, masks.ts)
 *   3. sum      c_i  = Σ_j a_ij v_j
 *
 * Bahdanau et al. 2014, eqs. 5–6; Luong et al. 2015, eqs. 7–8; Vaswani et al. 2017, eq. 1.
 * Only where q, k and v come from changes between mechanisms: from one sequence (self-attention,
 * "intra") or from two (Luong/Bahdanau, cross-attention, "inter").
 *
 * Shapes (declared once): T query length, S key length, Dq/Dk/Dv feature sizes, and any number of
 * leading batch dimensions (…), e.g. (B, T, D) or (B, H, T, D). Unbatched (T, D) works too.
 */
import { add, dropout as applyDropout, matmul, softmax, type Tensor } from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import type { AttentionMask } from "./masks.js";
import { dot, type Score, scaledDot } from "./scores.js";

/** Options of `attend`: the score, a mask, dropout on the weights. */
export interface AttendOptions {
  /** The score function (default: dot). "dot" and "scaledDot" may be given by name. */
  score?: Score | "dot" | "scaledDot";
  /** Which keys each query may attend to (see masks.ts). */
  mask?: AttentionMask | null;
  /** Dropout probability on the attention weights (training only). */
  dropout?: number;
  /** Whether dropout is active (default false: attention is deterministic unless asked). */
  training?: boolean;
}

/** What every attention function returns: the context vectors (`output`) and the weights. */
export interface AttentionResult {
  /** Context vectors c (…, T, Dv). */
  output: Tensor;
  /** Attention weights a (…, T, S); each row sums to 1 over its allowed keys (0 if none). */
  weights: Tensor;
}

function resolveScore(score: AttendOptions["score"]): Score {
  if (score === undefined || score === "dot") return dot();
  if (score === "scaledDot") return scaledDot();
  return score;
}

/**
 * Checks a dropout probability on attention weights: a number in [0, 1), whether or not training
 * (NaN or −1 must not pass unnoticed because dropout happens to be off, or the kernel is fused).
 */
export function checkAttentionDropout(op: string, p: number | undefined): void {
  if (p === undefined) return;
  if (typeof p !== "number" || !(p >= 0 && p < 1)) {
    throw new Error(`${op}: dropout must be a probability in [0, 1), got ${String(p).slice(0, 40)}`);
  }
}

/** Checks ranks and lengths, and names the argument that is wrong. */
export function checkAttentionShapes(op: string, query: Tensor, keys: Tensor, values: Tensor): void {
  const shapes = `query ${fmt(query.shape)}, keys ${fmt(keys.shape)}, values ${fmt(values.shape)}`;
  if (query.rank < 2 || keys.rank < 2 || values.rank < 2) {
    throw new Error(`${op}: query, keys and values need rank ≥ 2 ((…, T, D)), got ${shapes}`);
  }
  if (keys.shape[keys.rank - 2] !== values.shape[values.rank - 2]) {
    throw new Error(`${op}: keys and values must have the same length S, got ${shapes}`);
  }
}

/**
 * Attention over keys/values for each query: `{ output, weights }`.
 *
 * @example
 * const { output, weights } = attend(s, h, h);                 // Luong dot over encoder states
 * const r = attend(x, x, x, { score: "scaledDot" });          // self-attention without projections
 */
export function attend(
  query: Tensor,
  keys: Tensor,
  values: Tensor,
  opts: AttendOptions = {},
): AttentionResult {
  checkAttentionShapes("attend", query, keys, values);
  checkAttentionDropout("attend", opts.dropout);
  const score = resolveScore(opts.score);
  // 1. score: e (…, T, S)
  let e = score.compute(query, keys);
  if (opts.mask) e = add(e, opts.mask.biasFor("attend", e.shape));
  // 2. softmax over keys: a (…, T, S)
  let weights = softmax(e, -1);
  if (opts.dropout && opts.training) weights = applyDropout(weights, opts.dropout, true);
  // 3. weighted sum of values: c (…, T, Dv)
  const output = matmul(weights, values);
  return { output, weights };
}
