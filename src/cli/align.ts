/**
 * `qkv align`: word alignment of given sentence pairs, printed in Pharaoh format (one line per pair,
 * `i-j` links, 0-based, i the source word and j the target word, words = the whitespace-separated
 * words of the input lines) — like fairseq's `--print-alignment` and OpenNMT's `-report_align`.
 *
 *   qkv align --model DIR --src FILE --tgt FILE         forced alignment from the model's attention
 *   qkv align --model DIR --tsv FILE --gold FILE        … and AER / precision / recall on stderr
 *   qkv align --method ibm1 --src FILE --tgt FILE       classical aligners (IBM 1, IBM 2, fast_align)
 *
 * `--method attention` (default) runs the model with teacher forcing on the given target
 * (src/align/forced.ts) and links each target word to its highest-attention source word; with
 * `--symmetrize intersect|grow-diag|…` it also links each source word to its highest-weight target word
 * and combines the two directions. A Transformer is read at `--layer N|mean` and `--head N|mean`;
 * without them (and without `--posterior`), at the reading documented in the model folder's
 * `alignment.json` (`{"reading": {"layer": 1, "head": 2, "symmetrize": "intersect"}, "note": "…"}`) when
 * there is one, else the last decoder layer's mean over heads, rows only. `--symmetrize` alone keeps the
 * documented matrix and changes how links are read. `--all-readings` (with `--gold`) scores every
 * reading × `READING_SYMMETRIZATIONS`.
 *
 * The classical methods train on the pairs being aligned plus `--train-tsv FILE` and/or `--train-task
 * NAME` (the raw text of a qkv task's training part) and symmetrise both directions (`--symmetrize`).
 *
 * `--gold FILE`: one line per pair, `i-j` sure and `i?j` possible links (i source word, j target word).
 *
 * This file declares the command and imports nothing heavy; the action (align-action.ts) loads when
 * the command runs.
 */
import { type Command, Option } from "commander";
import { SYMMETRIZATIONS } from "../align/symmetrize.js";
import { TASK_NAMES } from "../train/tasks.js";
import { lazyAction } from "./action.js";
import {
  backendOption,
  checkpointOption,
  dataOption,
  indexOrMean,
  int,
  jsonOption,
  modelOption,
} from "./options.js";

export const ALIGN_METHODS = ["attention", "ibm1", "ibm2", "fast"] as const;
export type AlignMethod = (typeof ALIGN_METHODS)[number];

/** Declares `qkv align` on `cmd`. */
export function withAlignCommand(cmd: Command): Command {
  return cmd
    .description(
      "word-align sentence pairs (Pharaoh i-j lines): a model's attention under teacher forcing, or IBM 1/2 / fast_align",
    )
    .addOption(modelOption("checkpoint folder (--method attention)", true))
    .addOption(checkpointOption())
    .option("--src <file>", "source sentences, one per line")
    .option("--tgt <file>", "target sentences, line i translating --src line i")
    .option("--tsv <file>", "pairs as source<TAB>target lines (instead of --src/--tgt)")
    .addOption(new Option("--method <kind>", "how to align").choices([...ALIGN_METHODS]).default("attention"))
    .option(
      "--layer <n>",
      'Transformer: decoder layer to read (0-based), "mean", or "alignment" (a latent-alignment model\'s alignment layer)',
      indexOrMean("--layer"),
    )
    .option("--head <n>", 'Transformer: head to read (0-based) or "mean"', indexOrMean("--head"))
    .option(
      "--all-readings",
      "with --gold: also score every reading (Transformer: layer × head, each layer's mean, the mean of all; latent-alignment models: also attention and posterior)",
    )
    .option("--posterior", "latent-alignment seq2seq models: read the alignment posterior p(j | y_t)")
    .option("--no-posterior", "latent-alignment seq2seq models: read the attention a_tj itself")
    .option(
      "--gold <file>",
      "gold links, one line per pair (i-j sure, i?j possible): print AER, precision, recall",
    )
    .option("--output <file>", "write the links (or the JSON) to this file instead of stdout")
    .option("--train-tsv <file>", "ibm1/ibm2/fast: further training pairs (source<TAB>target)")
    .addOption(
      new Option("--train-task <name>", "ibm1/ibm2/fast: also train on this task's training part").choices([
        ...TASK_NAMES,
      ]),
    )
    .addOption(dataOption("data folder for --train-task (default $QKV_DATA_DIR or ../shared/data)"))
    .addOption(
      new Option(
        "--symmetrize <how>",
        "combine both directions: ibm1/ibm2/fast (default grow-diag-final-and); attention: each target word's and each source word's argmax (default: alignment.json's, else none)",
      ).choices([...SYMMETRIZATIONS]),
    )
    .option("--iterations <n>", "ibm1/ibm2/fast: EM iterations", int("--iterations", 1))
    .option("--batch-size <n>", "pairs per teacher-forced batch", int("--batch-size", 1), 32)
    .addOption(backendOption())
    .addOption(
      jsonOption("print per pair the words, tokens, word-level weights and links, and the scores, as JSON"),
    )
    .action(lazyAction("align", async () => (await import("./align-action.js")).runAlign));
}
