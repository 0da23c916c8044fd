/**
 * BLEU, computed exactly as sacreBLEU 2.x computes it.
 *
 * References:
 * - K. Papineni, S. Roukos, T. Ward, W.-J. Zhu. "BLEU: a Method for Automatic Evaluation of Machine
 *   Translation". ACL 2002. (modified n-gram precision, geometric mean, brevity penalty)
 * - M. Post. "A Call for Clarity in Reporting BLEU Scores". WMT 2018. (sacreBLEU: fixed tokenisation,
 *   reproducible signatures; https://github.com/mjpost/sacrebleu, `sacrebleu/metrics/bleu.py`)
 * - B. Chen, C. Cherry. "A Systematic Comparison of Smoothing Techniques for Sentence-Level BLEU".
 *   WMT 2014. (smoothing methods `floor` = method 1, `add-k` = method 2, `exp` = method 3 / NIST)
 *
 * What is reproduced from sacreBLEU (checked against its unit-test vectors and WMT17 system scores):
 * - preprocessing: optional lowercasing (`str.lower`), then `rstrip()`, then the tokenizer;
 * - tokenizers `13a` (mteval-v13a.pl: `<skipped>` removal, `&quot;`/`&amp;`/`&lt;`/`&gt;` unescaping,
 *   the four language-dependent regexes), `intl` (mteval-v14 international: Unicode `\p{P}`, `\p{S}`,
 *   `\p{N}`), `char` (one token per code point) and `none`;
 * - n-grams of orders 1..maxNgramOrder from Python `str.split()` tokens; reference n-gram counts are the
 *   maximum over the references of a segment; the reference length is the closest one (ties → shorter);
 * - `compute_bleu`: early 0 when no n-gram matches, `add-k` applied to orders ≥ 2, `exp` halving,
 *   `floor`, effective order, `my_log(0) = -9999999999`, score on 0..100.
 *
 * Stream convention (as in `sacrebleu.corpus_bleu(hyps, [refs1, refs2])`): `referenceStreams[k][i]` is
 * the k-th reference of segment i. A `null`/`undefined` entry means "no k-th reference for this segment"
 * (sacreBLEU drops `None` references the same way).
 */
import { pyRstrip, pySplit } from "./pystr.js";

/** Tokenizers of sacreBLEU's BLEU reproduced here. */
export type BleuTokenizer = "13a" | "intl" | "char" | "none";

/** Smoothing methods of sacreBLEU's BLEU (Chen & Cherry 2014 numbering in the module comment). */
export type SmoothMethod = "none" | "floor" | "add-k" | "exp";

/** Default smoothing value of each method (sacreBLEU's `BLEU.SMOOTH_DEFAULTS`). */
export const SMOOTH_DEFAULTS: Readonly<Record<SmoothMethod, number | undefined>> = {
  none: undefined,
  floor: 0.1,
  "add-k": 1,
  exp: undefined,
};

/** sacreBLEU's default maximum n-gram order. */
export const MAX_NGRAM_ORDER = 4;

/** sacreBLEU's BLEU options (tokenizer, smoothing, lowercase, …). */
export interface BleuOptions {
  /** Tokenizer, default "13a". */
  tokenize?: BleuTokenizer;
  /** Lowercase hypotheses and references first (case-insensitive BLEU), default false. */
  lowercase?: boolean;
  /** Smoothing method; default "exp" (both corpus and sentence level, as in sacreBLEU). */
  smoothMethod?: SmoothMethod;
  /** Value for "floor" (default 0.1) and "add-k" (default 1); ignored by "none" and "exp". */
  smoothValue?: number;
  /** Stop at the highest n-gram order with a non-zero total; default false for corpus, true for sentence. */
  effectiveOrder?: boolean;
  /** Highest n-gram order, default 4. */
  maxNgramOrder?: number;
}

/** The result of a BLEU computation; the fields of sacreBLEU's `BLEUScore`. */
export interface BleuScore {
  /** BLEU on 0..100. */
  score: number;
  /** Matched (clipped) n-gram counts per order 1..maxNgramOrder ("add-k" adds k to orders ≥ 2). */
  counts: number[];
  /** Hypothesis n-gram counts per order ("add-k" adds k to orders ≥ 2). */
  totals: number[];
  /** n-gram precisions on 0..100 (after smoothing). */
  precisions: number[];
  /** Brevity penalty. */
  bp: number;
  /** Total hypothesis length in tokens. */
  sysLen: number;
  /** Total (closest) reference length in tokens. */
  refLen: number;
}

