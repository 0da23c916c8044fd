/**
 * `qkv train`: trains an LSTM encoder–decoder (`--arch seq2seq`, with or without attention) or a
 * Transformer (`--arch transformer`) on a task or your own files, into a checkpoint folder.
 * The command and its options are declared in train.ts, which loads this file only when it runs.
 */
import type { OptionValues } from "commander";
import {
  ATTENTION_KIND_SPECS,
  ATTENTION_KINDS,
  type AttentionKind,
  type AttentionValues,
  type CrossAttentionValues,
  getBackend,
  type PositionKind,
  setNumThreads,
} from "../index.js";
import { type TrainOptions, train } from "../node.js";
import { chooseBackend, printJson } from "./common.js";
import { ownDataTask } from "./own-data.js";

/** What `train()` is given for the parsed options `o` and the task `ownDataTask` chose. */
function trainOptions(o: OptionValues, own: ReturnType<typeof ownDataTask>): TrainOptions {
  const transformer = o.arch === "transformer";
  return {
    task: own.task,
    taskOptions: {
      ...own.options,
      dataDir: o.data,
      limit: o.limit,
      syntheticSize: o.syntheticSize,
      maxLength: o.maxLength,
      minFreq: o.minFreq,
      tokenizer: o.tokenizer,
      vocabSize: o.vocabSize,
      extraTrain: o.extraTrain,
    },
    attention: o.attention as AttentionKind,
    model: {
      embedDim: o.embed,
      hiddenSize: o.hidden,
      encoderLayers: o.layers ?? 1,
      dropout: o.dropout,
      attentionValues: o.attentionValues as AttentionValues,
      ...(o.bridge === false ? { bridge: false } : {}),
      ...(o.latentAlignment === true ? { latentAlignment: true } : {}),
      ...(o.window !== undefined && !transformer ? { attentionWindow: o.window } : {}),
    },
    arch: o.arch,
    transformer: transformer
      ? {
          dModel: o.dModel,
          nhead: o.heads,
          numEncoderLayers: o.layers,
          numDecoderLayers: o.layers,
          dimFeedforward: o.ff,
          dropout: o.dropout,
          activation: o.activation,
          normFirst: o.normFirst,
          ...(o.crossAttentionValues
            ? { crossAttentionValues: o.crossAttentionValues as CrossAttentionValues }
            : {}),
          ...(o.latentAlignment === true ? { latentAlignment: true } : {}),
          ...(o.positions !== undefined ? { positions: o.positions as PositionKind } : {}),
          ...(o.kvHeads !== undefined ? { kvHeads: o.kvHeads } : {}),
          ...(o.window !== undefined ? { window: o.window } : {}),
        }
      : undefined,
    schedule: schedule(o),
    warmup: o.warmup,
    optimizer: o.optimizer,
    weightDecay: o.weightDecay,
    momentum: o.momentum,
    minLr: o.minLr,
    patience: o.patience,
    factor: o.factor,
    accumulate: o.accumulate,
    earlyStop: o.earlyStop,
    keepLastEpochs: o.keepLastEpochs,
    epochs: o.epochs,
    batchSize: o.batchSize,
    lr: o.lr,
    clip: o.clip,
    labelSmoothing: o.labelSmoothing,
    seed: o.seed,
    outDir: o.out,
    resume: o.resume,
    overwrite: o.overwrite,
    maxSteps: o.maxSteps,
    validLimit: o.validLimit,
    quiet: o.quiet || o.json,
  };
}

/** `--scheduler`, or its former name `--schedule` (both: they must agree). */
function schedule(o: OptionValues): TrainOptions["schedule"] {
  if (o.scheduler !== undefined && o.schedule !== undefined && o.scheduler !== o.schedule) {
    throw new Error(
      `--scheduler ${o.scheduler} and --schedule ${o.schedule} disagree (--schedule is its former name)`,
    );
  }
  return o.scheduler ?? o.schedule;
}

/** The `qkv train` action: trains, then prints the summary (or its JSON). */
export async function runTrain(o: OptionValues): Promise<void> {
  await chooseBackend(o.backend);
  if (o.threads !== undefined) await setNumThreads(o.threads);
  const transformer = o.arch === "transformer";
  for (const [flag, v] of [
    ["--positions", o.positions],
    ["--kv-heads", o.kvHeads],
  ] as const) {
    if (v !== undefined && !transformer) throw new Error(`${flag} is for --arch transformer`);
  }
  if (o.crossAttentionValues !== undefined && !transformer) {
    throw new Error("--cross-attention-values is for --arch transformer (seq2seq: --attention-values)");
  }
  // --window: the Transformer's sliding window, or the half-width of a seq2seq attention with a window.
  if (
    o.window !== undefined &&
    !transformer &&
    !ATTENTION_KIND_SPECS[o.attention as AttentionKind]?.usesWindow
  ) {
    const local = ATTENTION_KINDS.filter((k) => ATTENTION_KIND_SPECS[k].usesWindow).join(", ");
    throw new Error(
      `--window is for --arch transformer (a sliding window) or a seq2seq --attention with a window (${local}), not ${o.attention}`,
    );
  }
  const t0 = Date.now();
  const own = ownDataTask(o); // the files task and its files, or --task
  o.task = own.task;
  const r = await train(trainOptions(o, own));
  const result = {
    task: o.task,
    arch: o.arch,
    attention: transformer ? null : o.attention,
    backend: getBackend(),
    parameters: r.model.numParameters,
    steps: r.steps,
    interrupted: r.interrupted,
    stoppedEarly: r.stoppedEarly,
    best: r.best,
    history: r.history,
    seconds: (Date.now() - t0) / 1000,
    out: o.out ?? null,
  };
  if (o.json) printJson(result);
  else {
    console.log(
      `${r.interrupted ? "interrupted — last checkpoint saved" : r.stoppedEarly ? "stopped early" : "done"}: ${r.steps} steps, best epoch ${r.best.epoch} (score ${r.best.score.toFixed(4)}), ${result.seconds.toFixed(1)} s on ${result.backend}`,
    );
    if (o.out) console.log(`checkpoints in ${o.out} (best.json, last.json)`);
  }
}
