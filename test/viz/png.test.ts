import { crc32, inflateSync } from "node:zlib";
import { decode } from "fast-png";
import { describe, expect, it } from "vitest";
import { colorAt, type RGB } from "../../src/viz/colormap.js";
import { heatmapSvg } from "../../src/viz/heatmap-svg.js";
import { PAD } from "../../src/viz/layout.js";
import { encodePng, type HeatmapRaster, heatmapPng, heatmapRgba } from "../../src/viz/png.js";
import { measureText } from "../../src/viz/text-raster.js";
import { checkWellFormed } from "./xml.js";

/** A deterministic pseudo-random byte source (xorshift32). */
function randomBytes(n: number, seed = 12345): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
  chunkTypes: string[];
  rgba: Uint8Array;
}

/**
 * Decodes the subset of PNG that encodePng writes, verifying every CRC. Independent of the encoder's
 * library: node:zlib computes the CRCs and inflates.
 */
function decodePng(png: Uint8Array): DecodedPng {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  const chunkTypes: string[] = [];
  const idat: Uint8Array[] = [];
  let ihdr: Uint8Array | undefined;
  while (at < png.length) {
    const len = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + len);
    const crc = view.getUint32(at + 8 + len);
    expect(crc, `CRC of ${type}`).toBe(crc32(png.subarray(at + 4, at + 8 + len)));
    chunkTypes.push(type);
    if (type === "IHDR") ihdr = data;
    if (type === "IDAT") idat.push(data);
    at += 12 + len;
  }
  expect(at).toBe(png.length);
  if (!ihdr) throw new Error("no IHDR");
  const h = new DataView(ihdr.buffer, ihdr.byteOffset, 13);
  const width = h.getUint32(0);
  const height = h.getUint32(4);
  const zlib = Buffer.concat(idat);
  const raw = inflateSync(zlib);
  const stride = width * 4;
  expect(raw.length).toBe((stride + 1) * height);
  const rgba = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (stride + 1)], "filter type").toBe(0);
    rgba.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, bitDepth: ihdr[8], colorType: ihdr[9], interlace: ihdr[12], chunkTypes, rgba };
}

describe("encodePng", () => {
  it("writes signature, IHDR, IDAT, IEND with valid CRCs, and pixels decode back", () => {
    for (const compressionLevel of [6, 0, 9]) {
      const rgba = randomBytes(7 * 5 * 4, 99);
      const png = encodePng(7, 5, rgba, { compressionLevel });
      const d = decodePng(png);
      expect(d.chunkTypes).toEqual(["IHDR", "IDAT", "IEND"]);
      expect([d.width, d.height, d.bitDepth, d.colorType, d.interlace]).toEqual([7, 5, 8, 6, 0]);
      expect(Buffer.from(d.rgba).equals(Buffer.from(rgba))).toBe(true);
      // The last 12 bytes are the empty IEND chunk with its well-known CRC.
      expect([...png.subarray(png.length - 12)]).toEqual([
        0, 0, 0, 0, 73, 69, 78, 68, 0xae, 0x42, 0x60, 0x82,
      ]);
    }
  });

  it("handles images whose raw data spans several deflate blocks, stored or compressed", () => {
    const rgba = randomBytes(200 * 100 * 4, 3);
    const stored = encodePng(200, 100, rgba, { compressionLevel: 0 });
    expect(stored.length).toBeGreaterThan(rgba.length); // random bytes do not compress
    expect(Buffer.from(decodePng(stored).rgba).equals(Buffer.from(rgba))).toBe(true);
    const flat = new Uint8Array(200 * 100 * 4).fill(7);
    const small = encodePng(200, 100, flat);
    expect(small.length).toBeLessThan(1000);
    expect(Buffer.from(decodePng(small).rgba).equals(Buffer.from(flat))).toBe(true);
  });

  it("validates its input with shapes in the message", () => {
    expect(() => encodePng(2, 2, new Uint8Array(15))).toThrow(
      "encodePng: rgba has 15 bytes but width×height×4 = 2×2×4 = 16 (image 2×2)",
    );
    expect(() => encodePng(0, 2, new Uint8Array(0))).toThrow(/^encodePng: width must be an integer/);
    expect(() => encodePng(1, 1, new Uint8Array(4), { compressionLevel: 10 })).toThrow(
      "encodePng: compressionLevel must be an integer in [0, 9], got 10",
    );
  });
});

