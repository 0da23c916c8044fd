/**
 * Positional encodings: the sinusoidal table against its equation, offsets (incremental decoding) and
 * both layouts; learned positions train their rows and refuse positions beyond maxLen.
 */
import { describe, expect, it } from "vitest";
import {
  LearnedPositionalEncoding,
  SinusoidalPositionalEncoding,
  sinusoidalEncoding,
} from "../../src/nn/index.js";
import { slice, sum, transpose, zeros } from "../../src/tensor/index.js";

describe("SinusoidalPositionalEncoding", () => {
  it("PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(…), odd d included", () => {
    for (const d of [6, 5]) {
      const pe = sinusoidalEncoding(7, d);
      for (let pos = 0; pos < 7; pos++) {
        for (let k = 0; k < d; k++) {
          const i = Math.floor(k / 2);
          const angle = pos / 10000 ** ((2 * i) / d);
          expect(pe.data[pos * d + k]).toBeCloseTo(k % 2 === 0 ? Math.sin(angle) : Math.cos(angle), 6);
        }
      }
    }
  });

  it("adds rows offset … offset+T−1, in both layouts", () => {
    const bf = new SinusoidalPositionalEncoding(4, { batchFirst: true });
    const tf = new SinusoidalPositionalEncoding(4);
    const table = sinusoidalEncoding(10, 4);
    const y = bf.forward(zeros([2, 3, 4]), 5); // (B, T, d)
    expect([...y.data.slice(12, 24)]).toEqual([...slice(table, 0, 5, 8).data]);
    const y2 = tf.forward(zeros([3, 2, 4]), 5); // (T, B, d)
    expect([...transpose(y2, 0, 1).data]).toEqual([...y.data]);
    expect(() => bf.forward(zeros([2, 3, 5]))).toThrow(
      /x must be \(T, B, 4\), \(B, T, 4\) or \(T, 4\), got \[2, 3, 5\]/,
    );
  });
});

describe("LearnedPositionalEncoding", () => {
  it("adds trained rows, passes gradients to exactly the rows used, and stops at maxLen", () => {
    const pe = new LearnedPositionalEncoding(6, 3, { batchFirst: true });
    expect(pe.namedParameters().map(([n]) => n)).toEqual(["weight"]);
    const y = pe.forward(zeros([2, 2, 3]), 3);
    expect([...y.data.slice(0, 6)]).toEqual([...pe.weight.data.slice(9, 15)]);
    sum(y).backward();
    expect([...pe.weight.grad!.data]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 0, 0, 0]);
    expect(() => pe.forward(zeros([1, 2, 3]), 5)).toThrow(/positions 5 … 6 exceed maxLen = 6/);
  });
});
