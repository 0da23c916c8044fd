/**
 * The explorer page: boots the wasm backend, fetches the bundled models (safetensors over fetch),
 * translates, and draws views 1–7. Every number drawn is computed here by qkv.
 */
import "@fontsource/noto-sans-devanagari/400.css";
import "./style.css";
import { MODELS } from "virtual:qkv-models";
import { getBackend, getThreadSupport, initBackend, VERSION, type WordAxis } from "qkv";
import { type ClassicalAligner, classicalAlignerFromJSON } from "qkv/align";
import { renderBottleneck } from "./bottleneck.js";
import { type LoadedTransformer, transformerFromCheckpoint } from "./checkpoint.js";
import { byId, el, fill } from "./dom.js";
import {
  type AlignmentDoc,
  type AlignmentMap,
  checkPair,
  classicalMap,
  goldLine,
  linksCaption,
  parseAlignmentDoc,
} from "./forced.js";
import { renderHeads } from "./heads.js";
import { heatmap, strip } from "./heatmap.js";
import { charCount, checkSentence, MAX_CHARS } from "./input.js";
import {
  type CrossRun,
  luongDot,
  luongEqualsScaledDot,
  scaledDotScore,
  type ThreeSteps,
  threeSteps,
} from "./lesson.js";
import { headVectors } from "./neuron.js";
import { renderNeuron, renderPositions, renderWorkedExample } from "./neuron-view.js";
import { type AttentionStack, headsOf, type LayeredAnalysis, layersOf, mapOf } from "./stacks.js";
import { setupTraining } from "./training.js";
import { type ModelInfo, type Translation, Translator } from "./translator.js";
import type { ShownAnalysis, StackViews } from "./words.js";

/** What tests and the benchmark read. */
interface ExplorerProbe {
  ready: boolean;
  /** performance.now() when the page became interactive (ms since navigation start). */
  readyAt?: number;
  /** From the start of the script to interactive: backend, models fetched, first translation drawn. */
  loadMs?: number;
  translateMs?: number;
  translations: number;
  /** The Transformer shown in views 1, 2 and 4 (its folder under models/), when one is bundled. */
  layered?: string;
  /** Set once the no-attention model (view 5) is loaded, or known to be absent. */
  noneReady?: boolean;
  /** Whether a translation is running in the worker now (the page shows "Translating…"). */
  translating: boolean;
  /** Milliseconds the worker spent on the last translation (translateMs: click → every view drawn). */
  workerMs?: number;
  /** Milliseconds each part of the last translation took to draw (view 1's and 2's maps, 3, 3b, 3c, 4, 5; each its own task). */
  drawMs?: number[];
  /** Milliseconds from the worker's post of the last translation to the page holding it. */
  messageMs?: number;
  /** View 7: pairs aligned (every map drawn, IBM Model 1's too or its failure said). */
  alignments: number;
  /** Whether the IBM Model 1 aligner was fetched (view 7 fetches it when first shown or used). */
  ibm1Fetched: boolean;
  /** Whether view 7 is aligning a pair now (in the translation worker; the page shows "Aligning…"). */
  aligning: boolean;
  /** Milliseconds the worker spent on the last alignment, and each of its maps took to draw. */
  alignWorkerMs?: number;
  alignDrawMs?: number[];
  error?: string;
  run?: CrossRun;
}
const probe: ExplorerProbe = {
  ready: false,
  translations: 0,
  alignments: 0,
  ibm1Fetched: false,
  translating: false,
  aligning: false,
};
(window as unknown as { __explorer: ExplorerProbe }).__explorer = probe;

const BASE = import.meta.env.BASE_URL;

interface PageState {
  /** Views 1–5's translations, in a Web Worker (the LSTMs and the Transformer loaded there). */
  translator: Translator;
  /** The models as the worker reports them (sizes, the LSTM's attention values). */
  info: ModelInfo;
  /** The bundled Transformer's folder name, when there is one. */
  transformerName: string | null;
  /** View 5's rows as Hindi words (from the worker, with the translation). */
  contextAxis?: WordAxis;
  /** The LSTM's folder name under models/. */
  lstmName: string;
  run?: CrossRun;
  noneRun?: CrossRun | null;
  analysis?: LayeredAnalysis;
  /** Every map of the sentence as words and as pieces. */
  shown?: ShownAnalysis;
  /** Show the models' subword pieces instead of words (the "show subword pieces" switch). */
  pieces: boolean;
  layer: number;
  head: number;
  step: number;
  word: number;
  sameQ: boolean;
}
let page: PageState;

/** The page's own copy of the Transformer, when a checkpoint with meta.kind "transformer" is bundled, and its folder name. */
type PageTransformer = { loaded: LoadedTransformer; name: string } | null;
let pageTransformer: Promise<PageTransformer> | null = null;
/** The page's Transformer once `loadPageTransformer` has it (views 3, 3b and 3c draw from it); null before or without one. */
let transformerHere: LoadedTransformer | null = null;

/**
 * The page's copy of the Transformer, loaded once: views 3, 3b and 3c recompute one head's q, k and v
 * from its weights (`headVectors`) for the token ids the worker translated. Built from the files the
 * translation worker fetched (`translator.transformerFiles`, hash checked again here): one download.
 */
