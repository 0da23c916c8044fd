/** Row-major and broadcast strides (src/kernels/strides.ts), the one copy every backend reads. */
import { describe, expect, it } from "vitest";
import { broadcastStrides, stridesOf } from "../../src/kernels/strides.js";

describe("strides", () => {
  it("row-major strides: the last axis has stride 1", () => {
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
    expect(stridesOf([])).toEqual([]);
  });

  it("broadcast strides are 0 on length-1 axes and on leading axes the shape lacks", () => {
    expect(broadcastStrides([2, 3, 4], [2, 3, 4])).toEqual([12, 4, 1]);
    expect(broadcastStrides([3, 1], [2, 3, 4])).toEqual([0, 1, 0]);
    expect(broadcastStrides([1, 4], [5, 3, 4])).toEqual([0, 0, 1]);
    expect(broadcastStrides([], [2, 2])).toEqual([0, 0]);
    expect(broadcastStrides([2, 1, 3], [2, 5, 3])).toEqual([3, 0, 1]);
  });
});
