/**
 * The bundled Transformer recipe's training step (pretrained/en-hi-transformer: its best.json config,
 * `npm run train:en-hi`'s options), timed on qkv's native and wasm backends and on PyTorch, 1 thread
 * each, each in its own process, interleaved rounds (issue 19).
 *
 *   npm run bench:train-transformer [-- --warmup 3 --steps 20 --rounds 3 --check 2
 *                                       --extra-train runs/freedict-eng-hin.tsv --no-write]
 *
 * The recipe: task tatoeba-hin-std, BPE 2,000 ids per side, plus the FreeDict word pairs
 * (`--extra-train`, default runs/freedict-eng-hin.tsv as `scripts/results-std.sh freedict` makes it;
 * `--no-extra-train` leaves them out and says so); the model pretrained/en-hi-transformer/best.json's
 * `meta.config` (d_model 128, 4 heads, FFN 512, 2 + 2 pre-norm layers, dropout 0.2, latent alignment
 * layer, tied output) freshly initialised after manualSeed(1) (as `qkv train` seeds, then loads the
 * task, then builds); batches of 32 sentences, the trainer's epoch 0 (makeBatches shuffle +
 * sortByLength, seed 1000); `trainStep` (src/train/step.ts) with label smoothing 0.1, clip 1, Adam, Noam
 * (warmup 400, lr 0.34, width 128).
 *
 * The same work on every system: the first warmup + steps batches go to tmp/transformer-batches.json,
 * the initial state dict to tmp/transformer-init.safetensors; every child (qkv and
 * bench/transformer_torch.py) loads both (the state dict strictly) and checks the batches' fingerprint.
 * Dropout: the timed run has the recipe's 0.2 on every system, so losses after step 0 differ (each
 * system draws its own masks). The model check is a separate run in each child before the timed one:
 * `check` steps of the same model with dropout 0 from the same weights; the first loss must agree with
 * qkv native's within 1e-4 relative, and the second (after one update: gradients, clipping, Adam, Noam)
 * within 1e-3, or the bench stops. Each system runs `warmup` steps untimed, then times `steps`; a
 * round's figure is the median step (also the sum of the timed steps' wall and CPU times), the table's
 * the median of rounds.
 * Writes the section between the transformer-train markers of docs/BENCHMARKS.md unless --no-write.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Batch } from "../src/data/index.js";
import { makeBatches } from "../src/data/index.js";
import { decodeSafetensors, encodeSafetensors } from "../src/io/safetensors.js";
import { TransformerModel, type TransformerModelConfig } from "../src/models/transformer/index.js";
import { Adam } from "../src/nn/index.js";
import { NoamLR } from "../src/nn/optim/lr-scheduler.js";
import { manualSeed } from "../src/tensor/index.js";
import { type TrainBatch, trainStep } from "../src/train/step.js";
import { loadTask } from "../src/train/tasks.js";
import { intOption, runPythonJson, stringOption, writeBatchesJson, writeSection } from "./script-helpers.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..");
const PYTHON = "/usr/bin/python3";
const DOC = join(ROOT, "docs", "BENCHMARKS.md");
const BEGIN =
  "<!-- transformer-train:begin (written by `npm run bench:train-transformer`, bench/transformer-train-speed.ts) -->";
const END = "<!-- transformer-train:end -->";
const MARKER = "@@RESULT ";
const BUNDLED = join(ROOT, "pretrained", "en-hi-transformer", "best.json");
const BATCHES_FILE = join(ROOT, "tmp", "transformer-batches.json");
const WEIGHTS_FILE = join(ROOT, "tmp", "transformer-init.safetensors");
const RECIPE_FILE = join(ROOT, "tmp", "transformer-config.json");
/** `npm run train:en-hi` (pretrained/en-hi-transformer/README.md): the options a step depends on. */
const RECIPE = { seed: 1, batchSize: 32, labelSmoothing: 0.1, clip: 1, lr: 0.34, warmup: 400 } as const;

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => stringOption(argv, name, dflt);
const intOpt = (name: string, dflt: number, min: number) => intOption(argv, name, dflt, min);
const warmup = intOpt("warmup", 3, 1);
const steps = intOpt("steps", 20, 1);
const rounds = intOpt("rounds", 3, 1);
const check = intOpt("check", 2, 1);
const write = !argv.includes("--no-write");
const extraTrain = argv.includes("--no-extra-train")
  ? null
  : resolve(ROOT, opt("extra-train", "runs/freedict-eng-hin.tsv"));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const fmtLoad = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");