function loadPageTransformer(translator: Translator): Promise<PageTransformer> {
  pageTransformer ??= (async () => {
    const info = MODELS.find((m) => m.role === "transformer");
    if (!info) return null;
    await initBackend();
    const files = await translator.transformerFiles;
    if (!files) throw new Error(`explorer: the translation worker did not load ${info.name}`);
    const loaded = await transformerFromCheckpoint(files.json, files.bytes);
    transformerHere = loaded;
    return { loaded, name: info.name };
  })();
  return pageTransformer;
}

/** The LSTM's attention sums projected word embeddings (attentionValues "embeddings"), not encoder states. */
const lexicalValues = () => page.info.lstm.attentionValues === "embeddings";

const fmt = (x: number, d = 4) => (Object.is(x, -0) ? 0 : x).toFixed(d);

function qkvSource(s: AttentionStack): string {
  return `Q = ${s.source.q}; K = ${s.source.k}; V = ${s.source.v}.`;
}

/** The view of a stack the switch asks for: words (default) or the model's pieces. */
function view(v: StackViews): AttentionStack;
function view(v: StackViews | undefined): AttentionStack | undefined;
function view(v: StackViews | undefined): AttentionStack | undefined {
  return v && (page.pieces ? v.pieces : v.words);
}

/** The stacks view 4 offers: encoder self, decoder self, cross (the Transformer's), the LSTM's cross. */
function headStacks(): AttentionStack[] {
  const v = page.shown;
  if (!v) return [];
  return [v.encoderSelf, v.decoderSelf, v.cross, v.lstmCross]
    .filter((x) => x !== undefined)
    .map((x) => view(x));
}

// ---- view 1 + 2 ----------------------------------------------------------------------------------

/** View 1's LSTM translation and view 2's LSTM cross-attention map. */
function renderCross(): void {
  const { run, shown } = page;
  if (!run || !shown) return;
  const out = byId("translation");
  out.textContent = run.translation;
  out.title = run.outTokens.join(" · ");
  const cross = view(shown.lstmCross);
  fill(
    byId("map-cross-host"),
    heatmap(mapOf(cross, 0, 0), {
      rowLabels: cross.queryTokens,
      colLabels: cross.keyTokens,
      testId: "map-cross",
      rowTitle: "Hindi",
      colTitle: "English",
      caption: cross.caption,
    }),
  );
}

/** View 2's Transformer decoder maps, at the layer and head chosen. */
function renderDecoder(): void {
  const { shown } = page;
  if (!shown) return;
  const a = { decoderSelf: view(shown.decoderSelf), cross: view(shown.cross) };
  const transformerOnly = (host: string, s: AttentionStack | undefined, testId: string) =>
    fill(
      byId(host),
      s
        ? heatmap(mapOf(s, Math.min(page.layer, layersOf(s) - 1), Math.min(page.head, headsOf(s) - 1)), {
            rowLabels: s.queryTokens,
            colLabels: s.keyTokens,
            testId,
            caption: s.caption,
          })
        : el(
            "p",
            { class: "note" },
            "Needs the trained Transformer (issue 9), not bundled yet: no made-up numbers here.",
          ),
    );
  transformerOnly("dec-self-host", a?.decoderSelf, "map-dec-self");
  transformerOnly("dec-cross-host", a?.cross, "map-dec-cross");
  const where = (s: AttentionStack | undefined) =>
    s
      ? `${qkvSource(s)} Layer ${Math.min(page.layer, layersOf(s) - 1) + 1}, head ${Math.min(page.head, headsOf(s) - 1) + 1} (chosen above). ${s.note ?? ""}`
      : "";
  byId("dec-self-src").textContent = where(a?.decoderSelf);
  byId("dec-cross-src").textContent = where(a?.cross);
}

/** page.layer and page.head, clamped to the stack's. */
function layerHeadOf(s: AttentionStack): { layer: number; head: number } {
  return { layer: Math.min(page.layer, layersOf(s) - 1), head: Math.min(page.head, headsOf(s) - 1) };
}

/**
 * Views 2, 3, 3b and 3c's repeated word show one layer and head: choosing it in any of them redraws them all (one part per
 * task for a long sentence; a newer choice or sentence stops the older redraw).
 */
let layerHeadSeq = 0;
function setLayerHead(layer: number, head: number): void {
  page.layer = layer;
  page.head = head;
  const seq = ++layerHeadSeq;
  const id = page.translator.latest;
  void drawParts(
    [renderSelf, renderDecoder, renderSteps, renderNeuronView, renderPositionsView],
    () => seq === layerHeadSeq && id === page.translator.latest,
  );
}

/** The layer and head selects of a view (`<prefix>-layer`, `<prefix>-head`) over the stack's layers and heads. */
function layerHeadSelects(prefix: string, s: AttentionStack, disabled = false): HTMLElement[] {
  const { layer, head } = layerHeadOf(s);
  const select = (name: string, n: number, value: number, set: (v: number) => void) => {
    const sel = el("select", { "aria-label": name, "data-testid": `${prefix}-${name}` });
    for (let i = 0; i < n; i++) sel.append(el("option", { value: String(i) }, `${name} ${i + 1}`));
    sel.value = String(value);
    sel.disabled = disabled || n < 2;
    sel.addEventListener("change", () => set(Number(sel.value)));
    return el("label", {}, sel);
  };
  return [
    select("layer", layersOf(s), layer, (v) => setLayerHead(v, head)),
    select("head", headsOf(s), head, (v) => setLayerHead(layer, v)),
  ];
}

