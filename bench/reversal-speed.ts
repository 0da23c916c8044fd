/**
 * The explorer's reversal training step (web/src/reversal.ts `ReversalRun` with DEFAULT_REVERSAL,
 * luong-dot: the step view 6 takes), timed on qkv's native and wasm backends and on PyTorch, 1 thread
 * each, each in its own process, interleaved rounds (issue 19).
 *
 *   npm run bench:reversal [-- --warmup 10 --steps 40 --rounds 3 --no-write]
 *
 * The same work on every system: the batches a fresh run draws and the model's initial state dict are
 * dumped to tmp/reversal-batches.json and tmp/reversal-weights.json; bench/reversal_torch.py loads both
 * (the state dict strictly: every name and shape) and trains the same model on the same batches with the
 * same schedule. The first loss (before any update) must agree within 1e-4 of qkv's, or the run stops:
 * then the two are not the same model. Each system runs `warmup` steps untimed, then times `steps`;
 * a round's figure is the median step, the table's the median of the rounds. Writes the section between
 * the reversal markers of docs/BENCHMARKS.md unless --no-write.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Batch } from "../src/data/index.js";
import { DEFAULT_REVERSAL, ReversalRun } from "../web/src/reversal.js";
import { intOption, runPythonJson, writeBatchesJson, writeSection } from "./script-helpers.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..");
const PYTHON = "/usr/bin/python3";
const DOC = join(ROOT, "docs", "BENCHMARKS.md");
const BEGIN = "<!-- reversal:begin (written by `npm run bench:reversal`, bench/reversal-speed.ts) -->";
const END = "<!-- reversal:end -->";
const MARKER = "@@RESULT ";
const argv = process.argv.slice(2);
const intOpt = (name: string, dflt: number, min: number) => intOption(argv, name, dflt, min);
const warmup = intOpt("warmup", 10, 1);
const steps = intOpt("steps", 40, 1);
const rounds = intOpt("rounds", 3, 1);
const write = !argv.includes("--no-write");
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmtLoad = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");

function fingerprint(batches: Batch[]): string {
  const h = createHash("sha256");
  for (const b of batches)
    for (const a of [b.src, b.tgtIn, b.tgtOut])
      h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest("hex").slice(0, 16);
}

/** Draws the batches a fresh run takes (a second run: the timed one's state is not touched). */
function drawBatches(n: number): Batch[] {
  const run = new ReversalRun("luong-dot", DEFAULT_REVERSAL);
  const next = (run as unknown as { nextBatch: () => Batch }).nextBatch.bind(run);
  return Array.from({ length: n }, () => next());
}

/** What one timed run reports. */
interface Result {
  median: number;
  firstLoss: number;
  losses: number[];
  fingerprint?: string;
  blas?: string;
  torch?: string;
  gemmGflops?: number;
}

async function child(backend: string): Promise<void> {
  const kernels = await import("../src/kernels/index.js");
  await kernels.setBackend(backend as Parameters<typeof kernels.setBackend>[0]);
  await kernels.setNumThreads(1);
  const run = new ReversalRun("luong-dot", DEFAULT_REVERSAL);
  const losses: number[] = [];
  for (let i = 0; i < warmup; i++) losses.push(run.step());
  const ms: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    losses.push(run.step());
    ms.push(performance.now() - t0);
  }
  const r: Result = {
    median: median(ms),
    firstLoss: losses[0],
    losses,
    fingerprint: fingerprint(drawBatches(warmup + steps)),
  };
  console.log(MARKER + JSON.stringify(r));
}

function runQkv(backend: string): Result {
  const p = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), ...argv, "--child", backend],
    { cwd: ROOT, encoding: "utf8" },
  );
  const line = p.stdout.split("\n").find((l) => l.startsWith(MARKER));
  if (!line) throw new Error(`qkv ${backend}: no result (exit ${p.status}): ${p.stderr.trim().slice(-800)}`);
  return JSON.parse(line.slice(MARKER.length)) as Result;
}

function runTorch(batchesFile: string, weightsFile: string): Result {
  const x = runPythonJson(
    PYTHON,
    join(HERE, "reversal_torch.py"),
    ["--batches", batchesFile, "--weights", weightsFile, "--threads", "1"].concat([
      "--warmup",
      String(warmup),
      "--steps",
      String(steps),
    ]),
    ROOT,
  );
  return {
    median: x.median_ms as number,
    firstLoss: x.first_loss as number,
    losses: x.losses as number[],
    blas: x.blas as string,
    torch: x.torch as string,
    gemmGflops: x.gemm_gflops as number,
  };
}

