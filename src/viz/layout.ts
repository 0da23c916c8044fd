/**
 * Geometry shared by the renderers: padding, text-width estimates for SVG (whose text the viewer's fonts
 * draw), number formatting for markup, and the heatmap layout (title, rotated column labels, row labels,
 * cells, colour bar) used by both the SVG and the PNG heatmap, so the two place every label alike. The
 * PNG measures text exactly in its embedded font; the SVG estimates it.
 */
import { displayWidth } from "./text.js";

/** Outer padding of every picture, px. */
export const PAD = 8;
/** Estimated advance of one display cell of text, as a fraction of the font size. */
const CHAR_EM = 0.62;

/** Measures the advance width of `text` at `fontSize`, px. */
export type MeasureText = (text: string, fontSize: number) => number;

/** Text width estimated from display cells, for SVG text drawn by the viewer's fonts. */
export const estimateTextWidth: MeasureText = (s, fontSize) => displayWidth(s) * fontSize * CHAR_EM;

/** Rounds coordinates so the markup stays short and stable. */
export function svgNumber(v: number): string {
  return String(Math.round(v * 100) / 100);
}

export function checkPositive(fn: string, name: string, v: number): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new Error(`${fn}: ${name} must be a positive number, got ${v}`);
  }
}

export interface HeatmapLayoutInput {
  rowLabels: readonly string[];
  colLabels: readonly string[];
  title?: string;
  cellSize: number;
  /** Width of the grid lines drawn between and around cells as their own pixels (PNG: 1 or 0; SVG: 0). */
  line: number;
  fontSize: number;
  /** Column labels are rotated this many degrees counter-clockwise. */
  colLabelAngle: number;
  colorbar: boolean;
  /** Colour bar tick labels, bottom (low) to top (high). */
  tickLabels: readonly string[];
  measure: MeasureText;
  /** Put the grid's corner on whole pixels (raster output). */
  snap?: boolean;
}

/** Where everything of a heatmap goes, px; text positions are anchors as SVG's text elements use them. */
export interface HeatmapLayout {
  width: number;
  height: number;
  /** Outer corner and size of the grid (cells plus grid lines). */
  gridX: number;
  gridY: number;
  gridW: number;
  gridH: number;
  cellSize: number;
  line: number;
  /** Top-left corner of cell (i, j). */
  cellX: (j: number) => number;
  cellY: (i: number) => number;
  /** Centre of column j / row i. */
  cx: (j: number) => number;
  cy: (i: number) => number;
  /** Title: left, baseline, font size. */
  titleX: number;
  titleY: number;
  titleSize: number;
  /** Row labels end at rowLabelX (anchor "end"), vertically centred on cy(i). */
  rowLabelX: number;
  /** Column label j: anchor point and rotation; anchor "middle" when unrotated, else "start". */
  colLabelX: (j: number) => number;
  colLabelY: number;
  colLabelAngle: number;
  /** Colour bar box and the y of each tick (bottom, middle, top); labels start at tickLabelX. */
  barX: number;
  barY: number;
  barW: number;
  barH: number;
  tickY: number[];
  tickLabelX: number;
  tickSize: number;
}

/** Lays out a heatmap of rowLabels.length × colLabels.length cells with its labels and colour bar. */
export function heatmapLayout(input: HeatmapLayoutInput): HeatmapLayout {
  const { rowLabels, colLabels, cellSize, line, fontSize, measure } = input;
  const rows = rowLabels.length;
  const cols = colLabels.length;
  const angleDeg = input.colLabelAngle;
  const a = (angleDeg * Math.PI) / 180;
  const snap = (v: number) => (input.snap ? Math.round(v) : v);
  const titleSize = fontSize * 1.25;
  const titleH = input.title ? titleSize * 1.4 + PAD : 0;
  const rowLabelW = Math.max(0, ...rowLabels.map((l) => measure(l, fontSize)));
  const colW = colLabels.map((l) => measure(l, fontSize));
  const headerH =
    angleDeg === 0
      ? fontSize * 1.3
      : Math.max(...colW.map((w) => w * Math.sin(a) + fontSize * Math.cos(a))) + fontSize * 0.3;
  const gridX = snap(PAD + rowLabelW + 6);
  const gridY = snap(PAD + titleH + headerH + 4);
  const pitch = cellSize + line;
  const gridW = cols * pitch + line;
  const gridH = rows * pitch + line;
  const cellX = (j: number) => gridX + line + j * pitch;
  const cellY = (i: number) => gridY + line + i * pitch;
  const cx = (j: number) => cellX(j) + cellSize / 2;
  const cy = (i: number) => cellY(i) + cellSize / 2;
  const colLabelX = (j: number) => (angleDeg === 0 ? cx(j) : cx(j) + fontSize * 0.3 * Math.sin(a));
  const overhang = Math.max(
    ...colW.map((w, j) => cx(j) + (angleDeg === 0 ? w / 2 : w * Math.cos(a) + fontSize * 0.3 * Math.sin(a))),
  );
  const tickSize = fontSize * 0.9;
  const barX = gridX + gridW + 16;
  const barW = 14;
  const barH = Math.max(gridH, 60);
  const tickLabelX = barX + barW + 6;
  const barRight = input.colorbar
    ? tickLabelX + Math.max(...input.tickLabels.map((t) => measure(t, tickSize)))
    : gridX + gridW;
  const titleW = input.title ? PAD + measure(input.title, titleSize) : 0;
  return {
    width: Math.ceil(Math.max(barRight, overhang, titleW) + PAD),
    height: Math.ceil(gridY + Math.max(gridH, input.colorbar ? barH : 0) + PAD),
    gridX,
    gridY,
    gridW,
    gridH,
    cellSize,
    line,
    cellX,
    cellY,
    cx,
    cy,
    titleX: PAD,
    titleY: PAD + titleSize,
    titleSize,
    rowLabelX: gridX - 6,
    colLabelX,
    colLabelY: gridY - 6,
    colLabelAngle: angleDeg,
    barX,
    barY: gridY,
    barW,
    barH,
    tickY: [gridY + barH, gridY + barH / 2, gridY],
    tickLabelX,
    tickSize,
  };
}
