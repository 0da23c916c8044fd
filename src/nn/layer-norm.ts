/**
 * Layer normalisation (Ba, Kiros & Hinton 2016, "Layer Normalization", eq. 4), as
 * `torch.nn.LayerNorm`: over the last D = normalizedShape dimensions of x,
 *   μ = mean(x),  σ² = mean((x − μ)²)  (biased),  y = (x − μ) / √(σ² + ε) ⊙ γ + β,
 * with ε = 1e-5 by default and elementwise affine γ (`weight`, init 1) and β (`bias`, init 0) of
 * shape normalizedShape (β left out with `bias: false`, as PyTorch ≥ 2.1). Statistics are per
 * example, so training and evaluation behave the same.
 */

import { backend } from "../kernels/registry.js";
import {
  add,
  div,
  isTracing,
  mean,
  mul,
  ones,
  record,
  sqrt,
  square,
  sub,
  Tensor,
  zeros,
} from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import { Module } from "./module.js";
import { checkOptions } from "./options.js";

/** Options of `LayerNorm` (eps, elementwise affine, bias). */
export interface LayerNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn γ and β (default true). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, learn β too (default true); false: y = x̂ ⊙ γ, no `bias` parameter. */
  bias?: boolean;
}

/** Functional layer norm over the last `normalizedShape.length` axes (as `F.layer_norm`). */
export function layerNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  const k = normalizedShape.length;
  if (k === 0 || x.rank < k || normalizedShape.some((d, i) => d !== x.shape[x.rank - k + i])) {
    throw new Error(
      `layerNorm: input ${fmt(x.shape)} does not end in normalizedShape ${fmt(normalizedShape)}`,
    );
  }
  for (const [name, t] of [
    ["weight", weight],
    ["bias", bias],
  ] as const) {
    if (t && (t.rank !== k || t.shape.some((d, i) => d !== normalizedShape[i])))
      throw new Error(
        `layerNorm: ${name} ${fmt(t.shape)} does not match normalizedShape ${fmt(normalizedShape)}`,
      );
  }
  // One op where the backend has layer-norm kernels (not while tracing: the ONNX graph is the
  // equation op by op, as exported before); else the equation with the tensor ops.
  const fused = isTracing() ? null : layerNormFused(x, normalizedShape, weight, bias, eps);
  if (fused) return fused;
  const axes = normalizedShape.map((_, i) => x.rank - k + i);
  const centred = sub(x, mean(x, axes, true)); // x − μ
  const variance = mean(square(centred), axes, true); // σ²
  let y = div(centred, sqrt(add(variance, eps)));
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

/**
 * The same map as one recorded op on the backend's layer-norm kernels (null where it has none): per
 * row of D = Π normalizedShape values, μ and σ² in double, x̂ = (x − μ)·r with r = 1/√(σ² + ε),
 * y = x̂ ⊙ γ + β; x̂ and r are kept for the backward:
 *   dβ = Σ_rows g,  dγ = Σ_rows g ⊙ x̂,  dx = r · (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂)),  ĝ = g ⊙ γ.
 * Two kernel calls instead of the composed ops' dozen and their broadcast sums.
 */
function layerNormFused(
  x: Tensor,
  normalizedShape: readonly number[],
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
): Tensor | null {
  const be = backend();
  const forward = be.layerNorm;
  const backwardK = be.layerNormBackward;
  if (!forward || !backwardK) return null;
  const D = normalizedShape.reduce((p, d) => p * d, 1);
  const rows = D === 0 ? 0 : x.size / D;
  const { y, xhat, rstd } = forward.call(be, x.data, weight?.data ?? null, bias?.data ?? null, rows, D, eps);
  const parents = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return record(
    new Tensor(y, x.shape),
    "layerNorm",
    parents,
    (g) => {
      const r = backwardK.call(backend(), g.data, xhat, rstd, weight?.data ?? null, rows, D, {
        dx: x.requiresGrad,
        dWeight: weight?.requiresGrad ?? false,
        dBias: bias?.requiresGrad ?? false,
      });
      const grads: (Tensor | null)[] = [r.dx && new Tensor(r.dx, x.shape)];
      if (weight) grads.push(r.dWeight && new Tensor(r.dWeight, weight.shape));
      if (bias) grads.push(r.dBias && new Tensor(r.dBias, bias.shape));
      return grads;
    },
    { normalizedShape: [...normalizedShape], eps },
  );
}

/**
 * Layer normalisation over the last dimensions, as `torch.nn.LayerNorm`: (x − μ)/√(σ² + ε) ⊙ weight + bias.
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    checkOptions("LayerNorm", options, { supported: ["eps", "elementwiseAffine", "bias"] });
    const { eps = 1e-5, elementwiseAffine = true, bias = true } = options;
    const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new Error(`LayerNorm: normalizedShape must be positive integers, got ${fmt(shape)}`);
    }
    this.normalizedShape = Object.freeze(shape);
    this.eps = eps;
    this.elementwiseAffine = elementwiseAffine;
    if (elementwiseAffine) {
      this.registerParameter("weight", ones(shape));
      if (bias) this.registerParameter("bias", zeros(shape));
    }
  }

  get weight(): Tensor | null {
    return this.maybeParam("weight") ?? null;
  }

  get bias(): Tensor | null {
    return this.maybeParam("bias") ?? null;
  }

  /** (…, *normalizedShape) → same shape. */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}
