/**
 * Creation functions refuse bad shapes with a message naming the function and the shape (issue 20):
 * `zeros([-1])` and 2⁶²-element shapes gave a bare "RangeError: Invalid typed array length", a null
 * shape a TypeError ("shape is not iterable").
 */
import { describe, expect, it } from "vitest";
import { full, ones, rand, randn, Tensor, zeros } from "../../src/tensor/index.js";
import { onMetaDevice } from "../../src/tensor/meta.js";
import { MAX_TENSOR_ELEMENTS } from "../../src/tensor/shape.js";

const make = {
  zeros: (s: never) => zeros(s),
  ones: (s: never) => ones(s),
  full: (s: never) => full(s, 2),
  rand: (s: never) => rand(s),
  randn: (s: never) => randn(s),
};

describe("tensor creation: bad shapes", () => {
  it("a negative or fractional dimension names the function, the shape and the dimension", () => {
    for (const [name, fn] of Object.entries(make)) {
      expect(() => fn([-1] as never)).toThrow(
        new Error(`${name}: invalid shape [-1] (dimension 0 is -1; each must be an integer ≥ 0)`),
      );
      expect(() => fn([2, 1.5] as never)).toThrow(`${name}: invalid shape [2, 1.5] (dimension 1 is 1.5`);
      expect(() => fn([Number.NaN] as never)).toThrow(`${name}: invalid shape [NaN]`);
    }
  });

  it("a shape with more elements than a tensor can hold is an error, not a RangeError", () => {
    for (const [name, fn] of Object.entries(make)) {
      for (const shape of [[2 ** 62], [2 ** 31, 2 ** 31], [MAX_TENSOR_ELEMENTS + 1]]) {
        let err: unknown;
        try {
          fn(shape as never);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(Error);
        expect(err).not.toBeInstanceOf(RangeError);
        expect((err as Error).message).toMatch(
          new RegExp(
            `^${name}: shape \\[[0-9, ]+\\] has \\d+ elements, more than a tensor can hold \\(4294967296\\)$`,
          ),
        );
      }
    }
  });

  it("a shape that is not an array is named", () => {
    expect(() => zeros(null as never)).toThrow("zeros: shape must be an array of integers ≥ 0, got null");
    expect(() => ones(3 as never)).toThrow("ones: shape must be an array of integers ≥ 0, got 3");
    expect(() => new Tensor(new Float32Array(1), {} as never)).toThrow(
      "tensor: shape must be an array of integers ≥ 0, got an object",
    );
  });

  it("on the meta device (no storage) a shape too large for memory is fine; a bad one is not", () => {
    const t = onMetaDevice(() => zeros([400_000, 100_000]));
    expect(t.shape).toEqual([400_000, 100_000]);
    expect(() => onMetaDevice(() => randn([-1]))).toThrow("randn: invalid shape [-1]");
  });

  it("good shapes still work, empty ones included", () => {
    expect(zeros([2, 0, 3]).size).toBe(0);
    expect([...full([2, 2], 7).data]).toEqual([7, 7, 7, 7]);
    expect(ones([]).shape).toEqual([]);
  });
});
