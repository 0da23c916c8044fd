/**
 * qkv/viz: framework-free pictures of attention weights — terminal heatmaps, standalone SVG (heatmaps and
 * line charts), PNG, and a self-contained HTML report. Input is plain data (`number[][]` plus labels);
 * everything here runs in Node and in browsers (PNG via fast-png; text in PNGs is shaped with fontkit in the
 * embedded Noto Sans Devanagari, so Latin and Hindi labels need no system fonts). The package root `qkv`
 * re-exports the parts without fonts (root.ts); the PNG renderers alone are `qkv/png`, the HTML report
 * alone `qkv/html`.
 */
export { type AttentionPanel, type AttentionReportOptions, attentionReportHtml } from "./html.js";
export {
  type EncodePngOptions,
  encodePng,
  type HeatmapRaster,
  heatmapPng,
  heatmapRgba,
  type PngHeatmapOptions,
  type RgbaImage,
} from "./png.js";
export * from "./root.js";
