/**
 * PNG pictures of attention weights: {@link heatmapRgba} rasterises a heatmap with the same labels as the
 * SVG one (title, row labels, column labels slanted or — Devanagari — upright in staggered rows, `<unk>` in
 * its own colour, colour bar, caption; Hindi shaped properly, see text-raster.ts), and {@link encodePng}
 * writes the file.
 *
 * The encoder is fast-png (image-js): maintained, written in TypeScript, pure JavaScript with fflate for
 * zlib, so it runs unchanged in Node and browsers and bundles with no Node built-ins. pngjs, the other
 * common choice, is built on Node streams and node:zlib buffers and needs polyfills in a browser.
 */
import { encode } from "fast-png";
import { type ColormapName, colorAt, contrastColor, type RGB } from "./colormap.js";
import { isUnknownLabel, LEADER_COLOR, UNK_COLOR } from "./labels.js";
import { type HeatmapLayout, heatmapLayout } from "./layout.js";
import { formatValue, labelsOrIndices, makeScale, type ScaleOptions, validateMatrix } from "./matrix.js";
import { drawText, measureText } from "./text-raster.js";

/** An RGBA raster: `width × height × 4` bytes, rows top to bottom. */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

export interface EncodePngOptions {
  /** zlib compression level, 0 (stored, fastest) to 9 (smallest); default 6. */
  compressionLevel?: number;
}

/**
 * Encodes `rgba` (width × height × 4 bytes, rows top to bottom, non-premultiplied) as a PNG file
 * (8-bit RGBA, no interlace).
 */
export function encodePng(
  width: number,
  height: number,
  rgba: Uint8Array | Uint8ClampedArray,
  options: EncodePngOptions = {},
): Uint8Array {
  const fn = "encodePng";
  for (const [name, v] of [
    ["width", width],
    ["height", height],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) {
      throw new Error(
        `${fn}: ${name} must be an integer in [1, 2^31 - 1], got ${v} (image ${width}×${height})`,
      );
    }
  }
  if (!(rgba instanceof Uint8Array || rgba instanceof Uint8ClampedArray)) {
    throw new Error(`${fn}: rgba must be a Uint8Array, got ${typeof rgba} (image ${width}×${height})`);
  }
  const expected = width * height * 4;
  if (rgba.length !== expected) {
    throw new Error(
      `${fn}: rgba has ${rgba.length} bytes but width×height×4 = ${width}×${height}×4 = ${expected} (image ${width}×${height})`,
    );
  }
  const level = options.compressionLevel ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new Error(`${fn}: compressionLevel must be an integer in [0, 9], got ${level}`);
  }
  return encode(
    { width, height, data: rgba, depth: 8, channels: 4 },
    { zlib: { level: level as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 } },
  );
}

export interface PngHeatmapOptions extends ScaleOptions, EncodePngOptions {
  /** Side of one square cell in pixels (default 20). */
  cellSize?: number;
  /** Default "viridis". */
  colormap?: ColormapName;
  /** Draw a 1-px grid around every cell (default true). */
  grid?: boolean;
  /** Grid colour (default white). */
  gridColor?: RGB;
  /** One label per row (query/target token); "0", "1", … when labels are on and none are given. */
  rowLabels?: string[];
  /** One label per column (key/source token); "0", "1", … when labels are on and none are given. */
  colLabels?: string[];
  /** Heading drawn above the heatmap. */
  title?: string;
  /**
   * Draw the title, row and column labels and the colour bar as the SVG heatmap does. Default: on when
   * `rowLabels`, `colLabels` or `title` is given; off draws the bare grid of cells.
   */
  labels?: boolean;
  /** Draw the colour bar when labels are on (default true). */
  colorbar?: boolean;
  /** Write each value in its cell, black or white for contrast (default false). */
  showValues?: boolean;
  /** Label font size in px (default 12). */
  fontSize?: number;
  /**
   * Column labels are rotated this many degrees counter-clockwise, 0–90 (default 45). Ignored when a column
   * label is in a script that must stay upright (Devanagari, …): then every column label is horizontal.
   */
  colLabelAngle?: number;
  /** A line of small text under the map (when labels are on). */
  caption?: string;
  /** Background behind labels and colour bar (default white). */
  background?: RGB;
  /** Colour of labels and title (default #222222). */
  textColor?: RGB;
}

