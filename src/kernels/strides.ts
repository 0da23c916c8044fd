/** Row-major (C-contiguous) strides of a shape: the last axis has stride 1. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Strides of `shape` read as `outShape` under NumPy broadcasting (shapes aligned at the last axis):
 * the row-major stride of each axis of `shape`, and 0 on the axes it is broadcast along (its length-1
 * axes and the leading axes it lacks), so element i of the output reads Σ_d i_d · strides[d].
 */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const out = new Array<number>(outShape.length).fill(0);
  const off = outShape.length - shape.length;
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i + off] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i];
  }
  return out;
}
