/**
 * Layer normalisation (Ba, Kiros & Hinton 2016, "Layer Normalization", eq. 4), as
 * `torch.nn.LayerNorm`: over the last D = normalizedShape dimensions of x,
 *   μ = mean(x),  σ² = mean((x − μ)²)  (biased),  y = (x − μ) / √(σ² + ε) ⊙ γ + β,
 * with ε = 1e-5 by default and elementwise affine γ (`weight`, init 1) and β (`bias`, init 0) of
 * shape normalizedShape (β left out with `bias: false`, as PyTorch ≥ 2.1). Statistics are per
 * example, so training and evaluation behave the same.
 */
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
  if (!isTracing()) return layerNormFused(x, normalizedShape, weight, bias, eps);
  // While tracing (ONNX export): the equation op by op, the graph exported before.
  const axes = normalizedShape.map((_, i) => x.rank - k + i);
  const centred = sub(x, mean(x, axes, true)); // x − μ
  const variance = mean(square(centred), axes, true); // σ²
  let y = div(centred, sqrt(add(variance, eps)));
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

/**
 * The same map as one recorded op: per row of D = Π normalizedShape values, μ and σ² in double (two
 * passes), x̂ = (x − μ)·r with r = 1/√(σ² + ε), y = x̂ ⊙ γ + β; x̂ and r are kept for the backward:
 *   dβ = Σ_rows g,  dγ = Σ_rows g ⊙ x̂,  dx = r · (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂)),  ĝ = g ⊙ γ.
 * One array forward and three back, instead of the composed ops' dozen and their broadcast sums.
 */
function layerNormFused(
  x: Tensor,
  normalizedShape: readonly number[],
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
): Tensor {
  const D = normalizedShape.reduce((p, d) => p * d, 1);
  for (const [name, t] of [
    ["weight", weight],
    ["bias", bias],
  ] as const) {
    if (t && t.size !== D)
      throw new Error(
        `layerNorm: ${name} ${fmt(t.shape)} does not match normalizedShape ${fmt(normalizedShape)}`,
      );
  }
  const rows = D === 0 ? 0 : x.size / D;
  const xd = x.data;
  const xhat = new Float32Array(x.size);
  const rstd = new Float64Array(rows);
  const out = new Float32Array(x.size);
  const w = weight?.data;
  const b = bias?.data;
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    let mu = 0;
    for (let j = 0; j < D; j++) mu += xd[o + j];
    mu /= D;
    let v = 0;
    for (let j = 0; j < D; j++) {
      const c = xd[o + j] - mu;
      v += c * c;
    }
    const rs = 1 / Math.sqrt(v / D + eps);
    rstd[r] = rs;
    for (let j = 0; j < D; j++) {
      const h = (xd[o + j] - mu) * rs;
      xhat[o + j] = h;
      out[o + j] = (w ? h * w[j] : h) + (b ? b[j] : 0);
    }
  }
  const parents = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return record(
    new Tensor(out, x.shape),
    "layerNorm",
    parents,
    (g) => {
      const gd = g.data;
      const dx = x.requiresGrad ? new Float32Array(x.size) : null;
      const dw = weight?.requiresGrad ? new Float64Array(D) : null;
      const db = bias?.requiresGrad ? new Float64Array(D) : null;
      for (let r = 0; r < rows; r++) {
        const o = r * D;
        let sg = 0;
        let sgx = 0;
        for (let j = 0; j < D; j++) {
          const gi = gd[o + j];
          const h = xhat[o + j];
          if (dw) dw[j] += gi * h;
          if (db) db[j] += gi;
          const gh = w ? gi * w[j] : gi;
          sg += gh;
          sgx += gh * h;
        }
        if (!dx) continue;
        const rs = rstd[r];
        const mg = sg / D;
        const mgx = sgx / D;
        for (let j = 0; j < D; j++) {
          const gh = w ? gd[o + j] * w[j] : gd[o + j];
          dx[o + j] = rs * (gh - mg - xhat[o + j] * mgx);
        }
      }
      const grads: (Tensor | null)[] = [dx && new Tensor(dx, x.shape)];
      if (weight) grads.push(dw && new Tensor(Float32Array.from(dw), weight.shape));
      if (bias) grads.push(db && new Tensor(Float32Array.from(db), bias.shape));
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
