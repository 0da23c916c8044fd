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
 * OpenNMT's optional coverage loss λ Σ_j min(α_ij, C_{i−1,j}) (See et al. 2017) is a training term,
 * not part of the attention; `coverageAttention` returns both C_{i−1} and C_i, so it can be formed.
 *
 * A configuration of `attend`: the additive score over keys U h_j + V C_{i−1,j}, which change each step.
 *
 * Shapes: decoder state (B, Dq); encoder states (B, S, Dk); coverage (B, S);
 * W (A, Dq), U (A, Dk), v (A), V (A, 1).
 */
import { add, linear, squeeze, type Tensor, unsqueeze } from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import { type AttentionResult, attend } from "./attend.js";
import type { AttentionMask } from "./masks.js";
import { additiveProjected } from "./scores.js";

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
