/**
 * Geometry shared by the renderers: padding, text-width estimates for SVG (whose text the viewer's fonts
 * draw), number formatting for markup, and the heatmap layout (title, column labels, row labels, cells,
 * colour bar, caption) used by both the SVG and the PNG heatmap, so the two place every label alike. The
 * PNG measures text exactly in its embedded font; the SVG estimates it.
 *
 * Column labels are either all turned by `colLabelAngle` ("rotated", Latin headers) or, when any label is
 * in a script that must stay upright (labels.ts: Devanagari and its relatives), all horizontal ("upright"):
 * each centred over its column, in the lowest row where it does not touch its neighbours (staggered rows),
 * with a thin leader line from a raised label down to its column.
 */
import { mustStayUpright } from "./labels.js";
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
  /** A line of small text under the grid (e.g. how pieces were merged into words). */
  caption?: string;
}

/** How the column labels are drawn: all turned by the angle, or all horizontal in staggered rows. */
export type ColLabelMode = "rotated" | "upright";

/** A vertical line from (x, y1) down to (x, y2). */
export interface Leader {
  x: number;
  y1: number;
  y2: number;
}

/** A label's box: left, top, width, height. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
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
  /**
   * Column label j: anchor point and rotation; anchor "middle" when unrotated (angle 0 or upright mode),
   * else "start". `colLabelY` is the baseline of the lowest row; `colLabelBaseline(j)` label j's own.
   */
  colLabelX: (j: number) => number;
  colLabelY: number;
  colLabelBaseline: (j: number) => number;
  /** The angle the labels are turned by: `colLabelAngle` in rotated mode, 0 in upright mode. */
  colLabelAngle: number;
  colLabelMode: ColLabelMode;
  /** Upright mode: the row of each column label (0 = just above the grid), and each label's box. */
  colLabelLevel: number[];
  colLabelBox: (j: number) => Box;
  /** Upright mode: the leader lines of the raised labels (none in rotated mode). */
  colLeaders: Leader[];
  /** Caption: its lines (wrapped to the picture's width), left, first baseline, line pitch, font size. */
  captionLines: string[];
  captionX: number;
  captionY: number;
  captionLine: number;
  captionSize: number;
  /** Colour bar box and the y of each tick (bottom, middle, top); labels start at tickLabelX. */
  barX: number;
  barY: number;
  barW: number;
  barH: number;
  tickY: number[];
  tickLabelX: number;
  tickSize: number;
}

/** Ascent and descent of a label line above / below its baseline, in em (Devanagari vowel signs included). */
const UPRIGHT_ASCENT = 1.0;
const UPRIGHT_DESCENT = 0.42;
/** Pitch of the staggered rows, in em. */
const UPRIGHT_LINE = 1.55;

/**
 * Rows for horizontal labels centred at `centers` with widths `widths`: each label, left to right, in the
 * lowest row where it keeps `gap` from the label before it in that row, preferring rows where its leader
 * (the line down from it to its column) crosses no lower label and it covers no higher label's leader.
 */
export function staggerLevels(centers: readonly number[], widths: readonly number[], gap: number): number[] {
  const levels: number[] = [];
  const rightEnd: number[] = []; // per row: right edge of its last label
  const placed: { l: number; r: number; x: number; level: number }[] = [];
  for (let j = 0; j < centers.length; j++) {
    const x = centers[j];
    const l = x - widths[j] / 2;
    const r = x + widths[j] / 2;
    const fits = (k: number) => rightEnd[k] === undefined || rightEnd[k] + gap <= l;
    const clean = (k: number) =>
      placed.every((p) =>
        p.level < k ? !(p.l - 1 <= x && x <= p.r + 1) : p.level > k ? !(l - 1 <= p.x && p.x <= r + 1) : true,
      );
    let level = -1;
    for (let k = 0; k <= rightEnd.length; k++) {
      if (fits(k) && clean(k)) {
        level = k;
        break;
      }
    }
    if (level < 0) for (level = 0; !fits(level); level++);
    levels.push(level);
    rightEnd[level] = r;
    placed.push({ l, r, x, level });
  }
  return levels;
}

/** `text` cut at spaces into lines of at most `width` px (a longer word gets a line of its own). */
export function wrapText(text: string, width: number, fontSize: number, measure: MeasureText): string[] {
  const lines: string[] = [];
  let cur = "";
  for (const w of text.split(/\s+/).filter((x) => x !== "")) {
    const next = cur ? `${cur} ${w}` : w;
    if (cur && measure(next, fontSize) > width) {
      lines.push(cur);
      cur = w;
    } else cur = next;
  }
  if (cur) lines.push(cur);
  return lines;
}

