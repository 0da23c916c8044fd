import { describe, expect, it } from "vitest";
import type { RGB } from "../../src/viz/colormap.js";
import type { RgbaImage } from "../../src/viz/png.js";
import { drawText, type Edge, fillEdges, measureText, shapeText } from "../../src/viz/text-raster.js";

function blank(width: number, height: number, c: RGB = [255, 255, 255]): RgbaImage {
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) rgba.set([...c, 255], p * 4);
  return { width, height, rgba };
}

/** The closed polygon through `pts`, as edges. */
function polygon(pts: [number, number][]): Edge[] {
  return pts.map((p, k) => {
    const q = pts[(k + 1) % pts.length];
    return [p[0], p[1], q[0], q[1]];
  });
}

const red = (img: RgbaImage, x: number, y: number) => img.rgba[(y * img.width + x) * 4];

describe("fillEdges (coverage rasteriser)", () => {
  it("fills whole pixels fully and blends half-covered ones by their covered area", () => {
    const img = blank(10, 10);
    // x from 2.5 to 6.5, y from 2 to 6: columns 3–5 full, columns 2 and 6 half covered, in black.
    fillEdges(
      img,
      polygon([
        [2.5, 2],
        [6.5, 2],
        [6.5, 6],
        [2.5, 6],
      ]),
      [0, 0, 0],
    );
    for (let y = 0; y < 10; y++) {
      const row = Array.from({ length: 10 }, (_, x) => red(img, x, y));
      if (y < 2 || y >= 6) expect(row).toEqual(Array(10).fill(255));
      else expect(row).toEqual([255, 255, 128, 0, 0, 0, 128, 255, 255, 255]);
    }
  });

  it("uses the nonzero winding rule: overlaps fill once, a reversed inner contour is a hole", () => {
    const overlap = blank(12, 12);
    const a = polygon([
      [1, 1],
      [7, 1],
      [7, 7],
      [1, 7],
    ]);
    const b = polygon([
      [4, 4],
      [10, 4],
      [10, 10],
      [4, 10],
    ]);
    fillEdges(overlap, [...a, ...b], [0, 0, 0]);
    expect(red(overlap, 5, 5)).toBe(0); // covered by both, still exactly the colour
    expect(red(overlap, 8, 2)).toBe(255);
    const ring = blank(12, 12);
    const inner = polygon([
      [4, 4],
      [4, 8],
      [8, 8],
      [8, 4],
    ]); // opposite orientation
    fillEdges(
      ring,
      [
        ...polygon([
          [1, 1],
          [11, 1],
          [11, 11],
          [1, 11],
        ]),
        ...inner,
      ],
      [0, 0, 0],
    );
    expect(red(ring, 2, 2)).toBe(0);
    expect(red(ring, 6, 6)).toBe(255);
  });

  it("anti-aliases a diagonal edge with coverage equal to the area under it", () => {
    const img = blank(4, 4);
    fillEdges(
      img,
      polygon([
        [0, 0],
        [4, 4],
        [0, 4],
      ]),
      [0, 0, 0],
    ); // lower-left triangle
    // Pixels on the diagonal are half covered; below it fully, above it not at all.
    for (let k = 0; k < 4; k++) expect(red(img, k, k)).toBe(128);
    expect(red(img, 0, 3)).toBe(0);
    expect(red(img, 3, 0)).toBe(255);
  });
});

describe("shapeText", () => {
  it("shapes Devanagari: the i-matra is drawn before its consonant, conjuncts become one glyph", () => {
    const ki = shapeText("कि", 12);
    expect(ki.glyphs.map((g) => g.glyph.codePoints)).toEqual([[0x93f], [0x915]]);
    expect(ki.glyphs[0].x).toBe(0);
    const ksha = shapeText("क्ष", 12); // क + virama + ष → the ligature क्ष
    expect(ksha.glyphs).toHaveLength(1);
    expect(ksha.glyphs[0].glyph.codePoints).toEqual([0x915, 0x94d, 0x937]);
  });

  it("keeps spaces inside a Hindi run and switches fonts for Latin", () => {
    const mixed = shapeText("the लाइट बंद", 12);
    expect(mixed.glyphs).toHaveLength(4 + 4 + 1 + 2 + 1);
    // Advances add up: the width of the whole is the sum of its pieces' widths.
    expect(mixed.width).toBeCloseTo(measureText("the ", 12) + measureText("लाइट बंद", 12), 6);
    expect(measureText("turn", 24)).toBeCloseTo(2 * measureText("turn", 12), 6);
    expect(measureText("", 12)).toBe(0);
  });
});

describe("drawText", () => {
  const ink = (img: RgbaImage) => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let y = 0; y < img.height; y++)
      for (let x = 0; x < img.width; x++)
        if (red(img, x, y) < 200) {
          xs.push(x);
          ys.push(y);
        }
    return {
      minX: Math.min(...xs),
      maxX: Math.max(...xs),
      minY: Math.min(...ys),
      maxY: Math.max(...ys),
      n: xs.length,
    };
  };

  it("places text by its anchor and baseline, with the width measureText reports", () => {
    const w = measureText("Hello", 20);
    const start = blank(120, 40);
    expect(drawText(start, "Hello", 10, 30, { fontSize: 20, color: [0, 0, 0] })).toBeGreaterThan(50);
    const s = ink(start);
    expect(s.minX).toBeGreaterThanOrEqual(10);
    expect(s.minX).toBeLessThanOrEqual(13);
    expect(s.maxX).toBeLessThanOrEqual(Math.ceil(10 + w));
    expect(s.maxY).toBeLessThanOrEqual(30); // no descenders in "Hello": ink ends on the baseline
    expect(s.minY).toBeLessThan(30 - 12); // cap height ≈ 0.7 em
    const end = blank(120, 40);
    drawText(end, "Hello", 110, 30, { fontSize: 20, color: [0, 0, 0], anchor: "end" });
    expect(ink(end).maxX).toBeLessThanOrEqual(110);
    expect(ink(end).maxX).toBeGreaterThanOrEqual(107);
    const central = blank(120, 40);
    drawText(central, "H", 60, 20, { fontSize: 20, color: [0, 0, 0], anchor: "middle", baseline: "central" });
    const c = ink(central);
    expect(Math.abs((c.minY + c.maxY + 1) / 2 - 20)).toBeLessThan(1.5);
    expect(Math.abs((c.minX + c.maxX + 1) / 2 - 60)).toBeLessThan(1.5);
  });

  it("rotates counter-clockwise about the anchor", () => {
    const img = blank(60, 60);
    drawText(img, "IIIIII", 10, 50, { fontSize: 12, color: [0, 0, 0], angle: 90 });
    const r = ink(img);
    // Rotated by 90°, the text runs upwards from the anchor and its glyphs stand to the left of it.
    expect(r.maxY).toBeLessThanOrEqual(50);
    expect(50 - r.minY).toBeGreaterThan(measureText("IIIIII", 12) - 4);
    expect(r.maxX).toBeLessThanOrEqual(10);
    expect(r.maxX - r.minX).toBeLessThan(12);
  });
});
