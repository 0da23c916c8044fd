/**
 * Softmax and log-softmax over any axis, max-subtracted for stability:
 *   softmax(x)_j = exp(x_j − m) / Σ_k exp(x_k − m),  m = max_k x_k.
 * Gradients: d softmax = y ⊙ (g − Σ_j g_j y_j); d logsoftmax = g − softmax(x) Σ_j g_j.
 * A lane of all −∞ (every key masked) gives zero weights and zero gradient, never NaN.
 */
import { backend } from "../../kernels/registry.js";
import { normAxis, splitAtAxis } from "../shape.js";
import { record, Tensor } from "../tensor.js";
import { exp, mul, sub } from "./elementwise.js";
import { sum } from "./reduce.js";

/** softmax along `axis` (default the last): exp(xᵢ − max) / Σⱼ exp(xⱼ − max) (`torch.softmax`). */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxOf(x, axis, false);
}

/**
 * softmax written over x's own array (x then holds the weights): one array fewer, only for an x that
 * nothing reads again — a product just made for it, whose own backward never reads its values (the
 * latent alignment's per-position logits). The gradient is softmax's.
 */
export function softmaxOverwriting(x: Tensor, axis = -1): Tensor {
  return softmaxOf(x, axis, true);
}

function softmaxOf(x: Tensor, axis: number, overwrite: boolean): Tensor {
  const a = normAxis("softmax", axis, x.rank);
  const { outer, n, inner } = splitAtAxis(x.shape, a);
  const data = backend().softmax(x.data, outer, n, inner, false, overwrite ? x.data : undefined);
  const y = new Tensor(data, x.shape);
  return record(
    y,
    "softmax",
    [x],
    (g) => {
      const k = backend().softmaxBackward;
      if (!k) return [mul(y, sub(g, sum(mul(g, y), a, true)))];
      return [new Tensor(k.call(backend(), y.data, g.data, outer, n, inner, false), x.shape)];
    },
    { axis: a },
  );
}

/**
 * log softmax along `axis` (default the last), computed stably as x − logsumexp(x) (`torch.log_softmax`).
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis("logSoftmax", axis, x.rank);
  const { outer, n, inner } = splitAtAxis(x.shape, a);
  const y = new Tensor(backend().softmax(x.data, outer, n, inner, true), x.shape);
  return record(
    y,
    "logSoftmax",
    [x],
    (g) => {
      const k = backend().softmaxBackward;
      if (!k) return [sub(g, mul(exp(y), sum(g, a, true)))];
      return [new Tensor(k.call(backend(), y.data, g.data, outer, n, inner, true), x.shape)];
    },
    { axis: a },
  );
}
