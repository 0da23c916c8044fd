/**
 * The embedded font: Noto Sans Devanagari (regular) in the package (fonts.generated.ts, from @fontsource/noto-sans-devanagari), so that
 * Hindi renders where no system font has Devanagari: the PNG renderer shapes and rasterises labels with
 * it (text-raster.ts), and the HTML report bundles its Devanagari subset (see {@link fontFaceCss}). The
 * font names the SVG renderers use are in font-family.ts, so what imports only those carries no font bytes.
 */

import { EMBEDDED_FONT_FAMILY } from "./font-family.js";
import {
  DEVANAGARI_UNICODE_RANGE,
  DEVANAGARI_WOFF2_BASE64,
  LATIN_UNICODE_RANGE,
  LATIN_WOFF2_BASE64,
} from "./fonts.generated.js";

export { DEFAULT_FONT_FAMILY, EMBEDDED_FONT_FAMILY } from "./font-family.js";

/** One subset of the embedded font: which code points it covers (CSS unicode-range) and its WOFF2 bytes. */
export interface EmbeddedFontSubset {
  name: "latin" | "devanagari";
  unicodeRange: string;
  base64: string;
}

/** The embedded subsets of Noto Sans Devanagari 400, Latin first. */
export const EMBEDDED_FONT_SUBSETS: readonly EmbeddedFontSubset[] = [
  { name: "latin", unicodeRange: LATIN_UNICODE_RANGE, base64: LATIN_WOFF2_BASE64 },
  { name: "devanagari", unicodeRange: DEVANAGARI_UNICODE_RANGE, base64: DEVANAGARI_WOFF2_BASE64 },
];

/** Decodes standard base64 (with or without padding) to bytes; works in Node and browsers alike. */
export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Parses a CSS unicode-range ("U+0900-097F,U+25CC") into inclusive [lo, hi] code point pairs. */
export function parseUnicodeRange(range: string): [number, number][] {
  return range.split(",").map((part) => {
    const m = /^\s*U\+([0-9A-Fa-f]+)(?:-([0-9A-Fa-f]+))?\s*$/.exec(part);
    if (!m) throw new Error(`parseUnicodeRange: cannot parse ${JSON.stringify(part)} in ${range}`);
    const lo = Number.parseInt(m[1], 16);
    return [lo, m[2] ? Number.parseInt(m[2], 16) : lo];
  });
}

const DEVANAGARI_RANGES = parseUnicodeRange(DEVANAGARI_UNICODE_RANGE);

/** True when `text` has a code point that only the Devanagari subset covers (e.g. Hindi letters). */
export function needsDevanagari(text: string): boolean {
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x900) continue;
    if (DEVANAGARI_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi) && cp !== 0x200c && cp !== 0x200d)
      return true;
  }
  return false;
}

/**
 * The CSS `@font-face` rule that declares the embedded Devanagari subset as the web font
 * "Noto Sans Devanagari" (a WOFF2 data: URL, limited to its unicode-range, `font-display: block`), so a
 * page that names the font in its font stack shows Hindi on systems without a Devanagari font. The font
 * travels as base64 inside the page's <style> (about 67 kB), so the page still loads nothing from
 * outside. Pages that draw the text in SVG add {@link svgTextRefreshScript} too.
 */
export function fontFaceCss(): string {
  const sub = EMBEDDED_FONT_SUBSETS[1];
  return [
    "@font-face {",
    `  font-family: ${JSON.stringify(EMBEDDED_FONT_FAMILY)};`,
    "  font-style: normal;",
    "  font-weight: 400;",
    "  font-display: block;",
    `  src: url(data:font/woff2;base64,${sub.base64}) format("woff2");`,
    `  unicode-range: ${sub.unicodeRange};`,
    "}",
  ].join("\n");
}

/**
 * An inline script for pages whose SVG text uses the embedded face: once `document.fonts` is ready,
 * every SVG <text> gets its text again (a new text node), so Chromium shapes it with the loaded face.
 * Without it, the first SVG text that needed the face (the one whose layout started the font load)
 * kept the fallback's empty boxes — in every load in headless Chromium 1xx, while HTML text and the
 * later SVG labels were right; test/viz/html-browser.test.ts measures it.
 */
export function svgTextRefreshScript(): string {
  return `
(function () {
  if (!document.fonts || !document.fonts.ready) return;
  document.fonts.ready.then(function () {
    var texts = document.querySelectorAll("svg text");
    for (var i = 0; i < texts.length; i++) texts[i].textContent = texts[i].textContent;
  });
})();
`.trim();
}
