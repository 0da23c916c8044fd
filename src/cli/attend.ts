/**
 * `qkv attend`: a model's attention for one sentence — a terminal heatmap with the weights, SVG / PNG /
 * HTML files, or JSON with every decoder layer's and head's weights (a Transformer's).
 * This file declares the command (options, help, number parsers) and imports nothing heavy; the action
 * (attend-action.ts) loads when the command runs.
 */
import type { Command } from "commander";
import { lazyAction } from "./action.js";
import {
  backendOption,
  checkpointOption,
  colorOption,
  jsonOption,
  modelOption,
  piecesOption,
} from "./options.js";

/** Declares `qkv attend` on `cmd`. */
export function withAttendCommand(cmd: Command): Command {
  return cmd
    .description("show a model's attention for one sentence: terminal heatmap, and optionally SVG/PNG files")
    .addOption(modelOption())
    .addOption(checkpointOption())
    .option("--svg <file>", "write the map as SVG")
    .option("--png <file>", "write the map as PNG")
    .option("--html <file>", "write a self-contained HTML page with the map (hover shows each weight)")
    .addOption(piecesOption("label the maps with the model's subword pieces instead of words"))
    .addOption(colorOption())
    .addOption(backendOption())
    .addOption(
      jsonOption(
        "print the tokens, translation and attention weights (rows: output steps) as JSON, and the same as words (sourceWords, targetWords, wordWeights); a transformer's: every decoder layer's cross-attention per head too",
      ),
    )
    .argument("<sentence>")
    .action(lazyAction("attend", async () => (await import("./attend-action.js")).runAttend));
}
