import { describe, expect, it } from "vitest";
import { fitValue, formatValue, makeScale, validateMatrix } from "../../src/viz/matrix.js";

describe("validateMatrix", () => {
  const w = [
    [0.1, 0.2, 0.7],
    [0.3, 0.3, 0.4],
  ];

  it("returns the shape of a valid matrix", () => {
    expect(validateMatrix("f", w, ["a", "b"], ["x", "y", "z"])).toEqual({ rows: 2, cols: 3 });
  });

  it("names the function and prints shapes in every error", () => {
    expect(() => validateMatrix("f", [])).toThrow("f: weights has no rows (weights 0×0)");
    expect(() => validateMatrix("f", [[], []])).toThrow("f: weights has no columns (weights 2×0)");
    expect(() => validateMatrix("f", [[1, 2], [3]])).toThrow(
      "f: weights is ragged: row 1 has 1 values but row 0 has 2 (weights has 2 rows)",
    );
    expect(() => validateMatrix("f", [[1, Number.NaN]])).toThrow(
      "f: weights[0][1] is NaN; all values must be finite numbers (weights 1×2)",
    );
    expect(() => validateMatrix("f", [[1], [Number.NEGATIVE_INFINITY]])).toThrow(
      "f: weights[1][0] is -Infinity; all values must be finite numbers (weights 2×1)",
    );
    expect(() => validateMatrix("f", w, ["a"])).toThrow(
      "f: rowLabels has 1 labels but weights has 2 rows (weights 2×3)",
    );
    expect(() => validateMatrix("f", w, undefined, ["x", "y", "z", "w"])).toThrow(
      "f: colLabels has 4 labels but weights has 3 columns (weights 2×3)",
    );
  });
});

describe("makeScale", () => {
  it('"max" anchors at zero and divides by the global max', () => {
    const s = makeScale("f", [[0, 0.2, 0.4]]);
    expect([s.lo, s.hi]).toEqual([0, 0.4]);
    expect(s.t(0.2)).toBeCloseTo(0.5, 12);
    expect(s.t(0.4)).toBe(1);
  });

  it('"minmax" stretches [min, max], and handles negative scores', () => {
    const s = makeScale("f", [[-2, 0, 2]], { normalize: "minmax" });
    expect([s.lo, s.hi]).toEqual([-2, 2]);
    expect(s.t(0)).toBe(0.5);
    const m = makeScale("f", [[-2, 0, 6]]);
    expect([m.lo, m.hi]).toEqual([-2, 6]);
  });

  it('"none" and an explicit domain clamp', () => {
    const s = makeScale("f", [[0.5, 3]], { normalize: "none" });
    expect(s.t(0.5)).toBe(0.5);
    expect(s.t(3)).toBe(1);
    const d = makeScale("f", [[0.5]], { domain: [0, 2] });
    expect(d.t(0.5)).toBe(0.25);
    expect(d.t(-1)).toBe(0);
    expect(() => makeScale("f", [[1]], { domain: [1, 1] })).toThrow(/^f: domain must be \[lo, hi\]/);
  });

  it("maps a constant matrix to full colour (positive) or none (zero)", () => {
    expect(makeScale("f", [[0.3, 0.3]]).t(0.3)).toBe(1);
    expect(makeScale("f", [[0, 0]]).t(0)).toBe(0);
  });
});

describe("formatValue / fitValue", () => {
  it("formats compactly", () => {
    expect(formatValue(0.123456)).toBe("0.12");
    expect(formatValue(0)).toBe("0.00");
    expect(formatValue(0.7, 4)).toBe("0.7000");
    expect(formatValue(123456)).toBe("1.2e+5");
    expect(fitValue(0.52, 4)).toBe("0.52");
    expect(fitValue(0.52, 3)).toBe(".52");
    expect(fitValue(-0.52, 3)).toBe("-.5");
    expect(fitValue(12.5, 2)).toBe("13");
    expect(fitValue(123456, 2)).toBe("#");
  });
});
