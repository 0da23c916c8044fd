/**
 * Grapheme clusters: the user-perceived characters a subword tokenizer must never cut in two. A
 * written rule (not `Intl.Segmenter`), so a stored tokenizer segments text identically on every Node
 * and ICU version; it follows the extended grapheme clusters of Unicode UAX #29 for the cases that
 * matter here.
 *
 * A cluster is one of:
 * 1. one whitespace character (`\s`) — whitespace never takes marks, so words stay separable;
 * 2. a base followed by its extenders, where a base is a pair of regional indicators (a flag) or any
 *    other code point that is not whitespace, a mark (`\p{M}`), U+200C ZWNJ, U+200D ZWJ or an emoji
 *    modifier; and an extender is a mark, ZWNJ, an emoji modifier (UAX #29 GB9: × Extend), or ZWJ —
 *    with the pictograph after it when one follows (GB11, emoji ZWJ sequences such as 👨‍👩‍👧);
 * 3. a run of extenders with no base (at the start of the text, or after whitespace).
 *
 * For Devanagari this keeps every vowel sign (matra), virama (U+094D), nukta (U+093C), anusvara,
 * candrabindu and visarga with the consonant or vowel it belongs to: "कि", "क्", "ज़", "हैं" are
 * one cluster each. Where it differs from UAX #29:
 * - a consonant after a virama starts a new cluster (Unicode 15.1's GB9c joins conjuncts such as
 *   "क्ष" into one cluster; we give "क्" + "ष", the virama staying with its own consonant, so conjunct
 *   joining does not depend on the ICU version and BPE merges can learn the frequent conjuncts);
 * - marks after whitespace form their own cluster (GB9 would attach them to the space);
 * - a ZWJ followed by a pictograph joins it whatever the base (GB11 asks for a pictograph base);
 * - no special cases for Prepend characters, CR LF or Hangul jamo sequences (after NFC, modern Hangul
 *   is precomposed).
 */

const EXTENDER = "[\\p{M}\\u200C\\p{Emoji_Modifier}]";
const NOT_BASE = "\\s\\p{M}\\u200C\\u200D\\p{Emoji_Modifier}";
const CLUSTER_RE = new RegExp(
  [
    "\\s",
    `(?:\\p{Regional_Indicator}\\p{Regional_Indicator}|[^${NOT_BASE}])(?:${EXTENDER}|\\u200D\\p{Extended_Pictographic}?)*`,
    `(?:${EXTENDER}|\\u200D)+`,
  ].join("|"),
  "gu",
);

/** Splits `text` into grapheme clusters (see the module comment); their concatenation is `text`. */
export function graphemeClusters(text: string): string[] {
  return text.match(CLUSTER_RE) ?? [];
}

/** True when `s` is exactly one grapheme cluster. */
export function isGraphemeCluster(s: string): boolean {
  const m = s.match(CLUSTER_RE);
  return m !== null && m.length === 1 && m[0] === s;
}

/** The code-unit offsets at which clusters start, plus `text.length` (so 0 and the end are included). */
export function clusterBoundaries(text: string): Set<number> {
  const out = new Set<number>([0]);
  let pos = 0;
  for (const c of graphemeClusters(text)) {
    pos += c.length;
    out.add(pos);
  }
  return out;
}
