/**
 * Tasks: a data set turned into token pairs, vocabularies and train / valid / test parts.
 *
 *   scan-simple | scan-length | scan-addprim_jump   SCAN (Lake & Baroni 2018); valid = 10 % of train
 *   tatoeba-hin | tatoeba-fra | tatoeba-deu          English → other, split by unique English sentence
 *   reverse | copy                                   synthetic: 30 symbols, lengths 5–60 — the
 *                                                    bottleneck experiment of Bahdanau et al. 2014, Fig. 2
 *   files                                            your own parallel text: `srcFile` + `tgtFile`
 *                                                    (aligned lines) or `tsvFile`; valid from files or
 *                                                    a held-out fraction (own-data.ts)
 */
import { join } from "node:path";
import { loadScan, loadTatoeba } from "../data/files.js";
import {
  BpeTokenizer,
  detokenize,
  mulberry32,
  normalizeSentence,
  type ScanSplit,
  shuffleInPlace,
  splitBySource,
  type TatoebaLang,
  type Tokenizer,
  tokenize,
  type Vocab,
  WordTokenizer,
} from "../data/index.js";
import { readParallel, readParallelTsv } from "../data/parallel.js";
import { dataDir } from "../data/paths.js";
import { MAX_TARGET_LENGTH } from "../decode/limits.js";
import { FILES_TASK, type FilesTaskOptions } from "./own-data.js";
import { checkOptions, type OptionRules } from "./validate.js";

export interface TokenPair {
  src: string[];
  tgt: string[];
  /** The pair as raw text (the reference sacreBLEU-style metrics score against). */
  text?: { src: string; tgt: string };
}

export interface TaskData {
  name: string;
  train: TokenPair[];
  valid: TokenPair[];
  test: TokenPair[];
  /** Further evaluation sets by name (e.g. tatoeba-hin-std: flores, tico); empty for most tasks. */
  extra: Record<string, TokenPair[]>;
  /** How source / target text becomes tokens and ids (word or BPE, learned from the training part). */
  srcTokenizer: Tokenizer;
  tgtTokenizer: Tokenizer;
  /** `srcTokenizer.vocab`, `tgtTokenizer.vocab`. */
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
  "tatoeba-hin-std",
  "tatoeba-fra",
  "tatoeba-deu",
  "reverse",
  "copy",
  "files",
] as const;
export type TaskName = (typeof TASK_NAMES)[number];

export interface TaskOptions extends FilesTaskOptions {
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
  /** Keep Tatoeba tokens seen at least this often (default 1; word tokenizer). */
  minFreq?: number;
  /** "word" (default): a word vocabulary, rare words <unk>; "bpe": byte-pair encoding per side. */
  tokenizer?: "word" | "bpe";
  /** BPE: ids per side, special tokens and the 256 bytes included (default 8000; a cap). */
  vocabSize?: number;
  /**
   * A TSV file of further training pairs (source⇥target per line) appended to the training part after
   * `limit`, before the tokenizers are learned: e.g. a bilingual dictionary's word pairs
   * (`scripts/freedict-pairs.ts`). Validation and test parts are unchanged.
   */
  extraTrain?: string;
}

/** How a task's text becomes tokens, and tokens text again. */
export interface TextTokenizer {
  readonly name: "space" | "words";
  readonly lowercase: boolean;
  tokenize(text: string): string[];
  detokenize(tokens: string[]): string;
}

/** Symbols separated by spaces (SCAN commands and actions, synthetic symbols). */
const SPACE: TextTokenizer = {
  name: "space",
  lowercase: false,
  tokenize: (s) => s.split(/\s+/).filter(Boolean),
  detokenize: (t) => t.join(" "),
};

/** Lower-cased words and punctuation (natural language; data/tokenizer.ts). */
const WORDS: TextTokenizer = {
  name: "words",
  lowercase: true,
  tokenize: (s) => tokenize(s, { lowercase: true }),
  detokenize: (t) => detokenize(t),
};

