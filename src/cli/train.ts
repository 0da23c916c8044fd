/**
 * `qkv train`: trains an LSTM encoder–decoder (`--arch seq2seq`, with or without attention) or a
 * Transformer (`--arch transformer`) on a task or your own files, into a checkpoint folder.
 * This file declares the command (options, help, number parsers) and imports nothing heavy; the action
 * (train-action.ts) loads when the command runs.
 */
import { type Command, Option } from "commander";
import { ATTENTION_KINDS, ATTENTION_VALUES, DEFAULT_ATTENTION } from "../models/seq2seq/config.js";
import { CROSS_ATTENTION_VALUES, POSITION_KINDS } from "../models/transformer/config.js";
import { TASK_NAMES } from "../train/tasks.js";
import { OPTIMIZER_NAMES, SCHEDULE_NAMES } from "../train/validate.js";
import { lazyAction } from "./action.js";
import { backendOption, dataOption, int, jsonOption, num, threadsOption } from "./options.js";
import { withOwnDataOptions } from "./own-data.js";

/** Declares `qkv train` on `cmd`. */
export function withTrainCommand(cmd: Command): Command {
  const c = withOwnDataOptions(cmd) // --src/--tgt/--tsv/--valid-*: src/cli/own-data.ts
    .description(
      "train a model — an LSTM encoder–decoder with or without attention, or a Transformer (--arch) — on a task or your own files",
    );
  return withRunOptions(withDataOptions(withModelOptions(c))).action(
    lazyAction("train", async () => (await import("./train-action.js")).runTrain),
  );
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
      "learning rate (default 0.001, sgd 0.1, noam's factor 1; with --resume, the checkpoint's)",
      num("--lr", ">0"),
    )
    .addOption(
      new Option("--optimizer <name>", "optimizer (adamw: decoupled weight decay)").choices([
        ...OPTIMIZER_NAMES,
      ]),
    )
    .option(
      "--weight-decay <x>",
      "weight decay λ (adam, sgd: L2 on the gradient, default 0; adamw: decoupled, default 0.01)",
      num("--weight-decay", ">=0"),
    )
    .option("--momentum <x>", "sgd: momentum μ (default 0)", num("--momentum", "[0,1)"))
    .option(
      "--accumulate <n>",
      "micro-batches per optimizer step (gradient accumulation: n × --batch-size act as one batch)",
      int("--accumulate", 1),
    )
    .option(
      "--early-stop <n>",
      "stop after n evaluations (epochs) in a row without improvement of the validation metric (exact match, or BLEU on text tasks)",
      int("--early-stop", 1),
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
    .option(
      "--keep-last-epochs <n>",
      "also keep the weights after each of the last n epochs (<out>/epoch-<k>.json), for qkv average --last",
      int("--keep-last-epochs", 1),
    )
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
        "--positions <kind>",
        "transformer: positions added to the embeddings (sinusoidal, default; learned) or inside each self-attention (rope, alibi)",
      ).choices([...POSITION_KINDS]),
    )
    .option(
      "--kv-heads <n>",
      "transformer: key/value heads, a divisor of --heads (grouped-query attention; 1 = multi-query; default --heads)",
      int("--kv-heads", 1),
    )
    .option(
      "--window <n>",
      "transformer: sliding-window self-attention (decoder: the last n positions; encoder: |i − j| < n; default none); " +
        "seq2seq local-m / local-p: the window's half-width D, positions p_t − D … p_t + D (default 10)",
      int("--window", 1),
    )
    .addOption(
      new Option(
        "--cross-attention-values <kind>",
        "transformer: cross-attention values from the encoder output (memory, default) or the scaled source embeddings (keys stay the memory's)",
      ).choices([...CROSS_ATTENTION_VALUES]),
    )
    .addOption(
      new Option(
        "--scheduler <kind>",
        "learning rate: constant; noam (warmup then 1/√step; --lr is its factor, default 1); cosine (from --lr to --min-lr over the run's steps); plateau (× --factor after --patience evaluations without improvement)",
      ).choices([...SCHEDULE_NAMES]),
    )
    .addOption(
      new Option("--schedule <kind>", "the former name of --scheduler")
        .choices([...SCHEDULE_NAMES])
        .hideHelp(),
    )
    .option("--warmup <n>", "noam: warmup steps (default 4000)", int("--warmup", 1))
    .option(
      "--min-lr <x>",
      "cosine: the lr it ends at; plateau: the lowest lr (default 0)",
      num("--min-lr", ">=0"),
    )
    .option(
      "--patience <n>",
      "plateau: evaluations without improvement before the lr is reduced (default 10)",
      int("--patience", 0),
    )
    .option("--factor <x>", "plateau: lr multiplier on a plateau (default 0.1)", num("--factor", "(0,1)"))
    .addOption(threadsOption())
    .addOption(backendOption())
    .addOption(jsonOption())
    .option("--quiet", "no progress output");
}
