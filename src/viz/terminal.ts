/**
 * Attention heatmaps for the terminal: row labels on the left, column labels on top, one coloured block
 * per weight (24-bit or 256-colour ANSI backgrounds, or shade characters " ░▒▓█" with no colour at all),
 * and a legend with the scale. Widths are display widths (grapheme clusters, wide characters, ANSI
 * escapes ignored), so Devanagari, CJK and emoji labels line up. A Devanagari word is never stacked
 * letter by letter (labels.ts), and `<unk>` labels are drawn in their own colour in the coloured modes.
 */
import { type ColormapName, colorAt, contrastColor, type RGB } from "./colormap.js";
import { isUnknownLabel, mustStayUpright, UNK_COLOR } from "./labels.js";
import {
  fitValue,
  formatValue,
  labelsOrIndices,
  makeScale,
  type ScaleOptions,
  validateMatrix,
} from "./matrix.js";
import {
  displayWidth,
  graphemes,
  graphemeWidth,
  padCenterWidth,
  padEndWidth,
  padStartWidth,
  truncateToWidth,
} from "./text.js";

/** Colour mode: 24-bit ANSI, the xterm 256-colour palette, or shade characters only. */
export type TerminalColor = "truecolor" | "256" | "none";

/**
 * How column labels are laid out. "horizontal": one line, each label cut to the cell width. "vertical":
 * one grapheme per line (a header with a label in a script that must stay whole, such as Devanagari, is
 * staggered instead). "staggered": each label starting above its column, with "│" guides down to the
 * grid, a label sharing the line of the one before it when it fits beside it (readable for long labels
 * and for scripts that must not be split). "auto" (default): horizontal when every label fits its cell,
 * staggered otherwise.
 */
export type ColumnHeader = "auto" | "horizontal" | "vertical" | "staggered";

export interface TerminalHeatmapOptions extends ScaleOptions {
  /** One label per row (query/target token); defaults to "0", "1", …. */
  rowLabels?: string[];
  /** One label per column (key/source token); defaults to "0", "1", …. */
  colLabels?: string[];
  /** A line printed above the heatmap. */
  title?: string;
  /** Default "truecolor". */
  color?: TerminalColor;
  /** Colormap for the coloured modes (default "viridis"). */
  colormap?: ColormapName;
  /** Width of one cell in terminal columns (default 2, or 5 with `showValues`). */
  cellWidth?: number;
  /** Blank columns between cells (default 0 with colour, 1 with `color: "none"`). */
  gap?: number;
  /** Print each value inside its cell (in "none" mode the number replaces the shade). */
  showValues?: boolean;
  /** Column label layout (default "auto"). */
  columnHeader?: ColumnHeader;
  /** Labels longer than this many display cells are cut with "…" (default 20). */
  maxLabelWidth?: number;
  /** Draw a frame around the grid (default: only with `color: "none"`, where zero cells are blank). */
  frame?: boolean;
  /** Print the legend line (default true). */
  legend?: boolean;
  /**
   * Widest map drawn, in terminal columns (default 1000; pass the terminal's width). A wider map is
   * first drawn without values (if `showValues` and no `cellWidth` were given), and if it still does
   * not fit, replaced by a one-line note — the cost stays linear in the input, never quadratic.
   */
  maxWidth?: number;
}

/** Default `maxWidth`: wider maps are summarised (see `TerminalHeatmapOptions.maxWidth`). */
export const DEFAULT_MAX_WIDTH = 1000;

const RESET = "\u001b[0m";
const BOLD = "\u001b[1m";
/** Shade characters from t = 0 to t = 1. */
export const SHADES = [" ", "░", "▒", "▓", "█"] as const;

/** The shade character for t ∈ [0, 1]: the nearest of five levels, so 0 → " " and 1 → "█". */
export function shadeChar(t: number): string {
  const k = Math.round(Math.min(1, Math.max(0, t)) * (SHADES.length - 1));
  return SHADES[k];
}

