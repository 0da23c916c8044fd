/**
 * `npm run bench`: qkv side by side with peers in one run, written to docs/BENCHMARKS.md.
 *
 *   tsx bench/run.ts [--systems a,b] [--workloads id,id] [--cell-s 6] [--max-cell-s 60] [--out FILE]
 *                    [--no-write]
 *
 * e.g. the qkv-only memory workload without the 60 s cap:
 *   npm run bench -- --systems qkv-reference --workloads fwdbwd-1x1x16384x64 --max-cell-s 900
 *
 * Systems: qkv on its reference backend and (when it is there) its wasm backend with 1 thread and all
 * cores, tfjs cpu, tfjs-wasm, onnxruntime-node, PyTorch (when `/usr/bin/python3 -c "import torch"`
 * works) and a plain-JS loop on 2 worker_threads. Each (system, workload) cell is a child process
 * (worker.ts, torch_bench.py); this file only schedules, estimates, checks and reports.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem, type } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CellResult,
  CHECK_WORKLOAD,
  inputsFor,
  isQkv,
  type ProbeResult,
  RESULT_MARKER,
  SYSTEMS,
  type SystemName,
  WORKLOADS,
  type Workload,
} from "./common.js";
import {
  type Cell,
  type Check,
  type Machine,
  markdownReport,
  type Report,
  type SystemEntry,
  terminalReport,
} from "./report.js";
import { packageVersion } from "./systems.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PYTHON = "/usr/bin/python3";
const TOLERANCE = 1e-4;
/** Above this estimated single-run time, warm up at a quarter of the size instead of full size. */
const REDUCED_WARMUP_MS = 3000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const settings = {
  cellBudgetS: Number(arg("cell-s") ?? 6),
  maxCellS: Number(arg("max-cell-s") ?? 60),
  maxRuns: 200,
  /** Rounds per workload, each going through every system (interleaved); the median round is shown. */
  rounds: Number(arg("rounds") ?? 3),
};

function label(s: SystemName, probe: ProbeResult): string {
  const threads = probe.notes?.find((n) => /^\d+ threads?$/.test(n));
  switch (s) {
    case "qkv-reference":
      return "qkv reference";
    case "qkv-wasm-1t":
      return "qkv wasm, 1 thread";
    case "qkv-wasm-all":
      return `qkv wasm, ${threads ?? "all threads"}`;
    case "qkv-native-1t":
      return "qkv native, 1 thread";
    case "qkv-native-all":
      return `qkv native, ${threads ?? "all threads"}`;
    case "tfjs-cpu":
      return "tfjs cpu";
    case "tfjs-wasm":
      return `tfjs-wasm${probe.notes?.includes("SIMD on") ? " (SIMD)" : ""}`;
    case "onnxruntime":
      return "onnxruntime-node";
    case "onnxruntime-1t":
      return "onnxruntime-node, 1 thread";
    case "pytorch":
      return "PyTorch";
    case "plain-js-2w":
      return "plain JS, 2 workers";
  }
}

/** Which workloads a system can run at all (the rest are shown as n/a without starting a process). */
function applies(s: SystemName, w: Workload): string | null {
  if (w.kind === "forward-backward" && !isQkv(s)) return "n/a (qkv only)";
  if (w.kind === "mha-train" && (s === "onnxruntime" || s === "onnxruntime-1t" || s === "plain-js-2w")) {
    return s === "plain-js-2w" ? "n/a (forward-only baseline)" : "n/a (inference-only runtime)";
  }
  return null;
}

interface ChildOutput {
  result: unknown;
  stderr: string;
}

/** Runs a child and returns the object on its `@@RESULT` line (or an error result). */
function runChild(cmd: string, args: string[], timeoutMs: number): Promise<ChildOutput> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", (e) => {
      stderr += String(e);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_MARKER));
      if (line) {
        resolve({ result: JSON.parse(line.slice(RESULT_MARKER.length)), stderr });
        return;
      }
      const why = timedOut
        ? `timed out after ${(timeoutMs / 1000).toFixed(0)} s`
        : `exited with ${code}: ${stderr.trim().split("\n").slice(-1)[0] ?? ""}`;
      resolve({ result: { status: "error", available: false, reason: why }, stderr });
    });
  });
}

function childCommand(s: SystemName, args: string[]): [string, string[]] {
  if (s === "pytorch") return [PYTHON, ["bench/torch_bench.py", ...args]];
  return [process.execPath, ["--import", "tsx", "bench/worker.ts", s, ...args]];
}

async function probe(s: SystemName): Promise<ProbeResult> {
  const [cmd, args] = s === "pytorch" ? childCommand(s, ["--probe"]) : childCommand(s, ["probe"]);
  const { result } = await runChild(cmd, args, 120_000);
  const p = result as ProbeResult;
  if (s === "pytorch" && !p.available) {
    p.reason = `not available (\`${PYTHON} -c "import torch"\` fails: ${p.reason ?? "?"})`;
  }
  return p;
}