describe("heatmapPng", () => {
  const W = [
    [0.7, 0.1, 0.05, 0.1, 0.05],
    [0.05, 0.1, 0.1, 0.7, 0.05],
    [0.1, 0.6, 0.1, 0.1, 0.1],
    [0.0, 0.05, 0.05, 0.1, 0.8],
  ];

  it("paints one cellSize square per weight inside a 1-px grid", () => {
    const png = heatmapPng(W, { cellSize: 10 });
    const d = decodePng(png);
    expect([d.width, d.height]).toEqual([5 * 10 + 6, 4 * 10 + 5]);
    const px = (x: number, y: number) => [
      ...d.rgba.subarray((y * d.width + x) * 4, (y * d.width + x) * 4 + 4),
    ];
    // Grid lines (white) on the border and between cells.
    expect(px(0, 0)).toEqual([255, 255, 255, 255]);
    expect(px(11, 5)).toEqual([255, 255, 255, 255]);
    expect(px(5, 11)).toEqual([255, 255, 255, 255]);
    expect(px(d.width - 1, d.height - 1)).toEqual([255, 255, 255, 255]);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 5; j++) {
        const expected = [...colorAt("viridis", W[i][j] / 0.8), 255];
        const x0 = 1 + j * 11;
        const y0 = 1 + i * 11;
        expect(px(x0, y0)).toEqual(expected);
        expect(px(x0 + 9, y0 + 9)).toEqual(expected);
        expect(px(x0 + 5, y0 + 3)).toEqual(expected);
      }
    }
    expect(px(1 + 4 * 11 + 5, 1 + 3 * 11 + 5)).toEqual([0xfd, 0xe7, 0x25, 255]); // the max weight
    expect(px(1 + 5, 1 + 3 * 11 + 5)).toEqual([0x44, 0x01, 0x54, 255]); // zero
  });

  it("matches heatmapRgba, and can drop the grid or change colormap", () => {
    const img = heatmapRgba(W, { cellSize: 3, grid: false, colormap: "greys", normalize: "none" });
    expect([img.width, img.height]).toEqual([15, 12]);
    const d = decodePng(heatmapPng(W, { cellSize: 3, grid: false, colormap: "greys", normalize: "none" }));
    expect(Buffer.from(d.rgba).equals(Buffer.from(img.rgba))).toBe(true);
    expect([...img.rgba.subarray(0, 4)]).toEqual([...colorAt("greys", 0.7), 255]);
  });

  it("names itself and the shapes in errors", () => {
    expect(() => heatmapPng([[0.1, Number.NaN]])).toThrow(
      "heatmapPng: weights[0][1] is NaN; all values must be finite numbers (weights 1×2)",
    );
    expect(() => heatmapPng(W, { cellSize: 2.5 })).toThrow(
      "heatmapPng: cellSize must be a positive integer, got 2.5 (weights 4×5)",
    );
  });
});