const CUBE_LEVELS = [0, 95, 135, 175, 215, 255];

function nearestCubeIndex(c: number): number {
  let best = 0;
  for (let i = 1; i < CUBE_LEVELS.length; i++) {
    if (Math.abs(CUBE_LEVELS[i] - c) < Math.abs(CUBE_LEVELS[best] - c)) best = i;
  }
  return best;
}

/** The nearest xterm 256-palette index (6×6×6 cube 16–231 or grey ramp 232–255) to an RGB colour. */
export function rgbTo256(rgb: RGB): number {
  const [r, g, b] = rgb;
  const ri = nearestCubeIndex(r);
  const gi = nearestCubeIndex(g);
  const bi = nearestCubeIndex(b);
  const cube: RGB = [CUBE_LEVELS[ri], CUBE_LEVELS[gi], CUBE_LEVELS[bi]];
  const greyLevel = Math.min(23, Math.max(0, Math.round(((r + g + b) / 3 - 8) / 10)));
  const greyValue = 8 + 10 * greyLevel;
  const dist = (c: RGB) => (c[0] - r) ** 2 + (c[1] - g) ** 2 + (c[2] - b) ** 2;
  return dist([greyValue, greyValue, greyValue]) < dist(cube) ? 232 + greyLevel : 16 + 36 * ri + 6 * gi + bi;
}

function bg(mode: TerminalColor, rgb: RGB): string {
  return mode === "256" ? `\u001b[48;5;${rgbTo256(rgb)}m` : `\u001b[48;2;${rgb[0]};${rgb[1]};${rgb[2]}m`;
}

function fg(mode: TerminalColor, rgb: RGB): string {
  return mode === "256" ? `\u001b[38;5;${rgbTo256(rgb)}m` : `\u001b[38;2;${rgb[0]};${rgb[1]};${rgb[2]}m`;
}

function checkInt(fn: string, name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min)
    throw new Error(`${fn}: ${name} must be an integer ≥ ${min}, got ${v}`);
}

/** Builds one text line from pieces placed at display columns (pieces must be given left to right). */
function placeAt(pieces: { col: number; text: string }[]): string {
  let line = "";
  let w = 0;
  for (const p of pieces) {
    if (p.col > w) {
      line += " ".repeat(p.col - w);
      w = p.col;
    }
    line += p.text;
    w += displayWidth(p.text);
  }
  return line.replace(/ +$/, "");
}

/**
 * Renders `weights` (rows = queries, columns = keys) as a terminal heatmap and returns it as a string
 * (lines joined by "\n", no trailing newline).
 */
