/**
 * Parallel corpora for the classical word aligners (IBM Models 1 and 2, fast_align): words, the
 * lexical forms their statistics are counted on, and the integer coding the EM loops run over.
 *
 * A sentence is an array of words, and a link index counts these words: `alignmentWords(line)` gives
 * the whitespace-separated words of a line, which is what Pharaoh alignment files (and the Hansards
 * gold) index. The statistics, however, are gathered on `lexicalForm(word)` — NFC, lowercased, with
 * leading and trailing punctuation stripped — so that "lights." and "Lights" share one translation
 * distribution while the indices still count the words as written.
 *
 * Browser-safe: no Node built-ins.
 */
import { whitespaceWords } from "./words.js";

/** A sentence-aligned parallel corpus: `src[k]` and `tgt[k]` are the words of the k-th pair. */
export interface ParallelCorpus {
  src: readonly (readonly string[])[];
  tgt: readonly (readonly string[])[];
}

/** The whitespace-separated words of a line: what alignment link indices count. */
export function alignmentWords(line: string): string[] {
  return whitespaceWords(line);
}

// Unicode punctuation (general category P: ASCII . , ! ? " ' ( ) …, « », ¿, Devanagari danda । and
// double danda ॥ — both are Po — and so on). Symbols (category S: $ + € …) are kept.
const EDGE_PUNCTUATION = /^\p{P}+|\p{P}+$/gu;

/**
 * The form a word's alignment statistics are counted on: NFC, lowercased, leading and trailing
 * punctuation (Unicode category P, which includes the Devanagari danda । and double danda ॥) removed.
 * A word that is punctuation only keeps its (NFC, lowercased) self, so "." and "।" are words too.
 */
export function lexicalForm(word: string): string {
  const w = word.normalize("NFC").toLowerCase();
  const stripped = w.replace(EDGE_PUNCTUATION, "");
  return stripped === "" ? w : stripped;
}

/**
 * A corpus in one direction, as integer word ids: each target (generated) word `f[k][j]` is explained by
 * the source (conditioning) words `e[k]`. Ids index `eWords` / `fWords`, the forms statistics are
 * counted on.
 */
export interface DirectedCorpus {
  eWords: readonly string[];
  fWords: readonly string[];
  e: readonly Int32Array[];
  f: readonly Int32Array[];
}

/** A parallel corpus coded as integer ids, once for both directions. */
export interface EncodedCorpus {
  srcWords: string[];
  tgtWords: string[];
  src: Int32Array[];
  tgt: Int32Array[];
}

/**
 * Checks that `corpus` is `{ src: string[][]; tgt: string[][] }` with as many source as target sentences;
 * errors name `who` and the argument (e.g. "trainClassicalAligner: train.src has 10 sentences, train.tgt
 * has 9").
 */
export function checkParallelCorpus(
  corpus: unknown,
  who: string,
  name: string,
): asserts corpus is ParallelCorpus {
  if (corpus === null || typeof corpus !== "object") {
    throw new Error(`${who}: ${name} must be an object { src: string[][]; tgt: string[][] }`);
  }
  const c = corpus as { src?: unknown; tgt?: unknown };
  for (const side of ["src", "tgt"] as const) {
    const sents = c[side];
    if (!Array.isArray(sents)) throw new Error(`${who}: ${name}.${side} must be an array of word arrays`);
    for (let k = 0; k < sents.length; k++) {
      const s = sents[k];
      if (!Array.isArray(s)) throw new Error(`${who}: ${name}.${side}[${k}] must be an array of words`);
      for (let j = 0; j < s.length; j++) {
        if (typeof s[j] !== "string") {
          throw new Error(`${who}: ${name}.${side}[${k}][${j}] must be a string, got ${typeof s[j]}`);
        }
      }
    }
  }
  const ns = (c.src as unknown[]).length;
  const nt = (c.tgt as unknown[]).length;
  if (ns !== nt) throw new Error(`${who}: ${name}.src has ${ns} sentences, ${name}.tgt has ${nt}`);
}

/** Checks that `words` is an array of strings (a sentence to align); errors name `who` and `name`. */
export function checkWords(words: unknown, who: string, name: string): asserts words is readonly string[] {
  if (!Array.isArray(words)) throw new Error(`${who}: ${name} must be an array of words`);
  for (let j = 0; j < words.length; j++) {
    if (typeof words[j] !== "string") {
      throw new Error(`${who}: ${name}[${j}] must be a string, got ${typeof words[j]}`);
    }
  }
}

/** The identity "form": statistics on the words exactly as given. */
export function exactForm(word: string): string {
  return word;
}

/** Integer ids for word forms, in order of first appearance. */
export class WordIds {
  readonly words: string[] = [];
  private readonly index = new Map<string, number>();

  /** The id of `form`, adding it when new. */
  add(form: string): number {
    let id = this.index.get(form);
    if (id === undefined) {
      id = this.words.length;
      this.words.push(form);
      this.index.set(form, id);
    }
    return id;
  }

  /** The id of `form`, or −1 when it was never added. */
  get(form: string): number {
    return this.index.get(form) ?? -1;
  }
}

/** Codes every sentence of `corpus` (already checked) as ids of `form(word)`. */
export function encodeCorpus(corpus: ParallelCorpus, form: (word: string) => string): EncodedCorpus {
  const code = (sents: readonly (readonly string[])[], ids: WordIds): Int32Array[] =>
    sents.map((s) => {
      const out = new Int32Array(s.length);
      for (let j = 0; j < s.length; j++) out[j] = ids.add(form(s[j]));
      return out;
    });
  const srcIds = new WordIds();
  const tgtIds = new WordIds();
  const src = code(corpus.src, srcIds);
  const tgt = code(corpus.tgt, tgtIds);
  return { srcWords: srcIds.words, tgtWords: tgtIds.words, src, tgt };
}

/** The corpus in the forward (target given source) or backward (source given target) direction. */
export function directed(enc: EncodedCorpus, backward: boolean): DirectedCorpus {
  return backward
    ? { eWords: enc.tgtWords, fWords: enc.srcWords, e: enc.tgt, f: enc.src }
    : { eWords: enc.srcWords, fWords: enc.tgtWords, e: enc.src, f: enc.tgt };
}

/** `value` (when given) as a non-negative integer, else `fallback`; errors name `who` and `name`. */
export function optionalCount(value: unknown, fallback: number, who: string, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new Error(`${who}: ${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/** `value` (when given) as a boolean, else `fallback`; errors name `who` and `name`. */
export function optionalBoolean(value: unknown, fallback: boolean, who: string, name: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean")
    throw new Error(`${who}: ${name} must be true or false, got ${String(value)}`);
  return value;
}

/**
 * `value` (when given) as a finite number in [min, max] (`max` excluded when `maxOpen`), else
 * `fallback`; errors name `who` and `name`.
 */
export function optionalNumber(
  value: unknown,
  fallback: number,
  who: string,
  name: string,
  min: number,
  max: number,
  maxOpen = false,
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (maxOpen && value === max)
  ) {
    throw new Error(
      `${who}: ${name} must be a number in [${min}, ${max}${maxOpen ? ")" : "]"}, got ${String(value)}`,
    );
  }
  return value;
}
