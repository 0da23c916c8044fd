/**
 * The `files` task: training on your own parallel text, any language pair.
 *
 *   training pairs   `srcFile` + `tgtFile` (line i of one translates line i of the other) or `tsvFile`
 *                    (`source<TAB>target` per line)
 *   validation       `validSrcFile` + `validTgtFile`, else `validFraction` (default 0.1) of the
 *                    training pairs held out, drawn with the seed
 *   test (optional)  `testSrcFile` + `testTgtFile` (what `qkv eval --split test` scores)
 *
 * Text is split into words and punctuation (data/tokenizer.ts: Unicode letters, marks and digits, any
 * script) with case kept, or into BPE pieces with `tokenizer: "bpe"`. Pairs with an empty side are left
 * out (an empty line gives nothing to learn). Misaligned files are an error naming both files and the
 * first line without a partner. The options are stored in the checkpoint (`taskOptions`), so `--resume`
 * and `qkv eval` read the same files again.
 */
import { mulberry32, shuffleInPlace } from "../data/index.js";
import { readParallel, readParallelTsv } from "../data/parallel.js";
import { detokenize, tokenize } from "../data/tokenizer.js";
import type { TaskOptions, TaskSpec, TextTokenizer } from "./tasks.js";

export interface FilesTaskOptions {
  /** Source side of the training pairs, one sentence a line (with `tgtFile`). */
  srcFile?: string;
  /** Target side, line-aligned with `srcFile`. */
  tgtFile?: string;
  /** Training pairs as `source<TAB>target` lines (instead of srcFile + tgtFile). */
  tsvFile?: string;
  /** Validation pairs (both or neither). */
  validSrcFile?: string;
  validTgtFile?: string;
  /** Without validation files: this fraction of the training pairs is held out (default 0.1). */
  validFraction?: number;
  /** Test pairs for `qkv eval --split test` (both or neither). */
  testSrcFile?: string;
  testTgtFile?: string;
}

/** Words and punctuation of any script, case kept. */
const WORDS_CASED: TextTokenizer = {
  name: "words",
  lowercase: false,
  tokenize: (s) => tokenize(s),
  detokenize: (t) => detokenize(t),
};

type TextPair = { src: string; tgt: string };

function pairs(list: { source: string; target: string }[]): TextPair[] {
  return list
    .filter((p) => p.source.trim() && p.target.trim())
    .map((p) => ({ src: p.source, tgt: p.target }));
}

function both(
  o: TaskOptions,
  a: "validSrcFile" | "testSrcFile",
  b: "validTgtFile" | "testTgtFile",
  flags: string,
) {
  if ((o[a] === undefined) !== (o[b] === undefined)) {
    throw new Error(`loadTask: files: ${flags} go together (got only ${o[a] !== undefined ? a : b})`);
  }
  return o[a] !== undefined ? pairs(readParallel(o[a]!, o[b]!)) : null;
}

/** Reads the train / valid / test pairs the options name. */
export function readOwnData(o: TaskOptions): ReturnType<TaskSpec["read"]> {
  const hasPair = o.srcFile !== undefined || o.tgtFile !== undefined;
  if (hasPair && o.tsvFile !== undefined) {
    throw new Error("loadTask: files: give --src and --tgt, or --tsv, not both");
  }
  if (!hasPair && o.tsvFile === undefined) {
    throw new Error("loadTask: task files needs --src FILE --tgt FILE (aligned lines) or --tsv FILE");
  }
  if (hasPair && (o.srcFile === undefined || o.tgtFile === undefined)) {
    throw new Error(
      `loadTask: files: --src and --tgt go together (got only ${o.srcFile ? "--src" : "--tgt"})`,
    );
  }
  let train = pairs(
    o.tsvFile !== undefined ? readParallelTsv(o.tsvFile) : readParallel(o.srcFile!, o.tgtFile!),
  );
  let valid = both(o, "validSrcFile", "validTgtFile", "--valid-src and --valid-tgt");
  const test = both(o, "testSrcFile", "testTgtFile", "--test-src and --test-tgt") ?? [];
  if (valid === null) {
    const f = o.validFraction ?? 0.1;
    if (!(f > 0 && f < 1)) throw new Error(`loadTask: files: --valid-fraction must be in (0, 1), got ${f}`);
    const shuffled = [...train];
    shuffleInPlace(shuffled, mulberry32(o.seed ?? 1));
    const n = Math.max(1, Math.round(shuffled.length * f));
    if (n >= shuffled.length) {
      throw new Error(
        `loadTask: files: ${shuffled.length} training pairs are too few to hold out ${n} for validation (give --valid-src/--valid-tgt)`,
      );
    }
    valid = shuffled.slice(0, n);
    train = shuffled.slice(n);
  } else if (o.validFraction !== undefined) {
    throw new Error("loadTask: files: --valid-fraction and --valid-src/--valid-tgt exclude each other");
  }
  return { train, valid, test };
}

export const FILES_TASK: TaskSpec = {
  description: "your own parallel text (--src/--tgt aligned files or --tsv), any language pair",
  read: readOwnData,
  tokenizer: WORDS_CASED,
  metric: "bleu",
};
