/**
 * IBM Model 1 (Brown, Della Pietra, Della Pietra, Mercer 1993, "The Mathematics of Statistical Machine
 * Translation: Parameter Estimation"), trained by EM, and the EM machinery Model 2 and fast_align share
 * (the translation table t(f | e) itself is translation-table.ts).
 *
 * A target sentence f = f_1 … f_m is generated from a source sentence e = e_1 … e_l plus the empty word
 * e_0 = NULL: every target word picks a source position a_j ∈ {0, …, l} uniformly and is then drawn
 * from that word's translation distribution:
 *
 *     p(f, a | e) = ε / (l + 1)^m · Π_j t(f_j | e_{a_j})
 *
 * EM (t starts uniform, t(f | e) = 1 / |V_f|):
 *
 *     E-step   p(a_j = i | e, f) = t(f_j | e_i) / Σ_{i'=0..l} t(f_j | e_{i'})
 *              c(f | e) = Σ_pairs Σ_{j: f_j = f} Σ_{i: e_i = e} p(a_j = i | e, f)
 *     M-step   t(f | e) = c(f | e) / Σ_{f'} c(f' | e)
 *
 * The corpus log-likelihood Σ_pairs Σ_j log( Σ_i t(f_j | e_i) / (l + 1) ) never decreases from one
 * iteration to the next. The Viterbi alignment links each target word to its most probable source word,
 * â_j = argmax_i p(a_j = i | e, f), and leaves it unlinked when that is NULL (ties go to the lower
 * position, NULL first). Without the NULL word (`nullWord: false`) i runs over 1 … l and the uniform
 * factor is 1 / l.
 *
 * "Forward" here is target-given-source: links `"s-t"` where s indexes the conditioning side `src`
 * (e) and t the generated side `tgt` (f); each target word gets at most one link. Statistics are
 * counted on `lexicalForm(word)` unless `lexicalForms: false`.
 *
 * Speed: word forms are integer ids and the table is compressed sparse rows over the co-occurring
 * (e, f) pairs only; each sentence pair's (l + 1) · m cells are resolved to table slots once, so an EM
 * iteration is two passes over a typed array. Pairs with an empty side are skipped in training. The
 * finished table is stored as float32 (what a serialised model holds, so a reloaded model aligns
 * exactly alike). Words or pairs never seen in training get the floor probability `FLOOR_PROB`.
 *
 * Browser-safe: no Node built-ins.
 */
import { linkKey } from "../eval/alignment.js";
import {
  checkParallelCorpus,
  checkWords,
  type DirectedCorpus,
  directed,
  encodeCorpus,
  exactForm,
  lexicalForm,
  optionalBoolean,
  optionalCount,
  type ParallelCorpus,
} from "./corpus.js";
import { type LexicalModelName, TranslationTable } from "./translation-table.js";

export {
  FLOOR_PROB,
  float32Decimal,
  type LexicalModelName,
  TranslationTable,
  type TranslationTableJSON,
} from "./translation-table.js";

/**
 * A corpus made ready for EM: the table over its co-occurring pairs and, for every trained sentence
 * pair, the table slot of each of its (l + 1) · m cells.
 */
export interface LexicalTraining {
  corpus: DirectedCorpus;
  nullWord: boolean;
  table: TranslationTable;
  /** float64 probabilities while training (`table.prob` until frozen). */
  t: Float64Array;
  /** Sentence pairs trained on (both sides non-empty). */
  sentences: Int32Array;
  /** `start[s]`: the first cell of `sentences[s]` in `cells` ((l + 1) · m cells, row j then i = 0 … l). */
  start: Int32Array;
  /** Table slot of each cell; −1 for i = 0 without a NULL word. */
  cells: Int32Array;
  /** Longest trained source sentence. */
  maxL: number;
  /** Number of trained target words. */
  targetWords: number;
}

