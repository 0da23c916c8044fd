/**
 * The qkv checkpoint format, as data: what a checkpoint's JSON `meta` says about its model and how a
 * model is rebuilt from it. The files themselves — `<name>.json` ({format: "qkv-checkpoint", version 1,
 * tensors, sha256, meta}) beside `<name>.safetensors`, written atomically under a lock — are Node's
 * business (train/checkpoint.ts); the page fetches the same two files (web/src/checkpoint.ts). Both
 * rebuild the model here, with the same checks:
 *
 *   validateCheckpointMeta(meta, file)      the schema: kind, config (the registry's `checkConfig`),
 *                                           vocabularies of the config's sizes, decoding bound, and with
 *                                           `forResume` the training state; with `memoryBytes`, whether
 *                                           the model fits (registry `checkFits`)
 *   modelFromCheckpoint(meta, tensors, f)   the model its kind builds, weights checked against the
 *                                           shapes its constructor makes (registry `checkWeights`), finite,
 *                                           loaded, in eval mode
 *   tokenizersOf(meta)                      the stored word or BPE tokenizers (older files: the task's
 *                                           word rule over the stored vocabularies), sizes checked
 *
 * Browser-safe: no Node built-ins.
 */
import { type TextSplit, type Tokenizer, type TokenizerJSON, tokenizerFromJSON } from "../data/tokenizers.js";
import { Vocab } from "../data/vocab.js";
import { WordTokenizer } from "../data/word-tokenizer.js";
import { MAX_TARGET_LENGTH } from "../decode/limits.js";
import {
  checkFits,
  checkWeights,
  type FieldFail,
  MODEL_KIND_NAMES,
  type ModelSpec,
  modelKind,
  type TranslationModel,
} from "../models/registry.js";
import type { Tensor } from "../tensor/index.js";

/**
 * The learning-rate schedule's state, in `last` (exact --resume): Noam's and cosine's step counter and
 * base lrs; plateau's counters (its best score, `null` before the first evaluation, as JSON has no −∞).
 */
export type SchedulerMeta =
  | { kind: "noam"; warmup: number; lastEpoch: number; baseLrs: number[] }
  | { kind: "cosine"; tMax: number; minLr: number; lastEpoch: number; baseLrs: number[] }
  | {
      kind: "plateau";
      factor: number;
      patience: number;
      minLr: number;
      best: number | null;
      numBadEpochs: number;
      cooldownCounter: number;
      lastEpoch: number;
    };

