/**
 * fast_align (C. Dyer, V. Chahuneau, N. A. Smith 2013, "A Simple, Fast, and Effective
 * Reparameterization of IBM Model 2", NAACL): IBM Model 2 whose alignment distribution is a single
 * diagonal-favouring curve with a tension λ instead of a table. In the paper's notation (target
 * position i of m target words, source position j of n source words):
 *
 *     h(i, j, m, n) = −| i/m − j/n |
 *     δ(a_i = j | i, m, n) = p0                                       j = 0 (NULL)
 *                          = (1 − p0) · exp(λ h(i, j, m, n)) / Z_λ(i, m, n)   0 < j ≤ n
 *     Z_λ(i, m, n) = Σ_{j'=1..n} exp(λ h(i, j', m, n))
 *
 * (In the IBM files' notation — source position i of l, target position j of m — the prior of a_j = i
 * is ∝ exp(−λ |i/l − j/m|), positions 1-based.) p(f, a | e) = Π_j δ(a_j | j, l, m) t(f_j | e_{a_j}).
 *
 * EM, from a uniform t (as fast_align; `model1Iterations` > 0 runs Model 1 first), p0 fixed:
 *
 *     E-step   p(a_j = i | e, f) = δ(i | j, l, m) t(f_j | e_i) / Σ_{i'} δ(i' | j, l, m) t(f_j | e_{i'})
 *              c(f | e) += p(a_j = i | e, f)
 *     M-step   t(f | e) = c(f | e) / Σ_{f'} c(f' | e)
 *              λ: gradient ascent on the expected complete-data log-likelihood,
 *                 ∂/∂λ = Σ_j Σ_{i ≥ 1} p(a_j = i | e, f) h_ij − Σ_j (1 − p(a_j = 0 | e, f)) E_δ[h | j, l, m]
 *                 8 steps λ ← λ + 20 · (∂/∂λ) / N (N = target words), λ kept in [0.1, 14]
 *
 * as fast_align's `-o` (optimize_tension) does; fast_align weighs every target word 1 in the second
 * sum, here each weighs its non-NULL posterior mass (the exact gradient), and fast_align's last
 * iteration only aligns while here every iteration updates. Defaults are fast_align's: λ starts at 4,
 * p0 = 0.08, 5 iterations; `optimizeTension: false` keeps λ fixed. Without the NULL word δ has no p0
 * term. The Viterbi alignment is â_j = argmax_i δ(i | j, l, m) t(f_j | e_i) (NULL = no link; ties to
 * the lower position, NULL first). Dirichlet priors on t (fast_align's `-v`) are not implemented.
 *
 * Browser-safe: no Node built-ins.
 */
import type { DirectedCorpus, ParallelCorpus } from "./corpus.js";
import { optionalBoolean, optionalCount, optionalNumber } from "./corpus.js";
import {
  expectation,
  forwardCorpus,
  LexicalAligner,
  type LexicalTraining,
  type LexicalTrainOptions,
  lengthClasses,
  lexicalOptions,
  normalizeTranslationCounts,
  prepareLexicalTraining,
  runModel1,
  type TranslationTable,
} from "./ibm-model1.js";

/** fast_align's defaults: starting tension, NULL probability, iterations; the tension bounds. */
export const FAST_ALIGN_DEFAULTS = { tension: 4, p0: 0.08, iterations: 5, minTension: 0.1, maxTension: 14 };

/** The diagonal feature h = −|i/l − j/m| of source position i of l and target position j of m (1-based). */
export function diagonalFeature(i: number, j: number, l: number, m: number): number {
  return -Math.abs(i / l - j / m);
}

/**
 * Writes the unnormalised diagonal weights exp(λ h(i, j, l, m)) for i = 1 … l into `w[1 … l]` (and h
 * into `h` when given) for target position j (1-based); returns their sum Z.
 */
function diagonalWeights(
  j: number,
  l: number,
  m: number,
  lambda: number,
  w: Float64Array,
  h?: Float64Array,
): number {
  let z = 0;
  const jm = j / m;
  for (let i = 1; i <= l; i++) {
    const hi = -Math.abs(i / l - jm);
    const wi = Math.exp(lambda * hi);
    w[i] = wi;
    if (h !== undefined) h[i] = hi;
    z += wi;
  }
  return z;
}

/** fast_align in one direction (target given source). */
export class FastAlign extends LexicalAligner {
  readonly model = "fast";
  /** The diagonal tension λ (as trained). */
  tension: number;
  /** The NULL alignment probability p0 (0 without a NULL word). */
  readonly p0: number;
  private weights = new Float64Array(1);

  constructor(
    table: TranslationTable,
    tension: number,
    p0: number,
    nullWord: boolean,
    lexicalForms: boolean,
  ) {
    super(table, nullWord, lexicalForms);
    this.tension = tension;
    this.p0 = nullWord ? p0 : 0;
  }

  /** δ(i | j, l, m): p0 for NULL, (1 − p0) exp(λ h) / Z for the source positions. */
  alignmentPrior(j: number, l: number, m: number, out: Float64Array): void {
    if (this.weights.length < l + 1) this.weights = new Float64Array(l + 1);
    const w = this.weights;
    const z = diagonalWeights(j + 1, l, m, this.tension, w);
    const scale = (1 - this.p0) / z;
    out[0] = this.p0;
    for (let i = 1; i <= l; i++) out[i] = w[i] * scale;
  }
}

