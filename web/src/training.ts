/**
 * View 6: train the reversal models, with and without attention, one epoch each in turn; after every
 * epoch draw the attention model's alignment of a fixed probe (it sharpens into the anti-diagonal) and
 * both models' exact match by length. Stop and resume at any batch.
 *
 * The training runs in a dedicated Web Worker (./train-worker.ts): the page stays responsive, and where
 * the page is cross-origin isolated the worker's wasm kernels run on several threads (a page's main
 * thread may not block on Atomics.wait, so it cannot). This module only draws what the worker reports.
 */
import { lineChartSvg } from "qkv";
import { byId, el, fill, svgElement } from "./dom.js";
import { heatmap } from "./heatmap.js";
import { DEFAULT_REVERSAL } from "./reversal.js";
import type { FromWorker, RunSnapshot, ToWorker } from "./train-worker.js";

const LABELS: Record<RunSnapshot["attention"], string> = {
  "luong-dot": "with attention (Luong dot)",
  none: "without attention (one context vector)",
};

/** What tests and the benchmark read (window.__training). */
export interface TrainingProbe {
  /** The worker's kernels: backend, threads, and why that many. */
  worker?: Extract<FromWorker, { type: "ready" }>;
  /** Training seconds per finished epoch, by model. */
  seconds: Record<string, number[]>;
  running: boolean;
  error?: string;
}

const probe: TrainingProbe = { seconds: {}, running: false };
(globalThis as unknown as { __training: TrainingProbe }).__training = probe;

let worker: Worker;
let runs: RunSnapshot[] = [];
let running = false;

const send = (m: ToWorker) => worker.postMessage(m);

function panel(r: RunSnapshot): HTMLElement {
  const { last, progress: p } = r;
  const parts: (Node | string)[] = [
    el("h3", {}, LABELS[r.attention]),
    el(
      "p",
      { class: "trainstat" },
      "epoch ",
      el("b", { "data-testid": `epoch-${r.attention}` }, String(r.epoch)),
      ` · batch ${p.done}/${p.total}`,
      last
        ? ` · loss ${last.loss.toFixed(3)} · test exact match ${(100 * last.exactMatch).toFixed(1)} %, token accuracy ${(100 * last.tokenAccuracy).toFixed(1)} % · ${last.seconds.toFixed(1)} s`
        : "",
    ),
  ];
  if (last && r.decoded) {
    const probe = r.decoded;
    const ok = probe.output.join(" ") === r.probe.tgt.join(" ");
    parts.push(
      el(
        "p",
        { class: "probe" },
        `input ${r.probe.src.join("")} → ${probe.output.join("") || "(nothing)"} ${ok ? "✓" : `✗ (want ${r.probe.tgt.join("")})`}`,
      ),
    );
    if (probe.weights.length) {
      parts.push(
        heatmap(probe.weights, {
          rowLabels: [...probe.output, "<eos>"].slice(0, probe.weights.length),
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
            title: `after epoch ${r.epoch}: accuracy by length`,
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

function render(): void {
  fill(byId("train-panels"), ...runs.map(panel));
  const b = byId<HTMLButtonElement>("train-button");
  b.textContent = running
    ? "Stop"
    : runs.some((r) => r.epoch > 0 || r.progress.done > 0)
      ? "Resume"
      : "Train";
}

function onMessage(m: FromWorker): void {
  if (m.type === "ready") {
    probe.worker = m;
    const t = `${m.threads} thread${m.threads === 1 ? "" : "s"}`;
    byId("train-threads").textContent =
      `Trains in a Web Worker: kernels on ${m.backend}, ${t} — ${m.reason}.`;
    byId<HTMLButtonElement>("train-button").disabled = false;
  } else if (m.type === "state") {
    runs = m.runs;
    running = m.running;
    probe.running = running;
    for (const r of runs) probe.seconds[r.attention] = r.seconds;
    render();
  } else {
    probe.error = m.message;
    byId("train-error").textContent = m.message;
  }
}

/** Draws the controls and starts the worker; `threads` (the page's ?threads=N) sets its kernels' threads. */
export function setupTraining(threads?: number): void {
  const size = el("select", {
    "aria-label": "training pairs",
    "data-testid": "train-pairs",
    id: "train-pairs",
  });
  for (const n of [128, 256, 512, 1024])
    size.append(el("option", { value: String(n) }, `${n} training pairs`));
  size.value = String(DEFAULT_REVERSAL.trainSize);
  const button = el(
    "button",
    { type: "button", id: "train-button", "data-testid": "train", disabled: "" },
    "Train",
  );
  const resetButton = el("button", { type: "button" }, "Reset");
  const c = DEFAULT_REVERSAL;
  fill(
    byId("train-controls"),
    button,
    resetButton,
    el("label", {}, size),
    el(
      "span",
      { class: "note" },
      `${c.symbols} letters, lengths ${c.minLength}–${c.maxLength}, embed ${c.embed}, hidden ${c.hidden}, Adam ${c.lr}, batch ${c.batchSize}`,
    ),
    el(
      "span",
      { class: "note", id: "train-threads", "data-testid": "train-threads" },
      "Starting the trainer…",
    ),
    el("span", { class: "error", id: "train-error", role: "alert" }),
  );
  worker = new Worker(new URL("./train-worker.ts", import.meta.url), { type: "module", name: "qkv-trainer" });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) => {
    probe.error = `the training worker failed: ${e.message}`;
    byId("train-error").textContent = probe.error;
  };
  send({ type: "init", threads, pairs: Number(size.value) });
  button.addEventListener("click", () => send(running ? { type: "stop" } : { type: "train" }));
  resetButton.addEventListener("click", () => {
    if (!running) send({ type: "reset", pairs: Number(size.value) });
  });
  size.addEventListener("change", () => {
    if (!running) send({ type: "reset", pairs: Number(size.value) });
  });
}
