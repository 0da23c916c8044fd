/**
 * Python `str` semantics that sacreBLEU relies on, reproduced exactly so that tokenisation and n-gram
 * extraction in `bleu.ts` / `chrf.ts` split text at the very same places as sacreBLEU (Post 2018).
 *
 * Python's `str.split()` (no argument) and `str.rstrip()` treat as whitespace every code point for which
 * `str.isspace()` is true. That set differs from JavaScript's `\s`: Python includes U+001C..U+001F and
 * U+0085 (NEL), and does NOT include U+FEFF (the byte-order mark, which JavaScript's `\s` matches). A BOM
 * at the start of a WMT submission line therefore stays part of the first token, as in sacreBLEU.
 */

/** The code points for which CPython 3's `str.isspace()` is true, as a regex character-class body. */
export const PY_WHITESPACE_CLASS =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

const WS_RUN = new RegExp(`[${PY_WHITESPACE_CLASS}]+`, "u");
const WS_TRAILING = new RegExp(`[${PY_WHITESPACE_CLASS}]+$`, "u");

/** Python's `s.split()`: split on runs of whitespace, with no empty strings at either end. */
export function pySplit(s: string): string[] {
  const parts = s.split(WS_RUN);
  // Only the first and the last piece can be empty (leading / trailing whitespace, or an empty string).
  let start = 0;
  let end = parts.length;
  if (end > 0 && parts[0] === "") start = 1;
  if (end > start && parts[end - 1] === "") end -= 1;
  return start === 0 && end === parts.length ? parts : parts.slice(start, end);
}

/** Python's `s.rstrip()`: remove trailing whitespace. */
export function pyRstrip(s: string): string {
  return s.replace(WS_TRAILING, "");
}

/** True when `s` holds a UTF-16 surrogate, i.e. a code point above U+FFFF (then `s.length` ≠ code points). */
export function hasAstral(s: string): boolean {
  return /[\uD800-\uDFFF]/.test(s);
}
