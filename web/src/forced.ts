/**
 * View 7's numbers (no DOM here, so Node tests run the same code): forced alignment of an English
 * sentence and a Hindi reference translation by the page's attention models, beside IBM Model 1's links
 * for the same pair, and each model's AER on the gold set as its folder's `alignment.json` records it.
 *
 *   forced map   the model run with teacher forcing on the GIVEN Hindi (qkv's `forcedAlign`): rows the
 *                reference's whitespace-separated words, columns the English sentence's, weights summed
 *                over an English word's pieces and averaged over a Hindi word's; each row's argmax is its
 *                link "s-t" (s the English word, t the Hindi word, Pharaoh order, 0-based), or, for a
 *                reading with `symmetrize`, rows' and columns' argmaxes combined (`bidirectionalLinks`).
 *                A model is read at the reading its `alignment.json` documents, else (a Transformer) the
 *                last decoder layer's mean over heads (what `qkv align` does);
 *   IBM Model 1  the bundled aligner (pretrained/ibm1-en-hi/aligner.json, `classicalAlignerFromJSON`):
 *                its symmetrised links (the JSON's symmetrisation, what its AER was measured on) and, as the
 *                map's colours, its forward posterior p(a_t = s | English, Hindi) renormalised without NULL.
 *
 * `alignment.json` is `{"reading": {…}, "note": "…", "gold": {"en-hi test": {aer, precision, recall}, …}}`
 * (scripts/align-results.ts --write-readings; src/cli/align.ts reads the reading the same way).
 */
import {
  type AlignModel,
  type AlignmentDoc,
  type AlignReading,
  type data,
  forcedAlign,
  pharaoh,
  readingName,
  resolveReading,
  whitespaceWords,
} from "qkv";
import type { ClassicalAligner } from "qkv/align";
import { charCount, MAX_CHARS } from "./input.js";

/** The gold set whose scores the page shows, and how it says so. */
export const GOLD_SET = "en-hi test";
export const GOLD_LABEL = "AER on gold/en-hi test (120 hand-aligned Tatoeba pairs)";

// alignment.json is read by the library's parser (src/align/alignment-doc.ts), as `qkv align` reads it.
export { type AlignmentDoc, parseAlignmentDoc } from "qkv";

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/**
 * The page's line for one model's scores on GOLD_SET: from its `alignment.json`, or saying that the
 * folder has none (or no score on that set) — never a number from anywhere else.
 */
export function goldLine(doc: AlignmentDoc | null, folder: string): string {
  if (!doc) return `${GOLD_LABEL}: not measured — ${folder} has no alignment.json.`;
  const s = doc.gold[GOLD_SET];
  if (!s) return `${GOLD_LABEL}: not measured — ${folder}/alignment.json has no "${GOLD_SET}" scores.`;
  return `${GOLD_LABEL}: AER ${pct(s.aer)}, precision ${pct(s.precision)}, recall ${pct(s.recall)}.`;
}

/** One map of view 7: rows the Hindi reference's words, columns the English sentence's. */
export interface AlignmentMap {
  englishWords: string[];
  hindiWords: string[];
  /** Hindi words × English words. */
  weights: number[][];
  /** "s-t" links (s English word, t Hindi word), sorted: what the map outlines. */
  links: string[];
  /** The same links as one Pharaoh line ("0-2 1-1 3-0"). */
  pharaoh: string;
}

/** The pair's two sides, checked: an empty side is an error naming its field. */
export function checkPair(english: string, hindi: string): void {
  if (whitespaceWords(english).length === 0)
    throw new Error("English sentence: empty — type the English sentence to align.");
  if (whitespaceWords(hindi).length === 0)
    throw new Error("Hindi reference: empty — type a Hindi translation of the English sentence.");
  // The same bound as the English box of view 1: the maps (and the forced pass) grow with the lengths.
  for (const [what, text] of [
    ["English sentence", english],
    ["Hindi reference", hindi],
  ] as const) {
    const n = charCount(text);
    if (n > MAX_CHARS) {
      throw new Error(
        `${what}: ${n.toLocaleString("en")} characters; view 7 aligns up to ${MAX_CHARS} a side. Shorten it and press Align.`,
      );
    }
  }
}

