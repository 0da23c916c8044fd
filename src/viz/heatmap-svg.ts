/**
 * A standalone SVG attention heatmap: escaped labels, column labels slanted (Latin) or upright in staggered
 * rows (Devanagari and other scripts that must not turn, labels.ts), a colour bar, values in a contrasting
 * colour, `<unk>` labels in their own colour. The output is a plain string with no ids, scripts or external
 * resources, so several can be inlined in one page. Its geometry is {@link heatmapLayout}'s, shared with
 * the PNG heatmap.
 */
import { type ColormapName, colorAt, contrastColor, type RGB, toHex } from "./colormap.js";
import { DEFAULT_FONT_FAMILY } from "./font-family.js";
import { isUnknownLabel, LEADER_COLOR, UNK_CSS } from "./labels.js";
import { checkPositive, estimateTextWidth, heatmapLayout, svgNumber as n } from "./layout.js";
import { formatValue, labelsOrIndices, makeScale, type ScaleOptions, validateMatrix } from "./matrix.js";
import { escapeXml } from "./text.js";

export interface SvgHeatmapOptions extends ScaleOptions {
  /** One label per row (query/target token); defaults to "0", "1", …. */
  rowLabels?: string[];
  /** One label per column (key/source token); defaults to "0", "1", …. */
  colLabels?: string[];
  /** Heading drawn above the heatmap (also the SVG's accessible name). */
  title?: string;
  /** Side of one square cell in px (default 32). */
  cellSize?: number;
  /** Default "viridis". */
  colormap?: ColormapName;
  /** Write each value in its cell, black or white for contrast (default false). */
  showValues?: boolean;
  /** Label font size in px (default 12). */
  fontSize?: number;
  /** CSS font-family for all text. */
  fontFamily?: string;
  /**
   * Column labels are rotated this many degrees counter-clockwise, 0–90 (default 45). Ignored when a column
   * label is in a script that must stay upright (Devanagari, …): then every column label is horizontal.
   */
  colLabelAngle?: number;
  /** A line of small text under the map (e.g. "words: … sum over a source word's pieces …"). */
  caption?: string;
  /** Draw the colour bar legend (default true). */
  colorbar?: boolean;
  /** Give each cell a `<title>` child, the browser's native tooltip (default true). */
  cellTitles?: boolean;
  /** Cell border colour, or "none" (default "#ffffff"). */
  gridColor?: string;
  /** Page background colour, or "none" for transparent (default "#ffffff"). */
  background?: string;
}

/**
 * Renders `weights` (rows = queries, columns = keys) as a standalone SVG document string. Each cell is a
 * `<rect class="cell">` carrying `data-row`, `data-col`, `data-q`, `data-k` and `data-w` attributes.
 */
export function heatmapSvg(weights: number[][], options: SvgHeatmapOptions = {}): string {
  return renderHeatmapSvg("heatmapSvg", weights, options);
}