/** Builds the table over the co-occurring pairs of `corpus` (uniform t = 1/|V_f|) and resolves every cell. */
export function prepareLexicalTraining(corpus: DirectedCorpus, nullWord: boolean): LexicalTraining {
  const nF = corpus.fWords.length;
  const nRows = corpus.eWords.length + 1;
  const kept: number[] = [];
  let occurrences = 0;
  let cellCount = 0;
  let maxL = 0;
  let targetWords = 0;
  for (let k = 0; k < corpus.e.length; k++) {
    const l = corpus.e[k].length;
    const m = corpus.f[k].length;
    if (l === 0 || m === 0) continue;
    kept.push(k);
    occurrences += (l + (nullWord ? 1 : 0)) * m;
    cellCount += (l + 1) * m;
    if (l > maxL) maxL = l;
    targetWords += m;
  }
  // Every (row, f) occurrence as one number, sorted and deduplicated: the rows of the table.
  const keys = new Float64Array(occurrences);
  let p = 0;
  for (const k of kept) {
    const e = corpus.e[k];
    const f = corpus.f[k];
    for (let j = 0; j < f.length; j++) {
      const fj = f[j];
      if (nullWord) keys[p++] = fj;
      for (let i = 0; i < e.length; i++) keys[p++] = (e[i] + 1) * nF + fj;
    }
  }
  keys.sort();
  let nnz = 0;
  for (let q = 0; q < keys.length; q++) if (q === 0 || keys[q] !== keys[q - 1]) nnz++;
  const rowStart = new Int32Array(nRows + 1);
  const cols = new Int32Array(nnz);
  let n = 0;
  for (let q = 0; q < keys.length; q++) {
    if (q > 0 && keys[q] === keys[q - 1]) continue;
    const row = Math.floor(keys[q] / nF);
    cols[n++] = keys[q] - row * nF;
    rowStart[row + 1]++;
  }
  for (let r = 0; r < nRows; r++) rowStart[r + 1] += rowStart[r];
  const t = new Float64Array(nnz).fill(1 / Math.max(1, nF));
  const table = new TranslationTable(corpus.eWords, corpus.fWords, rowStart, cols, t);
  const sentences = Int32Array.from(kept);
  const start = new Int32Array(kept.length + 1);
  const cells = new Int32Array(cellCount);
  let c = 0;
  for (let s = 0; s < kept.length; s++) {
    start[s] = c;
    const e = corpus.e[kept[s]];
    const f = corpus.f[kept[s]];
    for (let j = 0; j < f.length; j++) {
      cells[c++] = nullWord ? table.slot(0, f[j]) : -1;
      for (let i = 0; i < e.length; i++) cells[c++] = table.slot(e[i] + 1, f[j]);
    }
  }
  start[kept.length] = c;
  return { corpus, nullWord, table, t, sentences, start, cells, maxL, targetWords };
}

/** M-step: t(f | e) = c(f | e) / Σ_f' c(f' | e) for every row with counts; clears `counts`. */
export function normalizeTranslationCounts(tr: LexicalTraining, counts: Float64Array): void {
  const { rowStart } = tr.table;
  const t = tr.t;
  for (let r = 0; r + 1 < rowStart.length; r++) {
    let sum = 0;
    for (let k = rowStart[r]; k < rowStart[r + 1]; k++) sum += counts[k];
    if (sum > 0) {
      const inv = 1 / sum;
      for (let k = rowStart[r]; k < rowStart[r + 1]; k++) t[k] = counts[k] * inv;
    }
  }
  counts.fill(0);
}

/** A length pair (l, m) as one number (l, m < 2³²). */
export const lengthKey = (l: number, m: number): number => l * 4294967296 + m;

/** The trained pairs grouped by length pair (l, m), classes in order of first appearance. */
export interface LengthClasses {
  /** Each class's (l, m). */
  lengths: [number, number][];
  /** Each class's first entry in an array of `size` (the class owns `cellsOf(l, m)` entries). */
  offsets: number[];
  /** Per trained pair (`sentences[s]`): its class's offset. */
  offsetOf: Int32Array;
  size: number;
}