/** A rasterised heatmap and where its parts went (`layout` is absent for the bare grid). */
export interface HeatmapRaster extends RgbaImage {
  /** Top-left corner of cell (i, j) and the cell side, px. */
  cellX: (j: number) => number;
  cellY: (i: number) => number;
  cellSize: number;
  layout?: HeatmapLayout;
}

/**
 * Rasterises `weights` (rows = queries, columns = keys) as RGBA pixels: one `cellSize` square per weight,
 * with a 1-px grid line around each cell when `grid` is on (so the grid is cols·cellSize + cols + 1
 * wide), and, when labels are on, the SVG heatmap's title, labels and colour bar around it.
 */
export function heatmapRgba(weights: number[][], options: PngHeatmapOptions = {}): HeatmapRaster {
  return rasterise("heatmapRgba", weights, options);
}

/** The PNG file bytes of {@link heatmapRgba}. */
export function heatmapPng(weights: number[][], options: PngHeatmapOptions = {}): Uint8Array {
  const img = rasterise("heatmapPng", weights, options);
  return encodePng(img.width, img.height, img.rgba, options);
}

const WHITE: RGB = [255, 255, 255];
const INK: RGB = [0x22, 0x22, 0x22];
const BAR_BORDER: RGB = [0x44, 0x44, 0x44];
const CAPTION: RGB = [0x55, 0x55, 0x55];

function fillRect(img: RgbaImage, x0: number, y0: number, w: number, h: number, c: RGB): void {
  const xa = Math.max(0, Math.round(x0));
  const ya = Math.max(0, Math.round(y0));
  const xb = Math.min(img.width, Math.round(x0 + w));
  const yb = Math.min(img.height, Math.round(y0 + h));
  for (let y = ya; y < yb; y++) {
    for (let x = xa; x < xb; x++) {
      const o = (y * img.width + x) * 4;
      img.rgba[o] = c[0];
      img.rgba[o + 1] = c[1];
      img.rgba[o + 2] = c[2];
      img.rgba[o + 3] = 255;
    }
  }
}

function checkRgb(fn: string, name: string, c: RGB): void {
  if (!Array.isArray(c) || c.length !== 3 || !c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
    throw new Error(`${fn}: ${name} must be [r, g, b] with integers in [0, 255], got ${JSON.stringify(c)}`);
  }
}

