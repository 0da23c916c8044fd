/**
 * View 3b, the neuron view (bertviz's, for this page's Transformer): for one query token of one head of
 * one layer — encoder self-, decoder self- or cross-attention — its q vector, each key vector k_j,
 * q ⊙ k_j element by element, the sum, ÷ √d_k, exp and the softmax, then a_j v_j and their sum: the three
 * steps at the level of single numbers (web/src/neuron.ts computes them). Beside it the worked example,
 * d_k = 4 and three words, drawn by the same code, that a learner can check with pencil and paper.
 * Every number is in a `data-*` attribute at full precision (tests read them) and in a cell's title.
 */
import { sinusoidalEncoding } from "qkv";
import type { LoadedTransformer } from "./checkpoint.js";
import { byId, el, fill } from "./dom.js";
import { heatmap, label } from "./heatmap.js";
import {
  headVectors,
  layersFor,
  NEURON_KINDS,
  type NeuronKind,
  type NeuronSteps,
  neuronSteps,
  REPEATED_SENTENCE,
  repeatedWord,
  WORKED_EXAMPLE,
  workedExample,
} from "./neuron.js";
import type { TransformerInputs } from "./stacks.js";

/** What the page gives the view after each translation. */
export interface NeuronPage {
  model: LoadedTransformer;
  inputs: TransformerInputs;
  /** Token labels (the models' pieces) of each attention's queries (rows) and keys (columns), as view 2's maps. */
  labels: Record<NeuronKind, { queries: string[]; keys: string[] }>;
  /** The layer and head chosen (shared with views 2 and 3). */
  layer: number;
  head: number;
  setLayerHead(layer: number, head: number): void;
}

/** The view's own choices: which attention, which query, which key is spelled out. */
const chosen = { kind: "encoder-self" as NeuronKind, query: 0, key: 0 };

const fmt = (x: number, d = 3) => (Math.abs(x) < 0.5 * 10 ** -d ? 0 : x).toFixed(d);

/** Blue for positive, orange for negative, white at 0 (bertviz's colours), |x| / m the strength. */
function diverging(x: number, m: number): string {
  const t = m > 0 ? Math.min(1, Math.abs(x) / m) : 0;
  const [r, g, b] = x >= 0 ? [33, 102, 172] : [230, 97, 1];
  const mix = (c: number) => Math.round(255 + (c - 255) * t);
  return `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`;
}

/** A vector as a row of small coloured cells, each number in `data-value` and in its title. */
function vectorCells(values: readonly number[], scale: number, name: string, text: boolean, testId?: string) {
  const box = el("span", { class: text ? "vec vec-text" : "vec" });
  if (testId) box.dataset.testid = testId;
  values.forEach((x, d) => {
    const c = el(
      "span",
      { class: "vcell", title: `${name}[${d + 1}] = ${x.toFixed(6)}`, "data-value": String(x) },
      text ? fmt(x, 2) : "",
    );
    c.style.background = diverging(x, scale);
    if (text && Math.abs(x) > 0.6 * scale) c.style.color = "#fff";
    box.append(c);
  });
  return box;
}

const maxAbs = (rows: readonly (readonly number[])[]) =>
  Math.max(1e-12, ...rows.map((r) => Math.max(...r.map(Math.abs))));

interface Drawn {
  /** Token labels of the keys, by key index (what r.keys index into). */
  keyLabels: readonly string[];
  queryLabel: string;
  /** Print the numbers inside the vector cells and spell every key out with integers (the worked example). */
  small: boolean;
  /** Which key's products are spelled out (index into r.keys; the model's view). */
  key: number;
  /** Called when a key row is picked (the model's view), or null (the example spells every key out). */
  pickKey: ((n: number) => void) | null;
  testId: string;
  /** Σ exp over every key the query sees (the rows drawn may be fewer: `NEURON_MAX_KEYS`). */
  sumExp?: number;
  /** How many keys the query sees, when fewer rows are drawn. */
  seen?: number;
}

/**
 * The most key rows the model's neuron view draws (each row is 4 × d_k cells): a query that sees more
 * shows the keys with the largest weights, in sentence order, and says so; its softmax and c still run
 * over every key. This keeps one redraw of a 300-character sentence a short task of the page.
 */