// ---------------------------------------------------------------------------------------------------
// Tokenizers
// ---------------------------------------------------------------------------------------------------

/** sacreBLEU `TokenizerRegexp` (the language-dependent part of mteval-v13a), in order. */
const RE_13A: ReadonlyArray<readonly [RegExp, string]> = [
  // ([\{-\~\[-\` -\&\(-\+\:-\@\/]) → " \1 ": the ASCII ranges {|}~ [\]^_` space!"#$%& ()*+ :;<=>?@ and /
  [/([\x7b-\x7e\x5b-\x60\x20-\x26\x28-\x2b\x3a-\x40/])/gu, " $1 "],
  // tokenize period and comma unless preceded by a digit
  [/([^0-9])([.,])/gu, "$1 $2 "],
  // tokenize period and comma unless followed by a digit
  [/([.,])([^0-9])/gu, " $1 $2"],
  // tokenize dash when preceded by a digit
  [/([0-9])(-)/gu, "$1 $2 "],
];

/**
 * sacreBLEU's `13a` tokenizer (mteval-v13a.pl, the WMT standard). Returns the tokenized line with single
 * spaces between tokens.
 */
export function tokenize13a(line: string): string {
  // language-independent part
  line = line.replaceAll("<skipped>", "");
  line = line.replaceAll("-\n", "");
  line = line.replaceAll("\n", " ");
  if (line.includes("&")) {
    line = line.replaceAll("&quot;", '"');
    line = line.replaceAll("&amp;", "&");
    line = line.replaceAll("&lt;", "<");
    line = line.replaceAll("&gt;", ">");
  }
  line = ` ${line} `;
  for (const [re, repl] of RE_13A) line = line.replace(re, repl);
  return pySplit(line).join(" ");
}

/** sacreBLEU `TokenizerV14International` (mteval-v14.pl international tokenization), in order. */
const RE_INTL: ReadonlyArray<readonly [RegExp, string]> = [
  // Separate out punctuations preceded by a non-digit
  [/(\P{N})(\p{P})/gu, "$1 $2 "],
  // Separate out punctuations followed by a non-digit
  [/(\p{P})(\P{N})/gu, " $1 $2"],
  // Separate out symbols
  [/(\p{S})/gu, " $1 "],
];

/**
 * sacreBLEU's `intl` tokenizer: splits off Unicode punctuation (except between digits) and symbols. Like
 * mteval-v14.pl (and sacreBLEU) it does not unescape `&quot;` etc.
 */
export function tokenizeIntl(line: string): string {
  for (const [re, repl] of RE_INTL) line = line.replace(re, repl);
  return pySplit(line).join(" ");
}

/** sacreBLEU's `char` tokenizer: every code point becomes a token. */
export function tokenizeChar(line: string): string {
  return Array.from(line).join(" ");
}

/** sacreBLEU's `none` tokenizer: the line unchanged (tokens are then whitespace-separated words). */
export function tokenizeNone(line: string): string {
  return line;
}