function renderSelf(): void {
  const s = view(page.shown?.encoderSelf);
  if (!s) return;
  byId("self-title").textContent = `Self-attention (intra): ${s.title}`;
  byId("self-src").textContent = `${qkvSource(s)} Rows and columns: the same English words.`;
  byId("self-note").textContent = s.note ?? "";
  const { layer, head } = layerHeadOf(s);
  fill(byId("self-choose"), ...layerHeadSelects("self", s));
  fill(
    byId("map-self-host"),
    heatmap(mapOf(s, layer, head), {
      rowLabels: s.queryTokens,
      colLabels: s.keyTokens,
      testId: "map-self",
      rowTitle: "English",
      colTitle: "English",
      caption: s.caption,
    }),
  );
}

// ---- view 3 --------------------------------------------------------------------------------------

function stepsColumn(
  title: string,
  src: string,
  keys: string[],
  r: ThreeSteps,
  testId: string,
  scoreName: string,
): HTMLElement {
  const rows = keys.map((k, j) => {
    const bar = el("span", { class: "bar" });
    bar.style.width = `${(100 * r.weights[j]).toFixed(1)}%`;
    return el(
      "tr",
      {},
      el("th", { scope: "row" }, k),
      el("td", { class: "num", "data-e": String(r.scores[j]) }, fmt(r.scores[j], 3)),
      el("td", { class: "num", "data-a": String(r.weights[j]) }, fmt(r.weights[j])),
      el("td", { class: "barcell" }, bar),
    );
  });
  const norm = Math.sqrt(r.context.reduce((p, x) => p + x * x, 0));
  return el(
    "div",
    { class: "stepcol", "data-testid": testId },
    el("h3", {}, title),
    el("p", { class: "qkv-src" }, src),
    el(
      "table",
      { class: "steps-table" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", {}, "key j"),
          el("th", {}, `1 · score e (${scoreName})`),
          el("th", {}, "2 · softmax a"),
          el("th", {}, ""),
        ),
      ),
      el("tbody", {}, ...rows),
    ),
    el("p", {}, `3 · weighted sum c = Σ a_j v_j  (‖c‖ = ${fmt(norm, 3)}, ${r.context.length} numbers):`),
    strip(r.context, "c"),
  );
}

function renderSteps(): void {
  const { run } = page;
  if (!run || run.queries.length === 0) return;
  const T = run.queries.length;
  page.step = Math.min(page.step, T - 1);
  // Self-attention is the Transformer encoder's (the head of view 2's map) when one is bundled, over its
  // tokens; else the stand-in over the LSTM encoder's states (view 2's stand-in map).
  const tr = transformerHere;
  const inputs = page.analysis?.inputs;
  const selfStack = page.shown?.encoderSelf.pieces;
  const transformerSelf = tr && inputs && selfStack ? { tr, inputs, stack: selfStack } : null;
  const selfTokens = transformerSelf ? transformerSelf.stack.queryTokens : run.srcTokens;
  page.word = Math.min(page.word, selfTokens.length - 1);
  const stepSel = el("select", { "aria-label": "Hindi query word", "data-testid": "query-step" });
  run.stepLabels.slice(0, T).forEach((w, i) => {
    stepSel.append(el("option", { value: String(i) }, `${i + 1}: ${w}`));
  });
  stepSel.value = String(page.step);
  stepSel.addEventListener("change", () => {
    page.step = Number(stepSel.value);
    renderSteps();
  });
  const wordSel = el("select", { "aria-label": "English query word", "data-testid": "query-word" });
  selfTokens.forEach((w, j) => {
    wordSel.append(el("option", { value: String(j) }, `${j + 1}: ${w}`));
  });
  wordSel.value = String(page.word);
  wordSel.disabled = page.sameQ;
  wordSel.addEventListener("change", () => {
    page.word = Number(wordSel.value);
    renderSteps();
  });
  const sw = el("input", { type: "checkbox", id: "same-q", "data-testid": "switch-qkv" });
  sw.checked = page.sameQ;
  sw.addEventListener("change", () => {
    page.sameQ = sw.checked;
    renderSteps();
  });
  fill(
    byId("steps-choose"),
    el("label", {}, "Hindi output word (decoder query): ", stepSel),
    el(
      "label",
      {},
      transformerSelf ? "English token (self-attention query): " : "English word (self-attention query): ",
      wordSel,
    ),
    ...(transformerSelf ? layerHeadSelects("steps", transformerSelf.stack, page.sameQ) : []),
    el(
      "label",
      { class: "switch" },
      sw,
      " Q = s, K = V = h, scale 1 (make self-attention ask Luong's question)",
    ),
  );
  const i = page.step;
  const h = run.memory;
  const D = h[0].length;
  const hindi = run.stepLabels[i];
  const cols: HTMLElement[] = [];
  if (run.attention === "bahdanau") {
    cols.push(
      stepsColumn(
        "Bahdanau (the model's own)",
        `Q = s_{t−1} before “${hindi}”, ${lexicalValues() ? "K = h (English encoder states), V = W_v x (English word embeddings; the vectors below)" : "K = V = h (English)"}. e = vᵀ tanh(W₁ s + W₂ h_j): the weights in the map above.`,
        run.srcTokens,
        { scores: run.scores[i], weights: run.weights[i], context: run.contexts[i] },
        "steps-bahdanau",
        "additive",
      ),
    );
  }
  cols.push(
    stepsColumn(
      "Luong (dot)",
      `Q = s (decoder state for “${hindi}”), K = V = h (English). e = sᵀh_j — Luong's dot score on this model's states.`,
      run.srcTokens,
      threeSteps(run.queries[i], h, h, luongDot()),
      "steps-luong",
      "dot",
    ),
  );
  if (page.sameQ) {
    cols.push(
      stepsColumn(
        "Scaled dot, Q = s, K = V = h, scale 1",
        `Q = s (decoder state for “${hindi}”), K = V = h (English): two sequences, so this is no longer “self”.`,
        run.srcTokens,
        threeSteps(run.queries[i], h, h, scaledDotScore(1)),
        "steps-self",
        "q·k × 1",
      ),
    );
    const eq = luongEqualsScaledDot(run.queries, h);
    const out = byId("equivalence");
    out.dataset.max = String(eq.max);
    out.textContent =
      `Luong dot vs. scaled dot with Q = s, K = V = h, scale 1, over all ${run.queries.length} decoder steps of this sentence: ` +
      `max |Δa| = ${eq.weights.toExponential(2)}, max |Δc| = ${eq.contexts.toExponential(2)} — the same attention ` +
      "(any difference is float32 rounding between two code paths).";
  } else if (transformerSelf) {
    const w = page.word;
    const { layer, head } = layerHeadOf(transformerSelf.stack);
    const hv = headVectors(transformerSelf.tr, transformerSelf.inputs, "encoder-self", layer, head);
    const ln = transformerSelf.tr.model.config.normFirst ? " after its LayerNorm" : "";
    cols.push(
      stepsColumn(
        `Self-attention: the Transformer's encoder, layer ${layer + 1}, head ${head + 1}`,
        `Q = x_${w + 1} W^Q (“${selfTokens[w]}”), K = x_j W^K, V = x_j W^V: all three from the same English sentence ` +
          `(x: the layer's input${ln}; W^Q, W^K, W^V: this head's ${hv.dk} rows of the layer's in_proj_weight). ` +
          `e = qᵀk/√${hv.dk}; the weights are row ${w + 1} of view 2's map (its pieces), the Transformer's BPE tokens.`,
        transformerSelf.stack.keyTokens,
        threeSteps(hv.q[w], hv.k, hv.v, scaledDotScore()),
        "steps-self",
        `q·k/√${hv.dk}`,
      ),
    );
    const out = byId("equivalence");
    delete out.dataset.max;
    out.textContent =
      "Turn on the switch to compute the difference between Luong's and scaled-dot attention live.";
  } else {
    const w = page.word;
    cols.push(
      stepsColumn(
        "Self-attention (scaled dot)",
        `Q = h_${w + 1} (“${run.srcTokens[w]}”), K = V = h: all three from the same English sentence. e = qᵀk/√${D}.`,
        run.srcTokens,
        threeSteps(h[w], h, h, scaledDotScore()),
        "steps-self",
        `q·k/√${D}`,
      ),
    );
    const out = byId("equivalence");
    delete out.dataset.max;
    out.textContent =
      "Turn on the switch to compute the difference between Luong's and scaled-dot attention live.";
  }
  fill(byId("steps-host"), ...cols);
}

