/**
 * The training loop for the seq2seq models: teacher forcing, cross-entropy (ignore padding, optional
 * label smoothing), Adam / AdamW / SGD, gradient-norm clipping, optional gradient accumulation over
 * micro-batches; a constant, Noam, cosine or plateau learning rate; validation every epoch, optional
 * early stopping; checkpoints (last and best) written atomically; `resume` continues exactly (weights,
 * optimizer state, schedule state, RNG, batch position, early-stop counter); Ctrl-C saves the last
 * checkpoint and returns cleanly.
 */
import { existsSync, readdirSync } from "node:fs";
import { totalmem } from "node:os";
import { join } from "node:path";
import { loadWeights, type ModelCheckpointMeta, type SchedulerMeta } from "../checkpoint/format.js";
import { type Example, makeBatches } from "../data/index.js";
import { MAX_TARGET_LENGTH } from "../decode/index.js";
import { type EvalResult, evaluatePairs } from "../eval/corpus.js";
import { type DirLock, lockDir } from "../io/lock.js";
import {
  buildModel,
  checkFits,
  checkWeights,
  type ModelSpec,
  modelKind,
  type TranslationModel,
} from "../models/registry.js";
import { type AttentionKind, DEFAULT_ATTENTION, type Seq2SeqConfig } from "../models/seq2seq/index.js";
import type { TransformerModelConfig } from "../models/transformer/index.js";
import { Adam, AdamW, SGD } from "../nn/index.js";
import { CosineAnnealingLR, type LRScheduler, NoamLR, ReduceLROnPlateau } from "../nn/optim/lr-scheduler.js";
import type { BaseHyper, Optimizer, OptimizerStateDict } from "../nn/optim/optimizer.js";
import { getRngState, manualSeed, setRngState, type Tensor, tensor } from "../tensor/index.js";
import {
  type CheckpointData,
  cleanCheckpointDir,
  deleteCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from "./checkpoint.js";
import { validateCheckpointMetaHere, vocabSha256 } from "./load-model.js";
import { createProgress } from "./progress.js";
import { trainStepAccumulated } from "./step.js";
import { loadTask, type TaskData, type TaskOptions, type TokenPair, taskSpec } from "./tasks.js";
import {
  type OptimizerName,
  type ScheduleName,
  type TrainNumbers,
  validateOptimization,
  validateTrainOptions,
} from "./validate.js";

export {
  modelTitle,
  type SchedulerMeta,
  tokenizersOf,
  vocabsOf,
} from "../checkpoint/format.js";

/** What `train()` takes; the numeric options and their rules are `TrainNumbers` (validate.ts). */
export interface TrainOptions extends TrainNumbers {
  task: string;
  taskOptions?: TaskOptions;
  /** "seq2seq" (default): the LSTM encoder–decoder (`model`, `attention`); "transformer": `transformer`. */
  arch?: "seq2seq" | "transformer";
  model?: Omit<Seq2SeqConfig, "srcVocabSize" | "tgtVocabSize">;
  attention?: AttentionKind;
  /** The Transformer's configuration (arch "transformer"); vocabulary sizes come from the task. */
  transformer?: Omit<TransformerModelConfig, "srcVocabSize" | "tgtVocabSize">;
  /**
   * "adam" (default), "adamw" (decoupled weight decay, default λ 0.01) or "sgd" (`momentum`, default
   * 0); `weightDecay` λ for each (adam, sgd: L2 added to the gradient, default 0).
   */
  optimizer?: OptimizerName;
  /**
   * "constant" (default): the optimizer at `lr`; "noam": `NoamLR` (Vaswani et al. 2017, eq. 3) with
   * `warmup` steps (default 4000) and d = the Transformer's dModel (seq2seq: the peak is `lr` at step
   * `warmup`): `lr` is then the factor η₀ (default 1, the paper's), stepped after every optimizer step;
   * "cosine": `CosineAnnealingLR` from `lr` to `minLr` over every optimizer step of the run (epochs ×
   * steps per epoch), stepped after each; "plateau": `ReduceLROnPlateau` on the task's validation
   * metric (mode max), `factor` and `patience`, stepped after each evaluation.
   */
  schedule?: ScheduleName;
  /** Folder for last/best checkpoints; none = no checkpoints. Locked while training. */
  outDir?: string;
  /**
   * Also keep the weights after each of the last N epochs, as checkpoints `epoch-<n>` (weights only,
   * like `best`), for checkpoint averaging (`qkv average --last N`); older ones are deleted.
   */
  keepLastEpochs?: number;
  /** Continue from `<outDir>/last.json`; a given `lr` replaces the checkpoint's. */
  resume?: boolean;
  /** Start afresh in an `outDir` that holds checkpoints, deleting them (else that is an error). */
  overwrite?: boolean;
  quiet?: boolean;
  /** Called after every epoch. */
  onEpoch?: (e: EpochSummary) => void;
}

export interface EpochSummary {
  epoch: number;
  step: number;
  trainLoss: number;
  seconds: number;
  tokensPerSec: number;
  valid: { exactMatch: number; tokenAccuracy: number; bleu: number };
  /** The learning rate after the epoch (and after plateau's reduction, if any). */
  lr: number;
}

export interface TrainResult {
  model: TranslationModel;
  task: TaskData;
  history: EpochSummary[];
  best: { epoch: number; score: number };
  interrupted: boolean;
  /** Stopped by `earlyStop`: that many evaluations in a row without improvement. */
  stoppedEarly: boolean;
  steps: number;
}

/** What a checkpoint's JSON says about its model: its registry kind and config (models/registry.ts). */
export type CheckpointModelMeta = ModelSpec;

/** A checkpoint's `meta` as training writes it: the model part (checkpoint/format.ts) and the run's state. */
export type CheckpointMeta = ModelCheckpointMeta & CheckpointMetaBase;

export interface CheckpointMetaBase {
  /** The lr schedule's state (absent: constant lr). */
  scheduler?: SchedulerMeta;
  taskOptions: TaskOptions;
  /** Longest training target (bounds decoding). */
  maxTargetLength: number;
  epoch: number;
  batchIndex: number;
  step: number;
  rngState: number;
  optimizer: {
    paramGroups: OptimizerStateDict["paramGroups"];
    scalars: Record<string, Record<string, unknown>>;
  };
  history: EpochSummary[];
  best: { epoch: number; score: number };
  /** The optimizer whose state `optimizer` holds (absent: adam, as before the choice existed). */
  optimizerKind?: OptimizerName;
  /** Micro-batches per optimizer step (absent: 1). Saves happen between steps, so `batchIndex` starts a group. */
  accumulate?: number;
  /** Evaluations in a row without improvement of the validation metric (early stopping; absent: 0). */
  evalsWithoutImprovement?: number;
  /** Saved mid-epoch: the epoch's loss so far (sum of step losses, steps, target tokens), so a resumed epoch reports the same mean. */
  epochLoss?: { sum: number; count: number; tokens: number };
  trainOptions: Omit<TrainOptions, "onEpoch" | "quiet">;
}

/** Optimizer state → tensors (Float32Array buffers) + JSON (everything else). */
function packOptimizer(sd: OptimizerStateDict): {
  tensors: Record<string, Tensor>;
  json: CheckpointMeta["optimizer"];
} {
  const tensors: Record<string, Tensor> = {};
  const scalars: Record<string, Record<string, unknown>> = {};
  for (const [i, s] of Object.entries(sd.state)) {
    scalars[i] = {};
    for (const [k, v] of Object.entries(s)) {
      if (v instanceof Float32Array) tensors[`state.${i}.${k}`] = tensor(v, [v.length]);
      else scalars[i][k] = v;
    }
  }
  return { tensors, json: { paramGroups: sd.paramGroups, scalars } };
}

function unpackOptimizer(
  tensors: Record<string, Tensor>,
  json: CheckpointMeta["optimizer"],
): OptimizerStateDict {
  // Keys come from the file: entries are null-prototype objects and names must have the shape we write.
  const state: OptimizerStateDict["state"] = Object.create(null);
  const entry = (i: string, what: string) => {
    if (!/^\d+$/.test(i))
      throw new Error(`train: --resume: unexpected optimizer ${what} "${i}" in the checkpoint`);
    state[Number(i)] ??= Object.create(null);
    return state[Number(i)];
  };
  for (const [i, s] of Object.entries(json.scalars)) {
    if (typeof s !== "object" || s === null || Array.isArray(s)) {
      throw new Error(`train: --resume: optimizer state ${i} in the checkpoint is not an object`);
    }
    Object.assign(entry(i, "state"), s);
  }
  for (const [name, t] of Object.entries(tensors)) {
    const m = /^state\.(\d+)\.([A-Za-z_]\w*)$/.exec(name);
    if (!m || m[2] === "constructor" || m[2] === "prototype" || m[2] === "__proto__") {
      throw new Error(`train: --resume: unexpected optimizer tensor "${name}" in the checkpoint`);
    }
    entry(m[1], "tensor")[m[2]] = Float32Array.from(t.data);
  }
  return { state, paramGroups: json.paramGroups };
}

/** Score used to pick the best checkpoint: the task's metric (exact match or BLEU). */
function scoreOf(task: string, v: EpochSummary["valid"]): number {
  return v[taskSpec(task).metric];
}

/** The model a training run builds: its checkpoint kind and config (vocabulary sizes from the task). */
function modelMetaOf(opts: TrainOptions, task: TaskData): CheckpointModelMeta {
  const sizes = { srcVocabSize: task.srcVocab.size, tgtVocabSize: task.tgtVocab.size };
  const spec: ModelSpec =
    (opts.arch ?? "seq2seq") === "transformer"
      ? { kind: "transformer", config: { ...opts.transformer, ...sizes } }
      : {
          kind: "seq2seq",
          config: {
            ...opts.model,
            attention: opts.attention ?? opts.model?.attention ?? DEFAULT_ATTENTION,
            ...sizes,
          },
        };
  checkFits(spec, "train", 4, "the model", totalmem());
  return spec;
}

/**
 * Trains a seq2seq model on a task. With `outDir`, the folder is locked for the run (a second
 * training into it refuses at once), leftovers of a killed run are cleaned, and a folder holding
 * checkpoints is only reused with `resume` or `overwrite`.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  validateTrainOptions(opts);
  validateOptimization(opts);
  if (opts.resume && opts.overwrite) throw new Error("train: --resume and --overwrite exclude each other");
  const lock = opts.outDir ? await lockDir(opts.outDir, "train") : null;
  try {
    if (opts.outDir) await prepareOutDir(opts.outDir, opts);
    return await trainLocked(opts, lock);
  } finally {
    await lock?.release();
  }
}

/** Cleans an interrupted save's leftovers and refuses to train over checkpoints unless told to. */
async function prepareOutDir(dir: string, opts: TrainOptions): Promise<void> {
  await cleanCheckpointDir(dir);
  if (opts.resume) return;
  const found = [
    ...["last", "best"].filter((n) => existsSync(join(dir, `${n}.json`))),
    ...epochCheckpoints(dir).map((c) => c.name),
  ];
  if (found.length === 0) return;
  if (!opts.overwrite) {
    throw new Error(
      `train: ${dir} already holds checkpoints (${found.map((n) => `${n}.json`).join(", ")}); ` +
        "pass --resume to continue that run or --overwrite to start afresh and replace them",
    );
  }
  for (const n of found) await deleteCheckpoint(dir, n);
}

/** A run being trained: what `setUpRun` builds, shared by the functions of the loop. */
interface Run {
  opts: TrainOptions;
  seed: number;
  epochs: number;
  batchSize: number;
  taskOptions: TaskOptions;
  task: TaskData;
  modelMeta: CheckpointModelMeta;
  model: TranslationModel;
  optimizerKind: OptimizerName;
  // biome-ignore lint/suspicious/noExplicitAny: any optimizer's state type
  optimizer: Optimizer<BaseHyper, any>;
  /** The schedule stepped after every optimizer step (noam, cosine); null otherwise. */
  scheduler: LRScheduler | null;
  /** The schedule stepped after every evaluation (plateau); null otherwise. */
  plateau: ReduceLROnPlateau | null;
  warmup: number;
  /** cosine: its length in optimizer steps (T_max) and the lr it ends at. */
  cosine: { tMax: number; minLr: number };
  /** Micro-batches per optimizer step. */
  accumulate: number;
  /** Evaluations in a row without improvement (early stopping). */
  evalsWithoutImprovement: number;
  /** The current epoch's loss so far (saved in a mid-epoch `last`). */
  epochLoss: { sum: number; count: number; tokens: number };
  examples: Example[];
  /** Longest training target (bounds decoding). */
  maxTargetLength: number;
  validPairs: readonly TokenPair[];
  /** Where training starts (a resumed run: where it stopped). */
  start: { epoch: number; batch: number };
  /** Optimizer steps so far, epochs done and the best one: advanced as the run goes, saved in `last`. */
  step: number;
  history: EpochSummary[];
  best: { epoch: number; score: number };
}

/** Saves `last` (with the optimizer state, for --resume), or `best` / `epoch-<n>` (weights only) at a position. */
type Save = (name: string, epoch: number, batchIndex: number) => Promise<void>;

/** The name of the checkpoint kept after epoch `n` (`keepLastEpochs`). */
export const epochCheckpointName = (n: number): string => `epoch-${n}`;

/** `epoch-<n>` checkpoints in a folder, oldest first. */
export function epochCheckpoints(dir: string): { name: string; epoch: number }[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files
    .map((f) => /^epoch-([1-9]\d*)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: `epoch-${m[1]}`, epoch: Number(m[1]) }))
    .sort((a, b) => a.epoch - b.epoch);
}

