/**
 * View 6: train the reversal models in the page, with and without attention, one epoch each in turn;
 * after every epoch draw the attention model's alignment of a fixed probe (it sharpens into the
 * anti-diagonal) and both models' exact match by length. Stop and resume at any batch.
 */
import { lineChartSvg } from "qkv";
import { byId, el, fill, svgElement } from "./dom.js";
import { heatmap } from "./heatmap.js";
import { DEFAULT_REVERSAL, ReversalRun } from "./reversal.js";

const MAX_EPOCHS = 40;
const KINDS = [
  { kind: "luong-dot", label: "with attention (Luong dot)" },
  { kind: "none", label: "without attention (one context vector)" },
] as const;

let runs: ReversalRun[] = [];
let running = false;
let stopRequested = false;

const pause = () => new Promise<void>((r) => setTimeout(r, 0));

function panel(r: ReversalRun, label: string): HTMLElement {
  const last = r.history.at(-1);
  const p = r.progress();
  const parts: (Node | string)[] = [
    el("h3", {}, label),
    el(
      "p",
      { class: "trainstat" },
      "epoch ",
      el("b", { "data-testid": `epoch-${r.attention}` }, String(r.epoch)),
      ` · batch ${p.done}/${p.total}`,
      last
        ? ` · loss ${last.loss.toFixed(3)} · test exact match ${(100 * last.eval.exactMatch).toFixed(1)} %, token accuracy ${(100 * last.eval.tokenAccuracy).toFixed(1)} % · ${last.seconds.toFixed(1)} s`
        : "",
    ),
  ];
  if (r.history.length > 0) {
    const probe = r.decodeProbe();
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
    const em = r.history.at(-1)!.eval.byLength;
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
  fill(byId("train-panels"), ...runs.map((r, k) => panel(r, KINDS[k].label)));
  const b = byId<HTMLButtonElement>("train-button");
  b.textContent = running
    ? "Stop"
    : runs.some((r) => r.epoch > 0 || r.progress().done > 0)
      ? "Resume"
      : "Train";
}

function reset(pairs: number): void {
  const config = { ...DEFAULT_REVERSAL, trainSize: pairs };
  runs = KINDS.map((k) => new ReversalRun(k.kind, config));
  render();
}

async function loop(): Promise<void> {
  running = true;
  stopRequested = false;
  render();
  try {
    while (!stopRequested) {
      // The model with fewer finished epochs goes next (attention first on ties).
      const r = runs.reduce((a, b) => (b.epoch < a.epoch ? b : a));
      if (r.epoch >= MAX_EPOCHS) break;
      let steps = 0;
      const finished = await r.trainEpoch(
        () => stopRequested,
        async () => {
          if (++steps % 4 === 0) render();
          await pause();
        },
      );
      render();
      if (!finished) break;
    }
  } catch (e) {
    byId("train-error").textContent = (e as Error).message;
  }
  running = false;
  render();
}

export function setupTraining(): void {
  const size = el("select", {
    "aria-label": "training pairs",
    "data-testid": "train-pairs",
    id: "train-pairs",
  });
  for (const n of [128, 256, 512, 1024])
    size.append(el("option", { value: String(n) }, `${n} training pairs`));
  size.value = String(DEFAULT_REVERSAL.trainSize);
  const button = el("button", { type: "button", id: "train-button", "data-testid": "train" }, "Train");
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
    el("span", { class: "error", id: "train-error", role: "alert" }),
  );
  button.addEventListener("click", () => {
    if (running) stopRequested = true;
    else void loop();
  });
  resetButton.addEventListener("click", () => {
    if (!running) reset(Number(size.value));
  });
  size.addEventListener("change", () => {
    if (!running) reset(Number(size.value));
  });
  reset(Number(size.value));
}
