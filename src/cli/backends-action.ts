/**
 * `qkv backends`: the kernel backends registered, the one `--backend auto` picks (native, else wasm,
 * else reference), and the native addon's instruction sets and threads — or why it is unavailable.
 * The command and its options are declared in backends.ts, which loads this file only when it runs.
 */
import type { OptionValues } from "commander";
import { getBackend, listBackends } from "../index.js";
import { chooseBackend, printJson } from "./common.js";

/** The `qkv backends` action. */
export async function runBackends(o: OptionValues): Promise<void> {
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
      ? `native: ${n.isas?.join(", ")} (using ${n.isas?.[0]}), ${n.threads} threads; ${n.origin} ${n.file}`
      : `native: unavailable: ${n.reason}`,
  );
}