async function trainLocked(opts: TrainOptions, lock: DirLock | null): Promise<TrainResult> {
  const run = setUpRun(opts);
  if (opts.resume) await resumeRun(run);
  const save = saver(run, lock);
  let stopRequested = false;
  const onSigint = () => {
    stopRequested = true;
  };
  // SIGTERM (kill, a container stopping, a job scheduler) stops like Ctrl-C: saves `last`, then ends.
  process.once("SIGINT", onSigint);
  process.once("SIGTERM", onSigint);
  const result = (interrupted: boolean, stoppedEarly = false): TrainResult => ({
    model: run.model,
    task: run.task,
    history: run.history,
    best: run.best,
    interrupted,
    stoppedEarly,
    steps: run.step,
  });
  try {
    if (earlyStopped(run)) return result(false, true); // a resumed run that had already stopped
    for (let epoch = run.start.epoch; epoch < run.epochs; epoch++) {
      const totals = await trainEpoch(run, epoch, () => stopRequested, save);
      if (!totals) return result(stopRequested);
      await endEpoch(run, epoch, totals, save);
      if (epoch + 1 < run.epochs && earlyStopped(run)) return result(false, true);
    }
  } finally {
    process.removeListener("SIGINT", onSigint);
    process.removeListener("SIGTERM", onSigint);
  }
  return result(false);
}

