/**
 * Training speed on SCAN simple (issue 4): time per step and projected time per epoch of the seq2seq
 * training step, qkv on each available backend side by side with the same model in PyTorch.
 *
 *   npm run bench:train [-- --warmup 1 --steps 8 --steps-ref 3 --batch 64 --threads 1,2 --rounds 3 --no-write]
 *
 * The model: src/models/seq2seq (embedDim 64, hiddenSize 128 bidirectional, decoder 256,
 * luong-general with input feeding, dropout 0.1); the step: `trainStep` (src/train/step.ts, the one
 * `qkv train` runs: teacher forcing, crossEntropy ignoreIndex 0, backward, clipGradNorm 1, Adam lr
 * 1e-3, loss.item()); the batches:
 * loadTask("scan-simple", { seed: 1 }) + makeBatches(…, { batchSize, shuffle, sortByLength, seed: 1000 })
 * (the trainer's epoch 1). Every system runs the first `warmup` batches untimed, then times the next
 * ones: `steps` on the fast systems, `steps-ref` on the slow reference backend (a prefix of the same
 * batches). bench/seq2seq_torch.py builds the same batches in Python and prints their fingerprint;
 * it must match ours. The ratio qkv / PyTorch compares wall ms per step over the SAME timed batches at
 * the same thread count (the reference backend is single-threaded: against PyTorch on 1 thread).
 *
 * Each qkv configuration runs in its own child process (this file with --child), so JIT state, heap
 * and worker threads of one do not colour the next; `rounds` interleaved rounds run every system once
 * each (the reference backend in the first only), and a row is its median round. Writes
 * docs/TRAINING-SPEED.md unless --no-write.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem, type } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type Batch, makeBatches } from "../src/data/index.js";
import { dataDir } from "../src/data/paths.js";
import { Seq2Seq, type Seq2SeqConfig } from "../src/models/seq2seq/index.js";
import { Adam } from "../src/nn/index.js";
import { manualSeed } from "../src/tensor/index.js";
import { trainStep } from "../src/train/step.js";
import { loadTask } from "../src/train/tasks.js";
import { intOption, stringOption } from "./script-helpers.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..");
const PYTHON = "/usr/bin/python3";
const TORCH_SCRIPT = join(HERE, "seq2seq_torch.py");
const DOC = join(ROOT, "docs", "TRAINING-SPEED.md");
const MARKER = "@@RESULT ";
const SEED = 1;
const MODEL: Omit<Seq2SeqConfig, "srcVocabSize" | "tgtVocabSize"> = {
  embedDim: 64,
  hiddenSize: 128,
  bidirectional: true,
  attention: "luong-general",
  inputFeeding: true,
  dropout: 0.1,
};

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => stringOption(argv, name, dflt);
const intOpt = (name: string, dflt: number, min: number) => intOption(argv, name, dflt, min);
const warmup = intOpt("warmup", 1, 0);
const steps = intOpt("steps", 8, 1);
const stepsRef = intOpt("steps-ref", 3, 1);
const rounds = intOpt("rounds", 3, 1);
const batchSize = intOpt("batch", 64, 1);
const threadList = opt("threads", "1,2")
  .split(",")
  .map((s) => Number(s));
if (threadList.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("--threads: e.g. 1,2");

/** What one timed run reports (qkv child or the PyTorch script). */
interface RunResult {
  ms_per_step: number;
  cpu_ms_per_step: number;
  tokens_per_step: number;
  steps: number;
  params: number;
  threads: number;
  step_ms: number[];
  cpu_ms: number[];
  shapes: number[][];
  fingerprint: string;
  train_pairs: number;
  steps_per_epoch: number;
  torch?: string;
  blas?: string;
  gemm_gflops?: number;
}

