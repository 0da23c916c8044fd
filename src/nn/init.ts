/**
 * In-place parameter initialisers with `torch.nn.init`'s formulas, drawn from the seeded global
 * generator (`manualSeed`), so the same seed gives the same model:
 *   uniform U(a, b); normal N(μ, σ²); xavierUniform U(±gain·√(6/(fan_in+fan_out))) and xavierNormal
 *   N(0, gain²·2/(fan_in+fan_out)) (Glorot & Bengio 2010); kaimingUniform U(±gain·√(3/fan)) and
 *   kaimingNormal N(0, gain²/fan) (He et al. 2015), gain = calculateGain(nonlinearity, a).
 * Each writes into `t.data` without recording autograd and returns `t`. Fans are PyTorch's: for a
 * weight of shape (out, in, k…), fan_in = in·Πk and fan_out = out·Πk.
 *
 * @module
 */
import { random, randomNormal } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";

/** The nonlinearities `calculateGain` knows (PyTorch's names). */
export type Nonlinearity = "linear" | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";

/** Recommended gain for a nonlinearity (as `torch.nn.init.calculate_gain`). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
  }
}

/** fan_in and fan_out of a weight shape, as PyTorch computes them. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    throw new Error(`init.fans: needs a tensor of rank ≥ 2, got shape [${shape.join(", ")}]`);
  }
  const receptive = shape.slice(2).reduce((p, d) => p * d, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** Fills `t` in place with U(low, high) samples (`torch.nn.init.uniform_`); returns `t`. */
export function uniform(t: Tensor, low = 0, high = 1): Tensor {
  for (let i = 0; i < t.size; i++) t.data[i] = low + (high - low) * random();
  return t;
}

/** Fills `t` in place with N(mean, std²) samples (`torch.nn.init.normal_`); returns `t`. */
export function normal(t: Tensor, mean = 0, std = 1): Tensor {
  for (let i = 0; i < t.size; i++) t.data[i] = mean + std * randomNormal();
  return t;
}

/** Fills `t` in place with `value` (`torch.nn.init.constant_`); returns `t`. */
export function constant(t: Tensor, value: number): Tensor {
  t.data.fill(value);
  return t;
}

/** Fills `t` in place with zeros (`torch.nn.init.zeros_`); returns `t`. */
export function zeros(t: Tensor): Tensor {
  return constant(t, 0);
}

/** Fills `t` in place with ones (`torch.nn.init.ones_`); returns `t`. */
export function ones(t: Tensor): Tensor {
  return constant(t, 1);
}

/** Glorot uniform: U(±gain·√(6/(fanIn+fanOut))), in place (`torch.nn.init.xavier_uniform_`). */
export function xavierUniform(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = fans(t.shape);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, -a, a);
}

/** Glorot normal: N(0, gain²·2/(fanIn+fanOut)), in place (`torch.nn.init.xavier_normal_`). */
export function xavierNormal(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = fans(t.shape);
  return normal(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/** Options of `kaimingUniform` / `kaimingNormal` (PyTorch's a, mode, nonlinearity). */
export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu only; default 0). */
  a?: number;
  /** Preserve the variance of the forward ("fan_in", default) or backward pass ("fan_out"). */
  mode?: "fan_in" | "fan_out";
  nonlinearity?: Nonlinearity;
}

function kaimingStd(
  t: Tensor,
  { a = 0, mode = "fan_in", nonlinearity = "leaky_relu" }: KaimingOptions,
): number {
  const { fanIn, fanOut } = fans(t.shape);
  return calculateGain(nonlinearity, a) / Math.sqrt(mode === "fan_in" ? fanIn : fanOut);
}

/** He uniform, in place (`torch.nn.init.kaiming_uniform_`): U(±gain·√(3/fan)). */
export function kaimingUniform(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, opts);
  return uniform(t, -bound, bound);
}

/** He normal, in place (`torch.nn.init.kaiming_normal_`): N(0, gain²/fan). */
export function kaimingNormal(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal(t, 0, kaimingStd(t, opts));
}