/** Groups the trained pairs of `tr` by length pair; class (l, m) gets `cellsOf(l, m)` entries. */
export function lengthClasses(tr: LexicalTraining, cellsOf: (l: number, m: number) => number): LengthClasses {
  const lengths: [number, number][] = [];
  const offsets: number[] = [];
  const index = new Map<number, number>();
  const offsetOf = new Int32Array(tr.sentences.length);
  let size = 0;
  for (let s = 0; s < tr.sentences.length; s++) {
    const k = tr.sentences[s];
    const l = tr.corpus.e[k].length;
    const m = tr.corpus.f[k].length;
    const key = lengthKey(l, m);
    let off = index.get(key);
    if (off === undefined) {
      off = size;
      index.set(key, off);
      lengths.push([l, m]);
      offsets.push(off);
      size += cellsOf(l, m);
    }
    offsetOf[s] = off;
  }
  return { lengths, offsets, offsetOf, size };
}

/** What one model's E-step adds to the shared loop of `expectation`. */
export interface ExpectationTerms {
  /**
   * Writes the joint t(f_j | e_i) · prior(i | j, l, m) of target position j of trained pair s into `buf[i]`,
   * i = i0 … l (i0 = 1 without a NULL word); `o` is the position's first cell in `tr.cells`.
   */
  joint(s: number, j: number, l: number, m: number, o: number, buf: Float64Array): void;
  /** Reads the posteriors p(a_j = i | e, f) = buf[i] · inv (after the t counts are added). */
  posterior?(s: number, j: number, l: number, buf: Float64Array, inv: number): void;
}

/**
 * One E-step over the trained pairs: per target position the joint of `terms`, den = Σ_i joint_i, the
 * log-likelihood += log den (+ log 1/(l + 1 − i0) with `uniformPrior`: Model 1, whose joint is t
 * alone), and c(f_j | e_i) += joint_i / den added to `counts`. Returns the log-likelihood.
 */
export function expectation(
  tr: LexicalTraining,
  counts: Float64Array,
  terms: ExpectationTerms,
  uniformPrior = false,
): number {
  const { cells, start, sentences, corpus } = tr;
  const i0 = tr.nullWord ? 0 : 1;
  const buf = new Float64Array(tr.maxL + 1);
  let ll = 0;
  for (let s = 0; s < sentences.length; s++) {
    const k = sentences[s];
    const l = corpus.e[k].length;
    const m = corpus.f[k].length;
    const stride = l + 1;
    const logPrior = uniformPrior ? -Math.log(l + 1 - i0) : 0;
    let o = start[s];
    for (let j = 0; j < m; j++, o += stride) {
      terms.joint(s, j, l, m, o, buf);
      let den = 0;
      for (let i = i0; i <= l; i++) den += buf[i];
      if (!(den > 0)) continue;
      ll += Math.log(den) + logPrior;
      const inv = 1 / den;
      for (let i = i0; i <= l; i++) counts[cells[o + i]] += buf[i] * inv;
      terms.posterior?.(s, j, l, buf, inv);
    }
  }
  return ll;
}

/** One Model 1 E-step: adds the expected counts to `counts`; returns the corpus log-likelihood. */
function model1Expectation(tr: LexicalTraining, counts: Float64Array): number {
  const { t, cells } = tr;
  const i0 = tr.nullWord ? 0 : 1;
  const joint = (_s: number, _j: number, l: number, _m: number, o: number, buf: Float64Array) => {
    for (let i = i0; i <= l; i++) buf[i] = t[cells[o + i]];
  };
  return expectation(tr, counts, { joint }, true);
}

/** Runs `iterations` Model 1 EM iterations on `tr.t`; `after(iteration, logLikelihood)` after each. */
export function runModel1(
  tr: LexicalTraining,
  iterations: number,
  after?: (iteration: number, logLikelihood: number) => void,
): void {
  const counts = new Float64Array(tr.t.length);
  for (let it = 1; it <= iterations; it++) {
    const ll = model1Expectation(tr, counts);
    normalizeTranslationCounts(tr, counts);
    after?.(it, ll);
  }
}

/**
 * What the three directional aligners share: the table t(f | e), the NULL word, word forms, and the
 * posterior and Viterbi alignment p(a_j = i | e, f) ∝ t(f_j | e_i) · prior(i | j, l, m), where
 * each model supplies its alignment prior.
 */
