/**
 * chrF and chrF++, computed exactly as sacreBLEU 2.x computes them.
 *
 * References:
 * - M. Popović. "chrF: character n-gram F-score for automatic MT evaluation". WMT 2015.
 * - M. Popović. "chrF++: words helping character n-grams". WMT 2017. (word n-grams, `wordOrder` 2)
 * - M. Post. "A Call for Clarity in Reporting BLEU Scores". WMT 2018. (sacreBLEU;
 *   https://github.com/mjpost/sacrebleu, `sacrebleu/metrics/chrf.py`, `sacrebleu/metrics/helpers.py`)
 *
 * Reproduced details: character n-grams of orders 1..charOrder over code points, with whitespace removed
 * (Python `''.join(s.split())`) unless `whitespace`; chrF++ word n-grams over words whose one leading or
 * trailing ASCII punctuation mark is split off (sacreBLEU's `_remove_punctuation`, including its quirk
 * that "(hi)" becomes "(hi" + ")"); per segment the reference with the best F-score is kept (first on a
 * tie); corpus statistics are summed over segments; the final score averages precision and recall over
 * the orders that have both hypothesis and reference n-grams (sacreBLEU ≥ 2 default), or, with
 * `epsSmoothing`, averages per-order F-scores with 1e-16 for empty orders (chrF++.py / NLTK / Moses).
 * Only lowercasing is applied as preprocessing (no tokenization, no rstrip).
 */
import { hasAstral, pySplit } from "./pystr.js";

/** sacreBLEU's chrF options (character and word n-gram orders, β). */
export interface ChrfOptions {
  /** Character n-gram order, default 6. */
  charOrder?: number;
  /** Word n-gram order, default 0 (chrF); 2 gives chrF++. */
  wordOrder?: number;
  /** Recall weight β, default 2. */
  beta?: number;
  /** Lowercase first, default false. */
  lowercase?: boolean;
  /** Keep whitespace inside character n-grams, default false. */
  whitespace?: boolean;
  /** Epsilon smoothing (chrF++.py/NLTK/Moses style) instead of effective order, default false. */
  epsSmoothing?: boolean;
  /** Alias of `epsSmoothing` (sacreBLEU's parameter name). */
  eps_smoothing?: boolean;
}

/** A chrF score, as sacreBLEU reports it. */
export interface ChrfScore {
  /** chrF on 0..100. */
  score: number;
  /** sacreBLEU's name, e.g. "chrF2" or "chrF2++". */
  name: string;
  charOrder: number;
  wordOrder: number;
  beta: number;
  /** Summed statistics: for each order (chars 1..charOrder, then words 1..wordOrder) [hyp, ref, match]. */
  stats: number[];
}

interface ResolvedChrf {
  charOrder: number;
  wordOrder: number;
  beta: number;
  lowercase: boolean;
  whitespace: boolean;
  epsSmoothing: boolean;
}

function resolve(opts: ChrfOptions): ResolvedChrf {
  const r: ResolvedChrf = {
    charOrder: opts.charOrder ?? 6,
    wordOrder: opts.wordOrder ?? 0,
    beta: opts.beta ?? 2,
    lowercase: opts.lowercase ?? false,
    whitespace: opts.whitespace ?? false,
    epsSmoothing: opts.epsSmoothing ?? opts.eps_smoothing ?? false,
  };
  if (!Number.isInteger(r.charOrder) || r.charOrder < 0)
    throw new Error("chrF: charOrder must be an integer ≥ 0");
  if (!Number.isInteger(r.wordOrder) || r.wordOrder < 0)
    throw new Error("chrF: wordOrder must be an integer ≥ 0");
  if (r.charOrder + r.wordOrder === 0) throw new Error("chrF: charOrder + wordOrder must be positive");
  return r;
}

/** sacreBLEU's `extract_all_char_ngrams`: counts of character n-grams, n = 1..maxOrder (code points). */
export function extractCharNgrams(
  line: string,
  maxOrder: number,
  includeWhitespace = false,
): Map<string, number>[] {
  if (!includeWhitespace) line = pySplit(line).join("");
  const out: Map<string, number>[] = [];
  if (hasAstral(line)) {
    const cps = Array.from(line);
    for (let n = 1; n <= maxOrder; n++) {
      const m = new Map<string, number>();
      for (let i = 0; i + n <= cps.length; i++) {
        const key = cps.slice(i, i + n).join("");
        m.set(key, (m.get(key) ?? 0) + 1);
      }
      out.push(m);
    }
  } else {
    for (let n = 1; n <= maxOrder; n++) {
      const m = new Map<string, number>();
      for (let i = 0; i + n <= line.length; i++) {
        const key = line.substring(i, i + n);
        m.set(key, (m.get(key) ?? 0) + 1);
      }
      out.push(m);
    }
  }
  return out;
}

