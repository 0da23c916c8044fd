/**
 * `qkv backends`: the kernel backends registered, the one `--backend auto` picks (native, else wasm,
 * else reference), and the native addon's instruction sets and threads — or why it is unavailable.
 * This file declares the command (options, help, number parsers) and imports nothing heavy; the action
 * (backends-action.ts) loads when the command runs.
 */
import type { Command } from "commander";
import { lazyAction } from "./action.js";
import { jsonOption } from "./options.js";

/** Declares `qkv backends` on `cmd`. */
export function withBackendsCommand(cmd: Command): Command {
  return cmd
    .description("list kernel backends and the active one")
    .addOption(
      jsonOption(
        "print JSON: available (the backends' names), active, native ({available, isas, threads} or {available: false, reason})",
      ),
    )
    .action(lazyAction("backends", async () => (await import("./backends-action.js")).runBackends));
}
