/**
 * A Unicode-aware word tokenizer (and its inverse) for the translation data sets (English, French,
 * German, Hindi, ...). No paper: it is a plain rule-based tokenizer in the spirit of the Moses
 * tokenizer, written with Unicode property escapes so it works for any script.
 *
 * Rules, applied after NFC normalisation:
 * - A word is a run of letters, combining marks and digits (`\p{L}\p{M}\p{N}`, plus the zero-width
 *   (non-)joiners U+200C/U+200D used in Indic scripts). Combining marks keep Devanagari words whole:
 *   "बंद", "करो", "लाइट" are single tokens (anusvara, matras and virama are `\p{M}`).
 * - An apostrophe (' or ’) or hyphen between two word characters stays inside the word:
 *   "don't", "it's", "l'homme", "aujourd'hui", "peut-être", "well-known" are ONE token each. (We do not
 *   split English clitics into "do" "n't": one rule for every language, and `detokenize` stays exact.)
 * - Digit groups joined by "." or "," stay one number: "3.14", "1,000".
 * - A run of periods ("...") is one token; every other non-space character is a token of its own, so
 *   punctuation such as , . ! ? ; : « » ¿ ¡ and the Devanagari danda "।" (U+0964) and double danda "॥"
 *   are separate tokens.
 * - `lowercase: true` lowercases with the locale-independent `String.prototype.toLowerCase`.
 */

const WORD_CHAR = "[\\p{L}\\p{M}\\p{N}\\u200C\\u200D]";
const TOKEN_RE = new RegExp(
  [
    "\\p{N}+(?:[.,]\\p{N}+)+(?![\\p{L}\\p{M}])", // numbers with separators: 3.14, 1,000
    `${WORD_CHAR}+(?:['’\\-]${WORD_CHAR}+)*`, // words, with inner apostrophes/hyphens
    "\\.{2,}", // ellipsis written as dots
    "\\S", // any other single non-space character (punctuation, symbols)
  ].join("|"),
  "gu",
);

/** Options of `tokenize`. */
export interface TokenizeOptions {
  /** Lowercase every token (default false). */
  lowercase?: boolean;
}

/** Splits `text` into word and punctuation tokens (see the module comment for the rules). */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  let s = text.normalize("NFC");
  if (options.lowercase) s = s.toLowerCase();
  return s.match(TOKEN_RE) ?? [];
}

/**
 * The tokens of `text` as `tokenize` finds them (no normalisation here: pass NFC text), each with its
 * [start, end) code-unit offsets. Everything between two tokens is whitespace.
 */
export function tokenSpans(text: string): { token: string; start: number; end: number }[] {
  return [...text.matchAll(TOKEN_RE)].map((m) => ({
    token: m[0],
    start: m.index,
    end: m.index + m[0].length,
  }));
}

/** Tokens written with no space before them (closing punctuation). */
const NO_SPACE_BEFORE = new Set([
  ".",
  ",",
  "!",
  "?",
  ";",
  ":",
  ")",
  "]",
  "}",
  "%",
  "…",
  "»",
  "”",
  "’",
  "।",
  "॥",
  "、",
  "。",
  "，",
  "！",
  "？",
]);
/** Tokens written with no space after them (opening punctuation). */
const NO_SPACE_AFTER = new Set(["(", "[", "{", "«", "“", "‘", "¿", "¡"]);

/**
 * Joins tokens back into text: a single space between tokens, except none before closing punctuation
 * (". , ! ? ; : ) ] } % … » ” ।"), none after opening punctuation ("( [ { « “ ¿ ¡"), and straight
 * quotes (" and ') treated as alternately opening and closing. Any "..." run counts as closing.
 * `detokenize(tokenize(s))` equals `s` for ordinary, conventionally spaced English, German and Hindi
 * text (French puts spaces before "!" and "?", which are not restored).
 */
export function detokenize(tokens: readonly string[]): string {
  let out = "";
  let noSpaceNext = true;
  const quoteOpen = new Map<string, boolean>();
  for (const tok of tokens) {
    if (tok === "") continue;
    let spaceBefore = !noSpaceNext;
    noSpaceNext = false;
    if (tok === '"' || tok === "'") {
      const open = !quoteOpen.get(tok);
      quoteOpen.set(tok, open);
      if (open) noSpaceNext = true;
      else spaceBefore = false;
    } else if (NO_SPACE_BEFORE.has(tok) || /^\.{2,}$/.test(tok)) {
      spaceBefore = false;
    } else if (NO_SPACE_AFTER.has(tok)) {
      noSpaceNext = true;
    }
    out += spaceBefore ? ` ${tok}` : tok;
  }
  return out;
}
