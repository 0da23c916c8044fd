/**
 * View 6: train the reversal models, with and without attention, step by step in turn; every few steps
 * draw the attention model's alignment of a fixed probe (it sharpens into the anti-diagonal), both
 * models' exact match by length, and the loss curves. Train, stop, one step at a time, reset; the
 * learning rate (live), the hidden size and the training pairs (both reset) are controls, as in
 * TensorFlow Playground.
 *
 * The training runs in a dedicated Web Worker (./train-worker.ts): the page stays responsive, and where
 * the page is cross-origin isolated the worker's wasm kernels run on several threads (a page's main
 * thread may not block on Atomics.wait, so it cannot). This module only draws what the worker reports.
 */
import { lineChartSvg } from "qkv";
import { byId, el, fill, svgElement } from "./dom.js";
import { heatmap } from "./heatmap.js";
import { DEFAULT_REVERSAL, type ReversalConfig } from "./reversal.js";
import type { EvalSnapshot, FromWorker, RunSnapshot, ToWorker, TrainSettings } from "./train-worker.js";

const LABELS: Record<RunSnapshot["attention"], string> = {
  "luong-dot": "with attention (Luong dot)",
  none: "without attention (one context vector)",
};
const SHORT: Record<RunSnapshot["attention"], string> = { "luong-dot": "attention", none: "no attention" };

export const LR_CHOICES = [0.003, 0.01, 0.02, 0.05];
export const HIDDEN_CHOICES = [16, 32, 64];
export const PAIRS_CHOICES = [128, 512, 2048, 8192];

/** One evaluation as the page saw it arrive: `ms` after the training was started (Train on a fresh run). */
export interface TimedEval {
  ms: number;
  step: number;
  exactMatch: number;
  probeDiagonal: number;
  probeRows: number;
  /** The model without attention at the same step: exact match on lengths ≥ 10. */
  noneLongExactMatch: number;
}

/** What tests and the benchmark read (window.__training). */
export interface TrainingProbe {
  /** The worker's kernels: backend, threads, and why that many. */
  worker?: Extract<FromWorker, { type: "ready" }>;
  running: boolean;
  /** Steps of each model (always equal). */
  steps: Record<string, number>;
  /** Median ms per step over the last 50 steps, by model. */
  stepMs: Record<string, number>;
  /** The attention model's evaluations, timed from pressing Train on a fresh (reset) run. */
  timeline: TimedEval[];
  /** The recipe being trained. */
  config?: ReversalConfig;
  /** Loss-curve redraws (tests: the curve drew). */
  curveDraws: number;
  error?: string;
}

const probe: TrainingProbe = { running: false, steps: {}, stepMs: {}, timeline: [], curveDraws: 0 };
(globalThis as unknown as { __training: TrainingProbe }).__training = probe;

let worker: Worker;
let runs: RunSnapshot[] = [];
let running = false;
let config: ReversalConfig = DEFAULT_REVERSAL;
/** performance.now() when Train was pressed on a run with no steps (the benchmark's clock). */
let startedAt: number | null = null;
let timedEvals = 0;

const send = (m: ToWorker) => worker.postMessage(m);
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** The loss of one batch is noisy: the mean of the last (up to) 10 steps at each step, ≤ ~300 points. */
function smooth(losses: number[]): [number, number][] {
  const every = Math.max(1, Math.ceil(losses.length / 300));
  const out: [number, number][] = [];
  let sum = 0;
  for (let i = 0; i < losses.length; i++) {
    sum += losses[i] - (i >= 10 ? losses[i - 10] : 0);
    if ((i + 1) % every === 0 || i === losses.length - 1) out.push([i + 1, sum / Math.min(10, i + 1)]);
  }
  return out;
}

function curves(): HTMLElement {
  const steps = runs[0]?.steps ?? 0;
  const xRange: [number, number] = [0, Math.max(config.evalEvery, steps)];
  const loss = lineChartSvg(
    runs.map((r) => ({ name: SHORT[r.attention], points: smooth(r.losses) })),
    {
      title: "training loss (mean of the last 10 steps)",
      xLabel: "step",
      yLabel: "cross-entropy",
      xRange,
      markers: steps < 20,
      width: 480,
      height: 260,
    },
  );
  const exact = lineChartSvg(
    runs.flatMap((r) => [
      {
        name: `${SHORT[r.attention]}, all`,
        points: r.evals.map((e) => [e.step, e.exactMatch] as [number, number]),
      },
      {
        name: `${SHORT[r.attention]}, ≥ 10`,
        points: r.evals.map((e) => [e.step, e.longExactMatch] as [number, number]),
      },
    ]),
    {
      title: "test exact match (all lengths, lengths ≥ 10)",
      xLabel: "step",
      yRange: [0, 1],
      xRange,
      width: 480,
      height: 260,
    },
  );
  probe.curveDraws++;
  return el(
    "div",
    { class: "panel train-curves", "data-testid": "train-curves" },
    el("div", { "data-testid": "train-loss" }, svgElement(loss)),
    el("div", { "data-testid": "train-exact" }, svgElement(exact)),
  );
}