/** The tokenizer function for a name. */
export function getTokenizer(name: BleuTokenizer): (line: string) => string {
  switch (name) {
    case "13a":
      return tokenize13a;
    case "intl":
      return tokenizeIntl;
    case "char":
      return tokenizeChar;
    case "none":
      return tokenizeNone;
    default:
      throw new Error(`corpusBleu: unknown tokenizer ${JSON.stringify(name)}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// n-grams and statistics
// ---------------------------------------------------------------------------------------------------

/**
 * Counts of the n-grams of `tokens` for n = 1..maxOrder, one map per order (index n-1). Keys are the
 * tokens joined by one space, which is unambiguous because tokens never contain whitespace.
 */
export function extractNgramCounts(tokens: readonly string[], maxOrder: number): Map<string, number>[] {
  const out: Map<string, number>[] = [];
  for (let n = 0; n < maxOrder; n++) out.push(new Map<string, number>());
  const len = tokens.length;
  for (let i = 0; i < len; i++) {
    // Grow the n-gram starting at token i one token at a time: orders 1..maxOrder share the prefix.
    let key = tokens[i];
    const top = Math.min(maxOrder, len - i);
    for (let n = 0; n < top; n++) {
      if (n > 0) key = `${key} ${tokens[i + n]}`;
      const m = out[n];
      m.set(key, (m.get(key) ?? 0) + 1);
    }
  }
  return out;
}

/**
 * sacreBLEU's `_get_closest_ref_len`: the reference length closest to `hypLen`, the shorter on a tie.
 */
export function closestRefLength(hypLen: number, refLens: readonly number[]): number {
  let closestDiff = -1;
  let closestLen = -1;
  for (const refLen of refLens) {
    const diff = Math.abs(hypLen - refLen);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closestLen = refLen;
    } else if (diff === closestDiff && refLen < closestLen) {
      closestLen = refLen;
    }
  }
  return closestLen;
}

interface ResolvedBleuOptions {
  tokenize: BleuTokenizer;
  lowercase: boolean;
  smoothMethod: SmoothMethod;
  smoothValue: number | undefined;
  effectiveOrder: boolean;
  maxNgramOrder: number;
}

function resolveOptions(opts: BleuOptions, effectiveOrderDefault: boolean): ResolvedBleuOptions {
  const smoothMethod = opts.smoothMethod ?? "exp";
  if (!(smoothMethod in SMOOTH_DEFAULTS)) {
    throw new Error(`BLEU: unknown smoothMethod ${JSON.stringify(smoothMethod)}`);
  }
  const maxNgramOrder = opts.maxNgramOrder ?? MAX_NGRAM_ORDER;
  if (!Number.isInteger(maxNgramOrder) || maxNgramOrder < 1) {
    throw new Error(`BLEU: maxNgramOrder must be a positive integer, got ${maxNgramOrder}`);
  }
  const tokenize = opts.tokenize ?? "13a";
  getTokenizer(tokenize); // validates the name
  return {
    tokenize,
    lowercase: opts.lowercase ?? false,
    smoothMethod,
    smoothValue: opts.smoothValue,
    effectiveOrder: opts.effectiveOrder ?? effectiveOrderDefault,
    maxNgramOrder,
  };
}

/** Reference streams as plain text: `referenceStreams[k][i]` is the k-th reference of segment i. */
export type ReferenceStreams = ReadonlyArray<ReadonlyArray<string | null | undefined>>;

/**
 * Reference n-gram counts and lengths computed once, to score many systems against the same references
 * (sacreBLEU's `BLEU(references=...)` cache). Made by `prepareBleuReferences`; read-only.
 */
export interface BleuReferences {
  readonly kind: "bleu-references";
  readonly tokenize: BleuTokenizer;
  readonly lowercase: boolean;
  readonly maxNgramOrder: number;
  /** Per segment: n-gram counts (max over references, one map per order) and reference lengths. */
  readonly segments: ReadonlyArray<{ readonly ngrams: Map<string, number>[]; readonly lengths: number[] }>;
}

function preprocessor(o: { tokenize: BleuTokenizer; lowercase: boolean }): (s: string) => string[] {
  const tok = getTokenizer(o.tokenize);
  return (s) => pySplit(tok(pyRstrip(o.lowercase ? s.toLowerCase() : s)));
}

/**
 * Tokenizes reference streams and extracts their n-grams once, for `corpusBleu(hyps, prepared, opts)`;
 * only `tokenize`, `lowercase` and `maxNgramOrder` of `opts` matter here and must match at scoring time.
 */
export function prepareBleuReferences(
  referenceStreams: ReferenceStreams,
  opts: BleuOptions = {},
): BleuReferences {
  const o = resolveOptions(opts, false);
  checkStreams("prepareBleuReferences", referenceStreams[0] ?? [], referenceStreams);
  const preprocess = preprocessor(o);
  const N = o.maxNgramOrder;
  const segments: { ngrams: Map<string, number>[]; lengths: number[] }[] = [];
  const numSegments = referenceStreams[0].length;
  for (let i = 0; i < numSegments; i++) {
    // Reference n-grams: max count over the references of this segment; lengths for the closest length.
    let refNgrams: Map<string, number>[] | undefined;
    const lengths: number[] = [];
    for (const stream of referenceStreams) {
      const ref = stream[i];
      if (ref === null || ref === undefined) continue;
      const tokens = preprocess(ref);
      lengths.push(tokens.length);
      const ngrams = extractNgramCounts(tokens, N);
      if (refNgrams === undefined) {
        refNgrams = ngrams;
      } else {
        for (let n = 0; n < N; n++) {
          const into = refNgrams[n];
          for (const [k, c] of ngrams[n]) {
            const prev = into.get(k) ?? 0;
            if (c > prev) into.set(k, c);
          }
        }
      }
    }
    if (refNgrams === undefined) throw new Error(`BLEU: segment ${i} has no reference`);
    segments.push({ ngrams: refNgrams, lengths });
  }
  return {
    kind: "bleu-references",
    tokenize: o.tokenize,
    lowercase: o.lowercase,
    maxNgramOrder: N,
    segments,
  };
}

function isPrepared(r: ReferenceStreams | BleuReferences): r is BleuReferences {
  return !Array.isArray(r) && (r as BleuReferences).kind === "bleu-references";
}

/**
 * Per-segment sufficient statistics, in sacreBLEU's layout:
 * `[hypLen, refLen, correct_1..correct_N, total_1..total_N]` for N = maxNgramOrder.
 */
export function bleuSegmentStatistics(
  hypotheses: readonly string[],
  references: ReferenceStreams | BleuReferences,
  opts: BleuOptions = {},
): number[][] {
  const o = resolveOptions(opts, false);
  let prepared: BleuReferences;
  if (isPrepared(references)) {
    prepared = references;
    if (
      prepared.tokenize !== o.tokenize ||
      prepared.lowercase !== o.lowercase ||
      prepared.maxNgramOrder !== o.maxNgramOrder
    ) {
      throw new Error(
        "corpusBleu: prepared references were made with other tokenize/lowercase/maxNgramOrder options",
      );
    }
  } else {
    checkStreams("corpusBleu", hypotheses, references);
    prepared = prepareBleuReferences(references, o);
  }
  if (prepared.segments.length !== hypotheses.length) {
    throw new Error(
      `corpusBleu: ${hypotheses.length} hypotheses but ${prepared.segments.length} reference segments`,
    );
  }
  const preprocess = preprocessor(o);
  const N = o.maxNgramOrder;
  const stats: number[][] = [];
  for (let i = 0; i < hypotheses.length; i++) {
    const { ngrams: refNgrams, lengths } = prepared.segments[i];
    const hypTokens = preprocess(hypotheses[i]);
    const hypNgrams = extractNgramCounts(hypTokens, N);
    const correct = new Array<number>(N).fill(0);
    const total = new Array<number>(N).fill(0);
    for (let n = 0; n < N; n++) {
      const ref = refNgrams[n];
      for (const [k, c] of hypNgrams[n]) {
        total[n] += c;
        const r = ref.get(k);
        if (r !== undefined) correct[n] += Math.min(c, r);
      }
    }
    stats.push([hypTokens.length, closestRefLength(hypTokens.length, lengths), ...correct, ...total]);
  }
  return stats;
}

function checkStreams(
  who: string,
  hypotheses: readonly unknown[],
  referenceStreams: ReadonlyArray<ReadonlyArray<unknown>>,
): void {
  if (!Array.isArray(hypotheses)) throw new TypeError(`${who}: hypotheses must be an array of strings`);
  if (!Array.isArray(referenceStreams) || referenceStreams.length === 0) {
    throw new TypeError(`${who}: referenceStreams must be a non-empty array of reference streams`);
  }
  for (let k = 0; k < referenceStreams.length; k++) {
    const s = referenceStreams[k];
    if (!Array.isArray(s)) {
      throw new TypeError(`${who}: referenceStreams[${k}] must be an array (one reference per hypothesis)`);
    }
    if (s.length !== hypotheses.length) {
      throw new Error(
        `${who}: reference stream ${k} has ${s.length} segments but there are ${hypotheses.length} hypotheses`,
      );
    }
  }
}

/** sacreBLEU's `my_log`: log, with log(0) floored to -9999999999. */
function myLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

/** Options of `computeBleu`. */
export interface ComputeBleuOptions {
  /** Default "none", as in sacreBLEU's static `BLEU.compute_bleu`. */
  smoothMethod?: SmoothMethod;
  smoothValue?: number;
  /** Default false. */
  effectiveOrder?: boolean;
  /** Default 4; `correct` and `total` must have this length. */
  maxNgramOrder?: number;
}

/**
 * sacreBLEU's `BLEU.compute_bleu`: BLEU from sufficient statistics, with smoothing. The inputs are not
 * modified (sacreBLEU mutates them for "add-k"; here the returned `counts`/`totals` carry the change).
 */
export function computeBleu(
  correct: readonly number[],
  total: readonly number[],
  sysLen: number,
  refLen: number,
  opts: ComputeBleuOptions = {},
): BleuScore {
  const smoothMethod = opts.smoothMethod ?? "none";
  if (!(smoothMethod in SMOOTH_DEFAULTS)) {
    throw new Error(`BLEU: unknown smoothMethod ${JSON.stringify(smoothMethod)}`);
  }
  const maxOrder = opts.maxNgramOrder ?? MAX_NGRAM_ORDER;
  const effectiveOrder = opts.effectiveOrder ?? false;
  const smoothValue = opts.smoothValue ?? SMOOTH_DEFAULTS[smoothMethod] ?? 0;
  const counts = correct.slice();
  const totals = total.slice();

  let bp = 1.0;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0.0;

  const precisions = new Array<number>(maxOrder).fill(0);

  // Early stop if there are no matches (sacreBLEU #141)
  if (!counts.some((c) => c !== 0)) {
    return { score: 0.0, counts, totals, precisions, bp, sysLen, refLen };
  }

  let smoothMteval = 1.0;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (smoothMethod === "add-k" && n > 1) {
      counts[n - 1] += smoothValue;
      totals[n - 1] += smoothValue;
    }
    if (totals[n - 1] === 0) break;
    if (effectiveOrder) effOrder = n;
    if (counts[n - 1] === 0) {
      if (smoothMethod === "exp") {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * totals[n - 1]);
      } else if (smoothMethod === "floor") {
        precisions[n - 1] = (100 * smoothValue) / totals[n - 1];
      }
    } else {
      precisions[n - 1] = (100 * counts[n - 1]) / totals[n - 1];
    }
  }

  let logSum = 0;
  for (let i = 0; i < effOrder; i++) logSum += myLog(precisions[i]);
  const score = bp * Math.exp(logSum / effOrder);
  return { score, counts, totals, precisions, bp, sysLen, refLen };
}

/** Sums per-segment statistics (sacreBLEU's `sum_of_lists`). */
function sumStats(stats: readonly number[][], width: number): number[] {
  const out = new Array<number>(width).fill(0);
  for (const s of stats) for (let j = 0; j < width; j++) out[j] += s[j];
  return out;
}

/** BLEU from summed statistics in the `bleuSegmentStatistics` layout. */
export function bleuFromStatistics(stats: readonly number[], opts: BleuOptions = {}): BleuScore {
  const o = resolveOptions(opts, false);
  const N = o.maxNgramOrder;
  return computeBleu(stats.slice(2, 2 + N), stats.slice(2 + N, 2 + 2 * N), stats[0], stats[1], {
    smoothMethod: o.smoothMethod,
    smoothValue: o.smoothValue,
    effectiveOrder: o.effectiveOrder,
    maxNgramOrder: N,
  });
}

/**
 * Corpus BLEU, identical to `sacrebleu.corpus_bleu(hypotheses, referenceStreams, ...)` /
 * `BLEU(...).corpus_score`. Defaults: tokenize "13a", smoothMethod "exp", effectiveOrder false,
 * lowercase false, maxNgramOrder 4.
 *
 * @param hypotheses one system output per segment (detokenized)
 * @param referenceStreams reference streams, each parallel to `hypotheses` (`referenceStreams[k][i]` is
 *   the k-th reference of segment i); use several streams for multi-reference BLEU
 */
export function corpusBleu(
  hypotheses: readonly string[],
  referenceStreams: ReferenceStreams | BleuReferences,
  opts: BleuOptions = {},
): BleuScore {
  const o = resolveOptions(opts, false);
  if (!Array.isArray(hypotheses)) throw new TypeError("corpusBleu: hypotheses must be an array of strings");
  if (hypotheses.length === 0) throw new Error("corpusBleu: no hypotheses");
  const stats = bleuSegmentStatistics(hypotheses, referenceStreams, o);
  return bleuFromStatistics(sumStats(stats, 2 + 2 * o.maxNgramOrder), o);
}

/**
 * Sentence BLEU, identical to `sacrebleu.sentence_bleu(hypothesis, references, ...)`: defaults tokenize
 * "13a", smoothMethod "exp", effectiveOrder true.
 *
 * @param references the references of this one sentence (each is its own stream)
 */
export function sentenceBleu(
  hypothesis: string,
  references: readonly string[],
  opts: BleuOptions = {},
): BleuScore {
  if (typeof hypothesis !== "string") throw new TypeError("sentenceBleu: hypothesis must be a string");
  if (references.length === 0) throw new Error("sentenceBleu: no references");
  const o = resolveOptions(opts, true);
  return corpusBleu(
    [hypothesis],
    references.map((r) => [r]),
    o,
  );
}
