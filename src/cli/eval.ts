/**
 * `qkv eval`: evaluates a checkpoint on its task's valid or test part (or a tatoeba-hin-std model on
 * FLORES-200 / TICO-19), or scores any system's output against references (`--hyp FILE --ref FILE…`:
 * src/cli/score-files.ts).
 * This file declares the command (options, help, number parsers) and imports nothing heavy; the action
 * (eval-action.ts) loads when the command runs.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { lazyAction } from "./action.js";
import {
  backendOption,
  beamOption,
  checkpointOption,
  dataOption,
  int,
  jsonOption,
  modelOption,
  threadsOption,
} from "./options.js";
import { withDecodingControls } from "./translate-options.js";

/** Declares `qkv eval` on `cmd`. */
export function withEvalCommand(cmd: Command): Command {
  // --hyp/--ref: below (src/cli/score-files.ts scores); --sample, penalties: translate-options.ts
  return withDecodingControls(withScoreOptions(cmd))
    .description(
      "evaluate a checkpoint on its task's valid or test part, or score --hyp FILE against --ref FILE…",
    )
    .addOption(modelOption("checkpoint folder", true))
    .addOption(checkpointOption())
    .addOption(
      new Option("--split <part>", "which part (flores, tico: extra test sets of tatoeba-hin-std)")
        .choices(["valid", "test", "flores", "tico"])
        .default("test"),
    )
    .addOption(threadsOption())
    .addOption(beamOption())
    .addOption(dataOption())
    .option("--limit <n>", "evaluate at most n pairs", int("--limit", 1))
    .option("--plot <file.svg>", "write exact match and token accuracy by target length as an SVG chart")
    .addOption(backendOption())
    .addOption(jsonOption("print JSON"))
    .action(lazyAction("eval", async () => (await import("./eval-action.js")).runEval));
}

const METRICS = ["bleu", "chrf", "ter"] as const;

/** Adds --hyp/--ref and the scoring options to `qkv eval`. */
function withScoreOptions(cmd: Command): Command {
  return cmd
    .option("--hyp <file>", "score this system output (one segment a line) instead of a model")
    .option(
      "--ref <files...>",
      "reference file(s) for --hyp, line-aligned with it (several = multi-reference)",
    )
    .option(
      "--metrics <list>",
      "with --hyp: metrics, comma-separated (bleu, chrf, ter; default bleu,chrf)",
      (v: string) => {
        const list = v.split(",").map((s) => s.trim().toLowerCase());
        for (const m of list) {
          if (!(METRICS as readonly string[]).includes(m))
            throw new InvalidArgumentError(`--metrics: unknown metric "${m}" (bleu, chrf, ter)`);
        }
        return list;
      },
      ["bleu", "chrf"],
    )
    .addOption(
      new Option("--tokenize <tok>", "with --hyp: BLEU tokenizer")
        .choices(["13a", "intl", "char", "none"])
        .default("13a"),
    )
    .option("--lowercase", "with --hyp: case-insensitive scores")
    .option(
      "--chrf-word-order <n>",
      "with --hyp: chrF word n-gram order (2 = chrF++)",
      int("--chrf-word-order", 0, 6),
      0,
    )
    .option("--ter-case-sensitive", "with --hyp: TER keeps case (default lowercased, as TERCOM)")
    .option("--ter-normalized", "with --hyp: TER applies TERCOM's normalisation and punctuation tokenization")
    .option("--ter-no-punct", "with --hyp: TER removes punctuation")
    .option(
      "--ter-asian-support",
      "with --hyp: TER splits CJK characters (with --ter-normalized) / removes CJK punctuation",
    )
    .option("--width <n>", "with --hyp: decimals printed (default 1)", int("--width", 0, 16), 1);
}