/** sacreBLEU's `extract_word_ngrams`: counts of word n-grams of one order (words joined by a space). */
export function extractWordNgrams(words: readonly string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= words.length; i++) {
    const key = words.slice(i, i + n).join(" ");
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

/** Python's `string.punctuation`. */
const PUNCTS = new Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");

/**
 * sacreBLEU's chrF++ word splitter `_remove_punctuation`: whitespace-split words; a word longer than one
 * character loses one trailing (else one leading) ASCII punctuation mark into its own token.
 */
export function chrfWords(sent: string): string[] {
  const out: string[] = [];
  for (const w of pySplit(sent)) {
    // A lone astral code point is one character in Python; it is kept whole by either branch.
    if (w.length === 1) {
      out.push(w);
    } else if (PUNCTS.has(w[w.length - 1])) {
      out.push(w.slice(0, -1), w[w.length - 1]);
    } else if (PUNCTS.has(w[0])) {
      out.push(w[0], w.slice(1));
    } else {
      out.push(w);
    }
  }
  return out;
}

function segmentNgrams(sent: string, o: ResolvedChrf): Map<string, number>[] {
  const all = extractCharNgrams(sent, o.charOrder, o.whitespace);
  if (o.wordOrder > 0) {
    const words = chrfWords(sent);
    for (let n = 1; n <= o.wordOrder; n++) all.push(extractWordNgrams(words, n));
  }
  return all;
}

/** One reference segment's n-gram counts (chars 1..charOrder, then words 1..wordOrder) and their totals. */
interface RefNgrams {
  readonly ngrams: Map<string, number>[];
  readonly totals: number[];
}

/**
 * Reference n-grams computed once, to score many systems against the same references (sacreBLEU's
 * `CHRF(references=...)` cache). Made by `prepareChrfReferences`; read-only.
 */
export interface ChrfReferences {
  readonly kind: "chrf-references";
  readonly charOrder: number;
  readonly wordOrder: number;
  readonly lowercase: boolean;
  readonly whitespace: boolean;
  /** Per segment, per available reference. */
  readonly segments: ReadonlyArray<ReadonlyArray<RefNgrams>>;
}

/** Reference streams as plain text: `referenceStreams[k][i]` is the k-th reference of segment i. */
export type ChrfReferenceStreams = ReadonlyArray<ReadonlyArray<string | null | undefined>>;

/**
 * Extracts reference n-grams once for `corpusChrf(hyps, prepared, opts)`; `charOrder`, `wordOrder`,
 * `lowercase` and `whitespace` must match at scoring time.
 */
export function prepareChrfReferences(
  referenceStreams: ChrfReferenceStreams,
  opts: ChrfOptions = {},
): ChrfReferences {
  const o = resolve(opts);
  if (!Array.isArray(referenceStreams) || referenceStreams.length === 0) {
    throw new TypeError("chrF: referenceStreams must be a non-empty array of reference streams");
  }
  const numSegments = referenceStreams[0].length;
  referenceStreams.forEach((st, k) => {
    if (!Array.isArray(st) || st.length !== numSegments) {
      throw new Error(`chrF: reference stream ${k} must have ${numSegments} segments like stream 0`);
    }
  });
  const segments: RefNgrams[][] = [];
  for (let i = 0; i < numSegments; i++) {
    const refs: RefNgrams[] = [];
    for (const stream of referenceStreams) {
      const ref = stream[i];
      if (ref === null || ref === undefined) continue;
      const ngrams = segmentNgrams(o.lowercase ? ref.toLowerCase() : ref, o);
      const totals = ngrams.map((m) => {
        let t = 0;
        for (const c of m.values()) t += c;
        return t;
      });
      refs.push({ ngrams, totals });
    }
    if (refs.length === 0) throw new Error(`chrF: segment ${i} has no reference`);
    segments.push(refs);
  }
  return {
    kind: "chrf-references",
    charOrder: o.charOrder,
    wordOrder: o.wordOrder,
    lowercase: o.lowercase,
    whitespace: o.whitespace,
    segments,
  };
}

/** sacreBLEU's `_get_match_statistics`: [hyp count (0 if the reference has none), ref count, matches]. */
function matchStatistics(
  hyp: Map<string, number>,
  ref: Map<string, number>,
  refTotal: number,
  out: number[],
): void {
  let match = 0;
  let hypCount = 0;
  for (const [k, c] of hyp) {
    hypCount += c;
    const r = ref.get(k);
    if (r !== undefined) match += Math.min(c, r);
  }
  out.push(ref.size > 0 ? hypCount : 0, refTotal, match);
}

function fScore(stats: readonly number[], o: ResolvedChrf): number {
  const order = o.charOrder + o.wordOrder;
  const eps = 1e-16;
  let score = 0.0;
  let effectiveOrder = 0;
  const factor = o.beta ** 2;
  let avgPrec = 0.0;
  let avgRec = 0.0;
  for (let i = 0; i < order; i++) {
    const nHyp = stats[3 * i];
    const nRef = stats[3 * i + 1];
    const nMatch = stats[3 * i + 2];
    const prec = nHyp > 0 ? nMatch / nHyp : eps;
    const rec = nRef > 0 ? nMatch / nRef : eps;
    const denom = factor * prec + rec;
    score += denom > 0 ? ((1 + factor) * prec * rec) / denom : eps;
    if (nHyp > 0 && nRef > 0) {
      avgPrec += prec;
      avgRec += rec;
      effectiveOrder += 1;
    }
  }
  if (o.epsSmoothing) return (100 * score) / order;
  if (effectiveOrder === 0) {
    avgPrec = avgRec = 0.0;
  } else {
    avgPrec /= effectiveOrder;
    avgRec /= effectiveOrder;
  }
  if (avgPrec + avgRec !== 0) {
    score = (1 + factor) * avgPrec * avgRec;
    score /= factor * avgPrec + avgRec;
    return 100 * score;
  }
  return 0.0;
}

function isPrepared(r: ChrfReferenceStreams | ChrfReferences): r is ChrfReferences {
  return !Array.isArray(r) && (r as ChrfReferences).kind === "chrf-references";
}

/**
 * Per-segment statistics (best reference by F-score, the first on a tie), flattened [hyp, ref, match]
 * per order, in the layout of sacreBLEU's `CHRF._compute_segment_statistics`.
 */
export function chrfSegmentStatistics(
  hypotheses: readonly string[],
  references: ChrfReferenceStreams | ChrfReferences,
  opts: ChrfOptions = {},
): number[][] {
  const o = resolve(opts);
  if (!Array.isArray(hypotheses)) throw new TypeError("corpusChrf: hypotheses must be an array of strings");
  let prepared: ChrfReferences;
  if (isPrepared(references)) {
    prepared = references;
    if (
      prepared.charOrder !== o.charOrder ||
      prepared.wordOrder !== o.wordOrder ||
      prepared.lowercase !== o.lowercase ||
      prepared.whitespace !== o.whitespace
    ) {
      throw new Error(
        "corpusChrf: prepared references were made with other charOrder/wordOrder/lowercase/whitespace",
      );
    }
  } else {
    prepared = prepareChrfReferences(references, o);
  }
  if (prepared.segments.length !== hypotheses.length) {
    throw new Error(
      `corpusChrf: ${hypotheses.length} hypotheses but ${prepared.segments.length} reference segments`,
    );
  }
  const out: number[][] = [];
  for (let i = 0; i < hypotheses.length; i++) {
    const hyp = hypotheses[i];
    const hypNgrams = segmentNgrams(o.lowercase ? hyp.toLowerCase() : hyp, o);
    let best: number[] | undefined;
    let bestF = -1.0;
    for (const ref of prepared.segments[i]) {
      const stats: number[] = [];
      for (let j = 0; j < hypNgrams.length; j++)
        matchStatistics(hypNgrams[j], ref.ngrams[j], ref.totals[j], stats);
      const f = fScore(stats, o);
      if (f > bestF) {
        bestF = f;
        best = stats;
      }
    }
    out.push(best!);
  }
  return out;
}

function makeScore(stats: number[], o: ResolvedChrf): ChrfScore {
  return {
    score: fScore(stats, o),
    name: `chrF${o.beta}${"+".repeat(o.wordOrder)}`,
    charOrder: o.charOrder,
    wordOrder: o.wordOrder,
    beta: o.beta,
    stats,
  };
}

/**
 * Corpus chrF, identical to sacreBLEU's `CHRF(...).corpus_score(hypotheses, referenceStreams)`.
 * Defaults give chrF2 (charOrder 6, wordOrder 0, beta 2); `wordOrder: 2` gives chrF++.
 *
 * @param referenceStreams reference streams parallel to `hypotheses` (`referenceStreams[k][i]` is the k-th
 *   reference of segment i; `null`/`undefined` = none), or the same prepared once with
 *   `prepareChrfReferences`
 */
export function corpusChrf(
  hypotheses: readonly string[],
  referenceStreams: ChrfReferenceStreams | ChrfReferences,
  opts: ChrfOptions = {},
): ChrfScore {
  const o = resolve(opts);
  if (hypotheses.length === 0) throw new Error("corpusChrf: no hypotheses");
  const seg = chrfSegmentStatistics(hypotheses, referenceStreams, o);
  const width = 3 * (o.charOrder + o.wordOrder);
  const sum = new Array<number>(width).fill(0);
  for (const s of seg) for (let j = 0; j < width; j++) sum[j] += s[j];
  return makeScore(sum, o);
}

/** Sentence chrF, identical to sacreBLEU's `CHRF(...).sentence_score(hypothesis, references)`. */
export function sentenceChrf(
  hypothesis: string,
  references: readonly string[],
  opts: ChrfOptions = {},
): ChrfScore {
  if (references.length === 0) throw new Error("sentenceChrf: no references");
  return corpusChrf(
    [hypothesis],
    references.map((r) => [r]),
    opts,
  );
}
