/**
 * Gradient clipping, as `torch.nn.utils.clip_grad_norm_` / `clip_grad_value_` (clipping by norm:
 * Pascanu, Mikolov & Bengio 2013, "On the difficulty of training recurrent neural networks"):
 *   ‖g‖ = (Σ_params ‖g_p‖ᵖ)^(1/p)  (max |g| for p = ∞),
 *   g ← g · min(1, maxNorm / (‖g‖ + 1e-6)).
 * Parameters without a gradient are skipped. The gradients are scaled in place, as PyTorch's
 * `p.grad.mul_(clip_coef)`: autograd gives every leaf a `.grad` array of its own, and a `.grad` kept
 * between steps (`zeroGrad({ setToNone: false })`) stays the same array.
 */
import { backend } from "../../kernels/registry.js";
import type { Tensor } from "../../tensor/index.js";

/** Options of `clipGradNorm`. */
export interface ClipGradNormOptions {
  /** p of the norm (default 2; Infinity for the max norm). */
  normType?: number;
  /** Throw when the total norm is NaN or ±∞ (default false, as PyTorch). */
  errorIfNonfinite?: boolean;
}

/** Rescales the gradients so their joint norm is at most `maxNorm`; returns the norm before clipping. */
export function clipGradNorm(
  params: Iterable<Tensor>,
  maxNorm: number,
  opts: ClipGradNormOptions = {},
): number {
  const { normType = 2, errorIfNonfinite = false } = opts;
  if (!(normType > 0)) throw new Error(`clipGradNorm: normType must be > 0, got ${normType}`);
  const withGrad = [...params].filter((p) => p.grad !== null);
  if (withGrad.length === 0) return 0;
  let total = 0;
  if (normType === Number.POSITIVE_INFINITY) {
    for (const p of withGrad) for (const v of p.grad!.data) total = Math.max(total, Math.abs(v));
  } else {
    // The norm of the per-parameter norms, (Σ_p ‖g_p‖ᵖ)^(1/p), as PyTorch (NaN propagates).
    let acc = 0;
    for (const p of withGrad) {
      const d = p.grad!.data;
      const kernel = normType === 2 && d.length >= 1024 ? backend().sumOfSquares : undefined;
      if (kernel) acc += kernel.call(backend(), d);
      else if (normType === 2) for (let i = 0; i < d.length; i++) acc += d[i] * d[i];
      else for (let i = 0; i < d.length; i++) acc += Math.abs(d[i]) ** normType;
    }
    total = acc ** (1 / normType);
  }
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new Error(`clipGradNorm: the total norm of order ${normType} is ${total}`);
  }
  const coef = Math.min(1, maxNorm / (total + 1e-6));
  // Scaling by 1 changes nothing (PyTorch multiplies by the clamped 1.0): keep the gradients then.
  if (!(coef === 1)) {
    for (const p of withGrad) {
      const d = p.grad!.data;
      const kernel = d.length >= 1024 ? backend().scale : undefined;
      if (kernel) kernel.call(backend(), d, coef, d);
      else for (let i = 0; i < d.length; i++) d[i] *= coef;
    }
  }
  return total;
}

/** Clamps every gradient entry to [−clipValue, clipValue] in place (as `clip_grad_value_`). */
export function clipGradValue(params: Iterable<Tensor>, clipValue: number): void {
  if (!(clipValue >= 0)) throw new Error(`clipGradValue: clipValue must be ≥ 0, got ${clipValue}`);
  for (const p of params) {
    if (!p.grad) continue;
    const d = p.grad.data;
    for (let i = 0; i < d.length; i++) d[i] = Math.min(clipValue, Math.max(-clipValue, d[i]));
  }
}