export const NEURON_MAX_KEYS = 32;

/** `r` with only the `max` keys of largest weight (in key order); `r` itself when it has no more. */
function largestKeys(r: NeuronSteps, max: number): NeuronSteps {
  if (r.keys.length <= max) return r;
  const keep = r.weights
    .map((a, n) => [a, n] as const)
    .sort((x, y) => y[0] - x[0] || x[1] - y[1])
    .slice(0, max)
    .map(([, n]) => n)
    .sort((x, y) => x - y);
  const pick = <T>(xs: T[]) => keep.map((n) => xs[n]);
  return {
    ...r,
    keys: pick(r.keys),
    k: pick(r.k),
    v: pick(r.v),
    products: pick(r.products),
    sums: pick(r.sums),
    scores: pick(r.scores),
    exps: pick(r.exps),
    weights: pick(r.weights),
    weighted: pick(r.weighted),
  };
}

/** One key's q · k spelled out: a chip per dimension (the model), or one line of integers (the example). */
function spelledOut(r: NeuronSteps, n: number, o: Drawn): HTMLElement {
  const j = r.keys[n];
  const dk = r.q.length;
  const k = r.k[n];
  const testId = `${o.testId}-spelled-${j}`;
  if (o.small) {
    const terms = r.q.map((qd, d) => `${qd}×${k[d]}`).join(" + ");
    return el(
      "p",
      { class: "spelled", "data-testid": testId },
      `q·k(${o.keyLabels[j]}) = ${terms} = ${r.sums[n]};  e = ${r.sums[n]} ÷ √${dk} = ${r.sums[n]} ÷ ${r.sqrtDk} = ${fmt(r.scores[n], 3)}`,
    );
  }
  const chips = r.q.map((qd, d) =>
    el(
      "span",
      { class: "chip", "data-d": String(d) },
      el("span", { class: "chip-d" }, `d ${d + 1}`),
      `${fmt(qd)} × ${fmt(k[d])}`,
      el("b", {}, `= ${fmt(r.products[n][d], 4)}`),
    ),
  );
  return el(
    "div",
    { class: "spelled", "data-testid": testId },
    el(
      "p",
      {},
      "q · k for the key ",
      label(o.keyLabels[j], "tok"),
      ", one product per dimension (pick another key's word in the table to spell it out):",
    ),
    el("div", { class: "chips" }, ...chips),
    el(
      "p",
      {},
      `Σ of the ${dk} products = ${fmt(r.sums[n], 4)};  e = ${fmt(r.sums[n], 4)} ÷ √${dk} = ${fmt(r.sums[n], 4)} ÷ ${fmt(r.sqrtDk, 4)} = ${fmt(r.scores[n], 4)}.`,
    ),
  );
}