/** {@link heatmapSvg} with the calling function's name used in error messages. */
export function renderHeatmapSvg(fn: string, weights: number[][], options: SvgHeatmapOptions): string {
  const { rows, cols } = validateMatrix(fn, weights, options.rowLabels, options.colLabels);
  const cellSize = options.cellSize ?? 32;
  checkPositive(fn, "cellSize", cellSize);
  const fontSize = options.fontSize ?? 12;
  checkPositive(fn, "fontSize", fontSize);
  const angleDeg = options.colLabelAngle ?? 45;
  if (!(angleDeg >= 0 && angleDeg <= 90))
    throw new Error(`${fn}: colLabelAngle must be in [0, 90], got ${angleDeg}`);
  const colormap = options.colormap ?? "viridis";
  const scale = makeScale(fn, weights, options);
  const rowLabels = labelsOrIndices(options.rowLabels, rows);
  const colLabels = labelsOrIndices(options.colLabels, cols);
  const showColorbar = options.colorbar ?? true;
  const gridColor = options.gridColor ?? "#ffffff";
  const background = options.background ?? "#ffffff";
  const fontFamily = options.fontFamily ?? DEFAULT_FONT_FAMILY;

  const ticks = [scale.lo, (scale.lo + scale.hi) / 2, scale.hi];
  const tickLabels = ticks.map((v) => formatValue(v));
  const L = heatmapLayout({
    rowLabels,
    colLabels,
    title: options.title,
    cellSize,
    line: 0,
    fontSize,
    colLabelAngle: angleDeg,
    colorbar: showColorbar,
    tickLabels,
    measure: estimateTextWidth,
    caption: options.caption,
  });
  const { width, height } = L;

  const out: string[] = [];
  const label = options.title ?? `attention weights ${rows}×${cols}`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(label)}" font-family="${escapeXml(fontFamily)}" font-size="${n(fontSize)}">`,
  );
  out.push(`<title>${escapeXml(label)}</title>`);
  if (background !== "none") {
    out.push(
      `<rect class="background" width="${width}" height="${height}" fill="${escapeXml(background)}"/>`,
    );
  }
  if (options.title) {
    out.push(
      `<text class="title" x="${L.titleX}" y="${n(L.titleY)}" font-size="${n(L.titleSize)}" font-weight="600" fill="#222">${escapeXml(options.title)}</text>`,
    );
  }

  // <unk> labels in their own colour.
  const unk = (l: string) => (isUnknownLabel(l) ? ` class="unk" fill="${UNK_CSS}"` : "");
  // Column labels: upright ones centred above their columns (raised ones with a leader line down to the
  // column, drawn first, and a halo in the background colour so a leader never runs through a word);
  // slanted ones rotated about their anchor just above each column.
  const upright = L.colLabelMode === "upright";
  if (L.colLeaders.length > 0) {
    out.push(`<g class="col-leaders" stroke="${toHex(LEADER_COLOR)}" stroke-width="0.75">`);
    for (const d of L.colLeaders)
      out.push(`<line x1="${n(d.x)}" y1="${n(d.y1)}" x2="${n(d.x)}" y2="${n(d.y2)}"/>`);
    out.push("</g>");
  }
  const halo =
    L.colLeaders.length > 0
      ? ` stroke="${escapeXml(background === "none" ? "#ffffff" : background)}" stroke-width="3" stroke-linejoin="round" paint-order="stroke"`
      : "";
  out.push(`<g class="col-labels${upright ? " upright" : ""}" fill="#222"${halo}>`);
  for (let j = 0; j < cols; j++) {
    const x = L.colLabelX(j);
    const y = L.colLabelBaseline(j);
    if (L.colLabelAngle === 0) {
      out.push(
        `<text x="${n(x)}" y="${n(y)}" text-anchor="middle"${unk(colLabels[j])}>${escapeXml(colLabels[j])}</text>`,
      );
    } else {
      // The anchor is shifted so the rotated text's centre line, not its baseline, points at the column.
      out.push(
        `<text transform="translate(${n(x)} ${n(y)}) rotate(${n(-L.colLabelAngle)})" text-anchor="start"${unk(colLabels[j])}>${escapeXml(colLabels[j])}</text>`,
      );
    }
  }
  out.push("</g>");

  out.push(`<g class="row-labels" fill="#222" text-anchor="end">`);
  for (let i = 0; i < rows; i++) {
    out.push(
      `<text x="${n(L.rowLabelX)}" y="${n(L.cy(i))}" dominant-baseline="central"${unk(rowLabels[i])}>${escapeXml(rowLabels[i])}</text>`,
    );
  }
  out.push("</g>");

  const stroke = gridColor === "none" ? "" : ` stroke="${escapeXml(gridColor)}" stroke-width="1"`;
  out.push(`<g class="cells"${stroke}>`);
  const colors: RGB[][] = [];
  for (let i = 0; i < rows; i++) {
    colors.push([]);
    for (let j = 0; j < cols; j++) {
      const v = weights[i][j];
      const rgb = colorAt(colormap, scale.t(v));
      colors[i].push(rgb);
      const attrs = `class="cell" x="${n(L.cellX(j))}" y="${n(L.cellY(i))}" width="${n(cellSize)}" height="${n(cellSize)}" fill="${toHex(rgb)}" data-row="${i}" data-col="${j}" data-q="${escapeXml(rowLabels[i])}" data-k="${escapeXml(colLabels[j])}" data-w="${formatValue(v, 4)}"`;
      if (options.cellTitles ?? true) {
        out.push(
          `<rect ${attrs}><title>${escapeXml(`${rowLabels[i]} → ${colLabels[j]}: ${formatValue(v, 4)}`)}</title></rect>`,
        );
      } else {
        out.push(`<rect ${attrs}/>`);
      }
    }
  }
  out.push("</g>");

  if (options.showValues) {
    const vs = Math.min(fontSize, cellSize * 0.34);
    out.push(`<g class="values" text-anchor="middle" font-size="${n(vs)}" pointer-events="none">`);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        out.push(
          `<text x="${n(L.cx(j))}" y="${n(L.cy(i))}" dominant-baseline="central" fill="${toHex(contrastColor(colors[i][j]))}">${formatValue(weights[i][j])}</text>`,
        );
      }
    }
    out.push("</g>");
  }

  if (showColorbar) {
    const slices = 64;
    const { barX, barY, barW, barH } = L;
    const sh = barH / slices;
    out.push(`<g class="colorbar">`);
    for (let k = 0; k < slices; k++) {
      // Top slice is the high end of the scale.
      const t = 1 - (k + 0.5) / slices;
      out.push(
        `<rect class="cbar" x="${n(barX)}" y="${n(barY + k * sh)}" width="${barW}" height="${n(sh + 0.5)}" fill="${toHex(colorAt(colormap, t))}"/>`,
      );
    }
    out.push(
      `<rect x="${n(barX)}" y="${n(barY)}" width="${barW}" height="${n(barH)}" fill="none" stroke="#444" stroke-width="0.5"/>`,
    );
    const tickY = L.tickY;
    for (let k = 0; k < ticks.length; k++) {
      out.push(
        `<line x1="${n(barX + barW)}" y1="${n(tickY[k])}" x2="${n(barX + barW + 3)}" y2="${n(tickY[k])}" stroke="#444"/>`,
      );
      out.push(
        `<text x="${n(L.tickLabelX)}" y="${n(tickY[k])}" dominant-baseline="central" font-size="${n(L.tickSize)}" fill="#222">${tickLabels[k]}</text>`,
      );
    }
    out.push("</g>");
  }
  if (L.captionLines.length > 0) {
    out.push(`<g class="caption" font-size="${n(L.captionSize)}" fill="#555">`);
    L.captionLines.forEach((l, k) => {
      out.push(`<text x="${n(L.captionX)}" y="${n(L.captionY + k * L.captionLine)}">${escapeXml(l)}</text>`);
    });
    out.push("</g>");
  }
  out.push("</svg>");
  return out.join("\n");
}
