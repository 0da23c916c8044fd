/**
 * Bahdanau attention (Bahdanau, Cho & Bengio 2014, "Neural Machine Translation by Jointly Learning
 * to Align and Translate", §3.1, eqs. 5–6 and App. A.1.2): the previous decoder state s_{i−1}
 * attends over the annotations h_j,
 *   e_ij = vᵀ tanh(W s_{i−1} + U h_j),  α_ij = softmax_j(e_ij),  c_i = Σ_j α_ij h_j.
 * A configuration of `attend` with the additive score and keys = values = encoder annotations.
 *
 * Shapes: decoder (B, Dq) or (B, T, Dq); encoder (B, S, Dk); W (A, Dq), U (A, Dk), v (A).
 */
import { squeeze, type Tensor, unsqueeze } from "../tensor/index.js";
import { type AttentionResult, attend } from "./attend.js";
import type { AttentionMask } from "./masks.js";
import { additive } from "./scores.js";

/** The parameters of Bahdanau's additive score vᵀ tanh(W s + U h): `wQuery` (W), `wKey` (U), `v`, optional bias. */
export interface BahdanauParams {
  /** W (A, Dq): applied to the decoder state. */
  wQuery: Tensor;
  /** U (A, Dk): applied to the encoder annotations. */
  wKey: Tensor;
  /** v (A). */
  v: Tensor;
  /** Optional bias (A) inside the tanh. */
  bias?: Tensor;
}

/**
 * Additive attention (Bahdanau et al. 2015): eᵢⱼ = vᵀ tanh(W s + U hⱼ); `decoderState` (B, D) or
 * (B, T, D) over `encoderStates` (B, S, D). Returns `{ output, weights }`.
 */
export function bahdanauAttention(
  decoderState: Tensor,
  encoderStates: Tensor,
  params: BahdanauParams,
  opts: { mask?: AttentionMask | null } = {},
): AttentionResult {
  const oneStep = decoderState.rank === encoderStates.rank - 1;
  const q = oneStep ? unsqueeze(decoderState, -2) : decoderState;
  const r = attend(q, encoderStates, encoderStates, { score: additive(params), mask: opts.mask });
  return oneStep ? { output: squeeze(r.output, -2), weights: squeeze(r.weights, -2) } : r;
}