// ---- views 3b and 3c: the neuron view, positions ------------------------------------------------

/** View 3b for the page's sentence, on the page's copy of the Transformer and the worker's token ids. */
function renderNeuronView(): void {
  const { analysis, shown } = page;
  const tr = transformerHere;
  const inputs = analysis?.inputs;
  if (!tr || !inputs || !shown?.decoderSelf || !shown.cross) {
    renderNeuron(null);
    return;
  }
  const axes = (v: StackViews) => ({ queries: v.pieces.queryTokens, keys: v.pieces.keyTokens });
  renderNeuron({
    model: tr,
    inputs,
    labels: {
      "encoder-self": axes(shown.encoderSelf),
      "decoder-self": axes(shown.decoderSelf),
      cross: axes(shown.cross),
    },
    layer: page.layer,
    head: page.head,
    setLayerHead,
  });
}

/** View 3c: the sinusoids added to the sentence's tokens. */
function renderPositionsView(): void {
  const tokens = page.shown?.encoderSelf.pieces.queryTokens;
  renderPositions(transformerHere && page.analysis?.inputs && tokens ? transformerHere : null, tokens ?? [], {
    layer: page.layer,
    head: page.head,
  });
}

// ---- view 5 context vectors ---------------------------------------------------------------------

function renderContexts(): void {
  const { run, noneRun } = page;
  if (!run) return;
  // One row per decoder step; as words (default) a Hindi word's steps are averaged, as everywhere.
  const axis = page.contextAxis;
  if (!axis) return;
  const contextRows = page.pieces
    ? { labels: axis.pieceLabels, values: run.contexts }
    : {
        labels: axis.labels,
        values: axis.labels.map((_: string, w: number) => {
          const rows = run.contexts.filter((_, k) => axis.tokenWord[k] === w);
          return rows[0].map((_, d) => rows.reduce((a, r) => a + r[d], 0) / rows.length);
        }),
      };
  const parts: (HTMLElement | string)[] = [];
  byId("none-model").hidden = !noneRun;
  byId("none-translation").textContent = noneRun?.translation ?? "";
  if (noneRun) {
    parts.push(
      el(
        "p",
        {},
        `Without attention (the bundled LSTM without attention, models/en-hi-none: its own recipe, see its model card): “${noneRun.translation}”. Its decoder reads this one vector c at every one of its ${noneRun.contexts.length} steps — the whole sentence squeezed into ${noneRun.contexts[0].length} numbers:`,
      ),
      strip(noneRun.contexts[0], "c"),
    );
  } else {
    parts.push(el("p", { class: "note" }, "The no-attention model is not bundled in this build."));
  }
  parts.push(
    el(
      "p",
      {},
      `With Bahdanau attention the decoder reads a new c_t at each of its ${run.contexts.length} steps (rows${page.pieces ? "" : "; one per Hindi word here, its steps averaged"}), each a weighted sum of ${lexicalValues() ? "the English word embeddings (projected by W_v)" : "the encoder states"}:`,
    ),
    heatmap(contextRows.values, {
      rowLabels: contextRows.labels,
      colLabels: run.contexts[0].map((_, k) => (k % 16 === 0 ? String(k) : "")),
      domain: [-1, 1],
      cell: 7,
      showValues: false,
      caption: page.pieces ? undefined : "Words: c_t averaged over a Hindi word's pieces.",
    }),
  );
  fill(byId("context-host"), ...parts);
}

