/**
 * `qkv average`: checkpoint averaging (OpenNMT-py average_models, fairseq average_checkpoints) — the
 * mean of the weights of several checkpoints of one architecture and vocabulary, written as a model
 * folder that `translate`, `eval` and `attend` load. This file declares the command; the action
 * (average-action.ts) loads when it runs.
 */
import { type Command, Option } from "commander";
import { lazyAction } from "./action.js";
import { int, jsonOption } from "./options.js";

/** Declares `qkv average` on `cmd`. */
export function withAverageCommand(cmd: Command): Command {
  return cmd
    .description(
      "average the weights of checkpoints of one model (several --models folders, or the --last N epochs of one run) into a new model folder",
    )
    .addOption(
      new Option(
        "--models <dirs...>",
        "checkpoint folders to average (one, with --last)",
      ).makeOptionMandatory(),
    )
    .option("--checkpoint <name>", "which checkpoint of each folder (best, last, epoch-<n>)", "best")
    .option(
      "--last <n>",
      "average the newest n epoch-<k> checkpoints of the one --models folder (train with --keep-last-epochs n)",
      int("--last", 2),
    )
    .requiredOption("--out <dir>", "folder for the averaged model (written as best.json)")
    .option("--overwrite", "replace a best checkpoint already in --out")
    .addOption(jsonOption())
    .action(lazyAction("average", async () => (await import("./average-action.js")).runAverage));
}
