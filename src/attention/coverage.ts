/**
 * Coverage attention (Tu, Lu, Liu, Liu & Li 2016, "Modeling Coverage for Neural Machine Translation",
 * §3.1–3.2): Bahdanau's additive score also reads how much each source position has been attended to
 * so far, so the decoder can learn to move on from words it has translated and to come back to words
 * it has skipped:
 *   e_ij = vᵀ tanh(W s_{i−1} + U h_j + V C_{i−1,j}),  α_ij = softmax_j(e_ij),  c_i = Σ_j α_ij h_j,
 *   C_i = C_{i−1} + α_i,  C_0 = 0.
 * C is the coverage vector (one number per source position). This is the paper's **linguistic
 * coverage** without fertility (its eq. 7 with Φ_j = 1; the fertility Φ_j = N·σ(U_f h_j) and the
 * neural, GRU-updated coverage of §3.1.2 are not built), which is also what OpenNMT-py's
 * `coverage_attn` sums (there the coverage enters through `linear_cover`, a V of shape (A, 1)).
 * The coverage loss Σ_i Σ_j min(α_ij, C_{i−1,j}) (See et al. 2017, eq. 12; OpenNMT-py's
 * `lambda_coverage` term) is `coverageLoss`, over the weights of a whole target.
 *
 * A configuration of `attend`: the additive score over keys U h_j + V C_{i−1,j}, which change each step.
 *
 * Shapes: decoder state (B, Dq); encoder states (B, S, Dk); coverage (B, S);
 * W (A, Dq), U (A, Dk), v (A), V (A, 1).
 */
import {
  add,
  linear,
  minimum,
  mul,
  slice,
  squeeze,
  sum,
  type Tensor,
  tensor,
  unsqueeze,
  zeros,
} from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import { type AttentionResult, attend } from "./attend.js";
import type { AttentionMask } from "./masks.js";
import { additiveProjected } from "./scores.js";

/** The coverage attention's parameters: the additive score's W, U, v and the coverage weight V. */
export interface CoverageParams {
  /** W (A, Dq): applied to the decoder state s_{i−1}. */
  wQuery: Tensor;
  /** U (A, Dk): applied to the encoder states h_j. */
  wKey: Tensor;
  /** v (A). */
  v: Tensor;
  /** V (A, 1): applied to the coverage C_{i−1,j}. */
  wCover: Tensor;
}

export interface CoverageResult extends AttentionResult {
  /** The coverage after this step, C_i = C_{i−1} + α_i (B, S). */
  coverage: Tensor;
}

/**
 * One step of coverage attention with the key half k′ = U h computed once per sentence (the caller
 * passes k′ (B, S, A)): e_ij = vᵀ tanh(W s + k′_j + V C_j). `values` (B, S, Dv) are what is summed.
 */
export function coverageAttentionProjected(
  decoderState: Tensor,
  projectedKeys: Tensor,
  values: Tensor,
  coverage: Tensor,
  params: { wQuery: Tensor; v: Tensor; wCover: Tensor },
  opts: { mask?: AttentionMask | null } = {},
): CoverageResult {
  const [B, S] = [projectedKeys.shape[0], projectedKeys.shape[1]];
  if (decoderState.rank !== 2 || decoderState.shape[0] !== B) {
    throw new Error(
      `coverageAttention: decoderState must be (B, Dq) with B = ${B}, got ${fmt(decoderState.shape)} (keys ${fmt(projectedKeys.shape)})`,
    );
  }
  if (coverage.rank !== 2 || coverage.shape[0] !== B || coverage.shape[1] !== S) {
    throw new Error(`coverageAttention: coverage must be (B, S) = [${B}, ${S}], got ${fmt(coverage.shape)}`);
  }
  const A = params.wQuery.shape[0];
  if (params.wCover.rank !== 2 || params.wCover.shape[0] !== A || params.wCover.shape[1] !== 1) {
    throw new Error(`coverageAttention: wCover must be (A, 1) = [${A}, 1], got ${fmt(params.wCover.shape)}`);
  }
  // k′_j + V C_j: (B, S, A)
  const keys = add(projectedKeys, linear(unsqueeze(coverage, -1), params.wCover));
  const score = additiveProjected({ wQuery: params.wQuery, v: params.v });
  const r = attend(unsqueeze(decoderState, 1), keys, values, { score, mask: opts.mask });
  const weights = squeeze(r.weights, 1);
  return { output: squeeze(r.output, 1), weights, coverage: add(coverage, weights) };
}

/**
 * One step of coverage attention over the encoder states (keys = values = h):
 * e_ij = vᵀ tanh(W s_{i−1} + U h_j + V C_{i−1,j}); returns c_i, α_i and C_i = C_{i−1} + α_i.
 */
export function coverageAttention(
  decoderState: Tensor,
  encoderStates: Tensor,
  coverage: Tensor,
  params: CoverageParams,
  opts: { mask?: AttentionMask | null } = {},
): CoverageResult {
  if (encoderStates.rank !== 3) {
    throw new Error(`coverageAttention: encoderStates must be (B, S, Dk), got ${fmt(encoderStates.shape)}`);
  }
  const projected = linear(encoderStates, params.wKey);
  return coverageAttentionProjected(decoderState, projected, encoderStates, coverage, params, opts);
}

/**
 * The coverage loss of See, Liu & Manning 2017 ("Get To The Point", eq. 12), summed over target steps
 * and sentences: Σ_b Σ_i Σ_j min(α_bij, C_b,i−1,j) with C_{i−1} = Σ_{k<i} α_k, the coverage *before*
 * step i, so attending again to a covered position costs and attending to a new one does not.
 * (OpenNMT-py's `lambda_coverage` term takes the min with the coverage after the step, which includes
 * α_i itself; this is the paper's.) `weights` (B, T, S) are the attention weights of a teacher-forced
 * target; steps i ≥ targetLengths[b] (padding) are left out. Multiply by λ and add it to the loss.
 */
export function coverageLoss(weights: Tensor, targetLengths?: readonly number[]): Tensor {
  if (weights.rank !== 3) {
    throw new Error(`coverageLoss: weights must be (B, T, S), got ${fmt(weights.shape)}`);
  }
  const [B, T, S] = weights.shape;
  if (targetLengths !== undefined) {
    if (targetLengths.length !== B || targetLengths.some((n) => !Number.isSafeInteger(n) || n < 0 || n > T)) {
      throw new Error(
        `coverageLoss: targetLengths must be ${B} integers in [0, ${T}] for weights ${fmt(weights.shape)}, got [${targetLengths.join(", ")}]`,
      );
    }
  }
  let C: Tensor = zeros([B, S]);
  let total: Tensor = zeros([]);
  for (let i = 0; i < T; i++) {
    const a = squeeze(slice(weights, 1, i, i + 1), 1); // (B, S)
    let m = minimum(a, C);
    if (targetLengths !== undefined) {
      m = mul(
        m,
        tensor(
          targetLengths.map((n) => (i < n ? 1 : 0)),
          [B, 1],
        ),
      );
    }
    total = add(total, sum(m));
    C = add(C, a);
  }
  return total;
}