export function heatmapTerminal(weights: number[][], options: TerminalHeatmapOptions = {}): string {
  const fn = "heatmapTerminal";
  const { rows, cols } = validateMatrix(fn, weights, options.rowLabels, options.colLabels);
  const mode: TerminalColor = options.color ?? "truecolor";
  if (mode !== "truecolor" && mode !== "256" && mode !== "none") {
    throw new Error(`${fn}: color must be "truecolor", "256" or "none", got ${JSON.stringify(mode)}`);
  }
  const colormap = options.colormap ?? "viridis";
  const showValues = options.showValues ?? false;
  const cellWidth = options.cellWidth ?? (showValues ? 5 : 2);
  checkInt(fn, "cellWidth", cellWidth, 1);
  const gap = options.gap ?? (mode === "none" ? 1 : 0);
  checkInt(fn, "gap", gap, 0);
  const maxLabelWidth = options.maxLabelWidth ?? 20;
  checkInt(fn, "maxLabelWidth", maxLabelWidth, 1);
  const frame = options.frame ?? mode === "none";
  const maxWidth = options.maxWidth ?? DEFAULT_MAX_WIDTH;
  checkInt(fn, "maxWidth", maxWidth, 1);
  const scale = makeScale(fn, weights, options);
  const colored = mode !== "none";

  const rowLabels = labelsOrIndices(options.rowLabels, rows).map((l) => truncateToWidth(l, maxLabelWidth));
  let labelWidth = 0;
  for (const l of rowLabels) labelWidth = Math.max(labelWidth, displayWidth(l));
  // Too wide for the terminal: drop the values, then give up with a note (before any column header
  // is laid out — the staggered header alone is O(columns²)).
  const width = labelWidth + 1 + (frame ? 2 : 0) + cols * cellWidth + (cols - 1) * gap;
  if (width > maxWidth) {
    if (showValues && options.cellWidth === undefined) {
      const plain = heatmapTerminal(weights, { ...options, showValues: false });
      if (!plain.startsWith("(heatmap omitted"))
        return `${plain}\n(values hidden to fit ${maxWidth} columns)`;
    }
    return (
      `(heatmap omitted: ${rows} × ${cols} weights need ${width} terminal columns, more than ${maxWidth}; ` +
      "save the map as SVG, PNG or HTML instead)"
    );
  }
  const colLabels = labelsOrIndices(options.colLabels, cols).map((l) => truncateToWidth(l, maxLabelWidth));
  const gridLeft = labelWidth + 1 + (frame ? 1 : 0);
  const pitch = cellWidth + gap;
  const gridWidth = cols * cellWidth + (cols - 1) * gap;
  const colStart = (j: number) => gridLeft + j * pitch;
  const colCenter = (j: number) => colStart(j) + Math.floor((cellWidth - 1) / 2);

  const lines: string[] = [];
  if (options.title) lines.push(colored ? `${BOLD}${options.title}${RESET}` : options.title);

  // Column header.
  let header = options.columnHeader ?? "auto";
  const fitsCell = colLabels.every((l) => displayWidth(l) <= cellWidth);
  if (header === "auto") header = fitsCell ? "horizontal" : "staggered";
  if (
    header === "vertical" &&
    colLabels.some((l) => mustStayUpright(l) || graphemes(l).some((g) => graphemeWidth(g) > cellWidth))
  ) {
    header = "staggered";
  }
  // <unk> in its own colour (after any cutting: the escapes take no cells).
  const paint = (l: string) => (colored && isUnknownLabel(l) ? `${fg(mode, UNK_COLOR)}${l}\u001b[39m` : l);
  if (header === "horizontal") {
    lines.push(
      placeAt(
        colLabels.map((l, j) => ({
          col: colStart(j),
          text: padCenterWidth(paint(truncateToWidth(l, cellWidth)), cellWidth),
        })),
      ),
    );
  } else if (header === "vertical") {
    const split = colLabels.map(graphemes);
    const height = Math.max(...split.map((g) => g.length));
    for (let r = 0; r < height; r++) {
      lines.push(
        placeAt(split.map((g, j) => ({ col: colStart(j), text: padCenterWidth(g[r] ?? "", cellWidth) }))),
      );
    }
  } else if (header === "staggered") {
    // Label j goes on the line of label j − 1 when it starts two spaces after it ends (one space would
    // read as one label), else on the next line: lines never decrease left to right, so every guide
    // runs down left of the later labels.
    const lineOf: number[] = [];
    for (let j = 0; j < cols; j++) {
      const prev = lineOf[j - 1];
      const fits = j > 0 && colCenter(j - 1) + displayWidth(colLabels[j - 1]) + 2 <= colCenter(j);
      lineOf.push(j === 0 ? 0 : fits ? prev : prev + 1);
    }
    const height = cols > 0 ? lineOf[cols - 1] + 1 : 0;
    for (let r = 0; r < height; r++) {
      const pieces = [];
      for (let k = 0; k < cols && lineOf[k] <= r; k++) {
        pieces.push({ col: colCenter(k), text: lineOf[k] < r ? "│" : paint(colLabels[k]) });
      }
      lines.push(placeAt(pieces));
    }
  } else {
    throw new Error(
      `${fn}: columnHeader must be auto, horizontal, vertical or staggered, got ${JSON.stringify(header)}`,
    );
  }

  const indent = " ".repeat(labelWidth + 1);
  if (frame) lines.push(`${indent}┌${"─".repeat(gridWidth)}┐`);
  for (let i = 0; i < rows; i++) {
    let line = `${padStartWidth(paint(rowLabels[i]), labelWidth)} ${frame ? "│" : ""}`;
    for (let j = 0; j < cols; j++) {
      const v = weights[i][j];
      const t = scale.t(v);
      if (j > 0 && gap > 0) line += colored ? `${RESET}${" ".repeat(gap)}` : " ".repeat(gap);
      if (colored) {
        const rgb = colorAt(colormap, t);
        line += bg(mode, rgb);
        line += showValues
          ? `${fg(mode, contrastColor(rgb))}${padStartWidth(fitValue(v, cellWidth), cellWidth)}`
          : " ".repeat(cellWidth);
      } else {
        line += showValues
          ? padStartWidth(fitValue(v, cellWidth), cellWidth)
          : shadeChar(t).repeat(cellWidth);
      }
    }
    if (colored) line += RESET;
    if (frame) line += "│";
    lines.push(line);
  }
  if (frame) lines.push(`${indent}└${"─".repeat(gridWidth)}┘`);

  if (options.legend ?? true) {
    const lo = formatValue(scale.lo);
    const hi = formatValue(scale.hi);
    if (colored) {
      const steps = Math.max(8, Math.min(24, gridWidth));
      let bar = "";
      for (let k = 0; k < steps; k++) bar += `${bg(mode, colorAt(colormap, k / (steps - 1)))} `;
      lines.push(`${indent}${lo} ${bar}${RESET} ${hi}`);
    } else {
      const parts = SHADES.map(
        (s, k) => `[${s}] ${formatValue(scale.lo + (k / (SHADES.length - 1)) * (scale.hi - scale.lo))}`,
      );
      lines.push(`${indent}${parts.join("  ")}`);
    }
  }
  return lines.join("\n");
}

