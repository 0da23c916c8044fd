/**
 * IBM Model 2 (Brown et al. 1993): Model 1 plus an alignment (distortion) distribution a(i | j, l, m)
 * over the source position i ∈ {0 = NULL, 1, …, l} of target position j in a pair of l source and m
 * target words:
 *
 *     p(f, a | e) = ε · Π_j t(f_j | e_{a_j}) · a(a_j | j, l, m)
 *
 * EM, t initialised by Model 1 (`model1Iterations`, default 5) and a uniform:
 *
 *     E-step   p(a_j = i | e, f) = t(f_j | e_i) a(i | j, l, m) / Σ_{i'=0..l} t(f_j | e_{i'}) a(i' | j, l, m)
 *              c(f | e)       += p(a_j = i | e, f)   for e = e_i, f = f_j
 *              c(i | j, l, m) += p(a_j = i | e, f)
 *     M-step   t(f | e)       = c(f | e) / Σ_{f'} c(f' | e)
 *              a(i | j, l, m) = c(i | j, l, m) / Σ_{i'} c(i' | j, l, m)
 *
 * With `distortionSmoothing` s > 0 (GIZA++'s model23SmoothFactor, "interpolation with constant";
 * default 0 as there) the M-step is a(i | j, l, m) = (1 − s) · c(i | j, l, m) / Σ_{i'} c(i' | j, l, m)
 * + s / (l + 1): one table per length pair overfits the rare pairs (l, m) of a small corpus.
 *
 * The Viterbi alignment is â_j = argmax_i t(f_j | e_i) a(i | j, l, m) (NULL = no link). A sentence-length
 * pair (l, m) never seen in training gets the uniform a = 1 / (l + 1), i.e. Model 1. Without the NULL
 * word i runs over 1 … l. a is stored per (l, m) seen, as float32 once trained.
 *
 * Browser-safe: no Node built-ins.
 */
import type { DirectedCorpus, ParallelCorpus } from "./corpus.js";
import { optionalCount, optionalNumber } from "./corpus.js";
import {
  expectation,
  float32Decimal,
  forwardCorpus,
  LexicalAligner,
  type LexicalTraining,
  type LexicalTrainOptions,
  lengthClasses,
  lengthKey,
  lexicalOptions,
  normalizeTranslationCounts,
  prepareLexicalTraining,
  runModel1,
  type TranslationTable,
  uniformPrior,
} from "./ibm-model1.js";

/** The serialised a(i | j, l, m) of one length pair: `p[j · (l + 1) + i]`, j = 0 … m − 1, i = 0 … l. */
export interface DistortionJSON {
  l: number;
  m: number;
  p: number[];
}

/** a(i | j, l, m) for the length pairs (l, m) seen in training. */
export class DistortionTable {
  /** (l, m) → offset of its m · (l + 1) block in `prob`. */
  readonly blocks: Map<number, number>;
  readonly lengths: [number, number][];
  prob: Float64Array | Float32Array;

  constructor(lengths: [number, number][], prob: Float64Array | Float32Array) {
    this.lengths = lengths;
    this.blocks = new Map();
    let off = 0;
    for (const [l, m] of lengths) {
      this.blocks.set(lengthKey(l, m), off);
      off += m * (l + 1);
    }
    if (off !== prob.length) throw new Error(`DistortionTable: ${prob.length} values for ${off} cells`);
    this.prob = prob;
  }

  /** Offset of the (l, m) block, or −1 when that length pair was not seen. */
  offset(l: number, m: number): number {
    return this.blocks.get(lengthKey(l, m)) ?? -1;
  }

  /** The table as JSON, for storing an aligner. */
  toJSON(): DistortionJSON[] {
    return this.lengths.map(([l, m]) => {
      const off = this.offset(l, m);
      const p: number[] = [];
      for (let k = 0; k < m * (l + 1); k++) p.push(float32Decimal(Math.fround(this.prob[off + k])));
      return { l, m, p };
    });
  }

  /** Restores a table written by `toJSON`; `path` names the file in errors. */
  static fromJSON(json: unknown, path: string): DistortionTable {
    if (!Array.isArray(json)) throw new Error(`${path} must be an array of { l, m, p }`);
    const lengths: [number, number][] = [];
    const seen = new Set<number>();
    const values: number[] = [];
    json.forEach((b: unknown, n) => {
      if (b === null || typeof b !== "object") throw new Error(`${path}[${n}] must be an object { l, m, p }`);
      const { l, m, p } = b as Record<string, unknown>;
      for (const [name, v] of [
        ["l", l],
        ["m", m],
      ] as const) {
        if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v >= 2 ** 21) {
          throw new Error(`${path}[${n}].${name} must be a positive integer, got ${JSON.stringify(v)}`);
        }
      }
      const L = l as number;
      const M = m as number;
      if (seen.has(lengthKey(L, M))) throw new Error(`${path}[${n}]: length pair (${L}, ${M}) given twice`);
      seen.add(lengthKey(L, M));
      if (!Array.isArray(p) || p.length !== M * (L + 1)) {
        throw new Error(`${path}[${n}].p must be an array of ${M * (L + 1)} probabilities (m · (l + 1))`);
      }
      p.forEach((v: unknown, k) => {
        if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
          throw new Error(`${path}[${n}].p[${k}] must be a probability in [0, 1], got ${JSON.stringify(v)}`);
        }
        values.push(v);
      });
      lengths.push([L, M]);
    });
    return new DistortionTable(lengths, Float32Array.from(values));
  }
}

/** IBM Model 2 in one direction (target given source). */
export class IbmModel2 extends LexicalAligner {
  readonly model = "ibm2";
  readonly distortion: DistortionTable;