/** A sentence pair as text (tokenized by `finish`, with the task's tokenizer). */
type TextPair = { src: string; tgt: string };
type Parts = { train: TextPair[]; valid: TextPair[]; test: TextPair[]; extra?: Record<string, TextPair[]> };

/** One task: where its pairs come from, how its text is tokenized, and which score picks `best`. */
export interface TaskSpec {
  readonly description: string;
  /** Reads (or generates) the train / valid / test sentence pairs. */
  read(opts: TaskOptions): Parts;
  readonly tokenizer: TextTokenizer;
  /** The validation score that picks the `best` checkpoint. */
  readonly metric: "bleu" | "exactMatch";
}

/** Learns one side's tokenizer from the training text: a word vocabulary or BPE merges. */
function learnTokenizer(texts: string[], opts: TaskOptions, tok: TextTokenizer): Tokenizer {
  const kind = opts.tokenizer ?? "word";
  const base = { split: tok.name, lowercase: tok.lowercase };
  if (kind === "word") return WordTokenizer.build(texts, { ...base, minFreq: opts.minFreq ?? 1 });
  if (kind === "bpe") return BpeTokenizer.train(texts, { ...base, vocabSize: opts.vocabSize ?? 8000 });
  throw new Error(`loadTask: tokenizer must be "word" or "bpe", got ${JSON.stringify(kind)}`);
}

function finish(name: string, parts: Parts, opts: TaskOptions, tok: TextTokenizer): TaskData {
  const limited = opts.limit !== undefined ? parts.train.slice(0, opts.limit) : parts.train;
  const train =
    opts.extraTrain === undefined
      ? limited
      : [...limited, ...readParallelTsv(opts.extraTrain).map((p) => ({ src: p.source, tgt: p.target }))];
  if (train.length === 0) {
    throw new Error(
      `loadTask: task "${name}" has no training pairs (empty data file, or --synthetic-size / --limit 0?)`,
    );
  }
  const srcTokenizer = learnTokenizer(
    train.map((p) => p.src),
    opts,
    tok,
  );
  const tgtTokenizer = learnTokenizer(
    train.map((p) => p.tgt),
    opts,
    tok,
  );
  const conv = (ps: TextPair[]): TokenPair[] =>
    ps.map((p) => ({ src: srcTokenizer.tokenize(p.src), tgt: tgtTokenizer.tokenize(p.tgt), text: p }));
  const extra: Record<string, TokenPair[]> = {};
  for (const [k, ps] of Object.entries(parts.extra ?? {})) extra[k] = conv(ps);
  return {
    name,
    train: conv(train),
    valid: conv(parts.valid),
    test: conv(parts.test),
    extra,
    srcTokenizer,
    tgtTokenizer,
    srcVocab: srcTokenizer.vocab,
    tgtVocab: tgtTokenizer.vocab,
    tokenizeSource: (s) => srcTokenizer.tokenize(s),
    detokenize: (t) => tgtTokenizer.detokenize(t),
  };
}

/**
 * Bounds of the synthetic tasks (each option is refused above its bound, naming it: 10⁹ pairs
 * aborted V8 for want of heap, 2⁵³ − 1 gave a bare "Invalid array length"): pairs, symbols, the
 * longest sequence (decoding's own bound, MAX_TARGET_LENGTH) and the tokens of all training pairs.
 */
export const SYNTHETIC_LIMITS = Object.freeze({
  size: 10_000_000,
  symbols: 100_000,
  maxLength: MAX_TARGET_LENGTH,
  tokens: 20_000_000,
});