describe("heatmapPng with labels", () => {
  const W = [
    [0.7, 0.1, 0.05, 0.1, 0.05],
    [0.05, 0.1, 0.1, 0.7, 0.05],
    [0.1, 0.6, 0.1, 0.1, 0.1],
    [0.0, 0.05, 0.05, 0.1, 0.8],
  ];
  const TARGET = ["लाइट", "बंद", "करो", "<eos>"];
  const SOURCE = ["turn", "off", "the", "lights", "<eos>"];
  const TITLE = "Luong attention";
  const options = { rowLabels: TARGET, colLabels: SOURCE, title: TITLE, cellSize: 24 };
  const raster = heatmapRgba(W, options);
  const layout = raster.layout;
  if (!layout) throw new Error("labelled raster has no layout");
  /** The PNG file decoded by the encoder's own library, as a user of the file would. */
  const png = decode(heatmapPng(W, options));
  const px = (x: number, y: number): number[] => {
    const o = (y * png.width + x) * 4;
    return [...png.data.subarray(o, o + 4)];
  };
  /** Label ink: pixels much darker than the white background and not inside the grid or colour bar. */
  const isInk = (x: number, y: number) => {
    const [r, g, b] = px(x, y);
    return r + g + b < 3 * 160;
  };
  const inGrid = (x: number, y: number) =>
    x >= layout.gridX &&
    x < layout.gridX + layout.gridW &&
    y >= layout.gridY &&
    y < layout.gridY + layout.gridH;
  const inBar = (x: number, y: number) =>
    x >= layout.barX - 1 &&
    x <= layout.barX + layout.barW + 4 &&
    y >= layout.barY - 1 &&
    y <= layout.barY + layout.barH;
  const inkIn = (x0: number, y0: number, x1: number, y1: number) => {
    const pts: [number, number][] = [];
    for (let y = Math.max(0, Math.floor(y0)); y < Math.min(png.height, Math.ceil(y1)); y++)
      for (let x = Math.max(0, Math.floor(x0)); x < Math.min(png.width, Math.ceil(x1)); x++)
        if (!inGrid(x, y) && !inBar(x, y) && isInk(x, y)) pts.push([x, y]);
    return pts;
  };

  it("has the layout's dimensions, 8-bit RGBA, and the raster's pixels", () => {
    expect([png.width, png.height, png.depth, png.channels]).toEqual([layout.width, layout.height, 8, 4]);
    expect(Buffer.from(png.data).equals(Buffer.from(raster.rgba))).toBe(true);
    expect([layout.gridW, layout.gridH]).toEqual([5 * 25 + 1, 4 * 25 + 1]);
    // Room for row labels on the left, title and column labels above, the colour bar on the right.
    expect(layout.gridX).toBeGreaterThan(PAD + 20);
    expect(layout.gridY).toBeGreaterThan(PAD + 40);
    expect(png.width).toBeGreaterThan(layout.gridX + layout.gridW + 16 + 14);
    expect(png.height).toBe(layout.gridY + layout.gridH + PAD);
  });

  it("paints cell centres in the colormap colour, the same as the SVG heatmap's cells", () => {
    const svgCells = checkWellFormed(heatmapSvg(W, options)).filter((e) => e.attrs.class === "cell");
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 5; j++) {
        const x = raster.cellX(j) + 12;
        const y = raster.cellY(i) + 12;
        const expected = colorAt("viridis", W[i][j] / 0.8);
        expect(px(x, y), `cell ${i},${j}`).toEqual([...expected, 255]);
        expect(px(raster.cellX(j), raster.cellY(i))).toEqual([...expected, 255]);
        expect(px(raster.cellX(j) + 23, raster.cellY(i) + 23)).toEqual([...expected, 255]);
        const hex = svgCells[i * 5 + j].attrs.fill;
        expect(px(x, y).slice(0, 3)).toEqual([1, 3, 5].map((k) => Number.parseInt(hex.slice(k, k + 2), 16)));
      }
    }
    // The grid lines around cells stay white.
    expect(px(raster.cellX(0) - 1, raster.cellY(0) + 5)).toEqual([255, 255, 255, 255]);
    expect(px(raster.cellX(4) + 24, raster.cellY(3) + 24)).toEqual([255, 255, 255, 255]);
  });

  it("draws each row label right-aligned beside its row, Hindi included", () => {
    for (let i = 0; i < 4; i++) {
      const ink = inkIn(0, layout.cy(i) - 12, layout.gridX, layout.cy(i) + 12);
      expect(ink.length, `row label ${TARGET[i]}`).toBeGreaterThan(15);
      const right = Math.max(...ink.map((p) => p[0]));
      expect(right).toBeLessThanOrEqual(layout.rowLabelX + 1);
      expect(right).toBeGreaterThanOrEqual(layout.rowLabelX - 3);
      // Vertically centred on the row: ink above and below the row's centre line.
      expect(Math.min(...ink.map((p) => p[1]))).toBeLessThan(layout.cy(i));
      expect(Math.max(...ink.map((p) => p[1]))).toBeGreaterThan(layout.cy(i));
    }
    // Nothing is drawn left of the padding.
    expect(inkIn(0, 0, PAD - 1, png.height)).toEqual([]);
  });

  it("draws each column label along its 45° line above its column, and only there", () => {
    const a = Math.PI / 4;
    const top = layout.titleY + 0.4 * layout.titleSize; // below the title's descenders
    const ink = inkIn(0, top, png.width, layout.gridY);
    expect(ink.length).toBeGreaterThan(50);
    const perColumn = SOURCE.map(() => 0);
    let stray = 0;
    for (const [x, y] of ink) {
      if (x >= layout.barX - 1 && y >= layout.barY - 8) continue; // the top tick label, "0.80"
      // Text coordinates of the pixel centre: u along the rotated baseline, v across it (down positive).
      const j = SOURCE.findIndex((_, k) => {
        const dx = x + 0.5 - layout.colLabelX(k);
        const dy = y + 0.5 - layout.colLabelY;
        const u = dx * Math.cos(a) - dy * Math.sin(a);
        const v = dx * Math.sin(a) + dy * Math.cos(a);
        return u >= -1 && u <= measureText(SOURCE[k], 12) + 1 && v >= -12 && v <= 4;
      });
      if (j < 0) stray++;
      else perColumn[j]++;
    }
    for (let j = 0; j < 5; j++) expect(perColumn[j], SOURCE[j]).toBeGreaterThan(10);
    expect(stray).toBe(0);
  });

  it("draws the title at the top left and a colour bar with tick labels on the right", () => {
    const title = inkIn(0, 0, png.width, layout.titleY + 4);
    expect(title.length).toBeGreaterThan(50);
    expect(Math.min(...title.map((p) => p[0]))).toBeGreaterThanOrEqual(PAD);
    expect(Math.min(...title.map((p) => p[0]))).toBeLessThanOrEqual(PAD + 2);
    // Colour bar: high end at the top, low end at the bottom, mid-scale in the middle.
    const bx = layout.barX + 7;
    const rowColor = (y: number) => [...colorAt("viridis", 1 - (y - layout.barY + 0.5) / layout.barH), 255];
    for (const y of [layout.barY, layout.barY + 50, layout.barY + layout.barH - 1])
      expect(px(bx, y)).toEqual(rowColor(y));
    expect(px(bx, layout.barY).slice(0, 3)).toEqual([...colorAt("viridis", 1 - 0.5 / layout.barH)]);
    // Tick labels "0.00", "0.40", "0.80" right of the bar at the bottom, middle and top.
    for (const ty of layout.tickY) {
      const ink = inkIn(layout.tickLabelX - 1, ty - 8, png.width, ty + 8);
      expect(ink.length).toBeGreaterThan(15);
    }
  });

  it("has no ink outside the labels: nothing but background, grid, cells and colour bar elsewhere", () => {
    // Between the row labels and the grid, under the grid, and between grid and colour bar.
    expect(inkIn(layout.rowLabelX + 2, layout.gridY, layout.gridX, png.height)).toEqual([]);
    expect(inkIn(0, layout.gridY + layout.gridH + 1, layout.barX - 1, png.height)).toEqual([]);
    expect(inkIn(layout.gridX + layout.gridW, layout.gridY, layout.barX - 1, png.height)).toEqual([]);
  });

  it("is the bare grid when no labels are asked for, and labels with indices when they are", () => {
    const bare = heatmapRgba(W, { cellSize: 10 });
    expect(bare.layout).toBeUndefined();
    const palette = new Set(
      [[255, 255, 255], ...W.flat().map((v) => colorAt("viridis", v / 0.8))].map(String),
    );
    for (let p = 0; p < bare.width * bare.height; p++) {
      expect(palette.has(String([...bare.rgba.subarray(p * 4, p * 4 + 3)]))).toBe(true);
    }
    const indexed = heatmapRgba(W, { cellSize: 10, labels: true });
    expect(indexed.width).toBeGreaterThan(bare.width + 30);
    expect(indexed.layout?.gridW).toBe(bare.width);
    const noBar = heatmapRgba(W, { cellSize: 10, labels: true, colorbar: false });
    expect(noBar.width).toBeLessThan(indexed.width);
  });

  it("writes values in a contrasting colour inside cells when asked", () => {
    const plain = heatmapRgba(W, { ...options, cellSize: 40 });
    const valued = heatmapRgba(W, { ...options, cellSize: 40, showValues: true });
    /** Pixels of cell (i, j) within 60 of colour c in every channel. */
    const count = (img: HeatmapRaster, i: number, j: number, c: RGB) => {
      let n = 0;
      for (let y = img.cellY(i); y < img.cellY(i) + 40; y++)
        for (let x = img.cellX(j); x < img.cellX(j) + 40; x++) {
          const o = (y * img.width + x) * 4;
          if (c.every((v, ch) => Math.abs(img.rgba[o + ch] - v) <= 60)) n++;
        }
      return n;
    };
    // Cell (3, 0) is dark purple (0.00): white text; cell (3, 4) is yellow (0.80): black text.
    expect(count(plain, 3, 0, [255, 255, 255])).toBe(0);
    expect(count(valued, 3, 0, [255, 255, 255])).toBeGreaterThan(5);
    expect(count(plain, 3, 4, [0, 0, 0])).toBe(0);
    expect(count(valued, 3, 4, [0, 0, 0])).toBeGreaterThan(5);
  });

  it("names itself and the shapes in errors about labels", () => {
    expect(() => heatmapPng(W, { rowLabels: TARGET.slice(1) })).toThrow(
      "heatmapPng: rowLabels has 3 labels but weights has 4 rows (weights 4×5)",
    );
    expect(() => heatmapPng(W, { title: "x", colLabelAngle: 120 })).toThrow(
      "heatmapPng: colLabelAngle must be in [0, 90], got 120 (weights 4×5)",
    );
    expect(() => heatmapPng(W, { gridColor: [0, 0, 256] })).toThrow(
      "heatmapPng: gridColor must be [r, g, b] with integers in [0, 255], got [0,0,256]",
    );
  });
});
