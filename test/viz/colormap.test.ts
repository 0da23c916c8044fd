import { describe, expect, it } from "vitest";
import {
  COLORMAP_NAMES,
  colorAt,
  colormapTable,
  contrastColor,
  relativeLuminance,
  toHex,
} from "../../src/viz/colormap.js";

describe("colorAt", () => {
  it("hits the published viridis endpoints and midpoint", () => {
    expect(toHex(colorAt("viridis", 0))).toBe("#440154");
    expect(toHex(colorAt("viridis", 1))).toBe("#fde725");
    // matplotlib's viridis(0.5) is #21918c; t = 0.5 sits between entries 127 (#21918d) and 128 (#21918c).
    const mid = colorAt("viridis", 128 / 255);
    expect(toHex(mid)).toBe("#21918c");
  });

  it("hits the magma and greys endpoints", () => {
    expect(toHex(colorAt("magma", 0))).toBe("#000004");
    expect(toHex(colorAt("magma", 1))).toBe("#fcfdbf");
    expect(colorAt("greys", 0)).toEqual([255, 255, 255]);
    expect(colorAt("greys", 1)).toEqual([0, 0, 0]);
  });

  it("clamps t outside [0, 1] and rejects NaN and unknown names", () => {
    expect(colorAt("viridis", -3)).toEqual(colorAt("viridis", 0));
    expect(colorAt("viridis", 7)).toEqual(colorAt("viridis", 1));
    expect(() => colorAt("viridis", Number.NaN)).toThrow(/^colorAt: t is NaN/);
    // @ts-expect-error: not a colormap name
    expect(() => colorAt("jet", 0.5)).toThrow(
      /^colorAt: unknown colormap "jet" \(expected one of viridis, magma, greys\)/,
    );
  });

  it("interpolates between neighbouring table entries", () => {
    const table = colormapTable("viridis");
    const a = table[10];
    const b = table[11];
    const c = colorAt("viridis", 10.5 / 255);
    for (let k = 0; k < 3; k++) expect(Math.abs(c[k] - (a[k] + b[k]) / 2)).toBeLessThanOrEqual(0.5);
  });

  it("has 256 entries per map, with monotonic lightness (the point of a perceptual map)", () => {
    for (const name of COLORMAP_NAMES) {
      const table = colormapTable(name);
      expect(table).toHaveLength(256);
      const lum = table.map(relativeLuminance);
      const sign = name === "greys" ? -1 : 1;
      for (let i = 1; i < lum.length; i++) expect(sign * (lum[i] - lum[i - 1])).toBeGreaterThanOrEqual(-1e-3);
      expect(sign * (lum[255] - lum[0])).toBeGreaterThan(0.5);
    }
  });
});

describe("contrastColor", () => {
  it("picks white on dark and black on light colours", () => {
    expect(contrastColor(colorAt("viridis", 0))).toEqual([255, 255, 255]);
    expect(contrastColor(colorAt("viridis", 1))).toEqual([0, 0, 0]);
    expect(contrastColor([255, 255, 255])).toEqual([0, 0, 0]);
    expect(contrastColor([0, 0, 0])).toEqual([255, 255, 255]);
  });

  it("computes WCAG relative luminance", () => {
    expect(relativeLuminance([255, 255, 255])).toBeCloseTo(1, 10);
    expect(relativeLuminance([0, 0, 0])).toBe(0);
    expect(relativeLuminance([128, 128, 128])).toBeCloseTo(0.2158605, 6);
  });
});