function synthetic(kind: "reverse" | "copy", opts: TaskOptions): Parts {
  const rng = mulberry32(opts.seed ?? 1);
  const size = opts.syntheticSize ?? 20000;
  const nSymbols = opts.symbols ?? 30;
  const hi = opts.maxLength ?? 60;
  const lo = opts.minLength ?? Math.min(5, hi);
  const over = (what: string, v: number, limit: number) =>
    new Error(`loadTask: ${kind}: ${what} is ${v}, more than the limit of ${limit}`);
  if (size > SYNTHETIC_LIMITS.size)
    throw over("syntheticSize (--synthetic-size)", size, SYNTHETIC_LIMITS.size);
  if (nSymbols > SYNTHETIC_LIMITS.symbols)
    throw over("symbols (--symbols)", nSymbols, SYNTHETIC_LIMITS.symbols);
  if (hi > SYNTHETIC_LIMITS.maxLength) throw over("maxLength (--max-length)", hi, SYNTHETIC_LIMITS.maxLength);
  if (lo > hi) {
    throw new Error(`loadTask: ${kind}: minLength ${lo} is above maxLength (--max-length) ${hi}`);
  }
  const tokens = Math.round((size * (lo + hi)) / 2);
  if (tokens > SYNTHETIC_LIMITS.tokens) {
    throw new Error(
      `loadTask: ${kind}: ${size} pairs (--synthetic-size) of ${lo}–${hi} symbols (--min-length, --max-length) make ~${tokens} tokens, more than the limit of ${SYNTHETIC_LIMITS.tokens}; give fewer or shorter pairs`,
    );
  }
  const symbols = Array.from({ length: nSymbols }, (_, i) => `s${i}`);
  const make = (n: number): TextPair[] =>
    Array.from({ length: n }, (_, i) => {
      // Lengths cycle evenly over [lo, hi] so every length is equally represented.
      const len = lo + (i % (hi - lo + 1));
      const src = Array.from({ length: len }, () => symbols[Math.floor(rng() * symbols.length)]);
      return { src: src.join(" "), tgt: (kind === "reverse" ? [...src].reverse() : src).join(" ") };
    });
  const train = make(size);
  shuffleInPlace(train, rng);
  return { train, valid: make(560), test: make(1120) };
}

/** SCAN's own train and test files; valid = 10 % of train, drawn with the seed. */
function scan(split: ScanSplit, opts: TaskOptions): Parts {
  const text = (e: { source: string[]; target: string[] }) => ({
    src: e.source.join(" "),
    tgt: e.target.join(" "),
  });
  const all = loadScan(split, "train", opts.dataDir).map(text);
  const test = loadScan(split, "test", opts.dataDir).map(text);
  shuffleInPlace(all, mulberry32(opts.seed ?? 1));
  const nValid = Math.round(all.length * 0.1);
  return { train: all.slice(nValid), valid: all.slice(0, nValid), test };
}

/** English → `lang`, 80/10/10 split by unique English sentence (no sentence in two parts). */
function tatoeba(lang: TatoebaLang, opts: TaskOptions): Parts {
  const pairs = loadTatoeba(lang, opts.dataDir);
  const split = splitBySource(pairs, { valid: 0.1, test: 0.1, seed: opts.seed ?? 1 });
  const conv = (ps: typeof pairs) => ps.map((p) => ({ src: p.source, tgt: p.target }));
  return { train: conv(split.train), valid: conv(split.valid), test: conv(split.test) };
}

// ---- tatoeba-hin-std: the standard Tatoeba test set, FLORES-200 and TICO-19 ----

/** Validation share of tatoeba-hin-std (by unique English sentence). */
export const STD_VALID_FRACTION = 0.075;

/** The evaluation sets of tatoeba-hin-std beyond valid and test: folder and file names in the data folder. */
export const STD_EXTRA_SETS = {
  flores: { dir: "flores200-devtest-eng-hin", src: "devtest.en", tgt: "devtest.hi" },
  tico: { dir: "tico19-test-eng-hin", src: "test.en", tgt: "test.hi" },
} as const;

/**
 * English → Hindi with the standard test set: train on all of tatoeba-eng-hin/hin.txt but a validation
 * part (7.5 % of its unique English sentences); test = the Tatoeba Challenge test set
 * (tatoeba-test-eng-hin, v2021-08-07) keeping only the pairs whose English sentence (NFC, case- and
 * space-normalised) is not in hin.txt, so no test sentence was seen in training; `extra` holds
 * FLORES-200 devtest and TICO-19 test (out of domain).
 */
