/**
 * `qkv translate`: translates sentences (arguments, or one a line on stdin) and shows each one's
 * attention map, or a whole file (`--input FILE --output FILE`: src/cli/translate-file.ts).
 * This file declares the command (options, help, number parsers) and imports nothing heavy; the action
 * (translate-action.ts) loads when the command runs.
 */
import { type Command, Option } from "commander";
import { lazyAction } from "./action.js";
import { BUNDLED_MODELS } from "./model-names.js";
import {
  backendOption,
  beamOption,
  checkpointOption,
  colorOption,
  int,
  jsonOption,
  MAX_BEAM,
  modelOption,
  piecesOption,
} from "./options.js";
import { withGenerationOptions } from "./translate-options.js";

/** Declares `qkv translate` on `cmd`. */
export function withTranslateCommand(cmd: Command): Command {
  return withGenerationOptions(withFileTranslateOptions(cmd)) // --input/--output/--n-best/--format: below; --sample …: translate-options.ts
    .description(
      "translate sentences (arguments, one per line on stdin, or --input FILE --output FILE) and show each alignment",
    )
    .addOption(
      modelOption(
        `checkpoint folder, or a bundled model's name: ${Object.entries(BUNDLED_MODELS)
          .map(([name, m]) => `${name} (${m.about})`)
          .join(", ")}`,
      ),
    )
    .addOption(checkpointOption())
    .addOption(beamOption())
    .option("--no-map", "do not print the attention map")
    .addOption(piecesOption("label the map with the model's subword pieces instead of words"))
    .addOption(colorOption())
    .addOption(backendOption())
    .addOption(
      jsonOption("print JSON (token-level alignment, and the words: sourceWords, targetWords, wordWeights)"),
    )
    .argument("[sentences...]")
    .action(lazyAction("translate", async () => (await import("./translate-action.js")).runTranslate));
}

/** Adds --input/--output/--n-best/--format/--quiet to `qkv translate`. */
function withFileTranslateOptions(cmd: Command): Command {
  return cmd
    .option(
      "--input <file>",
      "translate this file, one sentence a line (with --output; - or /dev/stdin: standard input)",
    )
    .option("--output <file>", "write the translations here (line i for input line i)")
    .option(
      "--n-best <k>",
      "with --input: the k best translations of each line, with scores (beam ≥ k)",
      int("--n-best", 1, MAX_BEAM),
      1,
    )
    .addOption(
      new Option("--format <fmt>", "with --input: output format")
        .choices(["text", "tsv", "json"])
        .default("text"),
    )
    .option("--quiet", "no progress bar");
}