// ---- view 7 -------------------------------------------------------------------------------------

/** A model folder's alignment.json, when the build lists one (else null: the page says so). */
async function fetchDoc(path: string, listed: boolean): Promise<AlignmentDoc | null> {
  if (!listed) return null;
  const url = `${BASE}${path}/alignment.json`;
  const r = await fetch(url);
  if (!r.ok) throw new Error(`fetch ${url}: HTTP ${r.status}`);
  return parseAlignmentDoc(await r.json(), `${path}/alignment.json`);
}

const IBM1 = "aligners/ibm1-en-hi";

interface AlignData {
  lstmDoc: AlignmentDoc | null;
  transformerDoc: AlignmentDoc | null;
  /** IBM Model 1 and its scores, or why it could not be loaded. */
  ibm1: { aligner: ClassicalAligner; doc: AlignmentDoc | null; bytes: number } | { error: string };
}
let alignData: Promise<AlignData> | null = null;

/**
 * What view 7 needs beyond the models (which the translation worker holds, and forces there), fetched
 * once, when the view is first shown or used.
 */
function loadAlignData(): Promise<AlignData> {
  alignData ??= (async () => {
    const listed = (name: string) =>
      MODELS.find((m) => m.name === name)?.files.includes("alignment.json") ?? false;
    const ibm1 = (async () => {
      probe.ibm1Fetched = true;
      try {
        const url = `${BASE}${IBM1}/aligner.json`;
        const r = await fetch(url);
        if (!r.ok) throw new Error(`fetch ${url}: HTTP ${r.status}`);
        const text = await r.text();
        const aligner = classicalAlignerFromJSON(text);
        const doc = await fetchDoc(IBM1, true);
        return { aligner, doc, bytes: new TextEncoder().encode(text).byteLength };
      } catch (e) {
        return { error: `IBM Model 1 could not be loaded: ${(e as Error).message}` };
      }
    })();
    const [lstmDoc, transformerDoc] = await Promise.all([
      fetchDoc(`models/${page.lstmName}`, listed(page.lstmName)),
      page.transformerName ? fetchDoc(`models/${page.transformerName}`, listed(page.transformerName)) : null,
    ]);
    return { lstmDoc, transformerDoc, ibm1: await ibm1 };
  })();
  return alignData;
}

/** Draws one map of view 7 into `host`: its argmax / aligner links outlined, and in data-links. */
function drawAlignment(host: string, testId: string, m: AlignmentMap, caption: string): void {
  const fig = heatmap(m.weights, {
    rowLabels: m.hindiWords,
    colLabels: m.englishWords,
    testId,
    rowTitle: "Hindi",
    colTitle: "English",
    caption,
  });
  const links = new Set(m.links);
  for (const td of Array.from(fig.querySelectorAll<HTMLElement>("td.cell"))) {
    if (!links.has(`${td.dataset.j}-${td.dataset.i}`)) continue;
    td.classList.add("link");
    td.dataset.link = "";
    td.setAttribute("aria-label", `${td.getAttribute("aria-label")}, linked`);
  }
  const said = m.links.map((l) => {
    const [s, t] = l.split("-").map(Number);
    return `${m.hindiWords[t]} → ${m.englishWords[s]}`;
  });
  const h = byId(host);
  h.dataset.links = m.pharaoh;
  fill(
    h,
    fig,
    el("p", { class: "links", "data-testid": `${testId}-links` }, `Links: ${said.join(", ") || "none"}`),
  );
}

function clearAlignment(): void {
  for (const id of ["align-lstm-host", "align-transformer-host", "align-ibm1-host"]) {
    const h = byId(id);
    delete h.dataset.links;
    fill(h);
  }
}

let alignSeq = 0;

/** View 7's "Aligning…" state: the section aria-busy, a line with the seconds so far, the maps dimmed. */
let alignTimer: ReturnType<typeof setInterval> | undefined;
function setAligning(on: boolean): void {
  probe.aligning = on;
  const state = byId("align-state");
  const section = byId("alignment");
  clearInterval(alignTimer);
  for (const id of ["align-lstm-host", "align-transformer-host", "align-ibm1-host"]) {
    byId(id).classList.toggle("stale", on);
  }
  if (!on) {
    section.removeAttribute("aria-busy");
    state.textContent = "";
    state.hidden = true;
    return;
  }
  section.setAttribute("aria-busy", "true");
  state.hidden = false;
  const t0 = performance.now();
  const say = () => {
    state.textContent = `Aligning… ${((performance.now() - t0) / 1000).toFixed(1)} s (both models forced in a Web Worker: the page stays usable)`;
  };
  say();
  alignTimer = setInterval(say, 200);
}

