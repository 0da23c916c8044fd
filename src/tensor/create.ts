/** Tensor constructors: from nested arrays or flat data, constants, ranges and seeded random draws. */
import { allocate, isMetaDevice } from "./meta.js";
import { random, randomNormal } from "./random.js";
import { checkedSizeOf, checkShape, fmt, type Shape, sizeOf } from "./shape.js";
import { type NestedArray, Tensor } from "./tensor.js";

/** Options of the tensor constructors. */
export interface TensorOptions {
  requiresGrad?: boolean;
}

function inferShape(x: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
    if (cur === undefined) break;
  }
  return shape;
}

function flatten(x: NestedArray, shape: number[], dim: number, out: number[]): void {
  if (dim === shape.length) {
    if (typeof x !== "number") throw new Error(`tensor: ragged nested array (expected shape ${fmt(shape)})`);
    out.push(x);
    return;
  }
  if (!Array.isArray(x) || x.length !== shape[dim]) {
    throw new Error(`tensor: ragged nested array at depth ${dim} (expected shape ${fmt(shape)})`);
  }
  for (const v of x) flatten(v, shape, dim + 1, out);
}

/**
 * Creates a tensor: `tensor([[1, 2], [3, 4]])`, `tensor(float32Array, [2, 2])` or
 * `tensor([1, 2, 3, 4], [2, 2])`. The data is copied into a new Float32Array.
 */
export function tensor(
  data: NestedArray | Float32Array | ArrayLike<number>,
  shape?: Shape,
  opts: TensorOptions = {},
): Tensor {
  let flat: Float32Array;
  let s: number[];
  if (typeof data === "number") {
    flat = new Float32Array([data]);
    s = [];
  } else if (data instanceof Float32Array || !Array.isArray(data)) {
    flat = Float32Array.from(data as ArrayLike<number>);
    s = shape ? [...shape] : [flat.length];
  } else if (shape && data.every((v) => typeof v === "number")) {
    flat = Float32Array.from(data as number[]);
    s = [...shape];
  } else {
    s = inferShape(data);
    const out: number[] = [];
    flatten(data, s, 0, out);
    flat = Float32Array.from(out);
    if (shape && sizeOf(shape) !== flat.length) {
      throw new Error(`tensor: data of shape ${fmt(s)} cannot be viewed as ${fmt(shape)}`);
    }
    if (shape) s = [...shape];
  }
  return new Tensor(flat, s, opts.requiresGrad ?? false);
}

/** A scalar tensor. */
export function scalar(v: number): Tensor {
  return new Tensor(new Float32Array([v]), []);
}

/** A tensor of `shape` filled with `value` (`torch.full`). */
export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  return filled("full", shape, value, opts);
}

/**
 * Storage for a checked shape: refused, naming `op` and the shape, above MAX_TENSOR_ELEMENTS — except
 * on the meta device, where nothing is allocated (a model too large for memory is measured there).
 */
function storage(op: string, shape: Shape): Float32Array {
  if (isMetaDevice()) {
    checkShape(op, shape);
    return allocate(0);
  }
  return allocate(checkedSizeOf(op, shape));
}

function filled(op: string, shape: Shape, value: number, opts: TensorOptions): Tensor {
  return new Tensor(storage(op, shape).fill(value), shape, opts.requiresGrad ?? false);
}

/** A tensor of `shape` filled with zeros (`torch.zeros`). */
export function zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
  return filled("zeros", shape, 0, opts);
}

/** A tensor of `shape` filled with ones (`torch.ones`). */
export function ones(shape: Shape, opts: TensorOptions = {}): Tensor {
  return filled("ones", shape, 1, opts);
}

/** Zeros of `t`'s shape (`torch.zeros_like`). */
export function zerosLike(t: Tensor): Tensor {
  return zeros(t.shape);
}

/** Ones of `t`'s shape (`torch.ones_like`). */
export function onesLike(t: Tensor): Tensor {
  return ones(t.shape);
}

/** [start, start+step, …) below `end`. */
export function arange(start: number, end?: number, step = 1): Tensor {
  const [a, b] = end === undefined ? [0, start] : [start, end];
  const n = Math.max(0, Math.ceil((b - a) / step));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = a + i * step;
  return new Tensor(out, [n]);
}

/** Uniform samples in [low, high) from the seeded generator (`manualSeed`). */
export function rand(shape: Shape, low = 0, high = 1, opts: TensorOptions = {}): Tensor {
  const out = storage("rand", shape);
  for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * random();
  return new Tensor(out, shape, opts.requiresGrad ?? false);
}

/** Normal samples N(mean, std²) from the seeded generator (`manualSeed`). */
export function randn(shape: Shape, std = 1, mean = 0, opts: TensorOptions = {}): Tensor {
  const out = storage("randn", shape);
  for (let i = 0; i < out.length; i++) out[i] = mean + std * randomNormal();
  return new Tensor(out, shape, opts.requiresGrad ?? false);
}
