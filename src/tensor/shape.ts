/**
 * Shape arithmetic shared by every op: sizes, strides, broadcasting (NumPy rules) and axis
 * normalisation. Every error starts with the op's name and prints the shapes involved.
 */

export type Shape = readonly number[];

/** Formats a shape the way errors print it: `[2, 3, 4]`. */
export function fmt(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** Number of elements of a shape (1 for a scalar `[]`). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export { stridesOf } from "../kernels/strides.js";

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Most elements one tensor may hold: a Float32Array's limit in V8 (2³²). A larger shape is an error
 * naming the op and the shape, not a bare RangeError from the allocation.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 32;

/** Checks a shape is an array of non-negative integers (the message names the op and the shape). */
export function checkShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape)) {
    const got = shape === null ? "null" : typeof shape === "object" ? "an object" : String(shape);
    throw new Error(`${op}: shape must be an array of integers ≥ 0, got ${got.slice(0, 80)}`);
  }
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(
        `${op}: invalid shape ${fmt(shape).slice(0, 200)} (dimension ${i} is ${String(d).slice(0, 40)}; each must be an integer ≥ 0)`,
      );
    }
  }
}

/**
 * The element count of a shape that storage is about to be allocated for: a checked shape with at
 * most `MAX_TENSOR_ELEMENTS` elements (2⁶² elements is an error naming the op and shape).
 */
export function checkedSizeOf(op: string, shape: Shape): number {
  checkShape(op, shape);
  const n = sizeOf(shape);
  if (n > MAX_TENSOR_ELEMENTS) {
    throw new Error(
      `${op}: shape ${fmt(shape)} has ${n} elements, more than a tensor can hold (${MAX_TENSOR_ELEMENTS})`,
    );
  }
  return n;
}

/** Broadcast result shape of two shapes (NumPy/PyTorch rules), or a clear error. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together (dim ${i - n})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalises a possibly negative axis for a tensor of the given rank. */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    throw new Error(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return a;
}

/** Splits a shape around an axis into (outer, n, inner) for axis-wise kernels. */
export function splitAtAxis(shape: Shape, axis: number): { outer: number; n: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, n: shape[axis], inner };
}
