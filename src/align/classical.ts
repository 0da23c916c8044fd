/**
 * Classical word aligners in one call: IBM Model 1, IBM Model 2 or fast_align (see ibm-model1.ts,
 * ibm-model2.ts, fast-align.ts for the models and their EM), trained in both directions on a parallel
 * corpus and symmetrised (symmetrize.ts), with a compact JSON form so a browser page can load a
 * pre-trained aligner.
 *
 *     forward   p(tgt | src): each target word t linked to at most one source word s
 *     backward  p(src | tgt): each source word linked to at most one target word (returned as "s-t")
 *     align     symmetrize(forward, backward, method), default grow-diag-final-and
 *
 * Unsupervised aligners are normally trained on the very sentences they are asked to align (the test
 * text included): the model has no supervision to leak. Statistics are counted on `lexicalForm(word)`
 * (NFC, lowercase, edge punctuation stripped) unless `lexicalForms: false`, while link indices count the
 * words given (whitespace-separated words, `alignmentWords`). Words never seen in training get a floor
 * probability and do not crash anything.
 *
 * Browser-safe: no Node built-ins.
 */
import { type AlignmentLinks, invertLinks } from "../eval/alignment.js";
import {
  checkParallelCorpus,
  checkWords,
  directed,
  encodeCorpus,
  exactForm,
  lexicalForm,
  optionalCount,
  type ParallelCorpus,
} from "./corpus.js";
import { FastAlign, fastAlignOptions, trainFastAlignDirected } from "./fast-align.js";
import {
  IbmModel1,
  type LexicalAligner,
  lexicalFields,
  TranslationTable,
  type TranslationTableJSON,
  trainIbmModel1Directed,
} from "./ibm-model1.js";
import {
  type DistortionJSON,
  DistortionTable,
  distortionSmoothingOption,
  IbmModel2,
  trainIbmModel2Directed,
} from "./ibm-model2.js";
import { SYMMETRIZATIONS, type Symmetrization, symmetrize } from "./symmetrize.js";

export type { Symmetrization } from "./symmetrize.js";

/** Which directional model: IBM Model 1, IBM Model 2, or fast_align. */
export type ClassicalMethod = "ibm1" | "ibm2" | "fast";

/** Every classical method. */
export const CLASSICAL_METHODS: readonly ClassicalMethod[] = ["ibm1", "ibm2", "fast"];

/** Options of `trainClassicalAligner` (IBM Model 1/2, fast_align). */
export interface ClassicalAlignOptions {
  method: ClassicalMethod;
  /** EM iterations of the method itself, per direction (default 10 for ibm1, 5 for ibm2 and fast). */
  iterations?: number;
  /**
   * Model 1 iterations that initialise t before the method's own (default 5 for ibm2, 0 for fast — which
   * starts from a uniform t as fast_align does; not used by ibm1).
   */
  model1Iterations?: number;
  /** How `align` combines the two directions (default "grow-diag-final-and"). */
  symmetrize?: Symmetrization;
  /** Allow target words to align to NULL (no link) (default true). */
  nullWord?: boolean;
  /** Count statistics on `lexicalForm(word)` (default true) or on the words exactly as given. */
  lexicalForms?: boolean;
  /** ibm2: interpolate a(i | j, l, m) with the uniform by this weight in [0, 1] (default 0). */
  distortionSmoothing?: number;
  /** fast_align: starting (or fixed) diagonal tension λ (default 4). */
  tension?: number;
  /** fast_align: fit λ by gradient after each iteration (default true). */
  optimizeTension?: boolean;
  /** fast_align: probability of the NULL alignment p0 (default 0.08). */
  p0?: number;
  /** Called after every EM iteration of either direction: (iterations done, iterations in all). */
  onProgress?: (done: number, total: number) => void;
}

/** Options of `ClassicalAligner.toJSON`. */
export interface ClassicalJSONOptions {
  /** Leave out table entries with t(f | e) below this (they read back as the floor; default 0: none). */
  minProb?: number;
}

