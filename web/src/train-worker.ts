/**
 * View 6's trainer, in a dedicated Web Worker: the page stays responsive while the models train, and
 * the wasm kernels may use threads here (a worker may block on Atomics.wait; the page's main thread may
 * not), when the page is cross-origin isolated. Elsewhere (a plain static host) it trains on one thread.
 *
 * Protocol (structured-clone messages):
 *   page → worker: { type: "reset", pairs } · { type: "train" } · { type: "stop" }
 *   worker → page: { type: "ready", ... } once, then { type: "state", ... } after every few batches, each
 *   epoch, each stop; { type: "error", message } when something fails.
 * The first message may carry `threads` (the page's ?threads=N, for benchmarks): the kernels' threads.
 */
import { getBackend, getThreadSupport, initBackend, setNumThreads } from "qkv";
import { DEFAULT_REVERSAL, type Pair, ReversalRun } from "./reversal.js";

export const MAX_EPOCHS = 40;
export const KINDS = ["luong-dot", "none"] as const;

export type ToWorker =
  | { type: "init"; threads?: number; pairs: number }
  | { type: "reset"; pairs: number }
  | { type: "train" }
  | { type: "stop" };

/** One model's state as the page draws it. */
export interface RunSnapshot {
  attention: (typeof KINDS)[number];
  epoch: number;
  progress: { done: number; total: number };
  probe: Pair;
  /** Seconds of training per finished epoch (batches only; evaluation apart). */
  seconds: number[];
  last?: {
    loss: number;
    seconds: number;
    exactMatch: number;
    tokenAccuracy: number;
    byLength: { length: number; exactMatch: number; tokenAccuracy: number }[];
  };
  /** The model's output and alignment for the probe after the last epoch. */
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
  | { type: "state"; running: boolean; runs: RunSnapshot[] }
  | { type: "error"; message: string };

const scope = self as unknown as {
  postMessage(m: FromWorker): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  crossOriginIsolated?: boolean;
};

let runs: ReversalRun[] = [];
let decoded = new Map<ReversalRun, RunSnapshot["decoded"]>();
let running = false;
let stopRequested = false;
let booted: Promise<void> | null = null;

const pause = () => new Promise<void>((r) => setTimeout(r, 0));

function snapshot(r: ReversalRun): RunSnapshot {
  const last = r.history.at(-1);
  return {
    attention: r.attention as RunSnapshot["attention"],
    epoch: r.epoch,
    progress: r.progress(),
    probe: r.probe,
    seconds: r.history.map((h) => h.seconds),
    last: last && {
      loss: last.loss,
      seconds: last.seconds,
      exactMatch: last.eval.exactMatch,
      tokenAccuracy: last.eval.tokenAccuracy,
      byLength: last.eval.byLength.map((b) => ({
        length: b.length,
        exactMatch: b.exactMatch,
        tokenAccuracy: b.tokenAccuracy,
      })),
    },
    decoded: decoded.get(r),
  };
}

function post(): void {
  scope.postMessage({ type: "state", running, runs: runs.map(snapshot) });
}

function reset(pairs: number): void {
  const config = { ...DEFAULT_REVERSAL, trainSize: pairs };
  runs = KINDS.map((k) => new ReversalRun(k, config));
  decoded = new Map();
  post();
}

async function loop(): Promise<void> {
  running = true;
  stopRequested = false;
  post();
  try {
    while (!stopRequested) {
      // The model with fewer finished epochs goes next (attention first on ties).
      const r = runs.reduce((a, b) => (b.epoch < a.epoch ? b : a));
      if (r.epoch >= MAX_EPOCHS) break;
      let steps = 0;
      const finished = await r.trainEpoch(
        () => stopRequested,
        async () => {
          if (++steps % 4 === 0) post();
          await pause(); // lets "stop" in
        },
      );
      if (finished) decoded.set(r, r.decodeProbe());
      post();
      if (!finished) break;
    }
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
    booted.then(() => reset(m.pairs), fail);
    return;
  }
  if (!booted) return;
  booted.then(() => {
    if (m.type === "stop") stopRequested = true;
    else if (m.type === "train" && !running) void loop();
    else if (m.type === "reset" && !running) reset(m.pairs);
  }, fail);
};