/**
 * Aligns the two inputs with the LSTM and the Transformer (forced, in the translation worker) and IBM
 * Model 1 (here: a table look-up per word pair), and draws the three maps one per task.
 */
async function alignNow(): Promise<void> {
  const seq = ++alignSeq;
  const english = byId<HTMLInputElement>("align-en").value;
  const hindi = byId<HTMLInputElement>("align-hi").value;
  const err = byId("align-error");
  const current = () => seq === alignSeq;
  err.textContent = "";
  try {
    checkPair(english, hindi);
  } catch (e) {
    setAligning(false);
    clearAlignment();
    err.textContent = (e as Error).message;
    return;
  }
  setAligning(true);
  let d: AlignData;
  try {
    d = await loadAlignData();
  } catch (e) {
    if (current()) {
      setAligning(false);
      err.textContent = (e as Error).message;
    }
    return;
  }
  if (!current()) return; // a newer request is on its way
  const out = await page.translator.align({
    english,
    hindi,
    lstm: { doc: d.lstmDoc, folder: `models/${page.lstmName}` },
    transformer: page.transformerName
      ? { doc: d.transformerDoc, folder: `models/${page.transformerName}` }
      : null,
  });
  if (!current() || out.kind === "superseded") return;
  setAligning(false);
  if (out.kind === "error") {
    clearAlignment();
    err.textContent = out.message;
    return;
  }
  probe.alignWorkerMs = out.ms;
  const drawMs: number[] = [];
  const parts: (() => void)[] = [
    () => {
      drawAlignment("align-lstm-host", "map-forced-lstm", out.lstm.map, linksCaption(out.lstm.map.reading));
      byId("align-lstm-reading").textContent = `Reading ${out.lstm.from}.`;
      byId("align-lstm-gold").textContent = goldLine(d.lstmDoc, `models/${page.lstmName}`);
    },
    () => {
      const tr = out.transformer;
      if (tr && page.transformerName) {
        drawAlignment(
          "align-transformer-host",
          "map-forced-transformer",
          tr.map,
          linksCaption(tr.map.reading),
        );
        byId("align-transformer-reading").textContent = `Reading ${tr.from}.`;
        byId("align-transformer-gold").textContent = goldLine(
          d.transformerDoc,
          `models/${page.transformerName}`,
        );
      } else {
        fill(
          byId("align-transformer-host"),
          el("p", { class: "note" }, "Needs a trained Transformer checkpoint, not bundled in this build."),
        );
        byId("align-transformer-gold").textContent = "";
      }
    },
    () => {
      if ("error" in d.ibm1) {
        fill(byId("align-ibm1-host"), el("p", { class: "error" }, d.ibm1.error));
        byId("align-ibm1-gold").textContent = "";
        return;
      }
      drawAlignment(
        "align-ibm1-host",
        "map-ibm1",
        classicalMap(d.ibm1.aligner, english, hindi),
        `Colours: its posterior p(English word | Hindi word, the pair), without NULL (a row of equal weights: no statistics link that Hindi word to these English words); outlined: its links (both directions, ${d.ibm1.aligner.symmetrization}).`,
      );
      byId("align-ibm1-info").textContent =
        `(${IBM1}/aligner.json, ${(d.ibm1.bytes / 2 ** 20).toFixed(2)} MiB, fetched when this view was first used)`;
      byId("align-ibm1-gold").textContent = goldLine(d.ibm1.doc, IBM1);
    },
  ];
  try {
    for (const part of parts) {
      if (!current()) return;
      const t0 = performance.now();
      part();
      drawMs.push(performance.now() - t0);
      await nextTask();
    }
  } catch (e) {
    clearAlignment();
    err.textContent = (e as Error).message;
    return;
  }
  if (!current()) return;
  probe.alignDrawMs = drawMs;
  probe.alignments++;
}

/** View 7: Align on submit; the lesson's pair aligned by itself when the view first scrolls into sight. */
function setupAlignment(): void {
  byId("align-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void alignNow();
  });
  byId<HTMLButtonElement>("align-button").disabled = false;
  const section = byId("alignment");
  if (typeof IntersectionObserver !== "function") return;
  const io = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    io.disconnect();
    if (probe.alignments === 0 && alignSeq === 0) void alignNow();
  });
  io.observe(section);
}

// ---- boot ----------------------------------------------------------------------------------------

/** The next task: lets input, clicks and rendering in between two parts of the page's work. */
const nextTask = () => new Promise<void>((r) => setTimeout(r, 0));

/** Views 1–5 emptied (an empty box, a refused sentence): nothing on screen belongs to another sentence. */
function clearViews(): void {
  page.run = undefined;
  page.noneRun = undefined;
  page.analysis = undefined;
  page.shown = undefined;
  probe.run = undefined;
  for (const id of [
    "translation",
    "none-translation",
    "self-src",
    "self-note",
    "dec-self-src",
    "dec-cross-src",
  ]) {
    byId(id).textContent = "";
  }
  if (page.transformerName) byId("transformer-translation").textContent = "";
  byId("self-title").textContent = "Self-attention (intra)";
  for (const id of [
    "map-cross-host",
    "self-choose",
    "map-self-host",
    "dec-self-host",
    "dec-cross-host",
    "steps-choose",
    "steps-host",
    "neuron-choose",
    "neuron-host",
    "positions-host",
    "heads-choose",
    "head-view",
    "model-view",
    "model-view-big",
    "context-host",
  ]) {
    fill(byId(id));
  }
  const eq = byId("equivalence");
  eq.textContent = "";
  delete eq.dataset.max;
}