/** True (and says so, unless quiet) when `earlyStop` evaluations in a row brought no improvement. */
function earlyStopped(run: Run): boolean {
  const n = run.opts.earlyStop;
  if (n === undefined || run.evalsWithoutImprovement < n) return false;
  if (!run.opts.quiet) {
    const metric = taskSpec(run.opts.task).metric;
    process.stderr.write(
      `early stop: validation ${metric} has not improved for ${run.evalsWithoutImprovement} evaluation(s) ` +
        `(--early-stop ${n}); best ${run.best.score.toFixed(4)} at epoch ${run.best.epoch}\n`,
    );
  }
  return true;
}

/** The optimizer `opts` asks for over `model`'s parameters (defaults: adam; lr 1e-3, sgd 0.1, noam factor 1). */
function makeOptimizer(opts: TrainOptions, model: TranslationModel): Run["optimizer"] {
  const kind = opts.optimizer ?? "adam";
  const lr = opts.lr ?? (opts.schedule === "noam" ? 1 : kind === "sgd" ? 0.1 : 1e-3);
  const hyper = { lr, ...(opts.weightDecay !== undefined ? { weightDecay: opts.weightDecay } : {}) };
  if (kind === "sgd") return new SGD(model.parameters(), { ...hyper, momentum: opts.momentum ?? 0 });
  return kind === "adamw" ? new AdamW(model.parameters(), hyper) : new Adam(model.parameters(), hyper);
}