// ---------------------------------------------------------------- data, shared by the parent and children
function loadBatches(): { batches: Batch[]; trainPairs: number; srcVocab: number; tgtVocab: number } {
  const task = loadTask("scan-simple", { seed: SEED });
  const examples = task.train.map((p) => ({
    src: task.srcVocab.encode(p.src),
    tgt: task.tgtVocab.encode(p.tgt),
  }));
  // The trainer's epoch 0 (seed · 1000 + epoch).
  const batches = makeBatches(examples, { batchSize, shuffle: true, sortByLength: true, seed: SEED * 1000 });
  return {
    batches,
    trainPairs: task.train.length,
    srcVocab: task.srcVocab.size,
    tgtVocab: task.tgtVocab.size,
  };
}

/** sha256 of the int32 src, tgtIn, tgtOut of each batch (little-endian), as bench/seq2seq_torch.py. */
function fingerprint(batches: Batch[]): string {
  const h = createHash("sha256");
  for (const b of batches) {
    for (const a of [b.src, b.tgtIn, b.tgtOut])
      h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest("hex").slice(0, 16);
}

const tokensOf = (b: Batch) => b.tgtLengths.reduce((s, x) => s + x, 0);
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

// ---------------------------------------------------------------- child: one qkv configuration
async function child(spec: string): Promise<void> {
  const [backendName, threadsStr] = spec.split(":");
  const threads = Number(threadsStr ?? 1);
  if (backendName !== "wasm" && backendName !== "native" && backendName !== "reference")
    throw new Error(`unknown backend ${backendName}`);
  // Every backend set explicitly: left unset, the process would take the default (native where the
  // addon loads), and the "reference" row would time native.
  const kernels: Record<string, unknown> = await import("../src/kernels/index.js");
  const setBackend = kernels.setBackend as (name: string) => Promise<void>;
  await setBackend(backendName);
  if (backendName !== "reference") {
    const setNumThreads = kernels.setNumThreads as (n: number) => Promise<void>;
    await setNumThreads(threads);
  }
  const n = backendName === "reference" ? stepsRef : steps;
  const { batches, trainPairs, srcVocab, tgtVocab } = loadBatches();
  const used = batches.slice(0, warmup + n);
  if (used.length < warmup + n) throw new Error(`only ${batches.length} batches for ${warmup}+${n} steps`);
  manualSeed(SEED);
  const model = new Seq2Seq({ ...MODEL, srcVocabSize: srcVocab, tgtVocabSize: tgtVocab });
  const params = model.parameters();
  const optimizer = new Adam(params, { lr: 1e-3 });
  model.train();
  const step = (b: Batch): number => trainStep(model, optimizer, b, { clip: 1 });
  for (let i = 0; i < warmup; i++) step(used[i]);
  const stepMs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = warmup; i < used.length; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    step(used[i]);
    stepMs.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuMs.push((c.user + c.system) / 1000);
  }
  const timed = used.slice(warmup);
  const r: RunResult = {
    ms_per_step: mean(stepMs),
    cpu_ms_per_step: mean(cpuMs),
    tokens_per_step: mean(timed.map(tokensOf)),
    steps: n,
    params: params.reduce((s, p) => s + p.size, 0),
    threads,
    step_ms: stepMs,
    cpu_ms: cpuMs,
    shapes: timed.map((b) => [b.B, b.S, b.T]),
    fingerprint: fingerprint(used),
    train_pairs: trainPairs,
    steps_per_epoch: batches.length,
  };
  console.log(MARKER + JSON.stringify(r));
}

// ---------------------------------------------------------------- parent
interface Row {
  system: string;
  detail: string;
  threads: number;
  load: number;
  result?: RunResult;
  error?: string;
}

function runProcess(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolvePromise) => {
    const p = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => {
      out += d;
    });
    p.stderr.on("data", (d) => {
      err += d;
    });
    p.on("error", (e) => resolvePromise({ code: -1, out, err: err + String(e) }));
    p.on("close", (code) => resolvePromise({ code, out, err }));
  });
}

