/**
 * qkv/viz: framework-free pictures of attention weights — terminal heatmaps, standalone SVG (heatmaps and
 * line charts), PNG, and a self-contained HTML report. Input is plain data (`number[][]` plus labels);
 * everything here runs in Node and in browsers (PNG via fast-png; text in PNGs is shaped with fontkit in the
 * embedded Noto Sans Devanagari, so Latin and Hindi labels need no system fonts).
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
export { DEFAULT_FONT_FAMILY, EMBEDDED_FONT_FAMILY } from "./fonts.js";
export { heatmapSvg, type SvgHeatmapOptions } from "./heatmap-svg.js";
export { type AttentionPanel, type AttentionReportOptions, attentionReportHtml } from "./html.js";
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
  type EncodePngOptions,
  encodePng,
  type HeatmapRaster,
  heatmapPng,
  heatmapRgba,
  type PngHeatmapOptions,
  type RgbaImage,
} from "./png.js";
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