/** What a checkpoint's `meta` says about its model: enough to rebuild it and its tokenizers. */
export type ModelCheckpointMeta = ModelSpec & {
  task: string;
  taskOptions?: object;
  srcVocab: string[];
  tgtVocab: string[];
  /** The tokenizers (word or BPE); absent before BPE existed: then word, from srcVocab / tgtVocab. */
  srcTokenizer?: TokenizerJSON;
  tgtTokenizer?: TokenizerJSON;
  /**
   * SHA-256 (hex) of the vocabularies and tokenizers as stored (`vocabChecksumText`): swapped or edited
   * entries are refused on load. Older checkpoints lack it and load unchecked.
   */
  vocabSha256?: string;
  /** Longest training target (bounds decoding); older checkpoints lack it. */
  maxTargetLength?: number;
  /** The lr schedule's state (absent: constant lr). */
  scheduler?: SchedulerMeta;
};

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "missing";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v).slice(0, 60)}`;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number) => Number.isSafeInteger(v) && (v as number) >= min;

/** Options of `validateCheckpointMeta`. */
export interface ValidateMetaOptions {
  /** Also check the training state `--resume` needs (epoch, step, RNG, optimizer, history, best). */
  forResume?: boolean;
  /** Check that the model fits in this many bytes (Node: `os.totalmem()`); default: not checked. */
  memoryBytes?: number;
}

/**
 * Validates a checkpoint's metadata before a model is built from it: a kind the registry knows, a
 * config its model accepts, vocabularies (string arrays) of the sizes the config says, and — with
 * `forResume` — the training state. Throws `checkpoint <file>: meta.<field> must be …, got …`.
 */
export function validateCheckpointMeta(
  meta: unknown,
  file: string,
  { forResume = false, memoryBytes }: ValidateMetaOptions = {},
): asserts meta is ModelCheckpointMeta {
  const fail: FieldFail = (field, want, got) => {
    throw new Error(`checkpoint ${file}: meta.${field} must be ${want}, got ${describe(got)}`);
  };
  if (!isObject(meta)) fail("", "an object", meta);
  const m = meta as Record<string, unknown>;
  if (m.kind !== undefined && !MODEL_KIND_NAMES.includes(m.kind as never))
    fail("kind", MODEL_KIND_NAMES.map((k) => `"${k}"`).join(" or "), m.kind);
  const kind = modelKind(m.kind as string | undefined);
  if (typeof m.task !== "string") fail("task", "a task name", m.task);
  if (m.taskOptions !== undefined && !isObject(m.taskOptions))
    fail("taskOptions", "an object", m.taskOptions);
  if (!isObject(m.config)) fail("config", "an object (the model's configuration)", m.config);
  const c = m.config as Record<string, unknown>;
  for (const k of ["srcVocabSize", "tgtVocabSize"] as const) {
    if (!isInt(c[k], 4)) fail(`config.${k}`, "an integer ≥ 4", c[k]);
  }
  kind.checkConfig(c, fail);
  validateVocabs(m, c, fail);
  if (memoryBytes !== undefined) {
    const spec = { kind: kind.name, config: c } as unknown as ModelSpec;
    checkFits(spec, `checkpoint ${file}`, 1, "its model", memoryBytes);
  }
  validateScheduler(m.scheduler, fail);
  if (forResume) validateTrainingState(m, fail);
}

function validateVocabs(m: Record<string, unknown>, c: Record<string, unknown>, fail: FieldFail): void {
  for (const [k, size] of [
    ["srcVocab", c.srcVocabSize],
    ["tgtVocab", c.tgtVocabSize],
  ] as const) {
    const v = m[k];
    if (!Array.isArray(v) || v.some((t) => typeof t !== "string")) fail(k, "an array of token strings", v);
    if ((v as string[]).length !== size) fail(k, `${size} tokens (config.${k}Size)`, v);
    if (new Set(v as string[]).size !== (v as string[]).length)
      fail(k, "free of duplicate tokens", "duplicates");
  }
  if (
    m.maxTargetLength !== undefined &&
    (!isInt(m.maxTargetLength, 1) || (m.maxTargetLength as number) > MAX_TARGET_LENGTH)
  ) {
    // Decoding runs up to 2·maxTargetLength + 10 steps: an unbounded value would never end.
    fail(
      "maxTargetLength",
      `an integer from 1 to ${MAX_TARGET_LENGTH} (MAX_TARGET_LENGTH)`,
      m.maxTargetLength,
    );
  }
}

function validateScheduler(sc: unknown, fail: FieldFail): void {
  if (sc === undefined) return;
  const lrs = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "number" && x > 0);
  const num = (v: unknown, min: number) => typeof v === "number" && Number.isFinite(v) && v >= min;
  const ok =
    isObject(sc) &&
    (sc.kind === "noam"
      ? isInt(sc.warmup, 1) && isInt(sc.lastEpoch, 0) && lrs(sc.baseLrs)
      : sc.kind === "cosine"
        ? isInt(sc.tMax, 1) && num(sc.minLr, 0) && isInt(sc.lastEpoch, 0) && lrs(sc.baseLrs)
        : sc.kind === "plateau" &&
          num(sc.factor, 0) &&
          (sc.factor as number) < 1 &&
          isInt(sc.patience, 0) &&
          num(sc.minLr, 0) &&
          (sc.best === null || (typeof sc.best === "number" && Number.isFinite(sc.best))) &&
          isInt(sc.numBadEpochs, 0) &&
          isInt(sc.cooldownCounter, 0) &&
          isInt(sc.lastEpoch, 0));
  if (!ok) {
    fail(
      "scheduler",
      '{ kind: "noam", warmup ≥ 1, lastEpoch ≥ 0, baseLrs: numbers > 0 }, { kind: "cosine", tMax ≥ 1, minLr ≥ 0, lastEpoch, baseLrs } or { kind: "plateau", factor in [0, 1), patience ≥ 0, minLr ≥ 0, best, numBadEpochs, cooldownCounter, lastEpoch }',
      sc,
    );
  }
}

function validateTrainingState(m: Record<string, unknown>, fail: FieldFail): void {
  for (const k of ["epoch", "batchIndex", "step"]) if (!isInt(m[k], 0)) fail(k, "an integer ≥ 0", m[k]);
  if (typeof m.rngState !== "number" || !Number.isFinite(m.rngState))
    fail("rngState", "a number", m.rngState);
  const o = m.optimizer;
  if (!isObject(o) || !Array.isArray(o.paramGroups) || !isObject(o.scalars)) {
    fail("optimizer", "{ paramGroups: [...], scalars: {...} }", o);
  }
  if (!Array.isArray(m.history)) fail("history", "an array", m.history);
  const b = m.best;
  if (!isObject(b) || typeof b.epoch !== "number" || (typeof b.score !== "number" && b.score !== null)) {
    fail("best", "{ epoch, score }", b);
  }
}

/** Throws naming the tensor and index when a weight is NaN or ±Infinity (a diverged or damaged model). */
export function checkFiniteWeights(tensors: Record<string, Tensor>, file: string): void {
  for (const [name, t] of Object.entries(tensors)) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        throw new Error(
          `checkpoint ${file}: weight "${name}" holds ${d[i]} at index ${i}; a model with non-finite weights ` +
            "cannot translate (did training diverge? try a lower --lr)",
        );
      }
    }
  }
}

/**
 * The model a checkpoint's (validated) meta describes, with its weights: checked against the shapes the
 * model's constructor makes and for finiteness, loaded, in eval mode. `file` names the checkpoint in
 * errors.
 */
export function modelFromCheckpoint(
  meta: ModelCheckpointMeta,
  tensors: Record<string, Tensor>,
  file: string,
): TranslationModel {
  checkWeights(meta, tensors, file);
  const model = modelKind(meta.kind).build(meta.config as never);
  loadWeights(model, tensors, file);
  model.eval();
  return model;
}

/** Loads a checkpoint's weights into a built model: finite, and fitting it (the message names `file`). */
export function loadWeights(model: TranslationModel, tensors: Record<string, Tensor>, file: string): void {
  checkFiniteWeights(tensors, file);
  try {
    model.loadStateDict(tensors);
  } catch (e) {
    throw new Error(`checkpoint ${file}: its weights do not match its config: ${(e as Error).message}`);
  }
}

/** A short name of a checkpoint's model for titles: the LSTM's attention kind, or "transformer 2×4 d64". */
export function modelTitle(meta: ModelSpec): string {
  return modelKind(meta.kind).title(meta.config as never);
}

/**
 * The word rule of a task, for checkpoints from before tokenizers were stored in them: Tatoeba tasks
 * cut lower-cased words, a user's own files cut words keeping their case, SCAN and the synthetic tasks
 * split at spaces (train/tasks.ts's TASKS[task].tokenizer; test/checkpoint/format.test.ts checks they agree).
 */
export function wordRuleOf(task: string): { split: TextSplit; lowercase: boolean } {
  if (task.startsWith("tatoeba-")) return { split: "words", lowercase: true };
  if (task === "files") return { split: "words", lowercase: false };
  return { split: "space", lowercase: false };
}

/**
 * The text `meta.vocabSha256` is the SHA-256 of: the vocabularies and tokenizers as JSON, in a fixed
 * order (`[srcVocab, tgtVocab, srcTokenizer, tgtTokenizer]`, null for a missing tokenizer). JSON read
 * back and written again gives the same text, so the hash can be checked after a load.
 */
export function vocabChecksumText(meta: {
  srcVocab: unknown;
  tgtVocab: unknown;
  srcTokenizer?: unknown;
  tgtTokenizer?: unknown;
}): string {
  return JSON.stringify([meta.srcVocab, meta.tgtVocab, meta.srcTokenizer ?? null, meta.tgtTokenizer ?? null]);
}

/** Rebuilds the vocabularies stored in a checkpoint. */
export function vocabsOf(meta: ModelCheckpointMeta): { srcVocab: Vocab; tgtVocab: Vocab } {
  return { srcVocab: new Vocab(meta.srcVocab), tgtVocab: new Vocab(meta.tgtVocab) };
}

/**
 * Rebuilds the tokenizers stored in a checkpoint (validated; a size that disagrees with the model's
 * vocabulary sizes is refused). Checkpoints from before BPE hold only the word vocabularies: those get
 * the word tokenizer of their task (`wordRuleOf`).
 */
export function tokenizersOf(meta: ModelCheckpointMeta): {
  srcTokenizer: Tokenizer;
  tgtTokenizer: Tokenizer;
} {
  const rule = wordRuleOf(meta.task);
  const of = (side: "src" | "tgt"): Tokenizer => {
    const json = meta[`${side}Tokenizer`];
    const t = json ? tokenizerFromJSON(json) : new WordTokenizer(new Vocab(meta[`${side}Vocab`]), rule);
    const size = meta.config[`${side}VocabSize`];
    if (t.size !== size) {
      throw new Error(
        `checkpoint: the ${side} tokenizer has ${t.size} ids but the model's ${side}VocabSize is ${size}`,
      );
    }
    // The stored tokenizer and meta.<side>Vocab must agree id for id (the model was trained on both).
    const tokens = meta[`${side}Vocab`];
    const tokenizerTokens = t.vocab.toJSON().tokens;
    const at = tokenizerTokens.findIndex((tok, i) => tok !== tokens[i]);
    if (at >= 0) {
      const show = (x: string | undefined) => JSON.stringify(x ?? "").slice(0, 60);
      throw new Error(
        `checkpoint: the ${side} tokenizer's vocabulary differs from meta.${side}Vocab at id ${at} (${show(tokenizerTokens[at])} vs ${show(tokens[at])})`,
      );
    }
    return t;
  };
  return { srcTokenizer: of("src"), tgtTokenizer: of("tgt") };
}
