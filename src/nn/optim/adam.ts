/**
 * Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1) with
 * `torch.optim.Adam`'s exact update, for gradient g of parameter θ at step t:
 *   g ← g + λθ                                     (weight decay λ as L2; AdamW decouples it)
 *   m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²
 *   v̂ ← max(v̂, v) with AMSGrad (Reddi et al. 2018), else v̂ = v
 *   θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
 */
import { backend } from "../../kernels/registry.js";
import type { Tensor } from "../../tensor/index.js";
import { type BaseHyper, Optimizer, type ParamGroup, type ParamGroupSpec } from "./optimizer.js";

export interface AdamOptions extends BaseHyper {
  /** (β₁, β₂) (default (0.9, 0.999)). */
  betas: [number, number];
  /** ε (default 1e-8). */
  eps: number;
  /** λ (default 0 for Adam, 1e-2 for AdamW). */
  weightDecay: number;
  /** AMSGrad variant (default false). */
  amsgrad: boolean;
  /** Ascend instead of descend (default false). */
  maximize: boolean;
}

/** Adam's per-parameter state: the step count and the moment buffers (as `torch.optim.Adam`'s `state`). */
export type AdamState = {
  step: number;
  expAvg: Float32Array;
  expAvgSq: Float32Array;
  maxExpAvgSq?: Float32Array;
};

export class Adam extends Optimizer<AdamOptions, AdamState> {
  /** True for AdamW: weight decay multiplies θ by (1 − ηλ) instead of adding λθ to g. */
  protected readonly decoupled: boolean = false;

  constructor(
    params: Iterable<Tensor> | readonly ParamGroupSpec<AdamOptions>[],
    options: Partial<AdamOptions> = {},
  ) {
    super(params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
      ...options,
    });
  }

  protected override validate(g: ParamGroup<AdamOptions>, index: number): void {
    super.validate(g, index);
    const name = this.constructor.name;
    const [b1, b2] = g.betas;
    if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) {
      throw new Error(`${name}: betas must be in [0, 1), got (${b1}, ${b2}) in group ${index}`);
    }
    if (!(g.eps >= 0)) throw new Error(`${name}: invalid eps ${g.eps} in group ${index}`);
    if (!(g.weightDecay >= 0))
      throw new Error(`${name}: invalid weightDecay ${g.weightDecay} in group ${index}`);
  }

  step(): void {
    for (const group of this.paramGroups) {
      const { lr, eps, weightDecay, amsgrad, maximize } = group;
      const [beta1, beta2] = group.betas;
      for (const p of group.params) {
        if (!p.grad) continue;
        const w = p.data;
        const grad = p.grad.data;
        let st = this.state.get(p);
        if (!st) {
          st = { step: 0, expAvg: new Float32Array(w.length), expAvgSq: new Float32Array(w.length) };
          if (amsgrad) st.maxExpAvgSq = new Float32Array(w.length);
          this.state.set(p, st);
        }
        st.step += 1;
        const { expAvg: m, expAvgSq: v } = st;
        const vMax = amsgrad ? (st.maxExpAvgSq ??= new Float32Array(w.length)) : null;
        const stepSize = lr / (1 - beta1 ** st.step);
        const bc2Sqrt = Math.sqrt(1 - beta2 ** st.step);
        const decay = this.decoupled ? 1 - lr * weightDecay : 1;
        const kernel = w.length >= 1024 ? backend().adamStep : undefined;
        if (kernel && !maximize && !vMax && weightDecay === 0) {
          // The backend's single-precision update (torch.optim.Adam's arithmetic, op for op).
          kernel.call(backend(), w, grad, m, v, stepSize, beta1, beta2, bc2Sqrt, eps);
          continue;
        }
        for (let i = 0; i < w.length; i++) {
          let g = maximize ? -grad[i] : grad[i];
          if (this.decoupled) w[i] *= decay;
          else if (weightDecay !== 0) g += weightDecay * w[i];
          m[i] = beta1 * m[i] + (1 - beta1) * g;
          v[i] = beta2 * v[i] + (1 - beta2) * g * g;
          let vHat = v[i];
          if (vMax) vHat = vMax[i] = Math.max(vMax[i], v[i]);
          w[i] -= (stepSize * m[i]) / (Math.sqrt(vHat) / bc2Sqrt + eps);
        }
      }
    }
  }
}
