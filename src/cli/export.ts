/**
 * `qkv export`: a checkpoint as ONNX graphs and a JSON manifest (docs/ONNX.md); protobufjs and the
 * exporter load only when it runs.
 * This file declares the command (options, help, number parsers) and imports nothing heavy; the action
 * (export-action.ts) loads when the command runs.
 */
import type { Command } from "commander";
import { lazyAction } from "./action.js";
import { checkpointOption, jsonOption, modelOption } from "./options.js";

/** Declares `qkv export` on `cmd`. */
export function withExportCommand(cmd: Command): Command {
  return cmd
    .description(
      "export a model to ONNX: FILE is the encoder, FILE.step.onnx one decoder step (a Transformer's with its KV cache; FILE.decoder.onnx its decoder over a target prefix), FILE.json vocabularies, tokenizers and ids",
    )
    .addOption(modelOption())
    .requiredOption("--onnx <file>", "the encoder's .onnx file; the decoder graph and the JSON go beside it")
    .addOption(checkpointOption())
    .addOption(
      jsonOption(
        "print what was written as JSON: the manifest's format, each graph's file and size, the manifest",
      ),
    )
    .action(lazyAction("export", async () => (await import("./export-action.js")).runExport));
}