function statLine(r: RunSnapshot): HTMLElement {
  const last: EvalSnapshot | undefined = r.evals.at(-1);
  return el(
    "p",
    { class: "trainstat" },
    "step ",
    el("b", { "data-testid": `steps-${r.attention}` }, String(r.steps)),
    " · epoch ",
    el("b", { "data-testid": `epoch-${r.attention}` }, String(r.epoch)),
    ` · lr ${r.lr.toPrecision(2)} · ${r.stepMs.toFixed(0)} ms a step`,
    last
      ? ` · at step ${last.step}: loss ${last.loss.toFixed(3)} · test exact match ${pct(last.exactMatch)} (lengths ≥ 10: ${pct(last.longExactMatch)}), token accuracy ${pct(last.tokenAccuracy)}`
      : "",
  );
}

function panel(r: RunSnapshot): HTMLElement {
  const last: EvalSnapshot | undefined = r.evals.at(-1);
  const parts: (Node | string)[] = [el("h3", {}, LABELS[r.attention]), statLine(r)];
  if (last && r.decoded) {
    const d = r.decoded;
    const ok = d.output.join(" ") === r.probe.tgt.join(" ");
    parts.push(
      el(
        "p",
        { class: "probe" },
        `probe ${r.probe.src.join("")} → ${d.output.join("") || "(nothing)"} ${ok ? "✓" : `✗ (want ${r.probe.tgt.join("")})`}`,
        d.weights.length
          ? ` · ${last.probeDiagonal} of ${r.probe.src.length} rows peak on the anti-diagonal`
          : "",
      ),
    );
    if (d.weights.length) {
      parts.push(
        heatmap(d.weights, {
          rowLabels: [...d.output, "<eos>"].slice(0, d.weights.length),
          colLabels: r.probe.src,
          testId: `train-map-${r.attention}`,
          cell: 18,
          showValues: false,
        }),
      );
    }
    const em = last.byLength;
    parts.push(
      svgElement(
        lineChartSvg(
          [
            { name: "exact match", points: em.map((b) => [b.length, b.exactMatch] as [number, number]) },
            {
              name: "token accuracy",
              points: em.map((b) => [b.length, b.tokenAccuracy] as [number, number]),
            },
          ],
          {
            title: `at step ${last.step}: accuracy by length`,
            xLabel: "length",
            yRange: [0, 1],
            width: 380,
            height: 220,
          },
        ),
      ),
    );
  }
  return el("div", { class: "panel", "data-testid": `train-panel-${r.attention}` }, ...parts);
}

/** What the heavy parts of the panels (probe map, accuracy by length) show: redrawn only when it changes. */
let drawnKey = "";

function render(): void {
  const host = byId("train-panels");
  const key = JSON.stringify([config, runs.map((r) => [r.attention, r.evals.length, r.evals.at(-1)?.step])]);
  const old = host.querySelector('[data-testid="train-curves"]');
  if (key === drawnKey && old && runs.length) {
    // Between evaluations only the numbers of the stat lines and the curves move (cheap to draw).
    old.replaceWith(curves());
    for (const r of runs)
      host.querySelector(`[data-testid="train-panel-${r.attention}"] .trainstat`)?.replaceWith(statLine(r));
  } else {
    fill(host, ...(runs[0]?.steps ? [curves()] : []), ...runs.map(panel));
    drawnKey = key;
  }
  const b = byId<HTMLButtonElement>("train-button");
  b.textContent = running ? "Stop" : runs.some((r) => r.steps > 0) ? "Resume" : "Train";
  byId<HTMLButtonElement>("train-step").disabled = running || !probe.worker;
  // Size and pairs reset both models: not while they train (the learning rate changes live).
  for (const id of ["train-pairs", "train-hidden"]) byId<HTMLSelectElement>(id).disabled = running;
  byId("train-recipe").textContent = recipe(config);
}

function recipe(c: ReversalConfig): string {
  return (
    `Recipe: ${c.symbols} letters, lengths ${c.minLength}–${c.maxLength}, ${c.trainSize} training pairs; ` +
    `batches of ${c.batchSize} strings of one length (a length drawn ∝ its length); ` +
    `bidirectional LSTM encoder, embed ${c.embed}, hidden ${c.hidden} (decoder ${2 * c.hidden}); ` +
    `Adam, lr ${c.lr} halved every ${c.lrHalfLife} steps, gradient norm clipped at 1; both models the same seed, ` +
    `the same batches, one step each in turn; test set ${c.testPerLength} strings per length, evaluated every ${c.evalEvery} steps.`
  );
}

