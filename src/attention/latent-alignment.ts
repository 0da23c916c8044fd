/**
 * Attention as a latent alignment (Deng et al. 2018, "Latent Alignment and Variational Attention",
 * exact enumeration): instead of summing values into one context that feeds the output layer, each
 * source position j makes its own prediction z_j over the vocabulary and the attention mixes them,
 *
 *   p(y) = Σ_j a_j softmax(z_j)_y,
 *
 * so a word must be explained by one position and the attention is pushed towards it. The posterior
 * of an observed word y is p(a = j | y) = a_j softmax(z_j)_y / p(y).
 *
 * Gradient, with u = g / p (g the gradient of log p): ∂/∂a_j = P_j · u and ∂/∂z_j = a_j P_j ⊙ (u − P_j · u).
 * A backend with the `mixtureBackward` kernel computes it in one pass over P; otherwise (and while
 * tracing for ONNX) the forward is composed of softmax, matmul, add and log and autograd derives it.
 */
import { backend } from "../kernels/registry.js";
import {
  add,
  div,
  isTracing,
  log,
  matmul,
  noGrad,
  record,
  softmax,
  squeeze,
  Tensor,
  unsqueeze,
} from "../tensor/index.js";
import { softmaxOverwriting } from "../tensor/ops/softmax.js";

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
  {
    overwriteLogits = false,
  }: {
    /**
     * Where the fused backward runs, write the probabilities over positionLogits' own array (one
     * (…, S, V) array fewer): only for logits nothing reads again (a product made for this call).
     */
    overwriteLogits?: boolean;
  } = {},
): { logits: Tensor; positionProbs: Tensor } {
  const r = weights.rank;
  if (positionLogits.rank !== r + 1 || weights.shape.some((d, i) => d !== positionLogits.shape[i])) {
    throw new Error(
      `mixPositions: weights [${weights.shape.join(", ")}] must be positionLogits [${positionLogits.shape.join(", ")}] without its last axis`,
    );
  }
  /** Σ_j a_j P_j + floor (…, V). */
  const mixed = (probs: Tensor) =>
    add(squeeze(matmul(unsqueeze(weights, r - 1), probs), r - 1), LATENT_FLOOR);
  const kernel = backend().mixtureBackward;
  if (!kernel || isTracing()) {
    const positionProbs = softmax(positionLogits, -1);
    return { logits: log(mixed(positionProbs)), positionProbs };
  }
  const positionProbs = overwriteLogits
    ? softmaxOverwriting(positionLogits, -1)
    : softmax(positionLogits, -1);
  // The same forward, one node: its backward, from u = g / (Σ_j a_j P_j + floor), is
  //   da_j = P_j · u,   dz_j = P_j ⊙ (a_j u − a_j da_j)
  // (the composed backward's softmax gradient of dP_j = a_j u, without that (…, S, V) array).
  const shifted = noGrad(() => mixed(positionProbs));
  const S = weights.shape[r - 1];
  const V = positionLogits.shape[r];
  const N = S === 0 ? 0 : weights.size / S;
  const logits = record(
    noGrad(() => log(shifted)),
    "mixPositions",
    [weights, positionLogits],
    (g) => {
      const u = div(g, shifted);
      const { dz, da } = kernel.call(backend(), positionProbs.data, u.data, weights.data, N, S, V);
      return [
        weights.requiresGrad ? new Tensor(da, weights.shape) : null,
        positionLogits.requiresGrad ? new Tensor(dz, positionLogits.shape) : null,
      ];
    },
  );
  return { logits, positionProbs };
}
