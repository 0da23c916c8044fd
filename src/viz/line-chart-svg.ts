/**
 * A standalone SVG line chart (e.g. "exact match by sentence length", one line per model): axes, nice
 * ticks, grid lines, axis labels and a legend. The output is a plain string with no ids, scripts or
 * external resources.
 */
import { DEFAULT_FONT_FAMILY } from "./font-family.js";
import { checkPositive, estimateTextWidth, svgNumber as n, PAD } from "./layout.js";
import { formatValue } from "./matrix.js";
import { escapeXml } from "./text.js";

/** One line of a {@link lineChartSvg}: a name for the legend and its [x, y] points. */
export interface LineSeries {
  name: string;
  points: [number, number][];
}

/** Options of `lineChartSvg`. */
export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Fixed y axis range (e.g. [0, 1] for accuracies); points outside are clipped. Default: from the data. */
  yRange?: [number, number];
  /** Fixed x axis range; default: from the data. */
  xRange?: [number, number];
  /** Overall size in px (default 560 × 360). */
  width?: number;
  height?: number;
  /** Font size in px (default 12). */
  fontSize?: number;
  fontFamily?: string;
  /** Draw a circle at every point (default true). */
  markers?: boolean;
  /** Series colours, cycled (default: Tableau 10). */
  colors?: string[];
}

/** Tableau 10: distinct, colour-blind-considerate categorical colours. */
export const SERIES_COLORS = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

/** A "nice" step (1, 2 or 5 × 10^k) giving roughly `count` intervals over `span`. */
export function niceStep(span: number, count = 5): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/** Tick values at multiples of a nice step covering [lo, hi] (inclusive, within rounding). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step = niceStep(hi - lo, count);
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const out: number[] = [];
  for (let k = first; k <= last; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

function decimalsFor(step: number): number {
  return Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
}

function checkRange(fn: string, name: string, r: [number, number] | undefined): void {
  if (r === undefined) return;
  if (
    !Array.isArray(r) ||
    r.length !== 2 ||
    !Number.isFinite(r[0]) ||
    !Number.isFinite(r[1]) ||
    !(r[0] < r[1])
  ) {
    throw new Error(`${fn}: ${name} must be [lo, hi] with finite lo < hi, got ${JSON.stringify(r)}`);
  }
}

/** The data extent widened to nice step multiples (or padded when it is a single value). */
function niceDomain(values: number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const step = niceStep(hi - lo);
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
}

/**
 * Renders line series (e.g. "exact match by sentence length", one line per model) as a standalone SVG
 * string with axes, nice ticks, grid lines, axis labels and a legend. Points are drawn in x order.
 */