async function parent(): Promise<void> {
  const loadStart = fmtLoad();
  const batches = drawBatches(warmup + steps);
  mkdirSync(join(ROOT, "tmp"), { recursive: true });
  const batchesFile = join(ROOT, "tmp", "reversal-batches.json");
  const weightsFile = join(ROOT, "tmp", "reversal-weights.json");
  writeBatchesJson(batchesFile, batches);
  const init = new ReversalRun("luong-dot", DEFAULT_REVERSAL).model.stateDict();
  writeFileSync(
    weightsFile,
    JSON.stringify(
      Object.fromEntries(
        Object.entries(init).map(([k, t]) => [
          k,
          { shape: t.shape, data: [t.toArray()].flat(Number.POSITIVE_INFINITY as 1) },
        ]),
      ),
    ),
  );
  const print = fingerprint(batches);
  console.log(`batches fingerprint ${print}; ${warmup} warm-up + ${steps} timed steps; load ${loadStart}`);
  const systems = ["qkv native", "qkv wasm", "PyTorch"] as const;
  const times: Record<(typeof systems)[number], number[]> = { "qkv native": [], "qkv wasm": [], PyTorch: [] };
  let torchInfo: Result | null = null;
  const loads: string[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const s of systems) {
      const x = s === "PyTorch" ? runTorch(batchesFile, weightsFile) : runQkv(s.slice(4));
      if (x.fingerprint !== undefined && x.fingerprint !== print)
        throw new Error(`${s}: batches differ (${x.fingerprint} ≠ ${print})`);
      if (s === "PyTorch") {
        torchInfo = x;
        if (/\/blas\/libblas\.so/.test(x.blas ?? ""))
          throw new Error(
            `PyTorch loaded the netlib reference BLAS (${x.blas}): install libopenblas0-pthread`,
          );
      }
      times[s].push(x.median);
      console.log(
        `round ${r + 1} ${s} 1 thread: ${x.median.toFixed(2)} ms/step (first loss ${x.firstLoss.toFixed(6)}, step ${warmup + steps} ${x.losses[x.losses.length - 1].toFixed(4)}); load ${fmtLoad()}`,
      );
      firstLosses[s] = x.firstLoss;
      lastLosses[s] = x.losses[x.losses.length - 1];
    }
    loads.push(fmtLoad());
  }
  const base = firstLosses["qkv native"];
  for (const s of systems) {
    if (Math.abs(firstLosses[s] - base) > 1e-4 * Math.max(1, Math.abs(base)))
      throw new Error(`${s}: first loss ${firstLosses[s]} ≠ qkv native's ${base}: not the same model`);
  }
  const torchMs = median(times.PyTorch);
  const rows = systems.map((s) => {
    const m = median(times[s]);
    return `| ${s} | ${m.toFixed(2)} | ${Math.min(...times[s]).toFixed(2)} | ${Math.max(...times[s]).toFixed(2)} | ${s === "PyTorch" ? "1.00" : (m / torchMs).toFixed(2)} | ${firstLosses[s].toFixed(6)} | ${lastLosses[s].toFixed(4)} |`;
  });
  const loadEnd = fmtLoad();
  const section = `${BEGIN}
## The explorer's reversal training step (issue 19)

\`npm run bench:reversal\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model.trim()}), load average before ${loadStart}, after ${loadEnd}.
One training step of view 6's attention model (web/src/reversal.ts \`ReversalRun\`, DEFAULT_REVERSAL, luong-dot:
embed 16, hidden 32 per direction, decoder 64, input feeding, batch 64 strings of one length 3–16; teacher
forcing, cross-entropy, backward, clip-grad-norm 1, Adam), Node ${process.version} for qkv, 1 thread everywhere,
each system in its own process, ${rounds} interleaved rounds of ${warmup} untimed + ${steps} timed steps on the same
batches (fingerprint ${print}) from the same initial weights (qkv's state dict, loaded strictly by
bench/reversal_torch.py). PyTorch: torch ${torchInfo?.torch}, ${torchInfo?.blas}; one 512³ matmul
${torchInfo?.gemmGflops} GFLOP/s. The ratio is qkv's time ÷ PyTorch's (≤ 1.0: qkv is as fast or faster; goal
≤ 1.0, stretch 0.8). The first loss is before any update (equal up to float rounding: the same model);
the last is after ${warmup + steps} steps.

| system (1 thread) | ms per step, median of rounds | min round | max round | time ÷ PyTorch's | first loss | loss at step ${warmup + steps} |
|---|--:|--:|--:|--:|--:|--:|
${rows.join("\n")}
${END}`;
  console.log(section);
  if (write) {
    writeSection(DOC, BEGIN, END, section);
    console.log(`wrote ${DOC}`);
  }
}

const firstLosses: Record<string, number> = {};
const lastLosses: Record<string, number> = {};
const ci = argv.indexOf("--child");
if (ci >= 0) await child(argv[ci + 1]);
else await parent();