function tatoebaStd(opts: TaskOptions): Parts {
  const pairs = loadTatoeba("hin", opts.dataDir);
  const split = splitBySource(pairs, { valid: STD_VALID_FRACTION, test: 0, seed: opts.seed ?? 1 });
  const conv = (ps: typeof pairs) => ps.map((p) => ({ src: p.source, tgt: p.target }));
  const seen = new Set(pairs.map((p) => normalizeSentence(p.source)));
  const root = dataDir(opts.dataDir);
  const read = (dir: string, src: string, tgt: string): TextPair[] =>
    readParallel(join(root, dir, src), join(root, dir, tgt)).map((p) => ({ src: p.source, tgt: p.target }));
  const test = read("tatoeba-test-eng-hin", "test.en", "test.hi").filter(
    (p) => !seen.has(normalizeSentence(p.src)),
  );
  const extra: Record<string, TextPair[]> = {};
  for (const [name, f] of Object.entries(STD_EXTRA_SETS)) extra[name] = read(f.dir, f.src, f.tgt);
  return { train: conv(split.train), valid: conv(split.valid), test, extra };
}

const tatoebaStdTask: TaskSpec = {
  description:
    "Tatoeba English → Hindi; test: the standard Tatoeba test set minus sentences in hin.txt; extra: flores, tico",
  read: tatoebaStd,
  tokenizer: WORDS,
  metric: "bleu",
};
// ---- end of tatoeba-hin-std ----

const scanTask = (split: ScanSplit): TaskSpec => ({
  description: `SCAN ${split} split (Lake & Baroni 2018)`,
  read: (o) => scan(split, o),
  tokenizer: SPACE,
  metric: "exactMatch",
});

const tatoebaTask = (lang: TatoebaLang, language: string): TaskSpec => ({
  description: `Tatoeba English → ${language}`,
  read: (o) => tatoeba(lang, o),
  tokenizer: WORDS,
  metric: "bleu",
});

const syntheticTask = (kind: "reverse" | "copy"): TaskSpec => ({
  description: `synthetic ${kind} of symbol strings (the bottleneck experiment)`,
  read: (o) => synthetic(kind, o),
  tokenizer: SPACE,
  metric: "exactMatch",
});

/** Every task, described once: reader, tokenizer, metric. */
export const TASKS: Readonly<Record<TaskName, TaskSpec>> = {
  "scan-simple": scanTask("simple"),
  "scan-length": scanTask("length"),
  "scan-addprim_jump": scanTask("addprim_jump"),
  "tatoeba-hin": tatoebaTask("hin", "Hindi"),
  "tatoeba-hin-std": tatoebaStdTask,
  "tatoeba-fra": tatoebaTask("fra", "French"),
  "tatoeba-deu": tatoebaTask("deu", "German"),
  reverse: syntheticTask("reverse"),
  copy: syntheticTask("copy"),
  files: FILES_TASK,
};

/** The description of a task by name; an unknown name is an error listing the known ones. */
export function taskSpec(name: string): TaskSpec {
  if (!Object.hasOwn(TASKS, name)) {
    throw new Error(`loadTask: unknown task "${name}" (one of ${TASK_NAMES.join(", ")})`);
  }
  return TASKS[name as TaskName];
}

/** The numeric task options with their CLI flags and rules. */
const TASK_OPTION_RULES: OptionRules<TaskOptions> = {
  limit: ["--limit", "int>=1"],
  syntheticSize: ["--synthetic-size", "int>=1"],
  minLength: ["--min-length", "int>=1"],
  maxLength: ["--max-length", "int>=1"],
  symbols: ["--symbols", "int>=1"],
  minFreq: ["--min-freq", "int>=1"],
  seed: ["--seed", "int>=0"],
};

/** Loads a task by name. */
export function loadTask(name: string, opts: TaskOptions = {}): TaskData {
  const fn = "loadTask";
  checkOptions(fn, opts, TASK_OPTION_RULES);
  const spec = taskSpec(name);
  return finish(name, spec.read(opts), opts, spec.tokenizer);
}