/** The three steps of `r`, number by number. */
function drawSteps(r: NeuronSteps, o: Drawn): HTMLElement {
  const dk = r.q.length;
  const kScale = maxAbs([r.q, ...r.k]);
  const prodScale = maxAbs(r.products);
  const vScale = maxAbs(r.v);
  const sumExp = o.sumExp ?? r.exps.reduce((s, x) => s + x, 0);
  const scoreRows = r.keys.map((j, n) => {
    const word = label(o.keyLabels[j], "tok");
    let head: HTMLElement = word;
    if (o.pickKey) {
      const pick = o.pickKey;
      head = el(
        "button",
        {
          type: "button",
          class: "keypick",
          "aria-pressed": String(n === o.key),
          "data-testid": `${o.testId}-key-${j}`,
        },
        word,
      );
      head.addEventListener("click", () => pick(n));
    }
    const bar = el("span", { class: "bar" });
    bar.style.width = `${(100 * r.weights[n]).toFixed(1)}%`;
    return el(
      "tr",
      { "data-j": String(j), class: o.pickKey && n === o.key ? "picked" : "" },
      el("th", { scope: "row" }, head),
      el("td", { class: "k" }, vectorCells(r.k[n], kScale, `k_${j + 1}`, o.small)),
      el("td", { class: "qk" }, vectorCells(r.products[n], prodScale, `q⊙k_${j + 1}`, o.small)),
      el("td", { class: "num", "data-sum": String(r.sums[n]) }, fmt(r.sums[n])),
      el("td", { class: "num", "data-e": String(r.scores[n]) }, fmt(r.scores[n])),
      el("td", { class: "num", "data-exp": String(r.exps[n]) }, fmt(r.exps[n], 4)),
      el("td", { class: "num", "data-a": String(r.weights[n]) }, fmt(r.weights[n], 4)),
      el("td", { class: "barcell" }, bar),
    );
  });
  const th = (...t: string[]) => el("thead", {}, el("tr", {}, ...t.map((x) => el("th", {}, x))));
  const scoreTable = el(
    "table",
    { class: "neuron-table", "data-testid": `${o.testId}-table` },
    th(
      "key j",
      `k_j (${dk} numbers)`,
      "q ⊙ k_j",
      "Σ = q·k_j",
      `÷ √${dk} = e_j`,
      r.shifted ? "exp(e_j − max)" : "exp(e_j)",
      "a_j",
      "",
    ),
    el("tbody", {}, ...scoreRows),
  );
  const spelled = (o.pickKey ? [o.key] : r.keys.map((_, n) => n)).map((n) => spelledOut(r, n, o));
  const sumRows = r.keys.map((j, n) =>
    el(
      "tr",
      { "data-j": String(j) },
      el("th", { scope: "row" }, label(o.keyLabels[j], "tok")),
      el("td", { class: "num" }, fmt(r.weights[n], 4)),
      el("td", { class: "v" }, vectorCells(r.v[n], vScale, `v_${j + 1}`, o.small)),
      el("td", { class: "av" }, vectorCells(r.weighted[n], vScale, `a·v_${j + 1}`, o.small)),
    ),
  );
  sumRows.push(
    el(
      "tr",
      { class: "total" },
      el("th", { scope: "row" }, "c = Σ"),
      el("td", {}, ""),
      el("td", {}, ""),
      el("td", { class: "av" }, vectorCells(r.context, vScale, "c", o.small, `${o.testId}-c`)),
    ),
  );
  return el(
    "div",
    { class: "neuron", "data-testid": o.testId },
    el(
      "p",
      { class: "qrow" },
      el("b", {}, "q"),
      " of ",
      label(o.queryLabel, "tok"),
      ": ",
      vectorCells(r.q, kScale, "q", o.small, `${o.testId}-q`),
    ),
    el("h4", {}, `1 · score: q ⊙ k_j, added up, ÷ √d_k (d_k = ${dk})`),
    ...(o.seen && o.seen > r.keys.length
      ? [
          el(
            "p",
            { class: "note", "data-testid": `${o.testId}-capped` },
            `This query sees ${o.seen} keys; the ${r.keys.length} with the largest weights are drawn (in sentence order). ` +
              `The softmax's sum and c = Σ a_j v_j below run over all ${o.seen}.`,
          ),
        ]
      : []),
    el("div", { class: "scroll" }, scoreTable),
    ...spelled,
    el(
      "h4",
      {},
      `2 · softmax: a_j = ${r.shifted ? "exp(e_j − max)" : "exp(e_j)"} ÷ ${fmt(sumExp, 4)} (their sum) — the column a_j above` +
        (r.shifted ? "; subtracting the largest score changes no weight, it only keeps exp small" : ""),
    ),
    el("h4", {}, "3 · weighted sum: c = Σ_j a_j v_j"),
    el(
      "div",
      { class: "scroll" },
      el(
        "table",
        { class: "neuron-table", "data-testid": `${o.testId}-sum` },
        th("key j", "a_j", "v_j", "a_j v_j"),
        el("tbody", {}, ...sumRows),
      ),
    ),
  );
}

/** A select of `n` options labelled by `name(i)`, set to `value`, calling `set` on change. */
function select(testId: string, aria: string, names: string[], value: number, set: (v: number) => void) {
  const s = el("select", { "aria-label": aria, "data-testid": testId });
  names.forEach((t, i) => {
    s.append(el("option", { value: String(i) }, t));
  });
  s.value = String(value);
  s.disabled = names.length < 2;
  s.addEventListener("change", () => set(Number(s.value)));
  return el("label", {}, s);
}

