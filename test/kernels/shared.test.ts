/** The layout helpers every backend shares (src/kernels/shared.ts): axis collapsing and row walks. */
import { describe, expect, it } from "vitest";
import { collapseAxes, concatRows, forEachIndexedRow, permuteWalk } from "../../src/kernels/shared.js";

describe("shared kernel helpers", () => {
  it("collapseAxes drops length-1 axes and merges axes contiguous in every operand", () => {
    // Same shape: one run.
    expect(
      collapseAxes(
        [2, 3, 4],
        [
          [12, 4, 1],
          [12, 4, 1],
        ],
      ),
    ).toEqual({ dims: [24], strides: [[1], [1]] });
    // b broadcast along the middle axis: the last two axes stay apart for b.
    expect(
      collapseAxes(
        [2, 3, 4],
        [
          [12, 4, 1],
          [4, 0, 1],
        ],
      ),
    ).toEqual({
      dims: [2, 3, 4],
      strides: [
        [12, 4, 1],
        [4, 0, 1],
      ],
    });
    // No axis left: one axis of length 1.
    expect(collapseAxes([1, 1], [[1, 1]])).toEqual({ dims: [1], strides: [[0]] });
  });

  it("permuteWalk: a transpose stays two axes, a permutation of a length-1 axis is a copy", () => {
    expect(permuteWalk([3, 5], [1, 0])).toEqual({ dims: [5, 3], strides: [1, 5] });
    expect(permuteWalk([2, 1, 3], [0, 2, 1])).toEqual({ dims: [6], strides: [1] });
    expect(permuteWalk([2, 3, 4, 5], [0, 2, 1, 3])).toEqual({ dims: [2, 4, 3, 5], strides: [60, 5, 20, 1] });
  });

  it("forEachIndexedRow pairs row indices[j] of (outer, n, inner) with row j of (outer, m, inner)", () => {
    const seen: [number, number][] = [];
    forEachIndexedRow(2, 4, 3, Int32Array.from([3, 0]), (picked, packed) => {
      seen.push([picked, packed]);
    });
    expect(seen).toEqual([
      [9, 0],
      [0, 3],
      [21, 6],
      [12, 9],
    ]);
  });

  it("concatRows joins along the middle axis, empty parts included", () => {
    const a = Float32Array.from([1, 2, 3, 4]); // (2, 2, 1)
    const b = new Float32Array(0); // (2, 0, 1)
    const c = Float32Array.from([5, 6]); // (2, 1, 1)
    expect([...concatRows([a, b, c], 2, [2, 0, 1], 1)]).toEqual([1, 2, 5, 3, 4, 6]);
  });
});