/** The "Translating…" state: the button, the section (aria-busy) and a line with the seconds so far. */
let busyTimer: ReturnType<typeof setInterval> | undefined;
function setBusy(sentence: string | null): void {
  probe.translating = sentence !== null;
  const state = byId("translate-state");
  const section = byId("translate");
  clearInterval(busyTimer);
  for (const id of ["translation", "none-translation", "transformer-translation"]) {
    byId(id).classList.toggle("stale", sentence !== null);
  }
  if (sentence === null) {
    section.removeAttribute("aria-busy");
    state.textContent = "";
    state.hidden = true;
    return;
  }
  section.setAttribute("aria-busy", "true");
  state.hidden = false;
  const t0 = performance.now();
  const say = () => {
    state.textContent = `Translating… ${((performance.now() - t0) / 1000).toFixed(1)} s (${charCount(sentence)} characters, in a Web Worker: the page stays usable)`;
  };
  say();
  busyTimer = setInterval(say, 200);
}

/** What the box says of its text while typing: the limit when near or over it, the hint for non-English. */
function onSentenceInput(): void {
  const value = byId<HTMLInputElement>("sentence").value;
  const c = checkSentence(value);
  const err = byId("translate-error");
  const count = byId("sentence-count");
  const n = charCount(value);
  count.textContent = `${n} / ${MAX_CHARS}`;
  count.classList.toggle("over", n > MAX_CHARS);
  if (c.kind === "empty") {
    // An empty box clears the views (and stops any translation still waiting from drawing).
    page.translator.cancel();
    setBusy(null);
    clearViews();
    err.textContent = "";
  } else if (c.kind === "long" || c.kind === "not-english") err.textContent = c.message;
  else if (err.dataset.from === "input") err.textContent = "";
  err.dataset.from = "input";
}

/** Draws a finished translation, one view per task (no task of the page's runs long). */
async function drawTranslation(id: number, t: Translation): Promise<boolean> {
  const current = () => id === page.translator.latest;
  page.run = t.run;
  page.noneRun = t.noneRun;
  page.analysis = t.analysis;
  page.shown = t.shown;
  page.contextAxis = t.contextAxis;
  if (page.transformerName) {
    const tt = byId("transformer-translation");
    tt.classList.remove("pending");
    tt.lang = "hi";
    tt.textContent = t.analysis.translation ?? "";
  }
  page.layer = Math.min(page.layer, layersOf(t.analysis.encoderSelf) - 1);
  page.head = Math.min(page.head, headsOf(t.analysis.encoderSelf) - 1);
  const ok = await drawViews(current, true);
  if (ok) probe.run = t.run;
  return ok;
}

/** Up to this many source tokens views 1–5 are drawn in one go (a few thousand cells at most). */
const DRAW_IN_ONE_TASK = 24;

/**
 * Views 1–5 drawn one part per task (each map its own), so that no task of the page runs long and a click
 * in between is answered; stops when `current()` turns false (a newer sentence or a cleared box). A short
 * sentence's views are drawn at once (a switch flipped shows its maps before the next event). With
 * `steps`, views 3, 3b and 3c too: they compute on the page's copy of the Transformer, loaded the first
 * time (`loadPageTransformer`), from the token ids the worker translated.
 */
async function drawViews(current: () => boolean, steps: boolean): Promise<boolean> {
  if (steps && page.transformerName && !transformerHere) {
    await loadPageTransformer(page.translator);
    if (!current()) return false;
  }
  return drawParts(
    [
      renderCross,
      renderSelf,
      renderDecoder,
      ...(steps ? [renderSteps, renderNeuronView, renderPositionsView] : []),
      () => renderHeads(headStacks()),
      renderContexts,
    ],
    current,
    (ms) => {
      probe.drawMs = ms;
    },
  );
}

/** `parts` drawn in order, each its own task unless the sentence is short; false when `current()` turned false. */
async function drawParts(
  parts: (() => void)[],
  current: () => boolean,
  done?: (ms: number[]) => void,
): Promise<boolean> {
  const small = (page.run?.srcTokens.length ?? 0) <= DRAW_IN_ONE_TASK;
  const ms: number[] = [];
  for (const [k, draw] of parts.entries()) {
    if (k > 0 && !small) await nextTask();
    if (!current()) return false;
    const t0 = performance.now();
    draw();
    ms.push(performance.now() - t0);
  }
  done?.(ms);
  return true;
}

async function translateNow(): Promise<void> {
  const sentence = byId<HTMLInputElement>("sentence").value;
  const err = byId("translate-error");
  delete err.dataset.from;
  const c = checkSentence(sentence);
  if (c.kind !== "ok") {
    page.translator.cancel(); // nothing older draws over the message
    clearViews();
    setBusy(null);
    err.textContent = c.message;
    return;
  }
  err.textContent = "";
  const t0 = performance.now();
  setBusy(sentence);
  const r = await page.translator.translate(sentence);
  if (r.id !== page.translator.latest) return; // a newer sentence is on its way
  setBusy(null);
  if (r.kind === "error") {
    clearViews();
    err.textContent = r.message;
  } else if (r.kind === "done") {
    probe.workerMs = r.ms;
    probe.messageMs = r.postedAt && performance.timeOrigin + performance.now() - r.postedAt;
    if (!(await drawTranslation(r.id, r))) return;
    probe.translations++;
  }
  probe.translateMs = performance.now() - t0;
}