let last: NeuronPage | null = null;

/** Draws the neuron view for the page's translation (null: no Transformer bundled, said in the view). */
export function renderNeuron(p: NeuronPage | null): void {
  last = p;
  const host = byId("neuron-host");
  const controls = byId("neuron-choose");
  if (!p) {
    fill(controls);
    fill(
      host,
      el("p", { class: "note" }, "Needs a trained Transformer checkpoint, not bundled in this build."),
    );
    return;
  }
  const c = p.model.model.config;
  const L = layersFor(p.model, chosen.kind);
  const layer = Math.min(p.layer, L - 1);
  const head = Math.min(p.head, c.nhead - 1);
  const { queries, keys } = p.labels[chosen.kind];
  chosen.query = Math.min(chosen.query, queries.length - 1);
  const all = neuronSteps(headVectors(p.model, p.inputs, chosen.kind, layer, head), chosen.query);
  const r = largestKeys(all, NEURON_MAX_KEYS);
  chosen.key = Math.min(chosen.key, r.keys.length - 1);
  const again = () => renderNeuron(last);
  fill(
    controls,
    select(
      "neuron-kind",
      "attention",
      NEURON_KINDS.map((k) => k.label),
      NEURON_KINDS.findIndex((k) => k.kind === chosen.kind),
      (v) => {
        chosen.kind = NEURON_KINDS[v].kind;
        again();
      },
    ),
    select(
      "neuron-layer",
      "layer",
      Array.from({ length: L }, (_, i) => `layer ${i + 1}`),
      layer,
      (v) => p.setLayerHead(v, head),
    ),
    select(
      "neuron-head",
      "head",
      Array.from({ length: c.nhead }, (_, i) => `head ${i + 1}`),
      head,
      (v) => p.setLayerHead(layer, v),
    ),
    el(
      "label",
      {},
      "query: ",
      select(
        "neuron-query",
        "query token",
        queries.map((t, i) => `${i + 1}: ${t}`),
        chosen.query,
        (v) => {
          chosen.query = v;
          again();
        },
      ),
    ),
  );
  const where = {
    "encoder-self": "q, k and v all from the English sentence (the layer's input",
    "decoder-self": "q, k and v all from the Hindi prefix, keys j ≤ i only (causal; the layer's input",
    cross: "q from the Hindi decoder (its state after the layer's self-attention sub-layer",
  }[chosen.kind];
  const kv =
    chosen.kind === "cross"
      ? c.crossAttentionValues === "embeddings"
        ? "; k from the English encoder's output, v from the English word embeddings"
        : "; k and v from the English encoder's output"
      : "";
  fill(
    host,
    el(
      "p",
      { class: "qkv-src" },
      `Layer ${layer + 1}, head ${head + 1} (shared with views 2 and 3): ${where}${c.normFirst ? ", after its LayerNorm" : ""})${kv}; ` +
        `q = x W^Q + b^Q, k = x W^K + b^K, v = x W^V + b^V with this head's ${r.q.length} rows of the layer's in_proj_weight. ` +
        "The a_j are this query's row of view 2's map (as pieces).",
    ),
    drawSteps(r, {
      keyLabels: keys,
      queryLabel: queries[chosen.query],
      small: false,
      key: chosen.key,
      pickKey: (n) => {
        chosen.key = n;
        again();
      },
      testId: "neuron",
      sumExp: all.exps.reduce((s, x) => s + x, 0),
      seen: all.keys.length,
    }),
  );
}

/** Draws the worked example (d_k = 4, three words), once. */
export function renderWorkedExample(): void {
  const x = WORKED_EXAMPLE;
  fill(
    byId("worked-host"),
    drawSteps(workedExample(), {
      keyLabels: x.words,
      queryLabel: x.words[x.query],
      small: true,
      key: 0,
      pickKey: null,
      testId: "worked",
    }),
  );
}

/**
 * View 3c's demonstration: the encoder self-attention rows of the repeated word of REPEATED_SENTENCE
 * (`repeatedWord`: the chosen layer's and head's W^Q, W^K, W^V on the embeddings without and with the
 * sinusoids added), side by side; each row's numbers in its cells' `data-value`, the largest difference
 * between the two rows in `data-diff`.
 */