/** Options of `trainFastAlign`. */
export interface FastAlignOptions extends LexicalTrainOptions<FastAlign> {
  /** EM iterations (default 5). */
  iterations?: number;
  /** Starting (or, without `optimizeTension`, fixed) tension λ > 0 (default 4). */
  tension?: number;
  /** Fit λ by gradient ascent after each iteration (default true, fast_align's `-o`). */
  optimizeTension?: boolean;
  /** Probability of aligning to NULL, in [0, 1) (default 0.08). */
  p0?: number;
  /** Model 1 iterations run before (default 0: fast_align starts from a uniform t). */
  model1Iterations?: number;
}

/** Checked fast_align options. */
export function fastAlignOptions(
  opts: FastAlignOptions | undefined,
  who: string,
): {
  iterations: number;
  nullWord: boolean;
  lexicalForms: boolean;
  tension: number;
  optimizeTension: boolean;
  p0: number;
  model1Iterations: number;
} {
  const o = lexicalOptions(opts, who, FAST_ALIGN_DEFAULTS.iterations);
  const tension = optionalNumber(opts?.tension, FAST_ALIGN_DEFAULTS.tension, who, "options.tension", 0, 1e6);
  if (tension <= 0) throw new Error(`${who}: options.tension must be positive, got ${tension}`);
  return {
    ...o,
    tension,
    optimizeTension: optionalBoolean(opts?.optimizeTension, true, who, "options.optimizeTension"),
    p0: optionalNumber(opts?.p0, FAST_ALIGN_DEFAULTS.p0, who, "options.p0", 0, 1, true),
    model1Iterations: optionalCount(opts?.model1Iterations, 0, who, "options.model1Iterations"),
  };
}

/** fast_align on a coded corpus (what `trainFastAlign` and the two-way trainer run). */
export function trainFastAlignDirected(
  corpus: DirectedCorpus,
  o: ReturnType<typeof fastAlignOptions>,
  onIteration?: (iteration: number, logLikelihood: number, model: FastAlign) => void,
  onModel1Iteration?: (iteration: number, logLikelihood: number) => void,
): FastAlign {
  const tr = prepareLexicalTraining(corpus, o.nullWord);
  runModel1(tr, o.model1Iterations, onModel1Iteration);
  const model = new FastAlign(tr.table, o.tension, o.p0, o.nullWord, o.lexicalForms);
  // Length pairs (l, m) and, per target position, the non-NULL posterior mass (for the λ gradient).
  const { lengths, offsets, offsetOf: classOf, size } = lengthClasses(tr, (_l, m) => m);
  const mass = new Float64Array(size);
  const counts = new Float64Array(tr.t.length);
  const w = new Float64Array(tr.maxL + 1);
  const h = new Float64Array(tr.maxL + 1);
  for (let it = 1; it <= o.iterations; it++) {
    const { ll, empirical } = fastExpectation(tr, model, classOf, counts, mass);
    if (o.optimizeTension && tr.targetWords > 0) {
      for (let step = 0; step < 8; step++) {
        let expected = 0;
        for (const [c, [l, m]] of lengths.entries()) {
          const off = offsets[c];
          for (let j = 1; j <= m; j++) {
            const weight = mass[off + j - 1];
            if (weight === 0) continue;
            const z = diagonalWeights(j, l, m, model.tension, w, h);
            let eh = 0;
            for (let i = 1; i <= l; i++) eh += w[i] * h[i];
            expected += (weight * eh) / z;
          }
        }
        const lambda = model.tension + ((empirical - expected) / tr.targetWords) * 20;
        model.tension = Math.min(
          FAST_ALIGN_DEFAULTS.maxTension,
          Math.max(FAST_ALIGN_DEFAULTS.minTension, lambda),
        );
      }
    }
    mass.fill(0);
    normalizeTranslationCounts(tr, counts);
    onIteration?.(it, ll, model);
  }
  tr.table.freeze();
  return model;
}

/** One fast_align E-step: adds t counts and non-NULL masses; returns log-likelihood and Σ p · h. */
function fastExpectation(
  tr: LexicalTraining,
  model: FastAlign,
  classOf: Int32Array,
  counts: Float64Array,
  mass: Float64Array,
): { ll: number; empirical: number } {
  const { t, cells } = tr;
  const nullWord = tr.nullWord;
  const p0 = model.p0;
  const lambda = model.tension;
  const n = tr.maxL + 1;
  const w = new Float64Array(n);
  const h = new Float64Array(n);
  let empirical = 0;
  const ll = expectation(tr, counts, {
    joint(_s, j, l, m, o, buf) {
      const z = diagonalWeights(j + 1, l, m, lambda, w, h);
      const scale = (1 - p0) / z;
      if (nullWord) buf[0] = t[cells[o]] * p0;
      for (let i = 1; i <= l; i++) buf[i] = t[cells[o + i]] * w[i] * scale;
    },
    posterior(s, j, l, buf, inv) {
      let nonNull = 0;
      for (let i = 1; i <= l; i++) {
        const p = buf[i] * inv;
        empirical += p * h[i];
        nonNull += p;
      }
      mass[classOf[s] + j] += nonNull;
    },
  });
  return { ll, empirical };
}

/**
 * Trains fast_align on `corpus`, target given source (`fast_align -d -o` with EM; swap `src` and `tgt`
 * for `-r`).
 */
export function trainFastAlign(corpus: ParallelCorpus, opts?: FastAlignOptions): FastAlign {
  const who = "trainFastAlign";
  const o = fastAlignOptions(opts, who);
  return trainFastAlignDirected(forwardCorpus(corpus, who, o.lexicalForms), o, opts?.onIteration);
}