/** Seeds the generator, loads the task and builds the model, optimizer and schedule (in that order). */
function setUpRun(opts: TrainOptions): Run {
  const seed = opts.seed ?? 1;
  const taskOptions = { seed, ...opts.taskOptions };
  manualSeed(seed);
  const task = loadTask(opts.task, taskOptions);
  if (task.valid.length === 0) {
    throw new Error(`train: task "${opts.task}" has no validation pairs (too little data?)`);
  }
  if (opts.arch !== undefined && opts.arch !== "seq2seq" && opts.arch !== "transformer") {
    throw new Error(
      `train: arch (--arch) must be "seq2seq" or "transformer", got ${JSON.stringify(opts.arch)}`,
    );
  }
  const modelMeta = modelMetaOf(opts, task);
  const model: TranslationModel = buildModel(modelMeta);
  const optimizer = makeOptimizer(opts, model);
  const warmup = opts.warmup ?? 4000;
  const examples = task.train.map(
    (p): Example => ({ src: task.srcVocab.encode(p.src), tgt: task.tgtVocab.encode(p.tgt) }),
  );
  const epochs = opts.epochs ?? 10;
  const batchSize = opts.batchSize ?? 64;
  const accumulate = opts.accumulate ?? 1;
  // makeBatches cuts ⌈n / B⌉ batches; each optimizer step takes `accumulate` of them (the last fewer).
  const stepsPerEpoch = Math.ceil(Math.ceil(examples.length / batchSize) / accumulate);
  const cosine = { tMax: Math.max(1, epochs * stepsPerEpoch), minLr: opts.minLr ?? 0 };
  let scheduler: LRScheduler | null = null;
  if (opts.schedule === "noam") {
    scheduler = new NoamLR(optimizer, {
      warmupSteps: warmup,
      dModel: modelKind(modelMeta.kind).scheduleWidth(modelMeta.config as never),
    });
  } else if (opts.schedule === "cosine") {
    scheduler = new CosineAnnealingLR(optimizer, { tMax: cosine.tMax, etaMin: cosine.minLr });
  }
  const plateau = opts.schedule === "plateau" ? makePlateau(run0Plateau(opts), optimizer) : null;
  return {
    opts,
    seed,
    epochs,
    batchSize,
    taskOptions,
    task,
    modelMeta,
    model,
    optimizerKind: opts.optimizer ?? "adam",
    optimizer,
    scheduler,
    plateau,
    warmup,
    cosine,
    accumulate,
    evalsWithoutImprovement: 0,
    epochLoss: { sum: 0, count: 0, tokens: 0 },
    examples,
    // Bounds decoding (2·it + 10 steps); stored capped, as a checkpoint holding more is refused.
    maxTargetLength: Math.min(
      MAX_TARGET_LENGTH,
      examples.reduce((m, e) => Math.max(m, e.tgt.length), 0),
    ),
    validPairs: opts.validLimit ? task.valid.slice(0, opts.validLimit) : task.valid,
    start: { epoch: 0, batch: 0 },
    step: 0,
    history: [],
    best: { epoch: -1, score: Number.NEGATIVE_INFINITY },
  };
}

