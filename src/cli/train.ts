/**
 * `qkv train`: trains an LSTM encoder–decoder (`--arch seq2seq`, with or without attention) or a
 * Transformer (`--arch transformer`) on a task or your own files, into a checkpoint folder.
 */
import type { Command, OptionValues } from "commander";
import { Option } from "commander";
import {
  ATTENTION_KINDS,
  ATTENTION_VALUES,
  type AttentionKind,
  type AttentionValues,
  CROSS_ATTENTION_VALUES,
  type CrossAttentionValues,
  DEFAULT_ATTENTION,
  getBackend,
  setNumThreads,
} from "../index.js";
import { TASK_NAMES, type TrainOptions, train } from "../node.js";
import { action, chooseBackend, printJson } from "./common.js";
import { backendOption, dataOption, int, jsonOption, num, threadsOption } from "./options.js";
import { ownDataTask, withOwnDataOptions } from "./own-data.js";

/** Declares `qkv train` on `cmd`. */
export function withTrainCommand(cmd: Command): Command {
  const c = withOwnDataOptions(cmd) // --src/--tgt/--tsv/--valid-*: src/cli/own-data.ts
    .description(
      "train a model — an LSTM encoder–decoder with or without attention, or a Transformer (--arch) — on a task or your own files",
    );
  return withRunOptions(withDataOptions(withModelOptions(c))).action(action("train", runTrain));
}

/** The task, the attention and the optimisation. */
function withModelOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--task <name>", "data set / task (files: your own, see --src)").choices([...TASK_NAMES]),
    )
    .addOption(
      new Option("--attention <kind>", "attention").choices([...ATTENTION_KINDS]).default(DEFAULT_ATTENTION),
    )
    .addOption(
      new Option(
        "--attention-values <kind>",
        "seq2seq: what attention sums: the encoder states, or the projected source embeddings (keys stay the encoder's)",
      )
        .choices([...ATTENTION_VALUES])
        .default("encoder"),
    )
    .option(
      "--latent-alignment",
      "attention as a latent alignment — each source position predicts the word, the attention mixes the predictions (transformer: one more attention layer on top)",
    )
    .option(
      "--no-bridge",
      "seq2seq: the decoder starts from zeros (the source reaches it only through attention)",
    )
    .option("--epochs <n>", "epochs", int("--epochs", 1), 10)
    .option("--batch-size <n>", "batch size", int("--batch-size", 1), 64)
    .option(
      "--lr <x>",
      "Adam learning rate (default 0.001; with --resume, the checkpoint's)",
      num("--lr", ">0"),
    )
    .option("--embed <n>", "embedding size", int("--embed", 1), 64)
    .option("--hidden <n>", "encoder hidden size per direction", int("--hidden", 1), 128)
    .option(
      "--layers <n>",
      "encoder layers (seq2seq, default 1); encoder and decoder layers each (transformer, default 2)",
      int("--layers", 1),
    )
    .option("--dropout <p>", "dropout", num("--dropout", "[0,1)"), 0.1)
    .option("--label-smoothing <e>", "label smoothing", num("--label-smoothing", "[0,1)"), 0)
    .option("--clip <x>", "gradient-norm clip (0 = off)", num("--clip", ">=0"), 1)
    .option("--seed <n>", "random seed", int("--seed"), 1)
    .option("--out <dir>", "checkpoint folder (last and best); locked while training")
    .option("--resume", "continue from <out>/last.json exactly")
    .option("--overwrite", "start afresh in an --out that holds checkpoints, replacing them");
}

/** Where the data comes from and how it is cut into tokens. */
function withDataOptions(cmd: Command): Command {
  return cmd
    .addOption(dataOption("data folder (default $QKV_DATA_DIR or ../shared/data)"))
    .option("--limit <n>", "use at most n training pairs", int("--limit", 1))
    .option("--valid-limit <n>", "validate on at most n pairs", int("--valid-limit", 1))
    .option("--max-steps <n>", "stop after n optimizer steps", int("--max-steps", 1))
    .option("--synthetic-size <n>", "reverse/copy: training pairs", int("--synthetic-size", 1))
    .option(
      "--max-length <n>",
      "reverse/copy: longest sequence (shortest: 5, or this if below)",
      int("--max-length", 1),
    )
    .option(
      "--min-freq <n>",
      "keep tokens seen at least n times in training (others become <unk>)",
      int("--min-freq", 1),
    )
    .addOption(
      new Option("--tokenizer <kind>", "word vocabulary or byte-pair encoding (BPE, per side)")
        .choices(["word", "bpe"])
        .default("word"),
    )
    .option(
      "--vocab-size <n>",
      "BPE: ids per side, 4 special + 256 byte tokens included (default 8000)",
      int("--vocab-size"),
    )
    .option(
      "--extra-train <tsv>",
      "further training pairs (source<TAB>target per line, e.g. a dictionary) added to the task's training part",
    );
}

/** The architecture (Transformer options), the schedule, threads, backend and output. */
function withRunOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--arch <kind>", "model: LSTM encoder–decoder or Transformer")
        .choices(["seq2seq", "transformer"])
        .default("seq2seq"),
    )
    .option("--d-model <n>", "transformer: d_model (default 64)", int("--d-model", 1))
    .option("--heads <n>", "transformer: attention heads (default 4)", int("--heads", 1))
    .option("--ff <n>", "transformer: feed-forward size (default 4·d_model)", int("--ff", 1))
    .addOption(
      new Option("--activation <fn>", "transformer: feed-forward activation").choices(["relu", "gelu"]),
    )
    .option("--norm-first", "transformer: pre-norm layers (default post-norm, as the paper)")
    .addOption(
      new Option(
        "--cross-attention-values <kind>",
        "transformer: cross-attention values from the encoder output (memory, default) or the scaled source embeddings (keys stay the memory's)",
      ).choices([...CROSS_ATTENTION_VALUES]),
    )
    .addOption(
      new Option(
        "--schedule <kind>",
        "learning rate: constant, or noam (warmup then 1/√step; --lr is its factor, default 1)",
      )
        .choices(["constant", "noam"])
        .default("constant"),
    )
    .option("--warmup <n>", "noam: warmup steps (default 4000)", int("--warmup", 1))
    .addOption(threadsOption())
    .addOption(backendOption())
    .addOption(jsonOption())
    .option("--quiet", "no progress output");
}

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
        }
      : undefined,
    schedule: o.schedule,
    warmup: o.warmup,
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

/** The `qkv train` action: trains, then prints the summary (or its JSON). */
async function runTrain(o: OptionValues): Promise<void> {
  await chooseBackend(o.backend);
  if (o.threads !== undefined) await setNumThreads(o.threads);
  const transformer = o.arch === "transformer";
  if (o.crossAttentionValues !== undefined && !transformer) {
    throw new Error("--cross-attention-values is for --arch transformer (seq2seq: --attention-values)");
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
    best: r.best,
    history: r.history,
    seconds: (Date.now() - t0) / 1000,
    out: o.out ?? null,
  };
  if (o.json) printJson(result);
  else {
    console.log(
      `${r.interrupted ? "interrupted — last checkpoint saved" : "done"}: ${r.steps} steps, best epoch ${r.best.epoch} (score ${r.best.score.toFixed(4)}), ${result.seconds.toFixed(1)} s on ${result.backend}`,
    );
    if (o.out) console.log(`checkpoints in ${o.out} (best.json, last.json)`);
  }
}
