/**
 * Parameter initialisers with PyTorch's formulas (seeded by `manualSeed`):
 * xavierUniform: U(−a, a), a = gain·√(6/(fan_in+fan_out)) (Glorot & Bengio 2010);
 * kaimingUniform with a = √5 as nn.Linear's default: U(−1/√fan_in, 1/√fan_in) (He et al. 2015).
 */
import { rand } from "./create.js";
import type { Shape } from "./shape.js";
import type { Tensor } from "./tensor.js";

function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const receptive = shape.slice(2).reduce((p, d) => p * d, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** Glorot/Xavier uniform, as `torch.nn.init.xavier_uniform_`. */
export function xavierUniform(shape: Shape, gain = 1): Tensor {
  const { fanIn, fanOut } = fans(shape);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return rand(shape, -a, a, { requiresGrad: true });
}

/** U(−bound, bound), a learnable parameter. */
export function uniformParam(shape: Shape, bound: number): Tensor {
  return rand(shape, -bound, bound, { requiresGrad: true });
}
