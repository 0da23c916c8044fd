/**
 * Reader for Tatoeba sentence pairs in the manythings.org/anki format (https://www.manythings.org/anki/),
 * and a leak-free train/valid/test split.
 *
 * Line format: `English<TAB>Other<TAB>attribution` (current exports, e.g. hin.txt, where the third column
 * is the per-pair CC-BY 2.0 (France) credit such as "... tatoeba.org #52027 (Zifre) & #6179147 (...)"),
 * or `English<TAB>Other` (older exports, e.g. fra.txt and deu.txt, which carry no attribution; the pair's
 * `attribution` is then "" from the parser, and `loadTatoeba` fills in the collective Tatoeba credit).
 * CRLF endings are accepted, and a header line (`1<TAB>2` in deu.txt, or `Eng<TAB>Hin<TAB>Oth`) is skipped.
 *
 * `splitBySource` assigns whole groups of pairs that share a normalised sentence (by default the source)
 * to one part, so the same English sentence never appears in two of train / valid / test: Tatoeba often
 * has several translations of one English sentence (hin.txt has 7 for "How are you?"), and a random
 * per-pair split would put copies of a test sentence in the training data.
 */
import { mulberry32, shuffleInPlace } from "./random.js";
import { splitLines } from "./split-lines.js";

/** One Tatoeba sentence pair. */
export interface TatoebaPair {
  source: string;
  target: string;
  /** The third column of the line (per-pair credit), or "" when the file has none. */
  attribution: string;
}

/** The Tatoeba languages qkv reads (ISO 639-3), paired with English. */
export type TatoebaLang = "hin" | "fra" | "deu";

/** Credit for files in the older format, which has no per-sentence attribution column. */
export const TATOEBA_CREDIT =
  "CC-BY 2.0 (France) Tatoeba.org contributors (no per-sentence attribution in file)";

/** Options of `parseTatoeba` / `loadTatoeba`. */
export interface TatoebaParseOptions {
  /** Swap the columns: Other → English instead of English → Other (default false). */
  reverse?: boolean;
  /** Skip a header line: true, false, or "auto" (default): skip the first line if it looks like one. */
  skipHeader?: boolean | "auto";
  /** Attribution used when a line has no third column (default ""). */
  defaultAttribution?: string;
}

const HEADER_RE = /^(?:1\t2(?:\t3)?|eng(?:lish)?\t[a-z]{2,}(?:\t[a-z]{2,})?)$/i;

/**
 * Parses manythings/Tatoeba text. `file` is only used in error messages: a line without a tab, with an
 * empty sentence, or with more than 3 columns throws `<file>:<line>: ...`.
 */
export function parseTatoeba(
  text: string,
  file = "<Tatoeba text>",
  options: TatoebaParseOptions = {},
): TatoebaPair[] {
  const lines = splitLines(text);
  const skip = options.skipHeader ?? "auto";
  const first = skip === true || (skip === "auto" && lines.length > 0 && HEADER_RE.test(lines[0])) ? 1 : 0;
  const out: TatoebaPair[] = [];
  for (let i = first; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    const cols = line.split("\t");
    const english = cols[0]?.trim() ?? "";
    const other = cols[1]?.trim() ?? "";
    if (cols.length < 2 || cols.length > 3 || english === "" || other === "") {
      const shown = line.length > 80 ? `${line.slice(0, 80)}...` : line;
      throw new Error(
        `${file}:${i + 1}: expected "English<TAB>Other[<TAB>attribution]", got ${cols.length} column(s): ${JSON.stringify(shown)}`,
      );
    }
    const attribution = cols.length === 3 ? cols[2].trim() : (options.defaultAttribution ?? "");
    out.push(
      options.reverse
        ? { source: other, target: english, attribution }
        : { source: english, target: other, attribution },
    );
  }
  return out;
}

/** The grouping key: NFC, lowercased, whitespace trimmed and collapsed. */
export function normalizeSentence(s: string): string {
  return s.normalize("NFC").toLowerCase().trim().replace(/\s+/g, " ");
}

/** Options of `splitBySource`. */
export interface SplitOptions<T> {
  /** Fraction of groups for validation, in [0, 1). */
  valid: number;
  /** Fraction of groups for test, in [0, 1). */
  test: number;
  /** PRNG seed (default 0). */
  seed?: number;
  /**
   * Which sentence defines a group (default "source"). With reversed pairs (Other → English) pass
   * "target" to keep English sentences from leaking, or a function for any other key.
   */
  by?: "source" | "target" | ((item: T) => string);
}

/** Train, validation and test parts of a data set. */
export interface Split<T> {
  train: T[];
  valid: T[];
  test: T[];
}

/**
 * Deterministic split with no leakage: items are grouped by the normalised key sentence, the distinct
 * keys are sorted, shuffled with mulberry32(seed), and the first round(test × groups) groups go to
 * test, the next round(valid × groups) to valid, the rest to train. Fractions count groups (distinct
 * sentences), not pairs. Within each part items keep their input order. The result depends only on
 * the set of items, the fractions and the seed.
 */
export function splitBySource<T extends { source: string; target: string }>(
  items: readonly T[],
  options: SplitOptions<T>,
): Split<T> {
  const { valid, test } = options;
  for (const [name, f] of [
    ["valid", valid],
    ["test", test],
  ] as const) {
    if (!(f >= 0 && f < 1)) throw new Error(`splitBySource: ${name} fraction must be in [0, 1), got ${f}`);
  }
  if (valid + test > 1) throw new Error(`splitBySource: valid + test = ${valid + test} exceeds 1`);
  const by = options.by ?? "source";
  const keyOf = typeof by === "function" ? by : (item: T) => item[by];
  const keys = items.map((it) => normalizeSentence(keyOf(it)));
  const groups = [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  shuffleInPlace(groups, mulberry32(options.seed ?? 0));
  const nTest = Math.round(test * groups.length);
  const nValid = Math.min(Math.round(valid * groups.length), groups.length - nTest);
  const part = new Map<string, 0 | 1 | 2>();
  groups.forEach((g, i) => {
    part.set(g, i < nTest ? 2 : i < nTest + nValid ? 1 : 0);
  });
  const out: Split<T> = { train: [], valid: [], test: [] };
  items.forEach((it, i) => {
    const p = part.get(keys[i]);
    (p === 2 ? out.test : p === 1 ? out.valid : out.train).push(it);
  });
  return out;
}
