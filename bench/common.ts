/**
 * Shared by the orchestrator (run.ts) and the per-cell child (worker.ts): the workloads, their FLOP
 * counts, the systems' names, the timing loop and the line a child reports its result on.
 *
 * Shape letters: B batch, H heads, N sequence length (T = S = N), d head dim, E model dim.
 */

/** Attention forward, softmax(Q Kᵀ/√d) V over (B, H, N, d): 4·B·H·N²·d FLOPs. */
export interface AttentionWorkload {
  kind: "forward" | "forward-backward";
  id: string;
  label: string;
  shape: [B: number, H: number, N: number, d: number];
  flops: number;
}

/** One training step (forward + backward, no optimizer update) of multi-head self-attention. */
export interface MhaWorkload {
  kind: "mha-train";
  id: string;
  label: string;
  B: number;
  T: number;
  E: number;
  heads: number;
  flops: number;
}

export type Workload = AttentionWorkload | MhaWorkload;

const forwardFlops = (B: number, H: number, N: number, d: number) => 4 * B * H * N * N * d;

function forward(B: number, H: number, N: number, d: number): AttentionWorkload {
  return {
    kind: "forward",
    id: `fwd-${B}x${H}x${N}x${d}`,
    label: `forward (${B},${H},${N},${d})`,
    shape: [B, H, N, d],
    flops: forwardFlops(B, H, N, d),
  };
}

/** Backward of attention is counted as twice the forward (dV, dP, dQ, dK: four N²d matmuls). */
function forwardBackward(B: number, H: number, N: number, d: number): AttentionWorkload {
  return {
    kind: "forward-backward",
    id: `fwdbwd-${B}x${H}x${N}x${d}`,
    label: `forward+backward (${B},${H},${N},${d})`,
    shape: [B, H, N, d],
    flops: 3 * forwardFlops(B, H, N, d),
  };
}

/**
 * Forward FLOPs: Q, K, V and output projections 4 · 2·B·T·E², attention 4·B·T²·E (all heads);
 * a training step counts 3× the forward.
 */
function mhaTrain(B: number, T: number, E: number, heads: number): MhaWorkload {
  return {
    kind: "mha-train",
    id: `mha-train-${B}x${T}x${E}h${heads}`,
    label: `MHA train step B=${B} T=S=${T} E=${E} h=${heads}`,
    B,
    T,
    E,
    heads,
    flops: 3 * (8 * B * T * E * E + 4 * B * T * T * E),
  };
}

/** In the order the report lists them. */
export const WORKLOADS: Workload[] = [
  forward(1, 8, 128, 64),
  forward(1, 8, 512, 64),
  forward(4, 8, 1024, 64),
  forward(1, 1, 4096, 64),
  mhaTrain(8, 128, 256, 8),
  forwardBackward(1, 1, 16384, 64),
];

/** The workload whose outputs are compared across systems. */
export const CHECK_WORKLOAD = WORKLOADS[0] as AttentionWorkload;

export function workloadById(id: string): Workload {
  const w = WORKLOADS.find((x) => x.id === id);
  if (!w)
    throw new Error(`bench: unknown workload "${id}" (known: ${WORKLOADS.map((x) => x.id).join(", ")})`);
  return w;
}

export const SYSTEMS = [
  "qkv-reference",
  "qkv-wasm-1t",
  "qkv-wasm-all",
  "qkv-native-1t",
  "qkv-native-all",
  "tfjs-cpu",
  "tfjs-wasm",
  "onnxruntime",
  "onnxruntime-1t",
  "pytorch",
  "plain-js-2w",
] as const;
export type SystemName = (typeof SYSTEMS)[number];

export const isQkv = (s: string) => s.startsWith("qkv-");

/** What a child reports for one (system, workload) cell. */
export interface CellResult {
  status: "ok" | "n/a" | "unavailable" | "error";
  /** Why a cell is n/a, unavailable or failed. */
  reason?: string;
  medianMs?: number;
  minMs?: number;
  runs?: number;
  warmup?: string;
  /** Peak resident set size of the child process (MiB), and its RSS just before the timed runs. */
  peakRssMb?: number;
  rssBeforeMb?: number;
  /** Wall time of the whole cell in the child (s). */
  cellS?: number;
  /** Free-form facts a system reports (threads used, fusion seen, ...). */
  notes?: string[];
  /** Interleaved rounds this cell ran (the result shown is the round with the median time). */
  rounds?: number;
}

/** A child prints its result on one line starting with this marker (peers print banners on stdout). */
export const RESULT_MARKER = "@@RESULT ";

export interface ProbeResult {
  available: boolean;
  reason?: string;
  version?: string;
  notes?: string[];
}

/** Deterministic inputs: mulberry32 uniform in [-1, 1). */
export function seededData(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export interface TimingOptions {
  /** Time allowed for the timed runs (ms); the loop stops before a run that would pass it. */
  budgetMs: number;
  maxRuns: number;
  /** Full-size warm-up runs ("full"), one run at a smaller size ("reduced"), or none. */
  warmup: "full" | "reduced" | "none";
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const mib = (bytes: number) => bytes / 1048576;

/**
 * Warm-up, then timed runs until the budget or `maxRuns` (at least one): median and min in ms, with
 * the process's peak RSS (getrusage maxrss) and its RSS just before the timed runs.
 */
export async function timeCell(
  run: () => unknown,
  warmupReduced: (() => unknown) | null,
  opts: TimingOptions,
): Promise<Pick<CellResult, "medianMs" | "minMs" | "runs" | "warmup" | "peakRssMb" | "rssBeforeMb">> {
  let warmup = "none";
  if (opts.warmup === "full") {
    const t0 = performance.now();
    let n = 0;
    // At least 10 runs and 250 ms (caches, branch predictors, allocator and clock in steady state;
    // a sub-millisecond cell was timed cold after 3 ms of warm-up), never past 1 s.
    do {
      await run();
      n++;
    } while ((n < 10 || performance.now() - t0 < 250) && performance.now() - t0 < 1000);
    warmup = `${n} full-size`;
  } else if (opts.warmup === "reduced" && warmupReduced) {
    await warmupReduced();
    warmup = "1 at N/4";
  }
  const rssBeforeMb = mib(process.memoryUsage().rss);
  const times: number[] = [];
  let spent = 0;
  do {
    const t0 = performance.now();
    await run();
    const dt = performance.now() - t0;
    times.push(dt);
    spent += dt;
  } while (times.length < opts.maxRuns && spent + times[times.length - 1] <= opts.budgetMs);
  return {
    medianMs: median(times),
    minMs: Math.min(...times),
    runs: times.length,
    warmup,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    rssBeforeMb,
  };
}

/** The same inputs in every process: q, k, v from seeds 1, 2, 3 (x of the MHA step from seed 4). */
export function inputsFor(w: Workload): { q: Float32Array; k: Float32Array; v: Float32Array } {
  if (w.kind === "mha-train") {
    return { q: seededData(w.B * w.T * w.E, 4), k: new Float32Array(0), v: new Float32Array(0) };
  }
  const n = w.shape.reduce((p, x) => p * x, 1);
  return { q: seededData(n, 1), k: seededData(n, 2), v: seededData(n, 3) };
}