async function machine(pkgs: Record<string, string>): Promise<Machine> {
  const info = await readFile("/proc/cpuinfo", "utf8").catch(() => "");
  const field = (name: string) => info.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, "m"))?.[1]?.trim();
  const flags = new Set((field("flags") ?? "").split(/\s+/));
  const simd = ["avx512f", "avx2", "fma", "sse4_2"].filter((f) => flags.has(f)).join(", ") || "no AVX";
  return {
    cpu: field("model name") ?? cpus()[0]?.model ?? "unknown",
    cores: availableParallelism(),
    simd,
    memoryGiB: totalmem() / 2 ** 30,
    os: `${type()} ${release()}`,
    node: process.version,
    packages: pkgs,
    loadBefore: loadavg()
      .map((x) => x.toFixed(2))
      .join(", "),
    loadAfter: "",
  };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return m;
}

async function readF32(path: string): Promise<Float32Array | null> {
  try {
    const b = await readFile(path);
    return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const only = arg("systems")?.split(",");
  const onlyW = arg("workloads")?.split(",");
  const names = SYSTEMS.filter((s) => !only || only.includes(s));
  const workloads = WORKLOADS.filter((w) => !onlyW || onlyW.includes(w.id));
  console.log(
    `qkv bench: ${names.length} systems × ${workloads.length} workloads, one child process per cell`,
  );

  // 1. Probe every system (is it installed, which version and threads).
  const systems: SystemEntry[] = [];
  for (const s of names) {
    const p = await probe(s);
    systems.push({ name: s, label: label(s, p), probe: p });
    const what = p.available
      ? `${p.version ?? ""} ${p.notes?.length ? `(${p.notes.join("; ")})` : ""}`
      : p.reason;
    console.log(`  ${label(s, p).padEnd(24)} ${p.available ? "available" : "NOT AVAILABLE"}: ${what}`);
  }
  const pkgs: Record<string, string> = {};
  pkgs.qkv = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")).version;
  for (const p of ["@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "onnxruntime-node"]) {
    pkgs[p] = (await packageVersion(p)) ?? "not installed";
  }
  const torch = systems.find((s) => s.name === "pytorch");
  if (torch) pkgs.torch = torch.probe.available ? (torch.probe.version ?? "?") : "not available";
  const mach = await machine(pkgs);

  // 2. Inputs of the correctness check, for the Python child (JS children make the same ones).
  const checkDir = await mkdtemp(join(tmpdir(), "qkv-bench-check-"));
  const ci = inputsFor(CHECK_WORKLOAD);
  for (const [n, d] of [
    ["q", ci.q],
    ["k", ci.k],
    ["v", ci.v],
  ] as const) {
    await writeFile(join(checkDir, `${n}.f32`), new Uint8Array(d.buffer));
  }

  // 3. The cells: workload by workload (smallest FLOPs first, so each estimate comes from a smaller run).
  const order = [...workloads].sort((a, b) => a.flops - b.flops);
  const rate = new Map<string, number>(); // system → slowest measured FLOP/ms
  const cells: Cell[] = [];
  // Round r of a workload runs every system once; later rounds repeat only the cells that ran.
  const planned = order.flatMap((w) =>
    Array.from({ length: settings.rounds }, (_, round) => systems.map((s) => ({ w, s, round }))).flat(),
  );
  const repeats = new Map<string, CellResult[]>();
  let k = 0;
  for (const { w, s, round } of planned) {
    k++;
    const sys = s.name as SystemName;
    const key = `${sys}|${w.id}`;
    if (round > 0 && !repeats.has(key)) continue;
    const tag = `[${String(k).padStart(3)}/${planned.length}] r${round + 1} ${s.label.padEnd(22)} ${w.label.padEnd(40)}`;
    const done = (result: CellResult) => {
      if (result.status === "ok") repeats.set(key, [...(repeats.get(key) ?? []), result]);
      if (round === 0) cells.push({ system: sys, workload: w, result });
      return result;
    };
    if (!s.probe.available) {
      done({ status: "unavailable", reason: "not available" });
      console.log(`${tag} not available`);
      continue;
    }
    const na = applies(sys, w);
    if (na) {
      done({ status: "n/a", reason: na });
      console.log(`${tag} ${na}`);
      continue;
    }
    // Estimate from the slowest rate this system showed so far (conservative: skipping is cheap).
    const r = rate.get(sys);
    const estMs = r ? w.flops / r : undefined;
    const fwdBwd = w.kind === "forward-backward";
    const warmup = fwdBwd ? "none" : estMs !== undefined && estMs > REDUCED_WARMUP_MS ? "reduced" : "full";
    const warmMs = warmup === "reduced" ? (estMs ?? 0) / (w.kind === "mha-train" ? 4 : 16) : 0;
    if (estMs !== undefined && warmMs + estMs > settings.maxCellS * 1000) {
      const res = done({
        status: "n/a",
        reason: `skipped (est. > ${settings.maxCellS} s: one run ≈ ${(estMs / 1000).toFixed(0)} s)`,
      });
      console.log(`${tag} ${res.reason}`);
      continue;
    }
    process.stdout.write(`${tag} ${estMs ? `est. ${(estMs / 1000).toFixed(1)} s/run … ` : "… "}`);
    const args = [
      ...(sys === "pytorch" ? ["--workload", JSON.stringify(w)] : [w.id]),
      "--budget-ms",
      String(settings.cellBudgetS * 1000),
      "--max-runs",
      String(fwdBwd ? 1 : settings.maxRuns),
      "--warmup",
      warmup,
      ...(w.id === CHECK_WORKLOAD.id && round === 0 ? ["--check-dir", checkDir] : []),
    ];
    const timeoutMs = 120_000 + 3 * Math.min(estMs ?? 0, settings.maxCellS * 1000);
    const [cmd, cargs] = childCommand(sys, args);
    const { result } = await runChild(cmd, cargs, timeoutMs);
    const res = done(result as CellResult);
    if (res.status === "ok" && res.medianMs) {
      rate.set(sys, Math.min(rate.get(sys) ?? Number.POSITIVE_INFINITY, w.flops / res.medianMs));
      const gf = w.flops / res.medianMs / 1e6;
      console.log(
        `${res.medianMs.toFixed(1)} ms  ${gf.toFixed(2)} GFLOP/s  RSS ${res.peakRssMb?.toFixed(0)} MiB  ` +
          `(${res.runs} run${res.runs === 1 ? "" : "s"}, ${res.cellS?.toFixed(1)} s)`,
      );
    } else {
      console.log(res.reason ?? res.status);
    }
  }

  // The round with the median time stands for each cell.
  for (const c of cells) {
    const rs = repeats.get(`${c.system}|${c.workload.id}`);
    if (!rs || rs.length < 2) continue;
    const sorted = [...rs].sort((a, b) => (a.medianMs ?? 0) - (b.medianMs ?? 0));
    c.result = { ...sorted[(sorted.length - 1) >> 1], rounds: rs.length };
  }

  // 4. Correctness: every output of the check workload against the reference backend's.
  const checks: Check[] = [];
  const ref = await readF32(join(checkDir, "qkv-reference.f32"));
  for (const s of systems) {
    if (s.name === "qkv-reference" || !workloads.includes(CHECK_WORKLOAD)) continue;
    const cell = cells.find((c) => c.system === s.name && c.workload.id === CHECK_WORKLOAD.id);
    const out = await readF32(join(checkDir, `${s.name}.f32`));
    if (!ref) checks.push({ system: s.name, maxAbsDiff: null, reason: "no reference output" });
    else if (!out)
      checks.push({ system: s.name, maxAbsDiff: null, reason: cell?.result.reason ?? "no output" });
    else checks.push({ system: s.name, maxAbsDiff: maxAbsDiff(ref, out) });
  }
  await rm(checkDir, { recursive: true, force: true });

  mach.loadAfter = loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
  const ceilings: Report["ceilings"] = [];
  for (const s of systems) {
    for (const n of s.probe.available ? (s.probe.notes ?? []) : []) {
      const m = /^sgemm (\d+)³ (\d+(?:\.\d+)?) GFLOP\/s/.exec(n);
      if (!m) continue;
      const who = s.name === "pytorch" ? "PyTorch's BLAS" : s.label;
      ceilings.push({ label: `sgemm ${m[1]}³, ${who}`, gflops: Number(m[2]) });
    }
  }
  const report: Report = {
    date: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    ceilings,
    machine: mach,
    systems,
    workloads,
    cells,
    checks,
    tolerance: TOLERANCE,
    totalS: (performance.now() - t0) / 1000,
    settings,
  };
  console.log(terminalReport(report));
  // A partial run (--systems / --workloads) writes only where --out says, never over the full report.
  const out = arg("out") ?? (only || onlyW ? undefined : join("docs", "BENCHMARKS.md"));
  if (out && !process.argv.includes("--no-write")) {
    const path = resolve(ROOT, out);
    // Sections other benchmarks own (<!-- name:begin … --> … <!-- name:end -->) are kept.
    const old = await readFile(path, "utf8").catch(() => "");
    const kept = old.match(/<!-- [\w-]+:begin[\s\S]*?<!-- [\w-]+:end -->/g) ?? [];
    await writeFile(path, `${[markdownReport(report).trimEnd(), ...kept].join("\n\n")}\n`);
    console.log(`\nwrote ${path} (${report.totalS.toFixed(0)} s in all)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
