/**
 * AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization", Algorithm 2) with
 * `torch.optim.AdamW`'s exact update: weight decay is applied to the parameter, not the gradient,
 *   θ ← θ(1 − ηλ),  then Adam's step on the raw gradient (see adam.ts).
 * Default λ = 1e-2, as PyTorch.
 */
import type { Tensor } from "../../tensor/index.js";
import { Adam, type AdamOptions } from "./adam.js";
import type { ParamGroupSpec } from "./optimizer.js";

export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  constructor(
    params: Iterable<Tensor> | readonly ParamGroupSpec<AdamOptions>[],
    options: Partial<AdamOptions> = {},
  ) {
    super(params, { weightDecay: 1e-2, ...options });
  }
}
