/**
 * `qkv backends`: the kernel backends registered, the one `--backend auto` picks (native, else wasm,
 * else reference), and the native addon's instruction sets and threads — or why it is unavailable.
 */
import type { Command, OptionValues } from "commander";
import { getBackend, listBackends } from "../index.js";
import { action, chooseBackend, printJson } from "./common.js";
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
    .action(action("backends", runBackends));
}

/** The `qkv backends` action. */
async function runBackends(o: OptionValues): Promise<void> {
  await chooseBackend("auto");
  const { nativeStatus } = await import("../kernels/index.js");
  const n = nativeStatus();
  if (o.json) {
    printJson({ available: listBackends(), active: getBackend(), native: n });
    return;
  }
  console.log(`available: ${listBackends().join(", ")}; active: ${getBackend()}`);
  console.log(
    n.available
      ? `native: ${n.isas?.join(", ")} (using ${n.isas?.[0]}), ${n.threads} threads`
      : `native: unavailable: ${n.reason}`,
  );
}
