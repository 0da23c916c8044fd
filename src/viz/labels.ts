/**
 * Label rules shared by every renderer (SVG, PNG, HTML, terminal; the explorer uses them too):
 *
 * - **Upright scripts.** A label in a Brahmic script (Devanagari, Bengali, Gurmukhi, … Sinhala, Thai, Lao,
 *   Tibetan, Myanmar, Khmer) is never turned: its letters hang from a headline and stack marks above and
 *   below, so a word on its side (−90°, or even −45°) no longer reads. A column header with such a label
 *   draws every label of the header horizontally, in staggered rows (layout.ts); Latin-only headers keep
 *   their slant. The terminal never stacks such a word letter by letter.
 * - **Unknown words.** A label with the vocabulary's `<unk>` (the model saw "unknown word" there) is drawn
 *   in {@link UNK_COLOR} (a class `unk` in markup), so it cannot pass for a word.
 */
import type { RGB } from "./colormap.js";

/** Code-point ranges of scripts whose words must stay upright (Brahmic scripts). */
const UPRIGHT_RANGES: readonly [number, number][] = [
  [0x0900, 0x0dff], // Devanagari, Bengali, Gurmukhi, Gujarati, Oriya, Tamil, Telugu, Kannada, Malayalam, Sinhala
  [0x0e00, 0x109f], // Thai, Lao, Tibetan, Myanmar
  [0x1780, 0x17ff], // Khmer
  [0x1cd0, 0x1cff], // Vedic extensions
  [0xa8e0, 0xa8ff], // Devanagari extended
  [0x11b00, 0x11b5f], // Devanagari extended-A
];

/** True when `label` has a letter of a script that must not be rotated (Devanagari and its relatives). */
export function mustStayUpright(label: string): boolean {
  for (const ch of label) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x0900) continue;
    if (UPRIGHT_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi)) return true;
  }
  return false;
}

/** The vocabulary's unknown-word token. */
export const UNK_LABEL = "<unk>";

/** True when `label` shows the unknown-word token (alone or inside a word, e.g. "<unk>।"). */
export function isUnknownLabel(label: string): boolean {
  return label.includes(UNK_LABEL);
}

/** Colour of unknown-word labels in pictures (a red that reads on white). */
export const UNK_COLOR: RGB = [0xc0, 0x39, 0x2b];
/** {@link UNK_COLOR} as CSS. */
export const UNK_CSS = "#c0392b";
/** Colour of the leader lines from a raised upright column label down to its column. */
export const LEADER_COLOR: RGB = [0xaa, 0xaa, 0xb4];