/** Plateau's options: the run's, each defaulting as `torch.optim.lr_scheduler.ReduceLROnPlateau`'s. */
type PlateauOptions = { factor: number; patience: number; minLr: number };

function run0Plateau(opts: TrainOptions): PlateauOptions {
  return { factor: opts.factor ?? 0.1, patience: opts.patience ?? 10, minLr: opts.minLr ?? 0 };
}

/** ReduceLROnPlateau on the task's validation metric (higher is better). */
function makePlateau(p: PlateauOptions, optimizer: Run["optimizer"]): ReduceLROnPlateau {
  return new ReduceLROnPlateau(optimizer, { mode: "max", ...p });
}

/** Continues from `<outDir>/last.json`: weights, optimizer moments, schedule, position and RNG. */
async function resumeRun(run: Run): Promise<void> {
  const { opts } = run;
  if (
    opts.outDir &&
    !existsSync(join(opts.outDir, "last.json")) &&
    existsSync(join(opts.outDir, "best.json"))
  ) {
    // Killed between the first `best` and the first `last` (DESIGN.md, "How a checkpoint save is
    // atomic"): no position was saved yet, so the run starts from the beginning — the same seed replays
    // the first epoch exactly and saves `best` again. `best` must be this run's (task, model, vocabulary).
    const file = join(opts.outDir, "best.json");
    checkResumable(run, await loadCheckpoint<CheckpointMeta>(opts.outDir, "best"), file, false);
    if (!opts.quiet) {
      process.stderr.write(
        `resume: ${opts.outDir} holds best.json but no last.json yet (stopped before the first last save): starting from the beginning\n`,
      );
    }
    return;
  }
  if (!opts.outDir || !existsSync(join(opts.outDir, "last.json"))) {
    throw new Error(
      `train: --resume needs a checkpoint at ${opts.outDir ? join(opts.outDir, "last.json") : "(no --out)"}`,
    );
  }
  const ck = await loadCheckpoint<CheckpointMeta>(opts.outDir, "last");
  const m = ck.meta;
  const file = join(opts.outDir, "last.json");
  checkResumable(run, ck, file);
  loadWeights(run.model, ck.model, file);
  run.optimizer.loadStateDict(unpackOptimizer(ck.optimizer ?? {}, m.optimizer));
  // A learning rate given on resume replaces the checkpoint's (and is what last.json records).
  const sc = m.scheduler;
  if (sc?.kind === "cosine") {
    // Its length and floor are the run's (a resumed run with other --epochs keeps the first run's curve).
    run.cosine = { tMax: sc.tMax, minLr: sc.minLr };
    run.scheduler = new CosineAnnealingLR(run.optimizer, { tMax: sc.tMax, etaMin: sc.minLr });
  }
  if (run.scheduler && sc && sc.kind !== "plateau") {
    // The schedule continues where it stopped; a given --lr replaces its factor (base lr).
    const baseLrs = opts.lr !== undefined ? sc.baseLrs.map(() => opts.lr as number) : sc.baseLrs;
    run.scheduler.loadStateDict({ lastEpoch: sc.lastEpoch, baseLrs });
  } else if (opts.lr !== undefined && run.optimizer.lrs.some((lr) => lr !== opts.lr)) {
    if (!opts.quiet)
      process.stderr.write(`resume: learning rate ${run.optimizer.lrs[0]} → ${opts.lr} (--lr)\n`);
    run.optimizer.setLr(opts.lr);
  }
  if (sc?.kind === "plateau") {
    // Counters from the checkpoint; factor, patience and min lr too unless given again.
    const { factor, patience, minLr } = sc;
    run.plateau = makePlateau(
      { factor: opts.factor ?? factor, patience: opts.patience ?? patience, minLr: opts.minLr ?? minLr },
      run.optimizer,
    );
    run.plateau.loadStateDict({
      best: sc.best ?? Number.NEGATIVE_INFINITY,
      numBadEpochs: sc.numBadEpochs,
      cooldownCounter: sc.cooldownCounter,
      lastEpoch: sc.lastEpoch,
    });
  }
  run.evalsWithoutImprovement = m.evalsWithoutImprovement ?? 0;
  const el = m.epochLoss;
  if (el !== undefined) {
    if (![el?.sum, el?.count, el?.tokens].every((x) => typeof x === "number" && Number.isFinite(x))) {
      throw new Error(
        `checkpoint ${file}: meta.epochLoss must be { sum, count, tokens } numbers, got ${JSON.stringify(el)}`,
      );
    }
    run.epochLoss = { sum: el.sum, count: el.count, tokens: el.tokens };
  }
  run.start = { epoch: m.epoch, batch: m.batchIndex };
  run.step = m.step;
  run.history = m.history;
  // JSON has no -Infinity: "no best yet" is stored as null.
  run.best = { epoch: m.best.epoch, score: m.best.score ?? Number.NEGATIVE_INFINITY };
  setRngState(m.rngState);
}

