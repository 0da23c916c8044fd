/**
 * Layer normalisation (Ba, Kiros & Hinton 2016, "Layer Normalization", eq. 4), as
 * `torch.nn.LayerNorm`: over the last D = normalizedShape dimensions of x,
 *   μ = mean(x),  σ² = mean((x − μ)²)  (biased),  y = (x − μ) / √(σ² + ε) ⊙ γ + β,
 * with ε = 1e-5 by default and elementwise affine γ (`weight`, init 1) and β (`bias`, init 0) of
 * shape normalizedShape (β left out with `bias: false`, as PyTorch ≥ 2.1). Statistics are per
 * example, so training and evaluation behave the same.
 */
import { add, div, mean, mul, ones, sqrt, square, sub, type Tensor, zeros } from "../tensor/index.js";
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
  const axes = normalizedShape.map((_, i) => x.rank - k + i);
  const centred = sub(x, mean(x, axes, true)); // x − μ
  const variance = mean(square(centred), axes, true); // σ²
  let y = div(centred, sqrt(add(variance, eps)));
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
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