function parseResult(out: string, err: string, code: number | null, jsonLine = false): RunResult {
  const line = out
    .split("\n")
    .reverse()
    .find((l) => (jsonLine ? l.trim().startsWith("{") : l.startsWith(MARKER)));
  if (code !== 0 || !line) {
    throw new Error(`exit ${code}: ${(err || out).trim().split("\n").slice(-3).join(" | ")}`);
  }
  return JSON.parse(jsonLine ? line : line.slice(MARKER.length)) as RunResult;
}

const load1 = () => loadavg()[0];
const fmtLoad = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
const f = (x: number, d = 0) =>
  x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });

async function runQkv(spec: string, system: string, detail: string, threads: number): Promise<Row> {
  const row: Row = { system, detail, threads, load: load1() };
  process.stderr.write(`… ${system} ${detail} (${threads} thread${threads > 1 ? "s" : ""})\n`);
  const r = await runProcess(process.execPath, [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    ...argv,
    "--child",
    spec,
  ]);
  try {
    row.result = parseResult(r.out, r.err, r.code);
  } catch (e) {
    row.error = (e as Error).message;
  }
  return row;
}

async function runTorch(threads: number, torchSteps: number): Promise<Row> {
  const row: Row = { system: "PyTorch", detail: "", threads, load: load1() };
  process.stderr.write(`… PyTorch (${threads} thread${threads > 1 ? "s" : ""})\n`);
  const args = [TORCH_SCRIPT, "--threads", String(threads), "--batch", String(batchSize)];
  args.push(
    "--warmup",
    String(warmup),
    "--steps",
    String(torchSteps),
    "--seed",
    String(SEED),
    "--data",
    dataDir(),
  );
  // OpenBLAS keeps a pool of its own beside torch's threads: held to the same count (an unset
  // OPENBLAS_NUM_THREADS lets a "1 thread" run multiply on every core).
  const t = String(threads);
  const r = await runProcess(PYTHON, args, { ...process.env, OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t });
  try {
    row.result = parseResult(r.out, r.err, r.code, true);
    row.detail = `torch ${row.result.torch}`;
    if (isNetlib(row.result.blas)) {
      // No PyTorch user runs the netlib reference BLAS: install libopenblas0-pthread (Debian switches
      // the system BLAS python3-torch loads) rather than report this as the baseline.
      row.error = `refused as a baseline: PyTorch loaded the netlib reference BLAS (${row.result.blas}); install libopenblas0-pthread`;
      row.result = undefined;
    }
    const paramLine = r.err.split("\n").find((l) => l.startsWith("params:"));
    if (paramLine) process.stderr.write(`  PyTorch ${paramLine.slice(paramLine.lastIndexOf(";") + 2)}\n`);
  } catch (e) {
    row.error = (e as Error).message;
  }
  return row;
}

async function wasmAvailable(): Promise<string | null> {
  try {
    const kernels: Record<string, unknown> = await import("../src/kernels/index.js");
    if (typeof kernels.initBackend !== "function" || typeof kernels.setNumThreads !== "function") {
      return "src/kernels/index.ts does not export initBackend / setNumThreads";
    }
    return null;
  } catch (e) {
    return `src/kernels/index.ts does not load: ${(e as Error).message}`;
  }
}