export abstract class LexicalAligner {
  abstract readonly model: LexicalModelName;
  readonly table: TranslationTable;
  readonly nullWord: boolean;
  /** Statistics on `lexicalForm(word)` (true) or on the words as given (false). */
  readonly lexicalForms: boolean;

  constructor(table: TranslationTable, nullWord: boolean, lexicalForms: boolean) {
    this.table = table;
    this.nullWord = nullWord;
    this.lexicalForms = lexicalForms;
  }

  /**
   * The alignment prior of target position j (0-based) in a pair of l source and m target words:
   * `out[i]` = p(a_j = i | j, l, m) for i = 0 (NULL) … l; `out[0]` = 0 without a NULL word.
   */
  abstract alignmentPrior(j: number, l: number, m: number, out: Float64Array): void;

  /** The form a word's statistics are counted on. */
  form(word: string): string {
    return this.lexicalForms ? lexicalForm(word) : exactForm(word);
  }

  /** t(tgtWord | srcWord), srcWord null = the NULL word (0 when the model has none). */
  translationProb(tgtWord: string, srcWord: string | null): number {
    if (srcWord === null && !this.nullWord) return 0;
    const row = srcWord === null ? 0 : this.table.eRow(this.form(srcWord));
    return this.table.get(row, this.table.fId(this.form(tgtWord)));
  }

  /** Rows j of t(f_j | e_i) · prior(i | j, l, m) for i = 0 … l. */
  private joint(src: readonly string[], tgt: readonly string[], who: string): Float64Array[] {
    checkWords(src, who, "src");
    checkWords(tgt, who, "tgt");
    const l = src.length;
    const m = tgt.length;
    const rows = src.map((w) => this.table.eRow(this.form(w)));
    const prior = new Float64Array(l + 1);
    const out: Float64Array[] = [];
    for (let j = 0; j < m; j++) {
      const f = this.table.fId(this.form(tgt[j]));
      const row = new Float64Array(l + 1);
      if (l > 0) {
        this.alignmentPrior(j, l, m, prior);
        if (this.nullWord) row[0] = this.table.get(0, f) * prior[0];
        for (let i = 1; i <= l; i++) row[i] = this.table.get(rows[i - 1], f) * prior[i];
      }
      out.push(row);
    }
    return out;
  }

  /**
   * The posterior p(a_j = i | e, f): one row per target word with l + 1 entries, [0] = NULL (0 without a
   * NULL word), summing to 1 (all 0 for an empty source).
   */
  alignmentPosterior(src: readonly string[], tgt: readonly string[]): Float64Array[] {
    const rows = this.joint(src, tgt, `${this.model}.alignmentPosterior`);
    for (const row of rows) {
      let sum = 0;
      for (let i = 0; i < row.length; i++) sum += row[i];
      if (sum > 0) for (let i = 0; i < row.length; i++) row[i] /= sum;
    }
    return rows;
  }

  /**
   * The Viterbi alignment: each target word t linked to its most probable source word s (`"s-t"`), or to
   * nothing when NULL is more probable; ties go to the lower position.
   */
  viterbi(src: readonly string[], tgt: readonly string[]): Set<string> {
    const rows = this.joint(src, tgt, `${this.model}.viterbi`);
    const links = new Set<string>();
    for (let j = 0; j < rows.length; j++) {
      const row = rows[j];
      let best = this.nullWord ? 0 : -1;
      let bestP = this.nullWord ? row[0] : Number.NEGATIVE_INFINITY;
      for (let i = 1; i < row.length; i++) {
        if (row[i] > bestP) {
          bestP = row[i];
          best = i;
        }
      }
      if (best > 0) links.add(linkKey(best - 1, j));
    }
    return links;
  }
}

/** IBM Model 1 in one direction (target given source). */
export class IbmModel1 extends LexicalAligner {
  readonly model = "ibm1";

  alignmentPrior(_j: number, l: number, _m: number, out: Float64Array): void {
    uniformPrior(l, this.nullWord, out);
  }
}

