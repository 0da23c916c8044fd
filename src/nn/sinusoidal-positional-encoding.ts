/**
 * Sinusoidal positional encoding (Vaswani et al. 2017, §3.5): attention is blind to order, so each
 * position adds a fixed vector to its embedding,
 *   PE(pos, 2i)   = sin(pos / 10000^(2i/d))
 *   PE(pos, 2i+1) = cos(pos / 10000^(2i/d)),
 * wavelengths a geometric progression from 2π to 10000·2π; PE(pos + k) is a linear function of PE(pos)
 * (a rotation per frequency), which lets attention find relative offsets. No parameters, any length.
 *
 * Shapes: x (T, B, d), or (B, T, d) with `batchFirst`, or unbatched (T, d); positions offset … offset+T−1
 * (offset = the positions already decoded, for incremental decoding).
 */
import { add, record, reshape, type Tensor, tensor } from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import { Module } from "./module.js";

/** The (length, d) table PE(offset … offset + length − 1). */
export function sinusoidalEncoding(length: number, d: number, offset = 0): Tensor {
  if (
    !Number.isInteger(length) ||
    length < 0 ||
    !Number.isInteger(d) ||
    d <= 0 ||
    !Number.isInteger(offset) ||
    offset < 0
  ) {
    throw new Error(
      `sinusoidalEncoding: length (${length}), d (${d}) and offset (${offset}) must be non-negative integers, d > 0`,
    );
  }
  const out = new Float32Array(length * d);
  for (let p = 0; p < length; p++) {
    for (let i = 0; 2 * i < d; i++) {
      const angle = (offset + p) / 10000 ** ((2 * i) / d);
      out[p * d + 2 * i] = Math.sin(angle);
      if (2 * i + 1 < d) out[p * d + 2 * i + 1] = Math.cos(angle);
    }
  }
  // Recorded (no inputs) so an exported graph computes the table for its own length (src/onnx/export.ts).
  return record(tensor(out, [length, d]), "sinusoidalEncoding", [], () => [], { shape: [length, d], offset });
}

/** Adds PE to (T, B, d) / (B, T, d) / (T, d) inputs at positions offset + t; `timeAxis` says where T is. */
export function addPositions(
  x: Tensor,
  pe: (length: number, offset: number) => Tensor,
  batchFirst: boolean,
  offset: number,
  op: string,
  d: number,
): Tensor {
  if ((x.rank !== 2 && x.rank !== 3) || x.shape[x.rank - 1] !== d) {
    throw new Error(`${op}: x must be (T, B, ${d}), (B, T, ${d}) or (T, ${d}), got ${fmt(x.shape)}`);
  }
  const timeAxis = x.rank === 3 && batchFirst ? 1 : 0;
  const T = x.shape[timeAxis];
  const table = pe(T, offset); // (T, d)
  return add(x, x.rank === 3 && !batchFirst ? reshape(table, [T, 1, d]) : table);
}

/**
 * Adds the fixed sinusoidal position encodings of Vaswani et al. 2017 (§3.5) to (B, T, D) inputs.
 */
export class SinusoidalPositionalEncoding extends Module {
  constructor(
    readonly dModel: number,
    readonly options: { batchFirst?: boolean } = {},
  ) {
    super();
    if (!Number.isInteger(dModel) || dModel <= 0) {
      throw new Error(`SinusoidalPositionalEncoding: dModel must be a positive integer, got ${dModel}`);
    }
  }

  /** x + PE at positions offset … offset + T − 1. */
  forward(x: Tensor, offset = 0): Tensor {
    return addPositions(
      x,
      (length, off) => sinusoidalEncoding(length, this.dModel, off),
      this.options.batchFirst ?? false,
      offset,
      "SinusoidalPositionalEncoding.forward",
      this.dModel,
    );
  }
}