/**
 * Refuses a checkpoint (`last`; `best` with `forResume` false: no training state) of another task, model, schedule or vocabulary than this run's. */
function checkResumable(run: Run, ck: CheckpointData<CheckpointMeta>, file: string, forResume = true): void {
  const { opts, task, modelMeta } = run;
  const m = ck.meta;
  validateCheckpointMetaHere(m, file, { forResume });
  for (const k of ["optimizerKind", "accumulate", "evalsWithoutImprovement"] as const) {
    const v = m[k];
    const ok =
      v === undefined ||
      (k === "optimizerKind"
        ? ["adam", "adamw", "sgd"].includes(v as string)
        : Number.isSafeInteger(v) && (v as number) >= (k === "accumulate" ? 1 : 0));
    if (!ok) throw new Error(`checkpoint ${file}: meta.${k} is not valid, got ${JSON.stringify(v)}`);
  }
  if (m.task !== opts.task) throw new Error(`train: checkpoint is for task "${m.task}", not "${opts.task}"`);
  if ((m.kind ?? "seq2seq") !== modelMeta.kind) {
    throw new Error(
      `train: --resume: the checkpoint holds a ${m.kind ?? "seq2seq"} model, not a ${modelMeta.kind} (--arch ${m.kind ?? "seq2seq"})`,
    );
  }
  if ((m.scheduler?.kind ?? "constant") !== (opts.schedule ?? "constant")) {
    throw new Error(
      `train: --resume: the run being resumed used --schedule ${m.scheduler?.kind ?? "constant"}, not ${opts.schedule ?? "constant"}`,
    );
  }
  if ((m.optimizerKind ?? "adam") !== run.optimizerKind) {
    throw new Error(
      `train: --resume: the run being resumed used --optimizer ${m.optimizerKind ?? "adam"}, not ${run.optimizerKind} (its state would not fit)`,
    );
  }
  if ((m.accumulate ?? 1) !== run.accumulate) {
    throw new Error(
      `train: --resume: the run being resumed used --accumulate ${m.accumulate ?? 1}, not ${run.accumulate} (give the same for an exact resume)`,
    );
  }
  const sameTokenizers = (["srcTokenizer", "tgtTokenizer"] as const).every(
    (k) => !m[k] || JSON.stringify(m[k]) === JSON.stringify(task[k].toJSON()),
  );
  if (!sameTokenizers || JSON.stringify(m.tgtVocab) !== JSON.stringify(task.tgtVocab.toJSON().tokens)) {
    throw new Error("train: checkpoint vocabulary differs from the task's (different data or options)");
  }
  try {
    checkWeights(modelMeta, ck.model, file); // before --resume builds on them
  } catch (e) {
    throw new Error(
      `train: --resume: ${(e as Error).message}; give the same model options (--arch, --attention, --embed, --hidden, --layers, --d-model, --heads, --ff) as the run being resumed`,
    );
  }
}