function rasterise(fn: string, weights: number[][], options: PngHeatmapOptions): HeatmapRaster {
  const { rows, cols } = validateMatrix(fn, weights, options.rowLabels, options.colLabels);
  const shape = `(weights ${rows}×${cols})`;
  const cellSize = options.cellSize ?? 20;
  if (!Number.isInteger(cellSize) || cellSize < 1) {
    throw new Error(`${fn}: cellSize must be a positive integer, got ${cellSize} ${shape}`);
  }
  const fontSize = options.fontSize ?? 12;
  if (typeof fontSize !== "number" || !Number.isFinite(fontSize) || fontSize <= 0) {
    throw new Error(`${fn}: fontSize must be a positive number, got ${fontSize} ${shape}`);
  }
  const angleDeg = options.colLabelAngle ?? 45;
  if (!(angleDeg >= 0 && angleDeg <= 90)) {
    throw new Error(`${fn}: colLabelAngle must be in [0, 90], got ${angleDeg} ${shape}`);
  }
  const colormap = options.colormap ?? "viridis";
  const line = (options.grid ?? true) ? 1 : 0;
  const gridColor = options.gridColor ?? WHITE;
  const background = options.background ?? WHITE;
  const textColor = options.textColor ?? INK;
  checkRgb(fn, "gridColor", gridColor);
  checkRgb(fn, "background", background);
  checkRgb(fn, "textColor", textColor);
  const scale = makeScale(fn, weights, options);
  const labels =
    options.labels ??
    (options.rowLabels !== undefined || options.colLabels !== undefined || options.title !== undefined);

  let img: RgbaImage;
  let layout: HeatmapLayout | undefined;
  let gridX = 0;
  let gridY = 0;
  const pitch = cellSize + line;
  if (labels) {
    const showColorbar = options.colorbar ?? true;
    const rowLabels = labelsOrIndices(options.rowLabels, rows);
    const colLabels = labelsOrIndices(options.colLabels, cols);
    const ticks = [scale.lo, (scale.lo + scale.hi) / 2, scale.hi];
    const tickLabels = ticks.map((v) => formatValue(v));
    layout = heatmapLayout({
      rowLabels,
      colLabels,
      title: options.title,
      cellSize,
      line,
      fontSize,
      colLabelAngle: angleDeg,
      colorbar: showColorbar,
      tickLabels,
      measure: measureText,
      snap: true,
      caption: options.caption,
    });
    img = {
      width: layout.width,
      height: layout.height,
      rgba: new Uint8Array(layout.width * layout.height * 4),
    };
    fillRect(img, 0, 0, img.width, img.height, background);
    gridX = layout.gridX;
    gridY = layout.gridY;
    const L = layout;
    if (options.title) {
      drawText(img, options.title, L.titleX, L.titleY, { fontSize: L.titleSize, color: textColor });
    }
    const ink = (label: string) => (isUnknownLabel(label) ? UNK_COLOR : textColor);
    // Leader lines of raised upright labels first; every label's box is cleared to the background
    // before its text, so a leader never runs through a word.
    for (const d of L.colLeaders) {
      fillRect(img, Math.round(d.x), d.y1, 1, d.y2 - d.y1, LEADER_COLOR);
    }
    for (let j = 0; j < cols; j++) {
      if (L.colLeaders.length > 0) {
        const b = L.colLabelBox(j);
        fillRect(img, b.x, b.y, b.w, b.h, background);
      }
      drawText(img, colLabels[j], L.colLabelX(j), L.colLabelBaseline(j), {
        fontSize,
        color: ink(colLabels[j]),
        anchor: L.colLabelAngle === 0 ? "middle" : "start",
        angle: L.colLabelAngle,
      });
    }
    for (let i = 0; i < rows; i++) {
      drawText(img, rowLabels[i], L.rowLabelX, L.cy(i), {
        fontSize,
        color: ink(rowLabels[i]),
        anchor: "end",
        baseline: "central",
      });
    }
    L.captionLines.forEach((l, k) => {
      drawText(img, l, L.captionX, L.captionY + k * L.captionLine, {
        fontSize: L.captionSize,
        color: CAPTION,
      });
    });
    if (showColorbar) {
      // One colour per pixel row, the top row the high end of the scale, inside a 1-px border.
      for (let y = 0; y < L.barH; y++) {
        fillRect(img, L.barX, L.barY + y, L.barW, 1, colorAt(colormap, 1 - (y + 0.5) / L.barH));
      }
      fillRect(img, L.barX - 1, L.barY - 1, L.barW + 2, 1, BAR_BORDER);
      fillRect(img, L.barX - 1, L.barY + L.barH, L.barW + 2, 1, BAR_BORDER);
      fillRect(img, L.barX - 1, L.barY, 1, L.barH, BAR_BORDER);
      fillRect(img, L.barX + L.barW, L.barY, 1, L.barH, BAR_BORDER);
      L.tickY.forEach((ty, k) => {
        const y = Math.min(L.barY + L.barH - 1, Math.round(ty));
        fillRect(img, L.barX + L.barW, y, 4, 1, BAR_BORDER);
        drawText(img, tickLabels[k], L.tickLabelX, ty, {
          fontSize: L.tickSize,
          color: textColor,
          baseline: "central",
        });
      });
    }
  } else {
    const width = cols * pitch + line;
    const height = rows * pitch + line;
    img = { width, height, rgba: new Uint8Array(width * height * 4) };
  }
  // The grid: its colour over the whole block, then the cells inside it.
  fillRect(img, gridX, gridY, cols * pitch + line, rows * pitch + line, gridColor);
  const cellX = (j: number) => gridX + line + j * pitch;
  const cellY = (i: number) => gridY + line + i * pitch;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const rgb = colorAt(colormap, scale.t(weights[i][j]));
      fillRect(img, cellX(j), cellY(i), cellSize, cellSize, rgb);
      if (options.showValues) {
        drawText(img, formatValue(weights[i][j]), cellX(j) + cellSize / 2, cellY(i) + cellSize / 2, {
          fontSize: Math.min(fontSize, cellSize * 0.34),
          color: contrastColor(rgb),
          anchor: "middle",
          baseline: "central",
        });
      }
    }
  }
  return { ...img, cellX, cellY, cellSize, layout };
}
