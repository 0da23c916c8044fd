/**
 * A self-contained HTML report: attention heatmaps as inline SVGs side by side, with a hover tooltip
 * ("query → key: weight") from a small inline script. No external resources: one file to open or share.
 * When any text is Hindi (Devanagari), the page bundles Noto Sans Devanagari, so it renders on systems
 * without a Devanagari font.
 */
import type { ColormapName } from "./colormap.js";
import { DEFAULT_FONT_FAMILY } from "./font-family.js";
import { fontFaceCss, needsDevanagari, svgTextRefreshScript } from "./fonts.js";
import { renderHeatmapSvg } from "./heatmap-svg.js";
import { type Normalize, validateMatrix } from "./matrix.js";
import { escapeXml } from "./text.js";

/** One heatmap of the report. */
export interface AttentionPanel {
  /** Caption above the heatmap, e.g. "Luong attention" or "self-attention, layer 2 head 1". */
  title?: string;
  /** Rows = queries/target tokens, columns = keys/source tokens. */
  weights: number[][];
  rowLabels?: string[];
  colLabels?: string[];
}

export interface AttentionReportOptions {
  /** Page title and heading. */
  title?: string;
  /** A paragraph under the heading (plain text, escaped). */
  description?: string;
  /** Cell size in px for every panel (default 32). */
  cellSize?: number;
  /** Default "viridis". */
  colormap?: ColormapName;
  /** Write the values in the cells (default false). */
  showValues?: boolean;
  /** Per-panel normalisation (default "max"). */
  normalize?: Normalize;
  /** Use one colour scale for all panels (global min/max over every panel) so colours compare (default false). */
  sharedScale?: boolean;
  /**
   * Bundle the Devanagari subset of Noto Sans Devanagari (about 67 kB of base64) in the page: "auto" (the
   * default) when any title, label or the description has Devanagari text, or always (true), or never.
   */
  embedFont?: boolean | "auto";
}

const STYLE = `
body { font-family: ${DEFAULT_FONT_FAMILY}; margin: 24px; color: #222; background: #fafafa; }
h1 { font-size: 20px; font-weight: 600; margin: 0 0 8px; }
p.description { margin: 0 0 16px; max-width: 60em; color: #444; }
.panels { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
figure.panel { margin: 0; padding: 12px; background: #fff; border: 1px solid #e2e2e2; border-radius: 6px; }
figure.panel figcaption { font-weight: 600; margin-bottom: 6px; }
rect.cell:hover { stroke: #111; stroke-width: 2; }
#qkv-tooltip { position: absolute; pointer-events: none; background: rgba(20, 20, 20, 0.92); color: #fff; padding: 4px 8px; border-radius: 4px; font-size: 13px; white-space: nowrap; z-index: 10; }
`.trim();

const SCRIPT = `
(function () {
  var tip = document.getElementById("qkv-tooltip");
  function cellOf(target) {
    while (target && target.getAttribute) {
      if (target.hasAttribute("data-w")) return target;
      target = target.parentNode;
    }
    return null;
  }
  document.addEventListener("mousemove", function (event) {
    var cell = cellOf(event.target);
    if (!cell) { tip.hidden = true; return; }
    tip.textContent = cell.getAttribute("data-q") + " \\u2192 " + cell.getAttribute("data-k") + ": " + cell.getAttribute("data-w");
    tip.hidden = false;
    tip.style.left = event.pageX + 14 + "px";
    tip.style.top = event.pageY + 14 + "px";
  });
  document.addEventListener("mouseleave", function () { tip.hidden = true; });
})();
`.trim();

/**
 * Builds a standalone HTML page showing each panel's attention weights as an inline SVG heatmap, side by
 * side (wrapping on narrow screens); hovering a cell shows "query → key: weight".
 */
export function attentionReportHtml(panels: AttentionPanel[], options: AttentionReportOptions = {}): string {
  const fn = "attentionReportHtml";
  if (!Array.isArray(panels) || panels.length === 0) {
    throw new Error(`${fn}: panels must be a non-empty array of { title, weights, rowLabels, colLabels }`);
  }
  panels.forEach((p, k) => {
    if (!p || typeof p !== "object")
      throw new Error(`${fn}: panels[${k}] must be an object, got ${typeof p}`);
    validateMatrix(`${fn}: panels[${k}]`, p.weights, p.rowLabels, p.colLabels);
  });
  let domain: [number, number] | undefined;
  if (options.sharedScale) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const p of panels) {
      for (const row of p.weights) {
        for (const v of row) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if ((options.normalize ?? "max") === "max") lo = Math.min(0, lo);
    if (options.normalize === "none") [lo, hi] = [0, 1];
    domain = hi > lo ? [lo, hi] : undefined;
  }
  const title = options.title ?? "Attention weights";
  const embedFont = options.embedFont ?? "auto";
  if (embedFont !== true && embedFont !== false && embedFont !== "auto") {
    throw new Error(`${fn}: embedFont must be true, false or "auto", got ${JSON.stringify(embedFont)}`);
  }
  const texts = [title, options.description ?? ""];
  for (const p of panels) texts.push(p.title ?? "", ...(p.rowLabels ?? []), ...(p.colLabels ?? []));
  const withFont = embedFont === "auto" ? texts.some(needsDevanagari) : embedFont;
  const figures = panels.map((p, k) => {
    const svg = renderHeatmapSvg(`${fn}: panels[${k}]`, p.weights, {
      rowLabels: p.rowLabels,
      colLabels: p.colLabels,
      cellSize: options.cellSize,
      colormap: options.colormap,
      showValues: options.showValues,
      normalize: options.normalize,
      domain,
      cellTitles: false,
      background: "none",
    });
    const caption = p.title ? `<figcaption>${escapeXml(p.title)}</figcaption>\n` : "";
    return `<figure class="panel">\n${caption}${svg}\n</figure>`;
  });
  return [
    "<!DOCTYPE html>",
    `<html lang="en">`,
    "<head>",
    `<meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${escapeXml(title)}</title>`,
    `<style>\n${STYLE}\n</style>`,
    withFont ? `<style>\n${fontFaceCss()}\n</style>` : "",
    "</head>",
    "<body>",
    `<h1>${escapeXml(title)}</h1>`,
    options.description ? `<p class="description">${escapeXml(options.description)}</p>` : "",
    `<div class="panels">`,
    ...figures,
    "</div>",
    `<div id="qkv-tooltip" role="tooltip" hidden></div>`,
    `<script>\n${SCRIPT}\n</script>`,
    withFont ? `<script>\n${svgTextRefreshScript()}\n</script>` : "",
    "</body>",
    "</html>",
    "",
  ]
    .filter((line, k, all) => line !== "" || k === all.length - 1)
    .join("\n");
}