/** `last` carries the optimizer state for --resume; `best` is weights only (for inference and shipping). */
function saver(run: Run, lock: DirLock | null): Save {
  const { opts, task } = run;
  return async (name, epoch, batchIndex) => {
    if (!opts.outDir) return;
    lock?.check();
    const { tensors, json } = packOptimizer(run.optimizer.stateDict());
    const { onEpoch: _o, quiet: _q, ...trainOptions } = opts;
    const meta: CheckpointMeta = {
      ...run.modelMeta,
      task: opts.task,
      scheduler: schedulerMeta(run),
      taskOptions: run.taskOptions,
      srcVocab: task.srcVocab.toJSON().tokens,
      tgtVocab: task.tgtVocab.toJSON().tokens,
      srcTokenizer: task.srcTokenizer.toJSON(),
      tgtTokenizer: task.tgtTokenizer.toJSON(),
      maxTargetLength: run.maxTargetLength,
      vocabSha256: "",
      epoch,
      batchIndex,
      step: run.step,
      rngState: getRngState(),
      optimizer: json,
      history: run.history,
      best: run.best,
      ...(run.optimizerKind !== "adam" ? { optimizerKind: run.optimizerKind } : {}),
      ...(run.accumulate !== 1 ? { accumulate: run.accumulate } : {}),
      ...(opts.earlyStop !== undefined ? { evalsWithoutImprovement: run.evalsWithoutImprovement } : {}),
      ...(batchIndex > 0 ? { epochLoss: { ...run.epochLoss } } : {}),
      trainOptions,
    };
    meta.vocabSha256 = vocabSha256(meta);
    await saveCheckpoint(opts.outDir, name, {
      model: run.model.stateDict(),
      optimizer: name === "last" ? tensors : undefined,
      meta: name === "last" ? meta : { ...meta, optimizer: { paramGroups: [], scalars: {} } },
    });
  };
}

/** The schedule's state for `last` (absent: constant lr, as before schedules existed). */
function schedulerMeta(run: Run): SchedulerMeta | undefined {
  const kind = run.opts.schedule ?? "constant";
  if (kind === "plateau" && run.plateau) {
    const { best, numBadEpochs, cooldownCounter, lastEpoch } = run.plateau.stateDict();
    const { factor, patience, minLr } = run.plateau.options;
    // JSON has no -Infinity: "no evaluation yet" is null.
    const b = Number.isFinite(best) ? best : null;
    return { kind, factor, patience, minLr, best: b, numBadEpochs, cooldownCounter, lastEpoch };
  }
  const sd = run.scheduler?.stateDict();
  if (!sd) return undefined;
  if (kind === "cosine") return { kind, ...run.cosine, lastEpoch: sd.lastEpoch, baseLrs: sd.baseLrs };
  return { kind: "noam", warmup: run.warmup, lastEpoch: sd.lastEpoch, baseLrs: sd.baseLrs };
}

/** What one epoch's steps add up to. */
interface EpochTotals {
  lossSum: number;
  lossCount: number;
  tokens: number;
  seconds: number;
}

/**
 * The steps of one epoch (from the resumed batch in the first). Returns null when it stopped early
 * (Ctrl-C or `maxSteps`), after saving `last` at the next batch.
 */
