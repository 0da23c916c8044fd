/**
 * View 6's trainer, in a dedicated Web Worker: the page stays responsive while the models train, and
 * the wasm kernels may use threads here (a worker may block on Atomics.wait; the page's main thread may
 * not), when the page is cross-origin isolated. Elsewhere (a plain static host) it trains on one thread.
 *
 * The two models take their steps in turn (attention, then none), so both always have the same number
 * of steps; every `evalEvery` steps both are evaluated (test set, probe) before the next step.
 *
 * Protocol (structured-clone messages):
 *   page → worker: { type: "init", threads?, settings } once, then { type: "reset", settings } ·
 *   { type: "train" } · { type: "step" } · { type: "stop" } · { type: "lr", lr }
 *   worker → page: { type: "ready", ... } once, then { type: "state", ... } every ~200 ms while training,
 *   after each evaluation, each step and each stop; { type: "error", message } when something fails.
 * `threads` (the page's ?threads=N, for benchmarks): the kernels' threads.
 */
import { getBackend, getThreadSupport, initBackend, setNumThreads } from "qkv";
import { DEFAULT_REVERSAL, type Pair, type ReversalConfig, ReversalRun } from "./reversal.js";

/** Training stops by itself after this many steps (each model). */
export const MAX_STEPS = 2000;
export const KINDS = ["luong-dot", "none"] as const;

/**
 * What the page's controls set; the rest of the recipe is `DEFAULT_REVERSAL`. `batchSize` (no control
 * on the page) is for benchmarks: bench:explorer times the epoch, 16 batches of 32.
 */
export type TrainSettings = Pick<ReversalConfig, "trainSize" | "lr" | "hidden"> &
  Partial<Pick<ReversalConfig, "batchSize">>;

export type ToWorker =
  | { type: "init"; threads?: number; settings: TrainSettings }
  | { type: "reset"; settings: TrainSettings }
  | { type: "lr"; lr: number }
  | { type: "train" }
  | { type: "step" }
  | { type: "stop" };

/** One evaluation as the page draws it. */
export interface EvalSnapshot {
  step: number;
  loss: number;
  exactMatch: number;
  tokenAccuracy: number;
  /** Exact match on the test strings of length ≥ 10. */
  longExactMatch: number;
  probeDiagonal: number;
  byLength: { length: number; exactMatch: number; tokenAccuracy: number }[];
}

/** One model's state as the page draws it. */
export interface RunSnapshot {
  attention: (typeof KINDS)[number];
  steps: number;
  epoch: number;
  lr: number;
  probe: Pair;
  /** Training loss of every step. */
  losses: number[];
  /** Median milliseconds per step over the last 50 steps. */
  stepMs: number;
  /** Milliseconds of every step (the step alone: evaluations apart). */
  stepTimes: number[];
  /** Every evaluation so far (the last is what the panel shows). */
  evals: EvalSnapshot[];
  /** The model's output and alignment for the probe at the last evaluation. */
  decoded?: { output: string[]; weights: number[][] };
}

export type FromWorker =
  | {
      type: "ready";
      backend: string;
      threads: number;
      available: boolean;
      reason: string;
      isolated: boolean;
    }
  | { type: "state"; running: boolean; config: ReversalConfig; runs: RunSnapshot[] }
  | { type: "error"; message: string };

const scope = self as unknown as {
  postMessage(m: FromWorker): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  crossOriginIsolated?: boolean;
};

let config: ReversalConfig = DEFAULT_REVERSAL;
let runs: ReversalRun[] = [];
let decoded = new Map<ReversalRun, RunSnapshot["decoded"]>();
let running = false;
let stopRequested = false;
let booted: Promise<void> | null = null;

// Yields to the message queue (so "stop" gets in) without setTimeout's ≥ 4 ms clamp on nested timers.
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
const pause = () =>
  new Promise<void>((r) => {
    waiting.push(r);
    channel.port2.postMessage(null);
  });

const median = (xs: number[]) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function snapshot(r: ReversalRun): RunSnapshot {
  return {
    attention: r.attention as RunSnapshot["attention"],
    steps: r.steps,
    epoch: r.epoch,
    lr: r.lr,
    probe: r.probe,
    losses: r.losses,
    stepMs: median(r.stepMs.slice(-50)),
    stepTimes: r.stepMs,
    evals: r.history.map((h) => ({
      step: h.step,
      loss: h.loss,
      exactMatch: h.eval.exactMatch,
      tokenAccuracy: h.eval.tokenAccuracy,
      longExactMatch: h.longExactMatch,
      probeDiagonal: h.probeDiagonal,
      byLength: h.eval.byLength.map((b) => ({
        length: b.length,
        exactMatch: b.exactMatch,
        tokenAccuracy: b.tokenAccuracy,
      })),
    })),
    decoded: decoded.get(r),
  };
}

let lastPost = 0;
function post(): void {
  lastPost = performance.now();
  scope.postMessage({ type: "state", running, config, runs: runs.map(snapshot) });
}

function reset(settings: TrainSettings): void {
  config = { ...DEFAULT_REVERSAL, ...settings };
  runs = KINDS.map((k) => new ReversalRun(k, config));
  decoded = new Map();
  post();
}

/** One step of each model; both evaluated when the step count reaches a multiple of evalEvery (or `force`). */
function stepBoth(force: boolean): void {
  for (const r of runs) r.step();
  if (force || runs[0].steps % config.evalEvery === 0) evaluateBoth();
}

function evaluateBoth(): void {
  for (const r of runs) {
    r.evaluate();
    decoded.set(r, r.decodeProbe());
  }
}

async function loop(): Promise<void> {
  running = true;
  stopRequested = false;
  post();
  try {
    while (!stopRequested && runs[0].steps < MAX_STEPS) {
      const before = runs[0].history.length;
      stepBoth(false);
      if (runs[0].history.length > before || performance.now() - lastPost > 200) post();
      await pause(); // lets "stop" in
    }
    // Stopped between evaluations: evaluate now, so the panels show the models as they stopped.
    if (runs[0].steps > 0 && runs[0].history.at(-1)?.step !== runs[0].steps) evaluateBoth();
  } catch (e) {
    scope.postMessage({ type: "error", message: (e as Error).message });
  }
  running = false;
  post();
}

async function boot(threads: number | undefined): Promise<void> {
  const backend = await initBackend();
  if (threads !== undefined) await setNumThreads(threads);
  const t = getThreadSupport();
  scope.postMessage({
    type: "ready",
    backend,
    threads: backend === "wasm" ? t.threads : 1,
    available: t.available,
    reason: getBackend() === "wasm" ? t.reason : `kernels on ${getBackend()}`,
    isolated: scope.crossOriginIsolated === true,
  });
}

scope.onmessage = (e) => {
  const m = e.data;
  const fail = (err: unknown) => scope.postMessage({ type: "error", message: (err as Error).message });
  if (m.type === "init") {
    booted = boot(m.threads);
    booted.then(() => reset(m.settings), fail);
    return;
  }
  if (!booted) return;
  booted.then(() => {
    if (m.type === "stop") stopRequested = true;
    else if (m.type === "train" && !running) void loop();
    else if (m.type === "step" && !running) {
      try {
        stepBoth(true);
      } catch (err) {
        fail(err);
      }
      post();
    } else if (m.type === "lr") {
      // A new learning rate for both models from their next step (the halving schedule goes on).
      config = { ...config, lr: m.lr };
      for (const r of runs) r.setLr(m.lr);
      post();
    } else if (m.type === "reset" && !running) reset(m.settings);
  }, fail);
};
