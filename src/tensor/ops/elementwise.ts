/**
 * Element-wise ops with NumPy/PyTorch broadcasting, and their gradients:
 * d(a+b) = (g, g), d(a·b) = (g·b, g·a), d(a/b) = (g/b, −g·a/b²), d exp = g·eˣ, d tanh = g(1−y²),
 * d σ = g·y(1−y), … — each reduced back to its input's shape by `sumTo` where it was broadcast.
 */
import type { BinaryOp, UnaryOp } from "../../kernels/contract.js";
import { backend } from "../../kernels/registry.js";
import { broadcastShapes, sameShape } from "../shape.js";
import { record, Tensor } from "../tensor.js";
import { reshape } from "./layout.js";
import { sum } from "./reduce.js";

/** A tensor or a number (broadcast as a scalar) — what the binary element-wise ops take. */
export type TensorLike = Tensor | number;

function asTensor(x: TensorLike): Tensor {
  return x instanceof Tensor ? x : new Tensor(new Float32Array([x]), []);
}

/** Sums a broadcast gradient back to `shape` (the adjoint of broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = axes.length > 0 ? sum(g, axes, true) : g;
  return reshape(s, shape);
}

function binaryRaw(op: BinaryOp, name: string, a: Tensor, b: Tensor): Tensor {
  const outShape = broadcastShapes(name, a.shape, b.shape);
  return new Tensor(backend().binary(op, a.data, a.shape, b.data, b.shape, outShape), outShape);
}

function unaryRaw(op: UnaryOp, x: Tensor): Tensor {
  return new Tensor(backend().unary(op, x.data), x.shape);
}

/** a + b, element-wise with broadcasting (`torch.add`). */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  return record(binaryRaw("add", "add", x, y), "add", [x, y], (g) => [sumTo(g, x.shape), sumTo(g, y.shape)]);
}

/** a − b, element-wise with broadcasting (`torch.sub`). */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  return record(binaryRaw("sub", "sub", x, y), "sub", [x, y], (g) => [
    sumTo(g, x.shape),
    sumTo(neg(g), y.shape),
  ]);
}

/** a · b, element-wise with broadcasting (`torch.mul`). */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  return record(binaryRaw("mul", "mul", x, y), "mul", [x, y], (g) => [
    x.requiresGrad ? sumTo(mul(g, y), x.shape) : null,
    y.requiresGrad ? sumTo(mul(g, x), y.shape) : null,
  ]);
}

/** a / b, element-wise with broadcasting (`torch.div`). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  return record(binaryRaw("div", "div", x, y), "div", [x, y], (g) => [
    x.requiresGrad ? sumTo(div(g, y), x.shape) : null,
    y.requiresGrad ? sumTo(neg(div(mul(g, x), mul(y, y))), y.shape) : null,
  ]);
}

/** xᵖ for a constant exponent p. */
export function pow(a: Tensor, p: number): Tensor {
  const out = binaryRaw("pow", "pow", a, asTensor(p));
  return record(out, "pow", [a], (g) => [mul(g, mul(p, binaryRaw("pow", "pow", a, asTensor(p - 1))))], { p });
}

/** Element-wise maximum; the gradient goes to the larger input (to `a` on ties). */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  return record(binaryRaw("maximum", "maximum", x, y), "maximum", [x, y], (g) => {
    const pick = binaryRaw("ge", "maximum", x, y);
    return [sumTo(mul(g, pick), x.shape), sumTo(mul(g, sub(1, pick)), y.shape)];
  });
}

/** Element-wise minimum; the gradient goes to the smaller input (to `a` on ties). */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a), asTensor(b)];
  return record(binaryRaw("minimum", "minimum", x, y), "minimum", [x, y], (g) => {
    const pick = binaryRaw("ge", "minimum", y, x);
    return [sumTo(mul(g, pick), x.shape), sumTo(mul(g, sub(1, pick)), y.shape)];
  });
}

/** 1 where a = b, else 0 (no gradient). */
export function eq(a: TensorLike, b: TensorLike): Tensor {
  return binaryRaw("eq", "eq", asTensor(a), asTensor(b));
}

/** 1 where a > b, else 0 (no gradient). */
export function gt(a: TensorLike, b: TensorLike): Tensor {
  return binaryRaw("gt", "gt", asTensor(a), asTensor(b));
}

/** −x, element-wise. */
export function neg(x: Tensor): Tensor {
  return record(unaryRaw("neg", x), "neg", [x], (g) => [neg(g)]);
}

/** eˣ, element-wise. */
export function exp(x: Tensor): Tensor {
  const y = unaryRaw("exp", x);
  return record(y, "exp", [x], (g) => [mul(g, y)]);
}

/** ln x, element-wise (−∞ at 0, NaN below). */
export function log(x: Tensor): Tensor {
  return record(unaryRaw("log", x), "log", [x], (g) => [div(g, x)]);
}

/** tanh x, element-wise. */
export function tanh(x: Tensor): Tensor {
  const y = unaryRaw("tanh", x);
  return record(y, "tanh", [x], (g) => [mul(g, sub(1, mul(y, y)))]);
}

/** σ(x) = 1 / (1 + e⁻ˣ), element-wise. */
export function sigmoid(x: Tensor): Tensor {
  const y = unaryRaw("sigmoid", x);
  return record(y, "sigmoid", [x], (g) => [mul(g, mul(y, sub(1, y)))]);
}

/** max(0, x), element-wise (gradient 0 at 0, as PyTorch). */
export function relu(x: Tensor): Tensor {
  return record(unaryRaw("relu", x), "relu", [x], (g) => [mul(g, gt(x, 0))]);
}

/** √x, element-wise. */
export function sqrt(x: Tensor): Tensor {
  const y = unaryRaw("sqrt", x);
  return record(y, "sqrt", [x], (g) => [div(g, mul(y, 2))]);
}

/** |x|, element-wise (gradient sign(x), 0 at 0). */
export function abs(x: Tensor): Tensor {
  return record(unaryRaw("abs", x), "abs", [x], (g) => [mul(g, unaryRaw("sign", x))]);
}

/** The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt; d erf = g · 2/√π · e^(−x²). */
export function erf(x: Tensor): Tensor {
  return record(unaryRaw("erf", x), "erf", [x], (g) => [
    mul(g, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI))),
  ]);
}

/**
 * The exact GELU (Hendrycks & Gimpel 2016), as `torch.nn.functional.gelu` (approximate = "none"):
 *   GELU(x) = x · Φ(x) = ½ x (1 + erf(x / √2)),   d GELU = g · (Φ(x) + x φ(x)),  φ(x) = e^(−x²/2) / √(2π).
 */
export function gelu(x: Tensor): Tensor {
  // Φ(x), computed without recording: the op has one node, with the derivative above.
  const cdf = binaryRaw(
    "mul",
    "gelu",
    binaryRaw(
      "add",
      "gelu",
      unaryRaw("erf", binaryRaw("mul", "gelu", x, asTensor(Math.SQRT1_2))),
      asTensor(1),
    ),
    asTensor(0.5),
  );
  const y = binaryRaw("mul", "gelu", x, cdf);
  return record(y, "gelu", [x], (g) => {
    const pdf = mul(exp(mul(square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return [mul(g, add(cdf, mul(x, pdf)))];
  });
}

/** x², element-wise. */
export function square(x: Tensor): Tensor {
  return record(unaryRaw("square", x), "square", [x], (g) => [mul(g, mul(x, 2))]);
}
