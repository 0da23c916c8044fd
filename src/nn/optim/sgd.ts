/**
 * Stochastic gradient descent with momentum (Polyak 1964; Sutskever et al. 2013 for Nesterov),
 * with `torch.optim.SGD`'s exact update, for gradient g of parameter θ:
 *   g ← g + λθ                                  (weight decay λ, L2)
 *   b ← g  at the first step,  else  b ← μb + (1 − τ)g      (momentum μ, dampening τ)
 *   g ← g + μb  (Nesterov)   or   g ← b
 *   θ ← θ − η g                                 (θ + η g when maximizing)
 */

import type { Tensor } from "../../tensor/index.js";
import { type BaseHyper, Optimizer, type ParamGroup, type ParamGroupSpec } from "./optimizer.js";

export interface SGDOptions extends BaseHyper {
  /** μ (default 0). */
  momentum: number;
  /** τ (default 0). */
  dampening: number;
  /** λ, L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Ascend instead of descend (default false). */
  maximize: boolean;
}

type SGDState = { momentumBuffer: Float32Array };

/**
 * Stochastic gradient descent with momentum, dampening, Nesterov and weight decay, with
 * `torch.optim.SGD`'s exact update.
 */
export class SGD extends Optimizer<SGDOptions, SGDState> {
  constructor(
    params: Iterable<Tensor> | readonly ParamGroupSpec<SGDOptions>[],
    options: Partial<SGDOptions> & { lr: number },
  ) {
    super(params, {
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
      ...options,
    });
  }

  protected override validate(g: ParamGroup<SGDOptions>, index: number): void {
    super.validate(g, index);
    if (!(g.momentum >= 0)) throw new Error(`SGD: invalid momentum ${g.momentum} in group ${index}`);
    if (!(g.weightDecay >= 0)) throw new Error(`SGD: invalid weightDecay ${g.weightDecay} in group ${index}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new Error(`SGD: Nesterov momentum needs momentum > 0 and zero dampening (group ${index})`);
    }
  }

  step(): void {
    for (const group of this.paramGroups) {
      const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
      for (const p of group.params) {
        if (!p.grad) continue;
        const w = p.data;
        const grad = p.grad.data;
        let st = this.state.get(p);
        const first = momentum !== 0 && !st;
        if (momentum !== 0 && !st) {
          st = { momentumBuffer: new Float32Array(w.length) };
          this.state.set(p, st);
        }
        const buf = st?.momentumBuffer;
        for (let i = 0; i < w.length; i++) {
          let d = maximize ? -grad[i] : grad[i];
          if (weightDecay !== 0) d += weightDecay * w[i];
          if (buf) {
            buf[i] = first ? d : momentum * buf[i] + (1 - dampening) * d;
            d = nesterov ? d + momentum * buf[i] : buf[i];
          }
          w[i] -= lr * d;
        }
      }
    }
  }
}