/** One direction of a serialised aligner. */
export interface ClassicalDirectionJSON {
  table: TranslationTableJSON;
  /** ibm2: a(i | j, l, m) per length pair seen. */
  distortion?: DistortionJSON[];
  /** fast: the trained tension λ. */
  tension?: number;
  /** fast: p0. */
  p0?: number;
}

/** A serialised `ClassicalAligner` (`classicalAlignerFromJSON` reads it back). */
export interface ClassicalAlignerJSON {
  format: "qkv-classical-aligner";
  version: 1;
  method: ClassicalMethod;
  symmetrize: Symmetrization;
  nullWord: boolean;
  lexicalForms: boolean;
  /** Source-side forms (forward rows 1…, backward target ids). */
  srcWords: string[];
  /** Target-side forms (forward target ids, backward rows 1…). */
  tgtWords: string[];
  forward: ClassicalDirectionJSON;
  backward: ClassicalDirectionJSON;
}

/** A word aligner trained in both directions. */
export interface ClassicalAligner {
  readonly method: ClassicalMethod;
  /** The symmetrisation `align` uses. */
  readonly symmetrization: Symmetrization;
  /** p(tgt | src). */
  readonly forward: LexicalAligner;
  /** p(src | tgt) (its own links are target-first; `alignBackward` turns them round). */
  readonly backward: LexicalAligner;
  /** Viterbi links `"s-t"` of the forward model: each target word at most one source word. */
  alignForward(src: readonly string[], tgt: readonly string[]): Set<string>;
  /** Viterbi links of the backward model, in `"s-t"` orientation: each source word at most one target word. */
  alignBackward(src: readonly string[], tgt: readonly string[]): Set<string>;
  /** The symmetrised links `"s-t"` (`symmetrization`, or the one given). */
  align(src: readonly string[], tgt: readonly string[], symmetrization?: Symmetrization): Set<string>;
  /**
   * The forward posterior p(a_t = s | src, tgt) as a target × source matrix whose rows sum to 1 without
   * NULL (renormalised over the source words) — an attention-like map. Rows are empty for an empty source.
   */
  posterior(src: readonly string[], tgt: readonly string[]): number[][];
  /** The compact serialisation (`JSON.stringify(aligner)` calls this). */
  toJSON(options?: ClassicalJSONOptions): ClassicalAlignerJSON;
}

function checkMethod(method: unknown, who: string, name: string): ClassicalMethod {
  if (!CLASSICAL_METHODS.includes(method as ClassicalMethod)) {
    throw new Error(
      `${who}: ${name} must be one of ${CLASSICAL_METHODS.join(", ")}, got ${JSON.stringify(method)}`,
    );
  }
  return method as ClassicalMethod;
}

