import { describe, expect, it } from "vitest";
import { lineChartSvg, niceTicks } from "../../src/viz/line-chart-svg.js";
import { checkWellFormed } from "./xml.js";

describe("lineChartSvg", () => {
  const series = [
    {
      name: "Luong",
      points: [
        [5, 0.9],
        [10, 0.8],
        [20, 0.55],
        [30, 0.3],
      ] as [number, number][],
    },
    {
      name: "self-attention <big>",
      points: [
        [30, 0.7],
        [5, 0.95],
        [20, 0.8],
      ] as [number, number][],
    },
  ];

  it("is well-formed with a polyline per series, axes, ticks and an escaped legend", () => {
    const svg = lineChartSvg(series, {
      title: "Exact match by sentence length",
      xLabel: "sentence length",
      yLabel: "exact match",
      yRange: [0, 1],
    });
    const els = checkWellFormed(svg);
    const lines = els.filter((e) => e.name === "polyline");
    expect(lines).toHaveLength(2);
    expect(els.filter((e) => e.name === "circle" && e.attrs.r === "3")).toHaveLength(7 + 2); // points + legend
    const texts = els.filter((e) => e.name === "text").map((e) => e.text);
    for (const t of ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]) expect(texts).toContain(t);
    for (const t of ["5", "10", "15", "20", "25", "30"]) expect(texts).toContain(t);
    expect(texts).toContain("sentence length");
    expect(texts).toContain("exact match");
    expect(texts).toContain("self-attention <big>");
    expect(svg).toContain("self-attention &lt;big&gt;");
    // Points are drawn in x order, and higher y is higher on the page (smaller SVG y).
    const pts = (lines[1].attrs.points ?? "").split(" ").map((p) => p.split(",").map(Number));
    expect(pts.map((p) => p[0])).toEqual([...pts.map((p) => p[0])].sort((a, b) => a - b));
    expect(pts[0][1]).toBeLessThan(pts[2][1]); // 0.95 at x=5 above 0.7 at x=30
  });

  it("chooses nice ticks", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(5, 30, 6)).toEqual([5, 10, 15, 20, 25, 30]);
    expect(niceTicks(0, 0.07, 4)).toEqual([0, 0.02, 0.04, 0.06]);
  });

  it("validates its input", () => {
    expect(() => lineChartSvg([])).toThrow(/^lineChartSvg: series must be a non-empty array/);
    expect(() => lineChartSvg([{ name: "a", points: [[1, Number.NaN]] }])).toThrow(
      'lineChartSvg: series[0] ("a").points[0] must be [x, y] with finite numbers, got [1, NaN] (1 points)',
    );
    expect(() => lineChartSvg(series, { yRange: [1, 0] })).toThrow(
      /^lineChartSvg: yRange must be \[lo, hi\]/,
    );
  });
});