function fingerprint(batches: readonly TrainBatch[]): string {
  const h = createHash("sha256");
  for (const b of batches)
    for (const a of [b.src, b.tgtIn, b.tgtOut])
      h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest("hex").slice(0, 16);
}

/** The bundled model's config (pretrained/en-hi-transformer/best.json `meta.config`). */
function bundledConfig(): TransformerModelConfig {
  const ck = JSON.parse(readFileSync(BUNDLED, "utf8")) as { meta: { config: TransformerModelConfig } };
  return ck.meta.config;
}

/** What one timed run reports. */
interface Result {
  median: number;
  total: number;
  /** CPU ms of the timed steps (every thread of the process: GC helpers included). */
  cpu: number;
  checkLosses: number[];
  losses: number[];
  fingerprint: string;
  /** qkv native: the addon file that loaded (path, sha256 prefix, instruction set). */
  addon?: string;
  blas?: string;
  torch?: string;
  gemmGflops?: number;
}

function readBatches(): TrainBatch[] {
  const raw = JSON.parse(readFileSync(BATCHES_FILE, "utf8")) as {
    B: number;
    S: number;
    T: number;
    src: number[];
    srcLengths: number[];
    tgtIn: number[];
    tgtOut: number[];
  }[];
  return raw.map((b) => ({
    B: b.B,
    S: b.S,
    T: b.T,
    src: Int32Array.from(b.src),
    srcLengths: b.srcLengths,
    tgtIn: Int32Array.from(b.tgtIn),
    tgtOut: Int32Array.from(b.tgtOut),
  }));
}

/** `count` training steps from the initial weights with `dropout`; the times of steps ≥ `timedFrom`. */
function trainRun(
  config: TransformerModelConfig,
  init: ReturnType<typeof decodeSafetensors>["tensors"],
  batches: readonly TrainBatch[],
  dropout: number,
  count: number,
  timedFrom: number,
): { losses: number[]; ms: number[]; cpu: number } {
  const model = new TransformerModel({ ...config, dropout });
  model.loadStateDict(init, { strict: true });
  model.train();
  const optimizer = new Adam(model.parameters(), { lr: RECIPE.lr });
  const scheduler = new NoamLR(optimizer, { warmupSteps: RECIPE.warmup, dModel: model.config.dModel });
  const options = { labelSmoothing: RECIPE.labelSmoothing, clip: RECIPE.clip, scheduler };
  manualSeed(RECIPE.seed); // dropout masks
  const losses: number[] = [];
  const ms: number[] = [];
  let cpu0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    if (i === timedFrom) cpu0 = process.cpuUsage();
    const t0 = performance.now();
    losses.push(trainStep(model, optimizer, batches[i], options));
    if (i >= timedFrom) ms.push(performance.now() - t0);
  }
  const c = process.cpuUsage(cpu0);
  return { losses, ms, cpu: (c.user + c.system) / 1000 };
}