/** Lays out a heatmap of rowLabels.length × colLabels.length cells with its labels and colour bar. */
export function heatmapLayout(input: HeatmapLayoutInput): HeatmapLayout {
  const { rowLabels, colLabels, cellSize, line, fontSize, measure } = input;
  const rows = rowLabels.length;
  const cols = colLabels.length;
  const mode: ColLabelMode = colLabels.some(mustStayUpright) ? "upright" : "rotated";
  const angleDeg = mode === "upright" ? 0 : input.colLabelAngle;
  const a = (angleDeg * Math.PI) / 180;
  const snap = (v: number) => (input.snap ? Math.round(v) : v);
  const titleSize = fontSize * 1.25;
  const titleH = input.title ? titleSize * 1.4 + PAD : 0;
  const rowLabelW = Math.max(0, ...rowLabels.map((l) => measure(l, fontSize)));
  const colW = colLabels.map((l) => measure(l, fontSize));
  const pitch = cellSize + line;
  // Column centres relative to the grid's left edge.
  const relCx = (j: number) => line + j * pitch + cellSize / 2;
  const asc = UPRIGHT_ASCENT * fontSize;
  const desc = UPRIGHT_DESCENT * fontSize;
  const lh = UPRIGHT_LINE * fontSize;
  const levels =
    mode === "upright"
      ? staggerLevels(
          colW.map((_, j) => relCx(j)),
          colW,
          fontSize * 0.6,
        )
      : colW.map(() => 0);
  const nLevels = Math.max(0, ...levels) + 1;
  const headerH =
    mode === "upright"
      ? desc + (nLevels - 1) * lh + asc
      : angleDeg === 0
        ? fontSize * 1.3
        : Math.max(...colW.map((w) => w * Math.sin(a) + fontSize * Math.cos(a))) + fontSize * 0.3;
  // Upright labels are centred on their columns: the first may reach left of the grid.
  const leftReach =
    mode === "upright" || angleDeg === 0 ? Math.max(0, ...colW.map((w, j) => w / 2 - relCx(j))) : 0;
  const gridX = snap(Math.max(PAD + rowLabelW + 6, PAD + leftReach));
  const gridY = snap(PAD + titleH + headerH + 4);
  const gridW = cols * pitch + line;
  const gridH = rows * pitch + line;
  const cellX = (j: number) => gridX + line + j * pitch;
  const cellY = (i: number) => gridY + line + i * pitch;
  const cx = (j: number) => cellX(j) + cellSize / 2;
  const cy = (i: number) => cellY(i) + cellSize / 2;
  const colLabelX = (j: number) => (angleDeg === 0 ? cx(j) : cx(j) + fontSize * 0.3 * Math.sin(a));
  const colLabelY = gridY - (mode === "upright" ? 4 + desc : 6);
  const colLabelBaseline = (j: number) => colLabelY - levels[j] * lh;
  const colLabelBox = (j: number): Box => ({
    x: colLabelX(j) - colW[j] / 2 - 1,
    y: colLabelBaseline(j) - asc,
    w: colW[j] + 2,
    h: asc + desc,
  });
  const colLeaders: Leader[] = [];
  if (mode === "upright") {
    levels.forEach((k, j) => {
      if (k > 0) colLeaders.push({ x: cx(j), y1: colLabelBaseline(j) + desc, y2: gridY });
    });
  }
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
  const right = Math.max(barRight, overhang, titleW);
  // The caption wraps at the picture's width (at least 260 px of text).
  const captionSize = fontSize * 0.85;
  const captionLine = captionSize * 1.35;
  const captionLines = input.caption
    ? wrapText(input.caption, Math.max(right - PAD, 260), captionSize, measure)
    : [];
  const captionW = Math.max(0, ...captionLines.map((l) => PAD + measure(l, captionSize)));
  const bottom = gridY + Math.max(gridH, input.colorbar ? barH : 0);
  const captionY = bottom + 6 + captionSize;
  const captionBottom = captionY + (captionLines.length - 1) * captionLine + captionSize * 0.35;
  return {
    width: Math.ceil(Math.max(right, captionW) + PAD),
    height: Math.ceil((captionLines.length > 0 ? captionBottom : bottom) + PAD),
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
    colLabelY,
    colLabelBaseline,
    colLabelAngle: angleDeg,
    colLabelMode: mode,
    colLabelLevel: levels,
    colLabelBox,
    colLeaders,
    captionLines,
    captionX: PAD,
    captionY,
    captionLine,
    captionSize,
    barX,
    barY: gridY,
    barW,
    barH,
    tickY: [gridY + barH, gridY + barH / 2, gridY],
    tickLabelX,
    tickSize,
  };
}