function checkSymmetrization(value: unknown, who: string, name: string): Symmetrization {
  if (!SYMMETRIZATIONS.includes(value as Symmetrization)) {
    throw new Error(
      `${who}: ${name} must be one of ${SYMMETRIZATIONS.join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
  return value as Symmetrization;
}

function checkPair(src: unknown, tgt: unknown, who: string): void {
  checkWords(src, who, "src");
  checkWords(tgt, who, "tgt");
}

class TwoWayAligner implements ClassicalAligner {
  readonly method: ClassicalMethod;
  readonly symmetrization: Symmetrization;
  readonly forward: LexicalAligner;
  readonly backward: LexicalAligner;
  private readonly srcWords: string[];
  private readonly tgtWords: string[];

  constructor(
    method: ClassicalMethod,
    symmetrization: Symmetrization,
    forward: LexicalAligner,
    backward: LexicalAligner,
    srcWords: string[],
    tgtWords: string[],
  ) {
    this.method = method;
    this.symmetrization = symmetrization;
    this.forward = forward;
    this.backward = backward;
    this.srcWords = srcWords;
    this.tgtWords = tgtWords;
  }

  alignForward(src: readonly string[], tgt: readonly string[]): Set<string> {
    checkPair(src, tgt, "ClassicalAligner.alignForward");
    return this.forward.viterbi(src, tgt);
  }

  alignBackward(src: readonly string[], tgt: readonly string[]): Set<string> {
    checkPair(src, tgt, "ClassicalAligner.alignBackward");
    return invertLinks(this.backward.viterbi(tgt, src));
  }

  align(src: readonly string[], tgt: readonly string[], symmetrization?: Symmetrization): Set<string> {
    const how =
      symmetrization === undefined
        ? this.symmetrization
        : checkSymmetrization(symmetrization, "ClassicalAligner.align", "symmetrization");
    const fwd = this.alignForward(src, tgt);
    if (how === "none") return fwd;
    const bwd: AlignmentLinks = this.alignBackward(src, tgt);
    return symmetrize(fwd, bwd, how);
  }

  posterior(src: readonly string[], tgt: readonly string[]): number[][] {
    checkPair(src, tgt, "ClassicalAligner.posterior");
    return this.forward.alignmentPosterior(src, tgt).map((row) => {
      let sum = 0;
      for (let i = 1; i < row.length; i++) sum += row[i];
      const out: number[] = [];
      for (let i = 1; i < row.length; i++) out.push(sum > 0 ? row[i] / sum : 0);
      return out;
    });
  }

  toJSON(options?: ClassicalJSONOptions | string): ClassicalAlignerJSON {
    // JSON.stringify calls toJSON(key) with a string key: no options then.
    const o = typeof options === "object" && options !== null ? options : {};
    const minProb = o.minProb ?? 0;
    if (typeof minProb !== "number" || !(minProb >= 0 && minProb <= 1)) {
      throw new Error(
        `ClassicalAligner.toJSON: options.minProb must be a number in [0, 1], got ${String(minProb)}`,
      );
    }
    const direction = (d: LexicalAligner): ClassicalDirectionJSON => {
      const out: ClassicalDirectionJSON = { table: d.table.toJSON(minProb) };
      if (d instanceof IbmModel2) out.distortion = d.distortion.toJSON();
      if (d instanceof FastAlign) {
        out.tension = d.tension;
        out.p0 = d.p0;
      }
      return out;
    };
    return {
      format: "qkv-classical-aligner",
      version: 1,
      method: this.method,
      symmetrize: this.symmetrization,
      nullWord: this.forward.nullWord,
      lexicalForms: this.forward.lexicalForms,
      srcWords: this.srcWords,
      tgtWords: this.tgtWords,
      forward: direction(this.forward),
      backward: direction(this.backward),
    };
  }
}

/**
 * Trains on `train` (which normally includes the sentences to align — unsupervised aligners may see the
 * test text) in both directions and returns a model that aligns any pair.
 */
export function trainClassicalAligner(train: ParallelCorpus, opts: ClassicalAlignOptions): ClassicalAligner {
  const who = "trainClassicalAligner";
  if (opts === null || typeof opts !== "object") {
    throw new Error(`${who}: opts must be an object with a method (${CLASSICAL_METHODS.join(", ")})`);
  }
  const method = checkMethod(opts.method, who, "opts.method");
  const symmetrization =
    opts.symmetrize === undefined
      ? "grow-diag-final-and"
      : checkSymmetrization(opts.symmetrize, who, "opts.symmetrize");
  if (opts.onProgress !== undefined && typeof opts.onProgress !== "function") {
    throw new Error(`${who}: opts.onProgress must be a function`);
  }
  checkParallelCorpus(train, who, "train");
  const { iterations, nullWord, lexicalForms } = lexicalFields(opts, who, "opts", method === "ibm1" ? 10 : 5);
  const model1Iterations =
    method === "ibm1"
      ? 0
      : optionalCount(opts.model1Iterations, method === "ibm2" ? 5 : 0, who, "opts.model1Iterations");
  const distortionSmoothing = distortionSmoothingOption(opts.distortionSmoothing, who, "opts");
  const fastOpts =
    method === "fast"
      ? fastAlignOptions(
          {
            iterations,
            nullWord,
            lexicalForms,
            tension: opts.tension,
            optimizeTension: opts.optimizeTension,
            p0: opts.p0,
            model1Iterations,
          },
          `${who}: opts`,
        )
      : undefined;
  const total = 2 * (iterations + model1Iterations);
  let done = 0;
  const tick = opts.onProgress ? () => opts.onProgress?.(++done, total) : undefined;
  const enc = encodeCorpus(train, lexicalForms ? lexicalForm : exactForm);
  const trainDirection = (backward: boolean): LexicalAligner => {
    const corpus = directed(enc, backward);
    if (method === "ibm1")
      return trainIbmModel1Directed(corpus, { iterations, nullWord, lexicalForms }, tick);
    if (method === "ibm2") {
      return trainIbmModel2Directed(
        corpus,
        { iterations, model1Iterations, nullWord, lexicalForms, distortionSmoothing },
        tick,
        tick,
      );
    }
    return trainFastAlignDirected(corpus, fastOpts!, tick, tick);
  };
  const forward = trainDirection(false);
  const backward = trainDirection(true);
  return new TwoWayAligner(method, symmetrization, forward, backward, enc.srcWords, enc.tgtWords);
}

function checkWordList(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) throw new Error(`${path} must be an array of strings`);
  const seen = new Set<string>();
  value.forEach((w: unknown, k) => {
    if (typeof w !== "string") throw new Error(`${path}[${k}] must be a string, got ${JSON.stringify(w)}`);
    if (seen.has(w)) throw new Error(`${path}[${k}]: ${JSON.stringify(w)} appears twice`);
    seen.add(w);
  });
  return value as string[];
}

/**
 * Reads an aligner saved with `toJSON` (the object, or its JSON text) back; anything malformed is refused
 * with an error naming the field.
 */
export function classicalAlignerFromJSON(json: unknown): ClassicalAligner {
  const who = "classicalAlignerFromJSON";
  if (typeof json === "string") {
    try {
      json = JSON.parse(json);
    } catch (err) {
      throw new Error(`${who}: not valid JSON (${(err as Error).message})`);
    }
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new Error(`${who}: expected an object saved by ClassicalAligner.toJSON`);
  }
  const j = json as Record<string, unknown>;
  if (j.format !== "qkv-classical-aligner") {
    throw new Error(`${who}: format must be "qkv-classical-aligner", got ${JSON.stringify(j.format)}`);
  }
  if (j.version !== 1)
    throw new Error(`${who}: unsupported version ${JSON.stringify(j.version)} (this reads 1)`);
  const method = checkMethod(j.method, who, "method");
  const symmetrization = checkSymmetrization(j.symmetrize, who, "symmetrize");
  if (typeof j.nullWord !== "boolean") throw new Error(`${who}: nullWord must be true or false`);
  if (typeof j.lexicalForms !== "boolean") throw new Error(`${who}: lexicalForms must be true or false`);
  const nullWord = j.nullWord;
  const lexicalForms = j.lexicalForms;
  const srcWords = checkWordList(j.srcWords, `${who}: srcWords`);
  const tgtWords = checkWordList(j.tgtWords, `${who}: tgtWords`);
  const direction = (name: "forward" | "backward"): LexicalAligner => {
    const path = `${who}: ${name}`;
    const d = j[name];
    if (d === null || typeof d !== "object" || Array.isArray(d)) throw new Error(`${path} must be an object`);
    const dj = d as Record<string, unknown>;
    const [eWords, fWords] = name === "forward" ? [srcWords, tgtWords] : [tgtWords, srcWords];
    const table = TranslationTable.fromJSON(dj.table, eWords, fWords, `${path}.table`);
    if (method === "ibm1") return new IbmModel1(table, nullWord, lexicalForms);
    if (method === "ibm2") {
      return new IbmModel2(
        table,
        DistortionTable.fromJSON(dj.distortion, `${path}.distortion`),
        nullWord,
        lexicalForms,
      );
    }
    const { tension, p0 } = dj;
    if (typeof tension !== "number" || !Number.isFinite(tension) || tension <= 0) {
      throw new Error(`${path}.tension must be a positive number, got ${JSON.stringify(tension)}`);
    }
    if (typeof p0 !== "number" || !(p0 >= 0 && p0 < 1)) {
      throw new Error(`${path}.p0 must be a number in [0, 1), got ${JSON.stringify(p0)}`);
    }
    return new FastAlign(table, tension, p0, nullWord, lexicalForms);
  };
  return new TwoWayAligner(
    method,
    symmetrization,
    direction("forward"),
    direction("backward"),
    srcWords,
    tgtWords,
  );
}