function mapOf(englishWords: string[], hindiWords: string[], weights: number[][], links: Set<string>) {
  const line = pharaoh(links);
  return {
    englishWords,
    hindiWords,
    weights,
    links: line === "" ? [] : line.split(" "),
    pharaoh: line,
  };
}

/** A model with what forced alignment needs (the page's LoadedModel has these). */
export interface AlignableModel {
  model: AlignModel;
  srcTokenizer: data.Tokenizer;
  tgtTokenizer: data.Tokenizer;
}

export interface ForcedMap extends AlignmentMap {
  /** The reading used, resolved, and its name ("" for an LSTM's one attention). */
  reading: AlignReading;
  readingName: string;
  /** The tokens the model saw (its vocabulary's strings). */
  englishTokens: string[];
  hindiTokens: string[];
}

/**
 * The forced word map of `english` → `hindi` by `m`, read at `reading` (default: the model's default,
 * resolved as `forcedAlign` does).
 */
export function forcedMap(
  m: AlignableModel,
  english: string,
  hindi: string,
  reading?: AlignReading,
): ForcedMap {
  checkPair(english, hindi);
  const resolved = resolveReading(m.model, reading ?? {});
  const fa = forcedAlign(m.model, m.srcTokenizer, m.tgtTokenizer, english, hindi, resolved);
  return {
    ...mapOf(fa.srcWords, fa.tgtWords, fa.wordWeights, fa.links),
    reading: fa.reading,
    readingName: readingName(fa.reading),
    englishTokens: fa.srcTokens,
    hindiTokens: fa.tgtTokens,
  };
}

/** IBM Model 1's links of the pair (its own symmetrisation) and its forward posterior as the map. */
export function classicalMap(aligner: ClassicalAligner, english: string, hindi: string): AlignmentMap {
  checkPair(english, hindi);
  const src = whitespaceWords(english);
  const tgt = whitespaceWords(hindi);
  return mapOf(src, tgt, aligner.posterior(src, tgt), aligner.align(src, tgt));
}

/** The reading `doc` documents for a model, or its default, with where it came from (said under the map). */
export function readingFor(
  m: AlignableModel,
  doc: AlignmentDoc | null,
  folder: string,
): { reading: AlignReading; from: string } {
  if (doc) {
    let reading: AlignReading;
    try {
      reading = resolveReading(m.model, doc.reading);
    } catch (e) {
      throw new Error(`${folder}/alignment.json: ${(e as Error).message}`);
    }
    const name = readingName(reading) || "its attention";
    return {
      reading,
      from: `${name} (documented in ${folder}/alignment.json${doc.note ? `: ${doc.note}` : ""})`,
    };
  }
  const reading = resolveReading(m.model, {});
  const name = readingName(reading);
  return {
    reading,
    from: name
      ? `${name} (the default: ${folder} has no alignment.json naming a reading)`
      : "its attention (an LSTM has one: no layer or head to choose)",
  };
}

/** What a map's outlines are, for a reading (said under the map). */
export function linksCaption(reading: AlignReading): string {
  const how = reading.symmetrize ?? "none";
  const words =
    "Words: weights summed over an English word's pieces, averaged over a Hindi word's pieces; outlined: ";
  if (how === "none") return `${words}each Hindi word's highest-weight English word.`;
  const mutual =
    "the pairs that are each other's best match (the Hindi word's highest-weight English word, whose own highest-weight Hindi word it is)";
  if (how === "intersect") return `${words}${mutual}.`;
  if (how === "union")
    return `${words}each Hindi word's highest-weight English word and each English word's highest-weight Hindi word.`;
  return `${words}${mutual}, grown by best matches next to them (${how}, as classical aligners combine two directions).`;
}
