/**
 * Quick timing of the wasm backend (not a test; the peer comparison lives in bench/run.ts):
 *   1. forward of scaled-dot-product attention (1, 8, 512, 64): reference vs wasm on 1 and 2 threads
 *   2. forward + backward of fused attention (1, 1, 16384, 64) on wasm, with the peak RSS growth
 *
 *   npx tsx bench/quick-wasm.ts [--threads N] [--skip-long]
 *
 * The long case runs in a fresh child process (`--long-only`), so that its RSS growth is not hidden
 * by memory the first part already took.
 */
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { scaledDotProductAttention } from "../src/attention/index.js";
import type { Backend } from "../src/kernels/contract.js";
import { referenceBackend } from "../src/kernels/reference/index.js";
import { withBackend } from "../src/kernels/registry.js";
import { loadWasmBackend, setNumThreads } from "../src/kernels/wasm/index.js";
import { manualSeed, noGrad, randn, type Tensor } from "../src/tensor/index.js";

const args = process.argv.slice(2);
const maxThreads = Number(args[args.indexOf("--threads") + 1]) || 2;
const skipLong = args.includes("--skip-long");
const longOnly = args.includes("--long-only");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median wall time (ms) and median CPU time of the main thread's process (ms) over `reps` runs. */
function time(fn: () => void, reps: number, warmup = 2): { wall: number; min: number } {
  for (let i = 0; i < warmup; i++) fn();
  const walls: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    walls.push(performance.now() - t0);
  }
  return { wall: median(walls), min: Math.min(...walls) };
}

function row(label: string, r: { wall: number; min: number }): void {
  console.log(
    `  ${label.padEnd(44)} median ${r.wall.toFixed(2).padStart(8)} ms   min ${r.min.toFixed(2).padStart(8)} ms`,
  );
}

const wasm = await loadWasmBackend();
if (longOnly) {
  await longCase();
  process.exit(0);
}
console.log(
  `CPU: ${cpus()[0]?.model} × ${cpus().length}, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}; Node ${process.version}`,
);

// 1. (1, 8, 512, 64) forward
manualSeed(1);
const shape = [1, 8, 512, 64];
const q = randn(shape);
const k = randn(shape);
const v = randn(shape);
const forward = (b: Backend, fused: boolean) => () =>
  withBackend(b, () => noGrad(() => scaledDotProductAttention(q, k, v, { fused }).output));
console.log(`\nscaledDotProductAttention forward (${shape.join(", ")}):`);
row("reference, three steps", time(forward(referenceBackend, false), 3, 1));
row("reference, fused (plain TS oracle)", time(forward(referenceBackend, true), 3, 1));
for (let nt = 1; nt <= maxThreads; nt++) {
  await setNumThreads(nt);
  row(`wasm ${nt} thread${nt > 1 ? "s" : ""}, fused`, time(forward(wasm, true), 30, 3));
  row(`wasm ${nt} thread${nt > 1 ? "s" : ""}, three steps`, time(forward(wasm, false), 10, 2));
}

// 2. the long case, in a fresh process
if (!skipLong) {
  const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1], "--long-only", ...args], {
    stdio: "inherit",
  });
  if (child.status !== 0) console.log(`long case failed (status ${child.status})`);
}
process.exit(0);

/** (1, 1, 16384, 64) forward + backward, fused, with the peak RSS growth. */
async function longCase(): Promise<void> {
  await setNumThreads(maxThreads);
  const long = [1, 1, 16384, 64];
  manualSeed(2);
  const lq = randn(long, 1, 0, { requiresGrad: true });
  const lk = randn(long, 1, 0, { requiresGrad: true });
  const lv = randn(long, 1, 0, { requiresGrad: true });
  const dOut = randn(long);
  // Warm-up on a small problem: workers started and kernels compiled, so that the numbers below are
  // the long computation's own (its memory grows the wasm arena from ~1 MiB).
  const small = [1, 1, 256, 64];
  const sq = randn(small, 1, 0, { requiresGrad: true });
  withBackend(wasm, () => scaledDotProductAttention(sq, sq, sq).output.backward(randn(small)));
  const base = process.memoryUsage().rss;
  const baseMax = process.resourceUsage().maxRSS * 1024;
  let peak = base;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  console.log(`\nfused attention (${long.join(", ")}) on wasm, ${maxThreads} threads, fresh process:`);
  const t0 = performance.now();
  const out: Tensor = withBackend(wasm, () => scaledDotProductAttention(lq, lk, lv).output);
  const t1 = performance.now();
  sample();
  withBackend(wasm, () => out.backward(dOut)); // dL/d(out) = dOut, no loss tensors
  const t2 = performance.now();
  sample();
  const maxRss = process.resourceUsage().maxRSS * 1024;
  const mib = (x: number) => (x / 2 ** 20).toFixed(1);
  console.log(`  forward ${(t1 - t0).toFixed(0)} ms, backward ${(t2 - t1).toFixed(0)} ms`);
  console.log(
    `  RSS growth over the run (inputs already allocated): sampled ${mib(peak - base)} MiB, ` +
      `peak (maxRSS) ${mib(maxRss - Math.max(base, baseMax))} MiB; wasm memory ${mib(wasm.runtime.memoryBytes)} MiB; ` +
      `the (T, S) scores alone would take ${mib(16384 * 16384 * 4)} MiB`,
  );
  console.log(`  check: |dq|₁ = ${lq.grad!.data.reduce((p, x) => p + Math.abs(x), 0).toFixed(1)}`);
}