async function nativeAvailable(): Promise<string | null> {
  try {
    const kernels = await import("../src/kernels/index.js");
    await kernels.loadNativeBackend();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The netlib reference BLAS (Debian's libblas3 in /usr/lib/…/blas/) is no PyTorch baseline. */
const isNetlib = (blas: string | undefined) => !!blas && /\/blas\/libblas\.so/.test(blas);

function torchAvailable(): string | null {
  const r = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  if (r.error) return `${PYTHON} not found`;
  return r.status === 0 ? null : `${PYTHON} -c "import torch" failed: ${r.stderr.trim().split("\n").pop()}`;
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) return m[1].trim();
  } catch {}
  return cpus()[0]?.model ?? "unknown";
}

async function parent(): Promise<void> {
  const started = new Date();
  const loadStart = fmtLoad();
  const { batches, trainPairs, srcVocab, tgtVocab } = loadBatches();
  const stepsPerEpoch = Math.ceil(trainPairs / batchSize);
  const used = batches.slice(0, warmup + Math.max(steps, stepsRef));
  const ourPrint = fingerprint(used);
  const epochTokensPerStep = mean(batches.map(tokensOf));
  const epochMeanT = mean(batches.map((b) => b.T));
  const modelParams = new Seq2Seq({ ...MODEL, srcVocabSize: srcVocab, tgtVocabSize: tgtVocab })
    .parameters()
    .reduce((s, p) => s + p.size, 0);
  process.stderr.write(
    `SCAN simple: ${trainPairs} training pairs, batch ${batchSize} → ${stepsPerEpoch} steps/epoch; ` +
      `vocab ${srcVocab}/${tgtVocab}; qkv params ${modelParams}; load ${loadStart}\n`,
  );

  const notes: string[] = [];
  // The configurations, run in interleaved rounds (every system once per round, so a burst of load
  // hits all alike); the slow reference backend runs in the first round only. A row is the round
  // with the median ms/step; the others are listed under the table.
  const configs: { run: () => Promise<Row>; everyRound: boolean }[] = [
    { run: () => runQkv("reference", "qkv", "reference", 1), everyRound: false },
  ];
  const noWasm = await wasmAvailable();
  if (noWasm) notes.push(`wasm backend skipped: ${noWasm}.`);
  else
    for (const t of threadList)
      configs.push({ run: () => runQkv(`wasm:${t}`, "qkv", "wasm", t), everyRound: true });
  const native = await nativeAvailable();
  if (native) notes.push(`native backend skipped: ${native}.`);
  else
    for (const t of threadList)
      configs.push({ run: () => runQkv(`native:${t}`, "qkv", "native", t), everyRound: true });
  const noTorch = torchAvailable();
  if (noTorch) notes.push(`PyTorch skipped: ${noTorch}.`);
  else
    for (const t of threadList)
      configs.push({ run: () => runTorch(t, Math.max(steps, stepsRef)), everyRound: true });
  const runs: Row[][] = configs.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of configs.entries()) if (r === 0 || c.everyRound) runs[i].push(await c.run());
  }
  const rows = runs.map((all) => {
    const ok = all.filter((x) => x.result).sort((a, b) => a.result!.ms_per_step - b.result!.ms_per_step);
    return ok.length ? ok[(ok.length - 1) >> 1] : all[0];
  });
  runs.forEach((all, i) => {
    const ms = all.filter((x) => x.result).map((x) => f(x.result!.ms_per_step));
    if (ms.length > 1)
      notes.push(`${rows[i].system} ${rows[i].detail} ${rows[i].threads}t rounds: ${ms.join(", ")} ms/step.`);
  });
  const loadEnd = fmtLoad();

  // Checks: same batches, same parameter count.
  for (const r of rows) {
    if (!r.result) continue;
    if (r.result.fingerprint !== ourPrint && r.system === "PyTorch") {
      notes.push(`**PyTorch batches differ** (fingerprint ${r.result.fingerprint} ≠ ${ourPrint}).`);
    }
    if (r.result.params !== modelParams) {
      notes.push(`**${r.system} ${r.detail} has ${r.result.params} parameters, qkv ${modelParams}.**`);
    }
  }
  // Thread scaling that went backwards: on a loaded machine extra threads wait on each other.
  for (const r of rows) {
    const one = rows.find((o) => o.system === r.system && o.detail === r.detail && o.threads === 1)?.result;
    if (r.threads > 1 && r.result && one && r.result.ms_per_step > one.ms_per_step) {
      notes.push(
        `${r.system} ${r.detail} on ${r.threads} threads was slower than on 1 (${f(r.result.ms_per_step)} vs ` +
          `${f(one.ms_per_step)} ms/step): with the machine loaded beyond its ${cpus().length} cores, threads ` +
          "that synchronise every op wait for each other; its multi-thread ratio says little here.",
      );
    }
  }
  const torchRows = rows.filter((r) => r.system === "PyTorch" && r.result);
  const torchParams = torchRows[0]?.result?.params;
  const ratioOf = (r: Row): string => {
    if (r.system === "PyTorch" || !r.result) return "—";
    const peer = torchRows.find((t) => t.threads === r.threads)?.result;
    if (!peer || peer.step_ms.length < r.result.steps) return "n/a";
    const torchMs = mean(peer.step_ms.slice(0, r.result.steps));
    return `${(r.result.ms_per_step / torchMs).toFixed(2)}×`;
  };

  const header =
    "| system | backend | threads | timed steps | ms/step (wall) | CPU ms/step | tokens/s | s/epoch (projected) | qkv / PyTorch | load (1 min) |";
  const lines = [header, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"];
  for (const r of rows) {
    if (!r.result) {
      lines.push(`| ${r.system} | ${r.detail} | ${r.threads} | — | failed: ${r.error} | | | | | |`);
      continue;
    }
    const x = r.result;
    const tps = x.tokens_per_step / (x.ms_per_step / 1000);
    const epochS = (x.ms_per_step * stepsPerEpoch) / 1000;
    lines.push(
      `| ${r.system} | ${r.detail} | ${r.threads} | ${x.steps} | ${f(x.ms_per_step)} | ${f(x.cpu_ms_per_step)} | ` +
        `${f(tps)} | ${f(epochS)} | ${ratioOf(r)} | ${r.load.toFixed(2)} |`,
    );
  }
  const table = lines.join("\n");
  console.log(`\n${table}\n`);
  for (const n of notes) console.log(n);

  if (argv.includes("--no-write")) return;
  const torchInfo = torchRows[0]?.result;
  const ms = Date.now() - started.getTime();
  const command =
    process.env.npm_lifecycle_event === "bench:train"
      ? `npm run bench:train${argv.length ? ` -- ${argv.join(" ")}` : ""}`
      : `npx tsx ${relative(ROOT, fileURLToPath(import.meta.url))}${argv.length ? ` ${argv.join(" ")}` : ""}`;
  const timedShapes = used
    .slice(warmup)
    .map((b) => `(${b.B}, ${b.S}, ${b.T})`)
    .join(", ");
  const doc = `# Training speed: SCAN simple, qkv vs PyTorch

Time per training step of the seq2seq model (issue 4), qkv on each available backend and the same
model in PyTorch, on the same batches. Generated by \`bench/train-speed.ts\` (PyTorch side:
\`bench/seq2seq_torch.py\`); rerun it to refresh this page.

${table}

- **ms/step (wall)**: mean wall time of one full training step (zero grad, teacher-forced forward,
  cross-entropy with ignore index 0, backward, gradient-norm clip 1, Adam step, \`loss.item()\`) over the
  timed batches. **CPU ms/step**: CPU time of the whole process (all threads) per step. **tokens/s**:
  target tokens (the trainer's count, target length + 1 per example) per wall second.
  **s/epoch (projected)** = ms/step × ${stepsPerEpoch} steps (⌈${trainPairs} training pairs / batch ${batchSize}⌉).
- **qkv / PyTorch**: qkv's wall ms/step ÷ PyTorch's over the *same* timed batches (PyTorch's per-step
  times, first *n* of its timed steps) at the same thread count; the reference backend is
  single-threaded and is set against PyTorch on 1 thread. Above 1 = qkv slower.
- **load (1 min)**: the machine's 1-minute load average when that run started.
- **Rounds**: ${rounds} interleaved rounds, every system once per round (the reference backend in the first
  only); each row is its median round, the rounds' figures are listed below.
${notes.length ? `\n${notes.map((n) => `**Note:** ${n}`).join("\n\n")}\n` : ""}
## Setup

- Model: \`Seq2Seq\` of src/models/seq2seq — embeddings 64, bidirectional LSTM encoder 2 × 128 (over
  \`lengths\`), bridges tanh(W h) / W c to the decoder's (256, 256) state, LSTMCell decoder 256 with
  Luong input feeding, attention luong-general (e = sᵀ W h), h̃ = tanh(W_c [c; s]) without bias,
  output Linear, dropout 0.1 on embeddings and h̃. Vocabularies ${srcVocab} (source) / ${tgtVocab} (target).
- Parameters: qkv ${modelParams}, PyTorch ${torchParams ?? "n/a"}${torchParams === modelParams ? " (equal)" : ""}.
- Data: SCAN simple (\`tasks_train_simple.txt\`), the trainer's split (\`loadTask("scan-simple", { seed: 1 })\`:
  ${trainPairs} training pairs) and its epoch-1 batches (\`makeBatches\` with batch ${batchSize}, sorted by
  length, batch order shuffled with seed 1000). PyTorch builds the same batches in Python (a port of the
  shuffle, split, vocabulary and collation); batch fingerprint qkv \`${ourPrint}\`, PyTorch
  \`${torchRows.map((r) => r.result?.fingerprint).join("`, `") || "n/a"}\`${torchRows.every((r) => r.result?.fingerprint === ourPrint) && torchRows.length ? " (identical)" : ""}.
- Steps: ${warmup} warm-up step(s), then ${steps} timed steps (reference backend: the first ${stepsRef} of them).
  Timed batches (B, S, T):
  ${timedShapes}.
  They average ${f(mean(used.slice(warmup).map(tokensOf)), 0)} target tokens
  per step (first ${stepsRef}: ${f(mean(used.slice(warmup, warmup + stepsRef).map(tokensOf)), 0)}); the whole epoch averages
  ${f(epochTokensPerStep, 0)} tokens and T = ${epochMeanT.toFixed(1)} per step, so the projection is only as
  representative as these few batches.
- Same computation op for op: PyTorch projects the keys k′ = W h once per sentence, as qkv's encode
  does, and adds the padding mask as a bias. Its encoder uses \`pack_padded_sequence\` (the PyTorch
  idiom for lengths) when a batch has padding and the plain call when it has none; qkv runs all S
  steps and carries the state over padding. PyTorch runs with OMP_NUM_THREADS and
  OPENBLAS_NUM_THREADS set to its thread count (OpenBLAS's own pool would otherwise use every core).
  Each qkv configuration runs in a fresh child process.
- PyTorch build: ${torchInfo ? `torch ${torchInfo.torch}; ${torchInfo.blas}` : "n/a"}.${
    torchInfo?.gemm_gflops !== undefined
      ? ` A 512 × 512 × 512 float32 matmul runs at ${torchInfo.gemm_gflops} GFLOP/s on ${torchInfo.threads} thread(s) in this build.`
      : ""
  }${
    torchInfo?.blas?.includes("BLAS_INFO=generic")
      ? " Debian's\n  python3-torch calls the system's generic BLAS, which Debian's alternatives point at OpenBLAS once\n  `libopenblas0-pthread` is installed (as here: see the library loaded above); a run that loads the\n  netlib reference BLAS is refused as a baseline."
      : ""
  }

## Machine and run

- CPU: ${cpuModel()}, ${cpus().length} logical cores; ${f(totalmem() / 2 ** 30, 1)} GiB RAM; ${type()} ${release()}.
- Node ${process.version}; ${torchInfo ? `torch ${torchInfo.torch} (${PYTHON})` : "PyTorch not run"}.
- Date: ${started.toISOString()}; total run time ${f(ms / 1000, 0)} s.
- Load average (1, 5, 15 min): ${loadStart} at the start, ${loadEnd} at the end. The machine was shared
  with other running jobs, so wall times are inflated by contention (compare CPU ms/step).
- Command: \`${command}\`
`;
  writeFileSync(DOC, doc);
  console.log(`wrote ${relative(ROOT, DOC)}`);
}

const childAt = argv.indexOf("--child");
if (childAt >= 0) await child(argv[childAt + 1]);
else await parent();
process.exit(0);