async function trainEpoch(
  run: Run,
  epoch: number,
  stop: () => boolean,
  save: Save,
): Promise<EpochTotals | null> {
  const { opts, model, optimizer, scheduler } = run;
  const batches = makeBatches(run.examples, {
    batchSize: run.batchSize,
    shuffle: true,
    sortByLength: true,
    seed: run.seed * 1000 + epoch,
  });
  const progress = createProgress(`epoch ${epoch + 1}/${run.epochs}`, batches.length, { quiet: opts.quiet });
  const t0 = Date.now();
  const resumed = epoch === run.start.epoch && run.start.batch > 0 ? run.epochLoss : null;
  const totals: EpochTotals = {
    lossSum: resumed?.sum ?? 0,
    lossCount: resumed?.count ?? 0,
    tokens: resumed?.tokens ?? 0,
    seconds: 0,
  };
  const stepOptions = { labelSmoothing: opts.labelSmoothing ?? 0, clip: opts.clip ?? 1, scheduler };
  model.train();
  // Each optimizer step takes `accumulate` consecutive batches (the epoch's last step what is left);
  // saves happen between steps only, so a resumed position always starts a group.
  for (let bi = epoch === run.start.epoch ? run.start.batch : 0; bi < batches.length; ) {
    const group = batches.slice(bi, bi + run.accumulate);
    const lv = trainStepAccumulated(model, optimizer, group, stepOptions);
    bi += group.length;
    run.step++;
    if (!Number.isFinite(lv)) throw new Error(`train: loss became ${lv} at step ${run.step} (lower --lr?)`);
    totals.lossSum += lv;
    totals.lossCount++;
    for (const b of group) totals.tokens += b.tgtLengths.reduce((p, x) => p + x, 0);
    run.epochLoss = { sum: totals.lossSum, count: totals.lossCount, tokens: totals.tokens };
    const secs = (Date.now() - t0) / 1000;
    progress.update(bi, {
      loss: totals.lossSum / totals.lossCount,
      tokensPerSec: totals.tokens / Math.max(secs, 1e-3),
    });
    // Let the event loop run (a Ctrl-C handler, progress output) between steps.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (stop() || (opts.maxSteps !== undefined && run.step >= opts.maxSteps)) {
      progress.stop();
      await save("last", epoch, bi);
      return null;
    }
  }
  progress.stop();
  totals.seconds = (Date.now() - t0) / 1000;
  return totals;
}

/** Validates after an epoch, records it, saves `best` (when it improved) then `last`, and reports. */
async function endEpoch(run: Run, epoch: number, totals: EpochTotals, save: Save): Promise<void> {
  const { opts, task } = run;
  const { seconds } = totals;
  const v: EvalResult = evaluatePairs(run.model, run.validPairs, task.srcVocab, task.tgtVocab, {
    words: (t) => task.tgtTokenizer.words(t),
    maxTargetLength: run.maxTargetLength,
  });
  const summary: EpochSummary = {
    epoch: epoch + 1,
    step: run.step,
    trainLoss: totals.lossSum / Math.max(totals.lossCount, 1),
    seconds,
    tokensPerSec: totals.tokens / Math.max(seconds, 1e-3),
    valid: { exactMatch: v.exactMatch, tokenAccuracy: v.tokenAccuracy, bleu: v.bleu },
    lr: 0,
  };
  const score = scoreOf(opts.task, summary.valid);
  const improved = score > run.best.score;
  if (improved) run.best = { epoch: epoch + 1, score };
  run.evalsWithoutImprovement = improved ? 0 : run.evalsWithoutImprovement + 1;
  run.plateau?.step(score); // the lr for the next epoch (saved below with the optimizer's state)
  summary.lr = run.optimizer.lrs[0];
  run.history = [...run.history, summary];
  // best before last: a kill between the two leaves last at the previous position, so --resume
  // replays this epoch and saves best again; the other order could leave last recording a best
  // that was never written.
  if (improved) await save("best", epoch + 1, 0);
  const keep = opts.keepLastEpochs;
  if (keep !== undefined && opts.outDir) {
    await save(epochCheckpointName(epoch + 1), epoch + 1, 0);
    for (const c of epochCheckpoints(opts.outDir)) {
      if (c.epoch <= epoch + 1 - keep) await deleteCheckpoint(opts.outDir, c.name);
    }
  }
  await save("last", epoch + 1, 0);
  opts.onEpoch?.(summary);
  if (!opts.quiet) {
    process.stderr.write(
      `epoch ${epoch + 1}: loss ${summary.trainLoss.toFixed(4)} | valid exact ${(100 * v.exactMatch).toFixed(2)}% ` +
        `token acc ${(100 * v.tokenAccuracy).toFixed(2)}% BLEU ${v.bleu.toFixed(2)} | ${seconds.toFixed(1)}s${improved ? " (best)" : ""}\n`,
    );
  }
}
