/**
 * Reductions over one or more axes: sum, mean, max, min, and argmax.
 * Gradients: d sum = broadcast g; d mean = broadcast g / n; d max = g shared equally among the
 * positions that attain the maximum (as `torch.amax`).
 */
import { backend } from "../../kernels/registry.js";
import { normAxis, splitAtAxis } from "../shape.js";
import { record, Tensor } from "../tensor.js";
import { div, eq, mul } from "./elementwise.js";
import { broadcastTo, reshape } from "./layout.js";

type Axes = number | readonly number[] | undefined;

function normAxes(op: string, axis: Axes, rank: number): number[] {
  if (axis === undefined) return [...Array(rank).keys()];
  const list = typeof axis === "number" ? [axis] : [...axis];
  const out = [...new Set(list.map((a) => normAxis(op, a, rank)))];
  return out.sort((a, b) => a - b);
}

function keptShape(shape: readonly number[], axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function finalShape(shape: readonly number[], axes: number[], keepDims: boolean): number[] {
  return keepDims ? keptShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));
}

function reduceRaw(op: "sum" | "max" | "min", x: Tensor, axes: number[]): Tensor {
  let data = x.data;
  let shape = [...x.shape];
  for (const a of axes) {
    const { outer, n, inner } = splitAtAxis(shape, a);
    data = backend().reduce(op, data, outer, n, inner);
    shape[a] = 1;
  }
  if (axes.length === 0) data = Float32Array.from(data);
  shape = keptShape(x.shape, axes);
  return new Tensor(data, shape);
}

/** Σ over `axis` (all axes when omitted). */
export function sum(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  const axes = normAxes("sum", axis, x.rank);
  const kept = reduceRaw("sum", x, axes);
  const out = new Tensor(kept.data, finalShape(x.shape, axes, keepDims));
  return record(out, "sum", [x], (g) => [broadcastTo(reshape(g, kept.shape), x.shape)], { axes, keepDims });
}

/** Mean over `axis` (all axes when omitted). */
export function mean(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  const axes = normAxes("mean", axis, x.rank);
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  return div(sum(x, axes, keepDims), n);
}

function extreme(op: "max" | "min", x: Tensor, axis: Axes, keepDims: boolean): Tensor {
  const axes = normAxes(op, axis, x.rank);
  if (x.size === 0) throw new Error(`${op}: cannot reduce an empty tensor of shape [${x.shape.join(", ")}]`);
  const kept = reduceRaw(op, x, axes);
  const out = new Tensor(kept.data, finalShape(x.shape, axes, keepDims));
  return record(
    out,
    op,
    [x],
    (g) => {
      const hit = eq(x, kept);
      const count = reduceRaw("sum", hit, axes);
      return [mul(hit, div(reshape(g, kept.shape), count))];
    },
    { axes, keepDims },
  );
}

/** Maximum over `axis` (all axes when omitted). */
export function max(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  return extreme("max", x, axis, keepDims);
}

/** Minimum over `axis` (all axes when omitted). */
export function min(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  return extreme("min", x, axis, keepDims);
}

/** Index of the maximum along `axis` as an Int32Array (row-major over the remaining axes). */
export function argmax(x: Tensor, axis = -1): Int32Array {
  const a = normAxis("argmax", axis, x.rank);
  const { outer, n, inner } = splitAtAxis(x.shape, a);
  return backend().argmax(x.data, outer, n, inner);
}