/** Model 1's prior 1 / (l + 1) (1 / l without a NULL word) into `out[0 … l]` (`out[0]` = 0 without NULL). */
export function uniformPrior(l: number, nullWord: boolean, out: Float64Array): void {
  const u = 1 / (l + (nullWord ? 1 : 0));
  out[0] = nullWord ? u : 0;
  for (let i = 1; i <= l; i++) out[i] = u;
}

/** Options of the directional trainers. */
export interface LexicalTrainOptions<M> {
  /** EM iterations. */
  iterations?: number;
  /** Let target words align to the NULL word (default true). */
  nullWord?: boolean;
  /** Count statistics on `lexicalForm(word)` (default true) or on the words as given (false). */
  lexicalForms?: boolean;
  /**
   * Called after every EM iteration with its number (1-based), the corpus log-likelihood under the
   * parameters that iteration started from, and the model as it is now (the table is live while
   * training; read it inside the call).
   */
  onIteration?: (iteration: number, logLikelihood: number, model: M) => void;
}

/** Options of `trainIbmModel1`. */
export interface IbmModel1Options extends LexicalTrainOptions<IbmModel1> {
  /** EM iterations (default 10). */
  iterations?: number;
}

/** Checked common options. */
export function lexicalOptions(
  opts: LexicalTrainOptions<never> | undefined,
  who: string,
  defaultIterations: number,
): { iterations: number; nullWord: boolean; lexicalForms: boolean } {
  if (opts !== undefined && (opts === null || typeof opts !== "object")) {
    throw new Error(`${who}: options must be an object`);
  }
  const o = opts ?? {};
  if (o.onIteration !== undefined && typeof o.onIteration !== "function") {
    throw new Error(`${who}: options.onIteration must be a function`);
  }
  return lexicalFields(o, who, "options", defaultIterations);
}

/** The common fields of an options object checked; errors name `${name}.iterations` and so on. */
export function lexicalFields(
  o: { iterations?: number; nullWord?: boolean; lexicalForms?: boolean },
  who: string,
  name: string,
  defaultIterations: number,
): { iterations: number; nullWord: boolean; lexicalForms: boolean } {
  return {
    iterations: optionalCount(o.iterations, defaultIterations, who, `${name}.iterations`),
    nullWord: optionalBoolean(o.nullWord, true, who, `${name}.nullWord`),
    lexicalForms: optionalBoolean(o.lexicalForms, true, who, `${name}.lexicalForms`),
  };
}

/** The corpus checked and coded for training target given source. */
export function forwardCorpus(corpus: ParallelCorpus, who: string, lexicalForms: boolean): DirectedCorpus {
  checkParallelCorpus(corpus, who, "corpus");
  return directed(encodeCorpus(corpus, lexicalForms ? lexicalForm : exactForm), false);
}

/** Model 1 on a coded corpus (what `trainIbmModel1` and the two-way trainer run). */
export function trainIbmModel1Directed(
  corpus: DirectedCorpus,
  o: { iterations: number; nullWord: boolean; lexicalForms: boolean },
  onIteration?: (iteration: number, logLikelihood: number, model: IbmModel1) => void,
): IbmModel1 {
  const tr = prepareLexicalTraining(corpus, o.nullWord);
  const model = new IbmModel1(tr.table, o.nullWord, o.lexicalForms);
  runModel1(tr, o.iterations, onIteration && ((it, ll) => onIteration(it, ll, model)));
  tr.table.freeze();
  return model;
}

/**
 * Trains IBM Model 1 on `corpus`, target given source (`tgt[k][j]` generated by `src[k]`), by EM from
 * a uniform t. Swap `src` and `tgt` for the other direction.
 */
export function trainIbmModel1(corpus: ParallelCorpus, opts?: IbmModel1Options): IbmModel1 {
  const who = "trainIbmModel1";
  const o = lexicalOptions(opts, who, 10);
  return trainIbmModel1Directed(forwardCorpus(corpus, who, o.lexicalForms), o, opts?.onIteration);
}