async function boot(): Promise<void> {
  const t0 = performance.now();
  renderBottleneck();
  // ?threads=N sets the training worker's kernel threads (benchmarks compare 1 with the default).
  const threads = Number(new URLSearchParams(location.search).get("threads"));
  setupTraining(Number.isInteger(threads) && threads > 0 ? threads : undefined);
  const find = (role: string) => MODELS.find((m) => m.role === role);
  const lstmInfo = find("lstm-attention");
  if (!lstmInfo) throw new Error("explorer: no LSTM + attention model in this build");
  const transformerInfo = find("transformer");
  const noneInfo = find("lstm-none");
  const abs = (path: string) => new URL(`${BASE}${path}`, location.href).href;
  // The translation worker loads its own copies of the models (views 1–5 translate there, view 7 aligns there).
  const translator = new Translator({
    lstm: abs(lstmInfo.path),
    none: noneInfo && abs(noneInfo.path),
    transformer: transformerInfo && { url: abs(transformerInfo.path), name: transformerInfo.name },
  });
  // The page's own kernels (views 3, 3b and 3c compute here) start while the worker loads the models.
  // Views 3, 3b and 3c compute on the page's own copy of the Transformer: it loads meanwhile, once.
  if (transformerInfo) loadPageTransformer(translator).catch(() => {}); // its failure is said when view 3 draws
  const [, info] = await Promise.all([initBackend(), translator.ready]);
  renderWorkedExample();
  const tr = info.transformer;
  if (tr) {
    byId("transformer-info").textContent =
      `(${tr.name}: ${tr.encoderLayers}+${tr.decoderLayers} layers × ${tr.heads} heads, d = ${tr.dModel}; ` +
      `${(tr.parameters / 1e6).toFixed(2)} M parameters, ${(tr.bytes / 2 ** 20).toFixed(1)} MiB of float16 weights)`;
    probe.layered = tr.name;
  }
  page = {
    translator,
    info,
    transformerName: tr?.name ?? null,
    lstmName: lstmInfo.name,
    pieces: false,
    layer: 0,
    head: 0,
    step: 0,
    word: 0,
    sameQ: false,
  };
  // Words by default; the switch shows every map's subword pieces (the models' own tokens) instead.
  const pieces = el("input", { type: "checkbox", id: "show-pieces", "data-testid": "show-pieces" });
  pieces.addEventListener("change", () => {
    page.pieces = pieces.checked;
    if (!page.shown) return;
    const id = page.translator.latest;
    void drawViews(() => id === page.translator.latest && page.pieces === pieces.checked, false);
  });
  byId("translate-form").append(el("label", { class: "switch-pieces" }, pieces, " show subword pieces"));
  const box = byId<HTMLInputElement>("sentence");
  box.addEventListener("input", onSentenceInput);
  byId("sentence-limit").textContent = `up to ${MAX_CHARS} characters`;
  if (lexicalValues()) {
    // This model's attention sums the projected English word embeddings, not the encoder states.
    byId("cross-qkv").innerHTML =
      "Q = s<sub>t−1</sub> from the <b>Hindi decoder</b>; K = h<sub>j</sub> from the <b>English encoder</b>, " +
      "V = W<sub>v</sub> x<sub>j</sub> the <b>English word embeddings</b>" +
      (info.lstm.latentAlignment
        ? "; each English word predicts the Hindi word and the attention mixes those predictions (latent alignment)"
        : "") +
      ". Rows: Hindi output words, columns: English input words.";
  }
  byId("lstm-info").textContent =
    `(${(info.lstm.parameters / 1e6).toFixed(2)} M parameters, ${(info.lstm.bytes / 2 ** 20).toFixed(1)} MiB of float16 weights)`;
  const button = byId<HTMLButtonElement>("translate-button");
  byId("translate-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void translateNow();
  });
  button.disabled = false;
  onSentenceInput();
  await translateNow();
  probe.loadMs = performance.now() - t0;
  setupAlignment();
  const here = getThreadSupport();
  byId("status").textContent =
    `Ready in ${Math.round(probe.loadMs)} ms: kernels on ${getBackend()} (${here.threads} thread${here.threads === 1 ? "" : "s"} ` +
    `on this page's main thread, which may not block; translation and view 6's training run in Web Workers), ` +
    `cross-origin isolated: ${globalThis.crossOriginIsolated ? "yes" : "no"}.`;
  byId("footer").textContent =
    `qkv ${VERSION} · all numbers computed in this page · models: ${MODELS.map((m) => m.path).join(", ")}`;
  probe.readyAt = performance.now();
  probe.ready = true;
  // View 5's model without attention is not needed to start: the worker loads it after the others.
  if (!noneInfo) {
    probe.noneReady = true;
    return;
  }
  void translator.none.then(async () => {
    const run = page.run;
    if (run) {
      const noneRun = await translator.translateNone(run.sentence);
      if (page.run?.sentence === run.sentence) {
        page.noneRun = noneRun;
        renderContexts();
      }
    }
    probe.noneReady = true;
  });
}

boot().catch((e) => {
  probe.error = String((e as Error).stack ?? e);
  byId("status").textContent = `Could not start: ${(e as Error).message}`;
  byId("status").classList.add("error");
});
