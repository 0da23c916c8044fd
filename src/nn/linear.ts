/**
 * Linear (fully connected) layer, as `torch.nn.Linear`:
 *   y = x Wᵀ + b,  W of shape (out, in), b of shape (out),
 * for x of shape (…, in). PyTorch's initialisation: W ~ kaiming_uniform(a = √5) = U(±1/√in) and
 * b ~ U(±1/√in), drawn in that order from the seeded generator (`manualSeed`).
 * Parameters: `weight`, `bias` (when `bias` is true).
 */
import { linear, type Tensor, zeros } from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import { uniform } from "./init.js";
import { Module } from "./module.js";

/** Options of `Linear`. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * y = x Wᵀ + b, as `torch.nn.Linear(inFeatures, outFeatures, bias)`; parameters `weight` (out, in)
 * and `bias` (out), PyTorch's initialisation.
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;

  /** `tensors` (used by `fromTensors`) supplies the parameters instead of drawing them. */
  constructor(
    inFeatures: number,
    outFeatures: number,
    { bias = true }: LinearOptions = {},
    tensors?: { weight: Tensor; bias: Tensor | null },
  ) {
    super();
    for (const [name, v] of [
      ["inFeatures", inFeatures],
      ["outFeatures", outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v < 0)
        throw new Error(`Linear: ${name} must be a non-negative integer, got ${v}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    if (tensors) {
      this.registerParameter("weight", tensors.weight, { requiresGrad: tensors.weight.requiresGrad });
      if (tensors.bias)
        this.registerParameter("bias", tensors.bias, { requiresGrad: tensors.bias.requiresGrad });
      return;
    }
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.registerParameter("weight", uniform(zeros([outFeatures, inFeatures]), -bound, bound));
    if (bias) this.registerParameter("bias", uniform(zeros([outFeatures]), -bound, bound));
  }

  /** A Linear holding the given tensors themselves (no copy, no random draws): `weight` (out, in), `bias` (out). */
  static fromTensors(weight: Tensor, bias: Tensor | null = null): Linear {
    if (weight.rank !== 2 || (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0]))) {
      throw new Error(
        `Linear.fromTensors: weight must be (out, in) and bias (out), got ${fmt(weight.shape)} and ${bias ? fmt(bias.shape) : "null"}`,
      );
    }
    return new Linear(weight.shape[1], weight.shape[0], { bias: bias !== null }, { weight, bias });
  }

  /** (out, in). Assign to tie weights: `out.weight = embedding.weight`. */
  get weight(): Tensor {
    return this.param("weight");
  }

  set weight(t: Tensor) {
    if (t.rank !== 2 || t.shape[0] !== this.outFeatures || t.shape[1] !== this.inFeatures) {
      throw new Error(
        `Linear.weight: expected shape [${this.outFeatures}, ${this.inFeatures}], got ${fmt(t.shape)}`,
      );
    }
    this.registerParameter("weight", t, { requiresGrad: t.requiresGrad });
  }

  get bias(): Tensor | null {
    return this.maybeParam("bias") ?? null;
  }

  /** (…, in) → (…, out). */
  forward(x: Tensor): Tensor {
    if (x.rank === 0 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new Error(`Linear.forward: input ${fmt(x.shape)} must end in inFeatures = ${this.inFeatures}`);
    }
    return linear(x, this.weight, this.bias);
  }
}
