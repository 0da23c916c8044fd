/**
 * Dropout (Srivastava et al. 2014, "Dropout: A Simple Way to Prevent Neural Networks from
 * Overfitting"), inverted as `torch.nn.Dropout`: in training mode each entry is zeroed with
 * probability p and survivors are scaled by 1/(1−p),
 *   y = x ⊙ m / (1 − p),  m_i ~ Bernoulli(1 − p),
 * so evaluation mode is the identity. Masks come from the seeded generator (`manualSeed`).
 */
import { dropout, type Tensor } from "../tensor/index.js";
import { Module } from "./module.js";

/**
 * Inverted dropout, as `torch.nn.Dropout(p)`: in training mode zeroes each entry with probability p
 * and scales the rest by 1/(1−p); the identity in evaluation mode.
 */
export class Dropout extends Module {
  readonly p: number;

  constructor(p = 0.5) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
    this.p = p;
  }

  /** x with dropout applied in training mode; x itself in evaluation mode or with p = 0. */
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}