export function lineChartSvg(series: LineSeries[], options: LineChartOptions = {}): string {
  const fn = "lineChartSvg";
  if (!Array.isArray(series) || series.length === 0) {
    throw new Error(`${fn}: series must be a non-empty array of { name, points }, got ${describe(series)}`);
  }
  series.forEach((s, i) => {
    if (!s || typeof s.name !== "string") throw new Error(`${fn}: series[${i}].name must be a string`);
    if (!Array.isArray(s.points)) {
      throw new Error(`${fn}: series[${i}] (${JSON.stringify(s.name)}).points must be an array of [x, y]`);
    }
    s.points.forEach((p, k) => {
      if (!Array.isArray(p) || p.length !== 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
        throw new Error(
          `${fn}: series[${i}] (${JSON.stringify(s.name)}).points[${k}] must be [x, y] with finite numbers, got ${describe(p)} (${s.points.length} points)`,
        );
      }
    });
  });
  checkRange(fn, "yRange", options.yRange);
  checkRange(fn, "xRange", options.xRange);
  const width = options.width ?? 560;
  const height = options.height ?? 360;
  checkPositive(fn, "width", width);
  checkPositive(fn, "height", height);
  const fontSize = options.fontSize ?? 12;
  checkPositive(fn, "fontSize", fontSize);
  const palette = options.colors && options.colors.length > 0 ? options.colors : SERIES_COLORS;
  const fontFamily = options.fontFamily ?? DEFAULT_FONT_FAMILY;

  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const [x0, x1] = options.xRange ?? niceDomain(xs);
  const [y0, y1] = options.yRange ?? niceDomain(ys);
  const xTicks = niceTicks(x0, x1, Math.max(2, Math.round(width / 90)));
  const yTicks = niceTicks(y0, y1, Math.max(2, Math.round(height / 60)));
  const xDec = decimalsFor(xTicks.length > 1 ? xTicks[1] - xTicks[0] : Math.abs(x1 - x0));
  const yDec = decimalsFor(yTicks.length > 1 ? yTicks[1] - yTicks[0] : Math.abs(y1 - y0));
  const yTickLabels = yTicks.map((v) => v.toFixed(yDec));

  const titleH = options.title ? fontSize * 1.25 * 1.4 + PAD : 0;
  const legendW = Math.max(...series.map((s) => estimateTextWidth(s.name, fontSize))) + 34;
  const left =
    PAD +
    (options.yLabel ? fontSize * 1.6 : 0) +
    Math.max(...yTickLabels.map((t) => estimateTextWidth(t, fontSize))) +
    8;
  const top = PAD + titleH + fontSize * 0.6;
  const right = width - PAD - legendW - 8;
  const bottom = height - PAD - fontSize * 1.6 - (options.xLabel ? fontSize * 1.6 : 0);
  if (right - left < 20 || bottom - top < 20) {
    throw new Error(`${fn}: width × height ${width}×${height} leaves no room for the plot area`);
  }
  const sx = (x: number) => left + ((x - x0) / (x1 - x0)) * (right - left);
  const sy = (y: number) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);

  const label = options.title ?? "line chart";
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${n(width)} ${n(height)}" role="img" aria-label="${escapeXml(label)}" font-family="${escapeXml(fontFamily)}" font-size="${n(fontSize)}">`,
  );
  out.push(`<title>${escapeXml(label)}</title>`);
  out.push(`<rect class="background" width="${n(width)}" height="${n(height)}" fill="#ffffff"/>`);
  if (options.title) {
    out.push(
      `<text class="title" x="${PAD}" y="${n(PAD + fontSize * 1.25)}" font-size="${n(fontSize * 1.25)}" font-weight="600" fill="#222">${escapeXml(options.title)}</text>`,
    );
  }

  // Grid lines and ticks.
  out.push(`<g class="grid" stroke="#e4e4e4" stroke-width="1">`);
  for (const v of yTicks)
    out.push(`<line x1="${n(left)}" y1="${n(sy(v))}" x2="${n(right)}" y2="${n(sy(v))}"/>`);
  for (const v of xTicks)
    out.push(`<line x1="${n(sx(v))}" y1="${n(top)}" x2="${n(sx(v))}" y2="${n(bottom)}"/>`);
  out.push("</g>");
  out.push(`<g class="axes" stroke="#333" stroke-width="1">`);
  out.push(`<line x1="${n(left)}" y1="${n(bottom)}" x2="${n(right)}" y2="${n(bottom)}"/>`);
  out.push(`<line x1="${n(left)}" y1="${n(top)}" x2="${n(left)}" y2="${n(bottom)}"/>`);
  for (const v of yTicks)
    out.push(`<line x1="${n(left - 4)}" y1="${n(sy(v))}" x2="${n(left)}" y2="${n(sy(v))}"/>`);
  for (const v of xTicks)
    out.push(`<line x1="${n(sx(v))}" y1="${n(bottom)}" x2="${n(sx(v))}" y2="${n(bottom + 4)}"/>`);
  out.push("</g>");
  out.push(`<g class="y-ticks" fill="#333" text-anchor="end">`);
  yTicks.forEach((v, k) => {
    out.push(`<text x="${n(left - 7)}" y="${n(sy(v))}" dominant-baseline="central">${yTickLabels[k]}</text>`);
  });
  out.push("</g>");
  out.push(`<g class="x-ticks" fill="#333" text-anchor="middle">`);
  for (const v of xTicks) {
    out.push(`<text x="${n(sx(v))}" y="${n(bottom + 6 + fontSize)}">${v.toFixed(xDec)}</text>`);
  }
  out.push("</g>");
  if (options.xLabel) {
    out.push(
      `<text class="x-label" x="${n((left + right) / 2)}" y="${n(height - PAD)}" text-anchor="middle" fill="#222">${escapeXml(options.xLabel)}</text>`,
    );
  }
  if (options.yLabel) {
    out.push(
      `<text class="y-label" transform="translate(${n(PAD + fontSize)} ${n((top + bottom) / 2)}) rotate(-90)" text-anchor="middle" fill="#222">${escapeXml(options.yLabel)}</text>`,
    );
  }

  // Series, clipped to the plot area by a nested viewport (no ids needed).
  out.push(
    `<svg class="plot" x="${n(left)}" y="${n(top)}" width="${n(right - left)}" height="${n(bottom - top)}" viewBox="${n(left)} ${n(top)} ${n(right - left)} ${n(bottom - top)}" overflow="hidden">`,
  );
  series.forEach((s, i) => {
    const color = escapeXml(palette[i % palette.length]);
    const pts = [...s.points].sort((p, q) => p[0] - q[0]);
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    if (pts.length > 1) {
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" points="${pts.map((p) => `${n(sx(p[0]))},${n(sy(p[1]))}`).join(" ")}"/>`,
      );
    }
    if (options.markers ?? true) {
      for (const p of pts) {
        out.push(
          `<circle cx="${n(sx(p[0]))}" cy="${n(sy(p[1]))}" r="3" fill="${color}"><title>${escapeXml(`${s.name}: (${formatValue(p[0], 3)}, ${formatValue(p[1], 3)})`)}</title></circle>`,
        );
      }
    }
    out.push("</g>");
  });
  out.push("</svg>");

  // Legend to the right of the plot.
  const lx = right + 12;
  out.push(`<g class="legend" fill="#222">`);
  series.forEach((s, i) => {
    const color = escapeXml(palette[i % palette.length]);
    const y = top + 6 + i * fontSize * 1.6;
    out.push(
      `<line x1="${n(lx)}" y1="${n(y)}" x2="${n(lx + 18)}" y2="${n(y)}" stroke="${color}" stroke-width="2"/>`,
    );
    out.push(`<circle cx="${n(lx + 9)}" cy="${n(y)}" r="3" fill="${color}"/>`);
    out.push(`<text x="${n(lx + 24)}" y="${n(y)}" dominant-baseline="central">${escapeXml(s.name)}</text>`);
  });
  out.push("</g>");
  out.push("</svg>");
  return out.join("\n");
}

function describe(v: unknown): string {
  if (Array.isArray(v))
    return `[${v.map((x) => (typeof x === "number" ? String(x) : describe(x))).join(", ")}]`;
  if (typeof v === "number") return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
