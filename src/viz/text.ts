/**
 * Text helpers shared by the renderers: terminal display width (grapheme-aware, ANSI-aware) and XML
 * escaping. Browser-safe: only `Intl.Segmenter`, with a code-point fallback where it is missing.
 */

const ESC = "\u001b";
const BEL = "\u0007";
/** CSI sequences (colours, cursor moves) and OSC sequences (hyperlinks, titles). */
const ANSI_RE = new RegExp(`${ESC}(?:\\[[0-9;?]*[ -/]*[@-~]|\\][^${BEL}${ESC}]*(?:${BEL}|${ESC}\\\\))`, "g");

/** `s` without ANSI escape sequences. */
export function stripAnsi(s: string): string {
  return s.replace(ANSI_RE, "");
}

let segmenter: Intl.Segmenter | null | undefined;

function getSegmenter(): Intl.Segmenter | null {
  if (segmenter === undefined) {
    segmenter =
      typeof Intl.Segmenter === "function"
        ? new Intl.Segmenter(undefined, { granularity: "grapheme" })
        : null;
  }
  return segmenter;
}

const MARK_OR_FORMAT_RE = /^[\p{M}\p{Cf}]$/u;
/** Characters that take no terminal cell: non-spacing and enclosing marks, format characters. */
const NO_CELL_RE = /^[\p{Mn}\p{Me}\p{Cf}]$/u;

/** Combining marks (Mn, Mc, Me), format characters (ZWJ, ZWNJ, soft hyphen, …) and C0/C1 controls occupy no cell. */
function isZeroWidthChar(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || MARK_OR_FORMAT_RE.test(ch);
}
const EMOJI_PRESENTATION_RE = /\p{Emoji_Presentation}/u;

/**
 * The user-perceived characters (extended grapheme clusters) of `s`. Falls back to "a base code point plus
 * the combining marks after it" where `Intl.Segmenter` is missing.
 */
export function graphemes(s: string): string[] {
  const seg = getSegmenter();
  if (seg) return Array.from(seg.segment(s), (x) => x.segment);
  const out: string[] = [];
  for (const ch of s) {
    if (out.length > 0 && isZeroWidthChar(ch)) out[out.length - 1] += ch;
    else out.push(ch);
  }
  return out;
}

/** True for code points that East Asian Width classifies as Wide or Fullwidth (the common blocks). */
function isWideCodePoint(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) || // Hangul Jamo initials
    (cp >= 0x231a && cp <= 0x231b) ||
    (cp >= 0x2329 && cp <= 0x232a) ||
    (cp >= 0x2e80 && cp <= 0x303e) || // CJK radicals, Kangxi, CJK symbols and punctuation
    (cp >= 0x3041 && cp <= 0x33ff) || // Hiragana, Katakana, Bopomofo, Hangul compat, CJK compat
    (cp >= 0x3400 && cp <= 0x4dbf) || // CJK Extension A
    (cp >= 0x4e00 && cp <= 0x9fff) || // CJK Unified Ideographs
    (cp >= 0xa000 && cp <= 0xa4cf) || // Yi
    (cp >= 0xa960 && cp <= 0xa97f) || // Hangul Jamo Extended-A
    (cp >= 0xac00 && cp <= 0xd7a3) || // Hangul syllables
    (cp >= 0xf900 && cp <= 0xfaff) || // CJK compatibility ideographs
    (cp >= 0xfe10 && cp <= 0xfe19) || // vertical forms
    (cp >= 0xfe30 && cp <= 0xfe6f) || // CJK compatibility forms, small form variants
    (cp >= 0xff00 && cp <= 0xff60) || // fullwidth forms
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x16fe0 && cp <= 0x18aff) || // Tangut, ideographic symbols
    (cp >= 0x1b000 && cp <= 0x1b2ff) || // Kana supplement/extended, Nushu
    (cp >= 0x1f200 && cp <= 0x1f2ff) || // enclosed ideographic supplement
    (cp >= 0x20000 && cp <= 0x3fffd) // CJK Extensions B–H
  );
}

/** Terminal cells one grapheme occupies: 0 (only marks/format/control), 2 (wide or emoji), else 1. */
export function graphemeWidth(g: string): number {
  let allZero = true;
  for (const ch of g) {
    if (!isZeroWidthChar(ch)) {
      allZero = false;
      break;
    }
  }
  if (allZero) return 0;
  const cp = g.codePointAt(0) ?? 0;
  if (isWideCodePoint(cp)) return 2;
  if (EMOJI_PRESENTATION_RE.test(g) || g.includes("\ufe0f")) return 2;
  // As wcwidth (xterm, VTE, tmux): every code point that is not a non-spacing mark or a format
  // character takes a cell, so a Devanagari spacing vowel sign (ा, ो: category Mc) or a conjunct's
  // second consonant adds one, while a virama or anusvara (Mn) adds none.
  let w = 0;
  for (const ch of g) {
    const c = ch.codePointAt(0) ?? 0;
    if (!(c < 0x20 || (c >= 0x7f && c <= 0x9f) || NO_CELL_RE.test(ch))) w++;
  }
  return w;
}

/**
 * Display width of `s` in terminal cells, as terminals compute it (wcwidth): ANSI escapes are ignored,
 * non-spacing marks and format characters take no cell, spacing marks (Devanagari ा, ो) take one,
 * and East Asian wide characters and emoji (one cluster) take two. `displayWidth("करो") === 3`.
 */
export function displayWidth(s: string): number {
  let w = 0;
  for (const g of graphemes(stripAnsi(s))) w += graphemeWidth(g);
  return w;
}

/** `s` cut to at most `width` display cells, ending in "…" when cut. */
export function truncateToWidth(s: string, width: number, ellipsis = "…"): string {
  if (displayWidth(s) <= width) return s;
  if (width <= 0) return "";
  const ew = displayWidth(ellipsis);
  if (ew > width) return "";
  let out = "";
  let w = 0;
  for (const g of graphemes(s)) {
    const gw = graphemeWidth(g);
    if (w + gw > width - ew) break;
    out += g;
    w += gw;
  }
  return out + ellipsis;
}

/** `s` padded with spaces on the right to `width` display cells. */
export function padEndWidth(s: string, width: number): string {
  return s + " ".repeat(Math.max(0, width - displayWidth(s)));
}

/** `s` padded with spaces on the left to `width` display cells. */
export function padStartWidth(s: string, width: number): string {
  return " ".repeat(Math.max(0, width - displayWidth(s))) + s;
}

/** `s` centred in `width` display cells (extra space goes right). */
export function padCenterWidth(s: string, width: number): string {
  const free = Math.max(0, width - displayWidth(s));
  const left = Math.floor(free / 2);
  return " ".repeat(left) + s + " ".repeat(free - left);
}

/** Escapes text for XML/HTML element content and attribute values (`&`, `<`, `>`, `"`, `'`). */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;",
  );
}
