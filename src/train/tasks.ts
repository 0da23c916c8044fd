/**
 * Tasks: a data set turned into token pairs, vocabularies and train / valid / test parts.
 *
 *   scan-simple | scan-length | scan-addprim_jump   SCAN (Lake & Baroni 2018); valid = 10 % of train
 *   tatoeba-hin | tatoeba-fra | tatoeba-deu          English → other, split by unique English sentence
 *   reverse | copy                                   synthetic: 30 symbols, lengths 5–60 — the
 *                                                    bottleneck experiment of Bahdanau et al. 2014, Fig. 2
 */
import {
  detokenize,
  loadScan,
  loadTatoeba,
  mulberry32,
  type ScanSplit,
  shuffleInPlace,
  splitBySource,
  type TatoebaLang,
  tokenize,
  Vocab,
} from "../data/index.js";
import { checkOption } from "./validate.js";

export interface TokenPair {
  src: string[];
  tgt: string[];
}

export interface TaskData {
  name: string;
  train: TokenPair[];
  valid: TokenPair[];
  test: TokenPair[];
  srcVocab: Vocab;
  tgtVocab: Vocab;
  /** Turns user text into source tokens the way the task's data was tokenized. */
  tokenizeSource(text: string): string[];
  /** Joins output tokens for display. */
  detokenize(tokens: string[]): string;
}

export const TASK_NAMES = [
  "scan-simple",
  "scan-length",
  "scan-addprim_jump",
  "tatoeba-hin",
  "tatoeba-fra",
  "tatoeba-deu",
  "reverse",
  "copy",
] as const;
export type TaskName = (typeof TASK_NAMES)[number];

export interface TaskOptions {
  /** Data folder (default: `$QKV_DATA_DIR` or ../shared/data). */
  dataDir?: string;
  seed?: number;
  /** Use at most this many training pairs (quick runs, tests). */
  limit?: number;
  /**
   * Synthetic tasks: training pairs (default 20000) and length range (default 5–60; a `maxLength`
   * below 5 lowers the default `minLength` to it).
   */
  syntheticSize?: number;
  minLength?: number;
  maxLength?: number;
  /** Synthetic tasks: number of distinct symbols (default 30). */
  symbols?: number;
  /** Keep Tatoeba tokens seen at least this often (default 1). */
  minFreq?: number;
}

const spaceSplit = (s: string) => s.split(/\s+/).filter(Boolean);

function finish(
  name: string,
  parts: { train: TokenPair[]; valid: TokenPair[]; test: TokenPair[] },
  opts: TaskOptions,
  tokenizeSource: (s: string) => string[],
  join: (t: string[]) => string,
): TaskData {
  const train = opts.limit !== undefined ? parts.train.slice(0, opts.limit) : parts.train;
  if (train.length === 0) {
    throw new Error(
      `loadTask: task "${name}" has no training pairs (empty data file, or --synthetic-size / --limit 0?)`,
    );
  }
  const minFreq = opts.minFreq ?? 1;
  return {
    name,
    train,
    valid: parts.valid,
    test: parts.test,
    srcVocab: Vocab.build(
      train.map((p) => p.src),
      { minFreq },
    ),
    tgtVocab: Vocab.build(
      train.map((p) => p.tgt),
      { minFreq },
    ),
    tokenizeSource,
    detokenize: join,
  };
}

function synthetic(kind: "reverse" | "copy", opts: TaskOptions): TaskData {
  const rng = mulberry32(opts.seed ?? 1);
  const symbols = Array.from({ length: opts.symbols ?? 30 }, (_, i) => `s${i}`);
  const hi = opts.maxLength ?? 60;
  const lo = opts.minLength ?? Math.min(5, hi);
  if (lo > hi) {
    throw new Error(`loadTask: ${kind}: minLength ${lo} is above maxLength (--max-length) ${hi}`);
  }
  const make = (n: number): TokenPair[] =>
    Array.from({ length: n }, (_, i) => {
      // Lengths cycle evenly over [lo, hi] so every length is equally represented.
      const len = lo + (i % (hi - lo + 1));
      const src = Array.from({ length: len }, () => symbols[Math.floor(rng() * symbols.length)]);
      return { src, tgt: kind === "reverse" ? [...src].reverse() : [...src] };
    });
  const train = make(opts.syntheticSize ?? 20000);
  shuffleInPlace(train, rng);
  return finish(kind, { train, valid: make(560), test: make(1120) }, opts, spaceSplit, (t) => t.join(" "));
}

/** Loads a task by name. */
export function loadTask(name: string, opts: TaskOptions = {}): TaskData {
  const fn = "loadTask";
  checkOption(fn, "limit", "--limit", opts.limit, "int>=1");
  checkOption(fn, "syntheticSize", "--synthetic-size", opts.syntheticSize, "int>=1");
  checkOption(fn, "minLength", "--min-length", opts.minLength, "int>=1");
  checkOption(fn, "maxLength", "--max-length", opts.maxLength, "int>=1");
  checkOption(fn, "symbols", "--symbols", opts.symbols, "int>=1");
  checkOption(fn, "minFreq", "--min-freq", opts.minFreq, "int>=1");
  checkOption(fn, "seed", "--seed", opts.seed, "int>=0");
  if (name.startsWith("scan-")) {
    const split = name.slice(5) as ScanSplit;
    if (!["simple", "length", "addprim_jump"].includes(split))
      throw new Error(`loadTask: unknown SCAN split "${split}"`);
    const all = loadScan(split, "train", opts.dataDir).map((e) => ({ src: e.source, tgt: e.target }));
    const test = loadScan(split, "test", opts.dataDir).map((e) => ({ src: e.source, tgt: e.target }));
    shuffleInPlace(all, mulberry32(opts.seed ?? 1));
    const nValid = Math.round(all.length * 0.1);
    return finish(
      name,
      { train: all.slice(nValid), valid: all.slice(0, nValid), test },
      opts,
      spaceSplit,
      (t) => t.join(" "),
    );
  }
  if (name.startsWith("tatoeba-")) {
    const lang = name.slice(8) as TatoebaLang;
    if (!["hin", "fra", "deu"].includes(lang))
      throw new Error(`loadTask: unknown Tatoeba language "${lang}"`);
    const pairs = loadTatoeba(lang, opts.dataDir);
    const split = splitBySource(pairs, { valid: 0.1, test: 0.1, seed: opts.seed ?? 1 });
    const tok = (s: string) => tokenize(s, { lowercase: true });
    const conv = (ps: typeof pairs) => ps.map((p) => ({ src: tok(p.source), tgt: tok(p.target) }));
    return finish(
      name,
      { train: conv(split.train), valid: conv(split.valid), test: conv(split.test) },
      opts,
      tok,
      (t) => detokenize(t),
    );
  }
  if (name === "reverse" || name === "copy") return synthetic(name, opts);
  throw new Error(`loadTask: unknown task "${name}" (one of ${TASK_NAMES.join(", ")})`);
}
