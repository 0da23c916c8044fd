/**
 * One benchmark cell in its own process, so peak RSS belongs to that (system, workload) alone:
 *
 *   node --import tsx bench/worker.ts <system> probe
 *   node --import tsx bench/worker.ts <system> <workload-id> --budget-ms 8000 --max-runs 100 \
 *     --warmup full|reduced|none [--check-dir DIR]
 *
 * Prints one line `@@RESULT {json}` (a ProbeResult or a CellResult). With --check-dir, the output of
 * the last run is written to DIR/<system>.f32 for the correctness check.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type CellResult,
  inputsFor,
  RESULT_MARKER,
  SYSTEMS,
  type SystemName,
  type TimingOptions,
  timeCell,
  type Workload,
  workloadById,
} from "./common.js";
import { onnxruntime } from "./ort.js";
import { plainJs } from "./plain-js.js";
import { qkvNative1, qkvNativeAll, qkvReference, qkvWasm1, qkvWasmAll } from "./qkv.js";
import type { BenchSystem, Runner } from "./systems.js";
import { tfjsCpu, tfjsWasm } from "./tfjs.js";

const FACTORIES: Partial<Record<SystemName, () => BenchSystem>> = {
  "qkv-reference": qkvReference,
  "qkv-wasm-1t": qkvWasm1,
  "qkv-wasm-all": qkvWasmAll,
  "qkv-native-1t": qkvNative1,
  "qkv-native-all": qkvNativeAll,
  "tfjs-cpu": tfjsCpu,
  "tfjs-wasm": tfjsWasm,
  onnxruntime,
  "onnxruntime-1t": () => onnxruntime(1),
  "plain-js-2w": plainJs,
};

/** The workload at a quarter of the size, to warm JIT and thread pools before a long cell. */
function reducedWorkload(w: Workload): Workload {
  if (w.kind === "mha-train") return { ...w, B: Math.max(1, w.B >> 2) };
  const [B, H, N, d] = w.shape;
  return { ...w, shape: [B, H, Math.max(1, N >> 2), d] };
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function report(obj: unknown): void {
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(obj)}\n`);
}

async function main(): Promise<void> {
  const [systemName, what, ...rest] = process.argv.slice(2);
  if (!SYSTEMS.includes(systemName as SystemName)) throw new Error(`worker: unknown system "${systemName}"`);
  const factory = FACTORIES[systemName as SystemName];
  if (!factory) throw new Error(`worker: "${systemName}" is not a JS system (see torch_bench.py)`);
  const system = factory();
  if (what === "probe") {
    report(await system.probe());
    return;
  }
  const t0 = performance.now();
  const w = workloadById(what);
  const opts: TimingOptions = {
    budgetMs: Number(option(rest, "budget-ms") ?? 8000),
    maxRuns: Number(option(rest, "max-runs") ?? 100),
    warmup: (option(rest, "warmup") ?? "full") as TimingOptions["warmup"],
  };
  const checkDir = option(rest, "check-dir");
  const runner = await system.prepare(w, inputsFor(w));
  if (typeof runner === "string") {
    const unavailable = runner.startsWith("not ");
    report({ status: unavailable ? "unavailable" : "n/a", reason: runner } satisfies CellResult);
    return;
  }
  let reduced: Runner | string | null = null;
  if (opts.warmup === "reduced") {
    const rw = reducedWorkload(w);
    reduced = await system.prepare(rw, inputsFor(rw));
  }
  let last: unknown = null;
  const timing = await timeCell(
    async () => {
      last = await runner.run();
    },
    reduced && typeof reduced !== "string" ? () => (reduced as Runner).run() : null,
    opts,
  );
  if (checkDir && last instanceof Float32Array) {
    await writeFile(
      join(checkDir, `${systemName}.f32`),
      new Uint8Array(last.buffer, last.byteOffset, last.byteLength),
    );
  }
  await runner.dispose?.();
  if (reduced && typeof reduced !== "string") await reduced.dispose?.();
  report({
    status: "ok",
    ...timing,
    cellS: (performance.now() - t0) / 1000,
    notes: runner.notes,
  } satisfies CellResult);
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    report({ status: "error", reason: (e.stack ?? String(e)).split("\n").slice(0, 3).join(" | ") });
    process.exit(0);
  },
);
