/**
 * The pictures of the package root `qkv`: terminal heatmaps, standalone SVG (heatmaps and line charts),
 * colour maps, labels and word axes — everything of qkv/viz that carries no font bytes and no PNG or
 * font engine, so the root stays small in a browser bundle. The PNG renderers (fontkit, fast-png and the
 * embedded Noto Sans Devanagari) are `qkv/png` (png.ts); the self-contained HTML report, which bundles the
 * font's Devanagari subset (67 kB), is `qkv/html` (html.ts); `qkv/viz` (index.ts) has all of them.
 */
export {
  COLORMAP_NAMES,
  type ColormapName,
  colorAt,
  colormapTable,
  contrastColor,
  isColormapName,
  type RGB,
  relativeLuminance,
  toHex,
} from "./colormap.js";
export { DEFAULT_FONT_FAMILY, EMBEDDED_FONT_FAMILY } from "./font-family.js";
export { heatmapSvg, type SvgHeatmapOptions } from "./heatmap-svg.js";
export {
  isUnknownLabel,
  LEADER_COLOR,
  mustStayUpright,
  UNK_COLOR,
  UNK_CSS,
  UNK_LABEL,
} from "./labels.js";
export { type ColLabelMode, staggerLevels } from "./layout.js";
export {
  type LineChartOptions,
  type LineSeries,
  lineChartSvg,
  niceTicks,
  SERIES_COLORS,
} from "./line-chart-svg.js";
export {
  formatValue,
  type MatrixShape,
  makeScale,
  type Normalize,
  type Scale,
  type ScaleOptions,
  validateMatrix,
} from "./matrix.js";
export {
  type ColumnHeader,
  heatmapTerminal,
  rgbTo256,
  SHADES,
  shadeChar,
  sideBySide,
  type TerminalColor,
  type TerminalHeatmapOptions,
} from "./terminal.js";
export { displayWidth, escapeXml, graphemes, stripAnsi, truncateToWidth } from "./text.js";
export { sourceWordAxis, tokenWordAxis, type WordAxis, wordsCaption, wordWeights } from "./words.js";