function repeatedWordDemo(m: LoadedTransformer, layer: number, head: number): HTMLElement {
  const r = repeatedWord(m, layer, head);
  const word = r.tokens[r.first].replace(/^▁/, "");
  // The sentence's tokens are whole words here: labelled as words with their positions, "the (0)".
  const shown = (p: number) => `${r.tokens[p].replace(/^▁/, "")} (${p})`;
  const rowLabels = [shown(r.first), shown(r.second)];
  const colLabels = r.tokens.map((_, p) => shown(p));
  const part = (rows: [number[], number[]], diff: number, testId: string, title: string) =>
    el(
      "div",
      { class: "repeat-part", "data-testid": `${testId}-part`, "data-diff": String(diff) },
      el("h3", {}, title),
      heatmap(rows, { rowLabels, colLabels, testId, rowTitle: "query", colTitle: "key", digits: 4 }),
      el(
        "p",
        { class: "note", "data-testid": `${testId}-diff` },
        diff === 0
          ? `The two "${word}" rows are identical (largest difference 0).`
          : `The two "${word}" rows differ (largest difference ${diff.toFixed(3)}).`,
      ),
    );
  return el(
    "div",
    { class: "repeat", "data-testid": "repeated-word" },
    el(
      "p",
      {},
      `What the positions do: "${REPEATED_SENTENCE}" has "${word}" twice (tokens ${r.first} and ${r.second}). ` +
        `Its two rows of the encoder's self-attention, layer ${layer + 1}, head ${head + 1} (the layer and head chosen above), ` +
        "computed with this head's own W^Q, W^K and W^V: on √d · E[token] alone, the two rows have the same query " +
        `and the same keys, so they are the same; with PE(pos) added, each "${word}" carries where it is.`,
    ),
    el(
      "div",
      { class: "repeat-pair" },
      part(r.without, r.diffWithout, "repeat-without", "without positions: √d · E[token]"),
      part(
        r.with,
        r.diffWith,
        "repeat-with",
        "with positions: √d · E[token] + PE(pos) (what the model does)",
      ),
    ),
  );
}

/**
 * View 3c: the sinusoidal positional encoding the Transformer adds to the sentence's tokens, as a map
 * (rows the tokens at positions 0 … S−1, columns the d dimensions): qkv's `sinusoidalEncoding`, the
 * table the model adds; then what adding it does to a repeated word's self-attention (`repeatedWordDemo`,
 * at `layerHead`, the layer and head views 2, 3 and 3b show). A model with learned positions says so instead.
 */
export function renderPositions(
  m: LoadedTransformer | null,
  tokens: readonly string[],
  layerHead: { layer: number; head: number } = { layer: 0, head: 0 },
): void {
  const host = byId("positions-host");
  if (!m) {
    fill(
      host,
      el("p", { class: "note" }, "Needs a trained Transformer checkpoint, not bundled in this build."),
    );
    return;
  }
  const c = m.model.config;
  if (c.positions !== "sinusoidal") {
    fill(
      host,
      el("p", { class: "note" }, "This Transformer learned its position vectors (no sinusoids to show)."),
    );
    return;
  }
  const d = c.dModel;
  const pe = sinusoidalEncoding(tokens.length, d);
  const rows = Array.from({ length: tokens.length }, (_, p) =>
    Array.from(pe.data.subarray(p * d, (p + 1) * d)),
  );
  fill(
    host,
    heatmap(rows, {
      rowLabels: tokens.map((t, p) => `${p}: ${t}`),
      colLabels: rows[0].map((_, k) => (k % 16 === 0 ? String(k) : "")),
      domain: [-1, 1],
      cell: 5,
      showValues: false,
      testId: "map-positions",
      caption: `PE(pos, ·) for d = ${d}, added to √d · E[token] before the first encoder layer (and likewise to the Hindi tokens before the decoder).`,
    }),
    repeatedWordDemo(
      m,
      Math.min(layerHead.layer, c.numEncoderLayers - 1),
      Math.min(layerHead.head, c.nhead - 1),
    ),
  );
}