async function child(backend: string): Promise<void> {
  const kernels = await import("../src/kernels/index.js");
  await kernels.setBackend(backend as Parameters<typeof kernels.setBackend>[0]);
  await kernels.setNumThreads(1);
  const batches = readBatches();
  const init = decodeSafetensors(new Uint8Array(readFileSync(WEIGHTS_FILE))).tensors;
  const config = bundledConfig();
  const checkRun = trainRun(config, init, batches, 0, check, check);
  const timed = trainRun(config, init, batches, config.dropout ?? 0, warmup + steps, warmup);
  let addon: string | undefined;
  if (backend === "native") {
    const { nativeStatus } = await import("../src/kernels/native/index.js");
    const st = nativeStatus();
    const file = st.file ? resolve(ROOT, st.file) : null;
    const sha =
      file && existsSync(file)
        ? createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 12)
        : "?";
    addon = `${st.file ?? "?"} (${st.origin ?? "?"}, sha256 ${sha}…, ${st.isas?.[0] ?? "?"})`;
  }
  const r: Result = {
    median: median(timed.ms),
    total: sum(timed.ms),
    cpu: timed.cpu,
    checkLosses: checkRun.losses,
    losses: timed.losses,
    fingerprint: fingerprint(batches.slice(0, warmup + steps)),
    ...(addon ? { addon } : {}),
  };
  console.log(MARKER + JSON.stringify(r));
}

function runQkv(backend: string): Result {
  const p = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), ...argv, "--child", backend],
    { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 },
  );
  const line = p.stdout.split("\n").find((l) => l.startsWith(MARKER));
  if (!line) throw new Error(`qkv ${backend}: no result (exit ${p.status}): ${p.stderr.trim().slice(-800)}`);
  return JSON.parse(line.slice(MARKER.length)) as Result;
}

function runTorch(): Result {
  const x = runPythonJson(
    PYTHON,
    join(HERE, "transformer_torch.py"),
    ["--batches", BATCHES_FILE, "--weights", WEIGHTS_FILE, "--config", RECIPE_FILE, "--threads", "1"].concat([
      "--warmup",
      String(warmup),
      "--steps",
      String(steps),
      "--check",
      String(check),
    ]),
    ROOT,
  ) as Record<string, never>;
  return {
    median: x.median_ms,
    total: x.total_ms,
    cpu: x.cpu_ms,
    checkLosses: x.check_losses,
    losses: x.losses,
    fingerprint: x.fingerprint,
    blas: x.blas,
    torch: x.torch,
    gemmGflops: x.gemm_gflops,
  };
}

/** The recipe's batches (epoch 0, the first `n`) and the initial state dict, written to tmp/. */
function prepare(n: number): { shapes: string; trainPairs: number } {
  if (extraTrain !== null && !existsSync(extraTrain)) {
    throw new Error(
      `--extra-train: ${extraTrain} does not exist (the recipe's FreeDict pairs: scripts/results-std.sh freedict makes runs/freedict-eng-hin.tsv; or pass --extra-train PATH, or --no-extra-train)`,
    );
  }
  manualSeed(RECIPE.seed);
  const task = loadTask("tatoeba-hin-std", {
    seed: RECIPE.seed,
    tokenizer: "bpe",
    vocabSize: 2000,
    ...(extraTrain !== null ? { extraTrain } : {}),
  });
  const config = bundledConfig();
  if (task.srcVocab.size !== config.srcVocabSize || task.tgtVocab.size !== config.tgtVocabSize) {
    throw new Error(
      `the task's vocabularies (${task.srcVocab.size}, ${task.tgtVocab.size}) are not the bundled config's (${config.srcVocabSize}, ${config.tgtVocabSize})`,
    );
  }
  const model = new TransformerModel(config);
  const examples = task.train.map((p) => ({
    src: task.srcVocab.encode(p.src),
    tgt: task.tgtVocab.encode(p.tgt),
  }));
  const all = makeBatches(examples, {
    batchSize: RECIPE.batchSize,
    shuffle: true,
    sortByLength: true,
    seed: RECIPE.seed * 1000,
  });
  const batches: Batch[] = all.slice(0, n);
  if (batches.length < n) throw new Error(`only ${all.length} batches in an epoch for ${n} steps`);
  mkdirSync(join(ROOT, "tmp"), { recursive: true });
  writeBatchesJson(BATCHES_FILE, batches);
  writeFileSync(WEIGHTS_FILE, encodeSafetensors(model.stateDict()));
  writeFileSync(RECIPE_FILE, JSON.stringify({ config, ...RECIPE }));
  return {
    shapes: batches.map((b) => `${b.B}×${b.S}×${b.T}`).join(", "),
    trainPairs: task.train.length,
  };
}

