/**
 * Attention as a latent alignment (Deng et al. 2018, "Latent Alignment and Variational Attention",
 * exact enumeration): instead of summing values into one context that feeds the output layer, each
 * source position j makes its own prediction z_j over the vocabulary and the attention mixes them,
 *
 *   p(y) = Σ_j a_j softmax(z_j)_y,
 *
 * so a word must be explained by one position and the attention is pushed towards it. The posterior
 * of an observed word y is p(a = j | y) = a_j softmax(z_j)_y / p(y).
 */
import { add, log, matmul, softmax, squeeze, type Tensor, unsqueeze } from "../tensor/index.js";

/** Added to the mixed probabilities before the log: keeps log p finite where p underflows to 0. */
export const LATENT_FLOOR = 1e-30;

/**
 * Mixes per-position predictions: `weights` (…, S) (0 on padding) and `positionLogits` (…, S, V) →
 * `logits` = log Σ_j a_j softmax(z_j) (…, V) — normalised log-probabilities, unchanged by a softmax —
 * and `positionProbs` = softmax(z_j) (…, S, V).
 */
export function mixPositions(
  weights: Tensor,
  positionLogits: Tensor,
): { logits: Tensor; positionProbs: Tensor } {
  const r = weights.rank;
  if (positionLogits.rank !== r + 1 || weights.shape.some((d, i) => d !== positionLogits.shape[i])) {
    throw new Error(
      `mixPositions: weights [${weights.shape.join(", ")}] must be positionLogits [${positionLogits.shape.join(", ")}] without its last axis`,
    );
  }
  const positionProbs = softmax(positionLogits, -1);
  const mixed = squeeze(matmul(unsqueeze(weights, r - 1), positionProbs), r - 1);
  return { logits: log(add(mixed, LATENT_FLOOR)), positionProbs };
}