/**
 * Places multi-line blocks (e.g. two heatmaps) next to each other with `gap` spaces between them. Widths
 * are display widths with ANSI escapes ignored; lines holding escapes get a reset so colours never bleed
 * into the next block. `align: "bottom"` lines up the last lines, which puts the grids of two heatmaps
 * with the same rows (and different column headers) on the same lines.
 */
export function sideBySide(blocks: string[], gap = 4, align: "top" | "bottom" = "top"): string {
  if (!Array.isArray(blocks))
    throw new Error(`sideBySide: blocks must be an array of strings, got ${typeof blocks}`);
  checkInt("sideBySide", "gap", gap, 0);
  if (align !== "top" && align !== "bottom") {
    throw new Error(`sideBySide: align must be "top" or "bottom", got ${JSON.stringify(align)}`);
  }
  const split = blocks.map((b, i) => {
    if (typeof b !== "string") throw new Error(`sideBySide: blocks[${i}] must be a string, got ${typeof b}`);
    return b.split("\n");
  });
  const widths = split.map((ls) => Math.max(0, ...ls.map(displayWidth)));
  const height = Math.max(0, ...split.map((ls) => ls.length));
  const out: string[] = [];
  for (let r = 0; r < height; r++) {
    const parts = split.map((ls, i) => {
      const line = (align === "top" ? ls[r] : ls[r - (height - ls.length)]) ?? "";
      const closed = line.includes("\u001b[") && !line.endsWith(RESET) ? line + RESET : line;
      return i === split.length - 1 ? closed : padEndWidth(closed, widths[i]);
    });
    out.push(parts.join(" ".repeat(gap)).replace(/ +$/, ""));
  }
  return out.join("\n");
}