/** Notes the attention model's new evaluations with the time since Train was pressed. */
function timeEvals(): void {
  const [a, n] = [runs.find((r) => r.attention === "luong-dot"), runs.find((r) => r.attention === "none")];
  if (startedAt === null || !a || !n) return;
  const now = performance.now() - startedAt;
  for (; timedEvals < a.evals.length; timedEvals++) {
    const e = a.evals[timedEvals];
    const m = n.evals.find((x) => x.step === e.step);
    probe.timeline.push({
      ms: now,
      step: e.step,
      exactMatch: e.exactMatch,
      probeDiagonal: e.probeDiagonal,
      probeRows: a.probe.src.length,
      noneLongExactMatch: m?.longExactMatch ?? Number.NaN,
    });
  }
}

function onMessage(m: FromWorker): void {
  if (m.type === "ready") {
    probe.worker = m;
    const t = `${m.threads} thread${m.threads === 1 ? "" : "s"}`;
    byId("train-threads").textContent =
      `Trains in a Web Worker: kernels on ${m.backend}, ${t} — ${m.reason}.`;
  } else if (m.type === "state") {
    runs = m.runs;
    running = m.running;
    config = m.config;
    probe.config = config;
    probe.running = running;
    for (const r of runs) {
      probe.steps[r.attention] = r.steps;
      probe.stepMs[r.attention] = r.stepMs;
    }
    byId<HTMLButtonElement>("train-button").disabled = false;
    timeEvals();
    render();
  } else {
    probe.error = m.message;
    byId("train-error").textContent = m.message;
  }
}

function select(id: string, label: string, values: number[], value: number, text: (v: number) => string) {
  const s = el("select", { "aria-label": label, "data-testid": id, id });
  for (const v of values) s.append(el("option", { value: String(v) }, text(v)));
  s.value = String(value);
  return s;
}

/** Draws the controls and starts the worker; `threads` (the page's ?threads=N) sets its kernels' threads. */
export function setupTraining(threads?: number): void {
  const c = DEFAULT_REVERSAL;
  const size = select(
    "train-pairs",
    "training pairs",
    PAIRS_CHOICES,
    c.trainSize,
    (n) => `${n} training pairs`,
  );
  const lr = select("train-lr", "learning rate", LR_CHOICES, c.lr, (v) => `learning rate ${v}`);
  const hidden = select("train-hidden", "hidden size", HIDDEN_CHOICES, c.hidden, (v) => `hidden ${v}`);
  const button = el(
    "button",
    { type: "button", id: "train-button", "data-testid": "train", disabled: "" },
    "Train",
  );
  const stepButton = el(
    "button",
    {
      type: "button",
      id: "train-step",
      "data-testid": "train-step",
      disabled: "",
      title: "one step of each model",
    },
    "Step",
  );
  const resetButton = el("button", { type: "button", "data-testid": "train-reset" }, "Reset");
  fill(
    byId("train-controls"),
    button,
    stepButton,
    resetButton,
    el("label", {}, lr),
    el("label", {}, hidden),
    el("label", {}, size),
    el("span", { class: "note", id: "train-recipe", "data-testid": "train-recipe" }, recipe(c)),
    el(
      "span",
      { class: "note", id: "train-threads", "data-testid": "train-threads" },
      "Starting the trainer…",
    ),
    el("span", { class: "error", id: "train-error", role: "alert" }),
  );
  const settings = (): TrainSettings => ({
    trainSize: Number(size.value),
    lr: Number(lr.value),
    hidden: Number(hidden.value),
  });
  worker = new Worker(new URL("./train-worker.ts", import.meta.url), { type: "module", name: "qkv-trainer" });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) => {
    probe.error = `the training worker failed: ${e.message}`;
    byId("train-error").textContent = probe.error;
  };
  send({ type: "init", threads, settings: settings() });
  button.addEventListener("click", () => {
    if (running) return send({ type: "stop" });
    if ((runs[0]?.steps ?? 0) === 0) {
      startedAt = performance.now();
      probe.timeline = [];
      timedEvals = 0;
    }
    send({ type: "train" });
  });
  stepButton.addEventListener("click", () => {
    if (!running) send({ type: "step" });
  });
  const reset = () => {
    if (running) return;
    startedAt = null; // the next Train starts the clock again
    probe.timeline = [];
    timedEvals = 0;
    send({ type: "reset", settings: settings() });
  };
  resetButton.addEventListener("click", reset);
  size.addEventListener("change", reset);
  hidden.addEventListener("change", reset);
  lr.addEventListener("change", () => send({ type: "lr", lr: Number(lr.value) }));
}
