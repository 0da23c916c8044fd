#!/usr/bin/env node
/**
 * The `qkv` command line: train, translate, eval, attend (print a model's attention for a sentence),
 * align (word alignment), export (ONNX), average (checkpoint averaging) and backends. Each command is
 * declared in its own file (src/cli/<command>.ts), the options several share and the number parsers
 * in src/cli/options.ts; this file only wires them. The declarations import no library code beyond a few constant tables; each
 * command's action (src/cli/<command>-action.ts) is imported when that command runs (src/cli/action.ts),
 * so `qkv translate` starts without loading the training loop, PNG, fonts or ONNX.
 */
import { Command } from "commander";
import { VERSION } from "../version.js";
import { withAlignCommand } from "./align.js";
import { withAttendCommand } from "./attend.js";
import { withAverageCommand } from "./average.js";
import { withBackendsCommand } from "./backends.js";
import { withEvalCommand } from "./eval.js";
import { withExportCommand } from "./export.js";
import { escapeControl } from "./terminal-text.js";
import { withTrainCommand } from "./train.js";
import { withTranslateCommand } from "./translate.js";

const program = new Command();
program
  .name("qkv")
  .description("Attention from first principles: train, translate, evaluate and look at attention.")
  .version(VERSION)
  .showHelpAfterError()
  // Commander echoes bad arguments ("argument 'x' is invalid"): escaped, as every message that does.
  .configureOutput({ outputError: (text, write) => write(escapeControl(text)) });

withTrainCommand(program.command("train"));
withTranslateCommand(program.command("translate"));
withEvalCommand(program.command("eval"));
withAttendCommand(program.command("attend"));
withAlignCommand(program.command("align"));
withExportCommand(program.command("export"));
withAverageCommand(program.command("average"));
withBackendsCommand(program.command("backends"));

await program.parseAsync(process.argv);