  constructor(
    table: TranslationTable,
    distortion: DistortionTable,
    nullWord: boolean,
    lexicalForms: boolean,
  ) {
    super(table, nullWord, lexicalForms);
    this.distortion = distortion;
  }

  /** a(i | j, l, m) (uniform when (l, m) was not seen in training). */
  alignmentPrior(j: number, l: number, m: number, out: Float64Array): void {
    const off = this.distortion.offset(l, m);
    if (off < 0) {
      uniformPrior(l, this.nullWord, out);
      return;
    }
    const a = this.distortion.prob;
    const base = off + j * (l + 1);
    for (let i = 0; i <= l; i++) out[i] = a[base + i];
    if (!this.nullWord) out[0] = 0;
  }
}

/** Options of `trainIbmModel2`. */
export interface IbmModel2Options extends LexicalTrainOptions<IbmModel2> {
  /** Model 2 EM iterations (default 5). */
  iterations?: number;
  /** Model 1 iterations that initialise t (default 5). */
  model1Iterations?: number;
  /** Interpolate a(i | j, l, m) with the uniform 1 / (l + 1) by this weight in [0, 1] (default 0). */
  distortionSmoothing?: number;
  /** Called after each Model 1 iteration (the initialisation). */
  onModel1Iteration?: (iteration: number, logLikelihood: number) => void;
}

/** Model 2 on a coded corpus (what `trainIbmModel2` and the two-way trainer run). */
export function trainIbmModel2Directed(
  corpus: DirectedCorpus,
  o: {
    iterations: number;
    model1Iterations: number;
    nullWord: boolean;
    lexicalForms: boolean;
    distortionSmoothing: number;
  },
  onIteration?: (iteration: number, logLikelihood: number, model: IbmModel2) => void,
  onModel1Iteration?: (iteration: number, logLikelihood: number) => void,
): IbmModel2 {
  const tr = prepareLexicalTraining(corpus, o.nullWord);
  runModel1(tr, o.model1Iterations, onModel1Iteration);
  // One a-block per length pair seen, uniform.
  const { lengths, offsets, offsetOf: blockOf, size } = lengthClasses(tr, (l, m) => m * (l + 1));
  const a = new Float64Array(size);
  lengths.forEach(([l, m], c) => {
    const off = offsets[c];
    const u = 1 / (l + (o.nullWord ? 1 : 0));
    for (let j = 0; j < m; j++) for (let i = o.nullWord ? 0 : 1; i <= l; i++) a[off + j * (l + 1) + i] = u;
  });
  const distortion = new DistortionTable(lengths, a);
  const model = new IbmModel2(tr.table, distortion, o.nullWord, o.lexicalForms);
  const smoothing = o.distortionSmoothing;
  const counts = new Float64Array(tr.t.length);
  const aCounts = new Float64Array(size);
  for (let it = 1; it <= o.iterations; it++) {
    const ll = model2Expectation(tr, a, blockOf, counts, aCounts);
    normalizeTranslationCounts(tr, counts);
    for (const [c, [l, m]] of lengths.entries()) {
      const off = offsets[c];
      for (let j = 0; j < m; j++) {
        const base = off + j * (l + 1);
        let sum = 0;
        for (let i = 0; i <= l; i++) sum += aCounts[base + i];
        if (sum > 0) {
          const i0 = o.nullWord ? 0 : 1;
          const u = smoothing / (l + 1 - i0);
          for (let i = i0; i <= l; i++) a[base + i] = (1 - smoothing) * (aCounts[base + i] / sum) + u;
        }
      }
    }
    aCounts.fill(0);
    onIteration?.(it, ll, model);
  }
  tr.table.freeze();
  distortion.prob = Float32Array.from(a);
  return model;
}

/** One Model 2 E-step: adds expected counts to `counts` and `aCounts`; returns the log-likelihood. */
function model2Expectation(
  tr: LexicalTraining,
  a: Float64Array,
  blockOf: Int32Array,
  counts: Float64Array,
  aCounts: Float64Array,
): number {
  const { t, cells } = tr;
  const i0 = tr.nullWord ? 0 : 1;
  return expectation(tr, counts, {
    joint(s, j, l, _m, o, buf) {
      const ao = blockOf[s] + j * (l + 1);
      for (let i = i0; i <= l; i++) buf[i] = t[cells[o + i]] * a[ao + i];
    },
    posterior(s, j, l, buf, inv) {
      const ao = blockOf[s] + j * (l + 1);
      for (let i = i0; i <= l; i++) aCounts[ao + i] += buf[i] * inv;
    },
  });
}

/**
 * Trains IBM Model 2 on `corpus`, target given source: `model1Iterations` of Model 1 for t, then
 * `iterations` of Model 2 EM (t and a together).
 */
export function trainIbmModel2(corpus: ParallelCorpus, opts?: IbmModel2Options): IbmModel2 {
  const who = "trainIbmModel2";
  const o = lexicalOptions(opts, who, 5);
  const model1Iterations = optionalCount(opts?.model1Iterations, 5, who, "options.model1Iterations");
  const distortionSmoothing = distortionSmoothingOption(opts?.distortionSmoothing, who, "options");
  if (opts?.onModel1Iteration !== undefined && typeof opts.onModel1Iteration !== "function") {
    throw new Error(`${who}: options.onModel1Iteration must be a function`);
  }
  return trainIbmModel2Directed(
    forwardCorpus(corpus, who, o.lexicalForms),
    { ...o, model1Iterations, distortionSmoothing },
    opts?.onIteration,
    opts?.onModel1Iteration,
  );
}

/** `distortionSmoothing` of the options object `name` checked: a number in [0, 1], default 0. */
export function distortionSmoothingOption(value: unknown, who: string, name: string): number {
  return optionalNumber(value, 0, who, `${name}.distortionSmoothing`, 0, 1);
}