async function parent(): Promise<void> {
  const loadStart = fmtLoad();
  const n = Math.max(warmup + steps, check);
  const { shapes, trainPairs } = prepare(n);
  const timedPrint = fingerprint(readBatches().slice(0, warmup + steps));
  console.log(
    `batches ${shapes} (B×S×T; fingerprint ${timedPrint}); ${warmup} warm-up + ${steps} timed steps, ${check} check steps; load ${loadStart}`,
  );
  const systems = ["qkv native", "qkv wasm", "PyTorch"] as const;
  type System = (typeof systems)[number];
  const times: Record<System, number[]> = { "qkv native": [], "qkv wasm": [], PyTorch: [] };
  const totals: Record<System, number[]> = { "qkv native": [], "qkv wasm": [], PyTorch: [] };
  const cpuTotals: Record<System, number[]> = { "qkv native": [], "qkv wasm": [], PyTorch: [] };
  const results: Partial<Record<System, Result>> = {};
  const roundLoads: string[] = [];
  const addons: string[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const s of systems) {
      const x = s === "PyTorch" ? runTorch() : runQkv(s.slice(4));
      if (x.fingerprint !== timedPrint)
        throw new Error(`${s}: batches differ (${x.fingerprint} ≠ ${timedPrint})`);
      if (s === "PyTorch" && /\/blas\/libblas\.so/.test(x.blas ?? ""))
        throw new Error(`PyTorch loaded the netlib reference BLAS (${x.blas}): install libopenblas0-pthread`);
      times[s].push(x.median);
      if (x.addon) addons.push(x.addon);
      totals[s].push(x.total);
      cpuTotals[s].push(x.cpu);
      results[s] = x;
      console.log(
        `round ${r + 1} ${s} 1 thread: ${x.median.toFixed(1)} ms/step median, ${x.total.toFixed(0)} ms (CPU ${x.cpu.toFixed(0)} ms) for ${steps} steps (check losses ${x.checkLosses.map((v) => v.toFixed(6)).join(", ")}; dropout run step ${warmup + steps} ${x.losses[x.losses.length - 1].toFixed(4)}); load ${fmtLoad()}`,
      );
      const base = results["qkv native"]?.checkLosses;
      if (base) {
        const rel = (i: number) => Math.abs(x.checkLosses[i] - base[i]) / Math.max(1e-12, Math.abs(base[i]));
        if (rel(0) > 1e-4)
          throw new Error(
            `${s}: first loss ${x.checkLosses[0]} ≠ qkv native's ${base[0]}: not the same model`,
          );
        if (check > 1 && rel(1) > 1e-3)
          throw new Error(
            `${s}: loss after one update ${x.checkLosses[1]} ≠ qkv native's ${base[1]}: not the same step`,
          );
      }
    }
    roundLoads.push(fmtLoad());
  }
  const base = results["qkv native"]!.checkLosses;
  const relText = (s: System, i: number) => {
    const rel = Math.abs(results[s]!.checkLosses[i] - base[i]) / Math.abs(base[i]);
    return rel === 0 ? "equal" : rel.toExponential(1);
  };
  const torchMs = median(times.PyTorch);
  const torchTotal = median(totals.PyTorch);
  const torchCpu = median(cpuTotals.PyTorch);
  const rows = systems.map((s) => {
    const m = median(times[s]);
    const t = median(totals[s]);
    const u = median(cpuTotals[s]);
    const c = results[s]!.checkLosses;
    return `| ${s} | ${m.toFixed(1)} | ${Math.min(...times[s]).toFixed(1)}–${Math.max(...times[s]).toFixed(1)} | ${(m / torchMs).toFixed(2)} | ${t.toFixed(0)} | ${(t / torchTotal).toFixed(2)} | ${u.toFixed(0)} | ${(u / torchCpu).toFixed(2)} | ${c[0].toFixed(6)}${s === "qkv native" ? "" : ` (${relText(s, 0)})`} | ${check > 1 ? `${c[1].toFixed(6)}${s === "qkv native" ? "" : ` (${relText(s, 1)})`}` : "—"} |`;
  });
  const loadEnd = fmtLoad();
  const torch = results.PyTorch!;
  const ratio = {
    median: median(times["qkv native"]) / torchMs,
    total: median(totals["qkv native"]) / torchTotal,
    cpu: median(cpuTotals["qkv native"]) / torchCpu,
  };
  const env = process.env.QKV_NATIVE_ADDON
    ? `QKV_NATIVE_ADDON=${relative(ROOT, process.env.QKV_NATIVE_ADDON)} `
    : "";
  const command = `${env}npm run bench:train-transformer${argv.length ? ` -- ${argv.join(" ")}` : ""}`;
  const worst = Math.max(ratio.median, ratio.total, ratio.cpu);
  const verdict = `Goal ≤ 1.0× PyTorch's time (stretch 0.8×), qkv native on 1 thread: **${worst <= 0.8 ? "stretch met" : worst <= 1 ? "met" : "not met"}** — ${ratio.median.toFixed(2)}× by the median step, ${ratio.total.toFixed(2)}× by the sum of the timed steps, ${ratio.cpu.toFixed(2)}× by CPU time.`;
  const section = `${BEGIN}
## The bundled Transformer recipe's training step (issue 19)

\`${command}\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model.trim()}), load average before ${loadStart}, after ${loadEnd} (after each round: ${roundLoads.join(" / ")}).
One training step of pretrained/en-hi-transformer's recipe (its best.json config: d_model 128, 4 heads, FFN
512, 2 + 2 pre-norm layers, dropout 0.2, the latent alignment layer, output tied to the target embedding;
freshly initialised after manualSeed(1)), on the trainer's first ${warmup + steps} batches of epoch 0 (task tatoeba-hin-std,
BPE 2,000 ids per side, ${extraTrain !== null ? "with" : "**without**"} the FreeDict word pairs: ${trainPairs} training pairs; 32 sentences a batch,
sorted by length: B×S×T ${shapes}): \`trainStep\` with label smoothing 0.1, clip-grad-norm 1, Adam, Noam
(warmup 400, lr 0.34). Node ${process.version} for qkv (native addon ${[...new Set(addons)].join("; then ")}), 1 thread everywhere, each system in its own process,
${rounds} interleaved rounds of ${warmup} untimed + ${steps} timed steps on the same batches (fingerprint ${timedPrint}) from the
same initial weights (qkv's state dict, loaded strictly by bench/transformer_torch.py: scripts/qkv_torch.py's
TransformerModel plus the latent layer written op for op as qkv's). PyTorch: torch ${torch.torch}, ${torch.blas};
one 512³ matmul ${torch.gemmGflops} GFLOP/s. The timed runs have the recipe's dropout 0.2 on every system
(each draws its own masks, so their losses part after step 0). The model check is a separate run in each
process: ${check} steps with dropout 0 from the same weights; its first loss (before any update) must agree
with qkv native's within 1e-4 relative and the second (after one update) within 1e-3, else the bench stops
(relative differences in brackets). The ratio is qkv's time ÷ PyTorch's (goal ≤ 1.0, stretch 0.8); the
median step weighs the batches' mixed lengths evenly, the sum of the ${steps} timed steps by their size; CPU
time counts every thread of the process (V8's GC helpers included) and is less moved by other load.

| system (1 thread) | ms per step, median of rounds | rounds' range | ÷ PyTorch | ms for the ${steps} timed steps | ÷ PyTorch | CPU ms, ${steps} steps | ÷ PyTorch | check: first loss | check: loss after one update |
|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|
${rows.join("\n")}

${verdict}
${END}`;
  console.log(section);
  if (write) {
    writeSection(DOC, BEGIN, END, section);
    console.log(`wrote ${DOC}`);
  }
}

const ci = argv.indexOf("--child");
if (ci >= 0) await child(argv[ci + 1]);
else await parent();
