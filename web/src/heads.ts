/**
 * View 4, as bertviz draws attention: the head view (lines from each query token to each key token,
 * one colour per head, opacity = weight; hover or focus a token to see only its lines) and the model
 * view (a grid of layers × heads thumbnails; click one to enlarge it).
 */
import { colorAt, isUnknownLabel, SERIES_COLORS } from "qkv";
import { byId, el, fill } from "./dom.js";
import { heatmap } from "./heatmap.js";
import { type AttentionStack, headsOf, layersOf, mapOf } from "./stacks.js";

const SVG = "http://www.w3.org/2000/svg";
const ROW = 24;

const choice = { stack: 0, layer: 0, heads: new Set<number>([0]), big: null as null | [number, number] };

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** The most tokens a side of the head view draws (a longer sentence: its lines would be a smear). */
export const HEAD_VIEW_MAX = 60;

function headView(s: AttentionStack): Element {
  const T = s.queryTokens.length;
  const S = s.keyTokens.length;
  if (Math.max(T, S) > HEAD_VIEW_MAX) {
    return el(
      "p",
      { class: "note", "data-testid": "head-view" },
      `${T} × ${S} tokens: the head view draws sentences of up to ${HEAD_VIEW_MAX} tokens a side. The model view beside it shows every head of this one.`,
    );
  }
  const height = Math.max(T, S) * ROW + 16;
  const width = 420;
  const xl = 150;
  const xr = 270;
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "headview" });
  root.setAttribute("data-testid", "head-view");
  const lines = svg("g", {});
  root.append(lines);
  const heads = [...choice.heads].filter((h) => h < headsOf(s));
  for (const h of heads) {
    const w = mapOf(s, choice.layer, h);
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < S; j++) {
        if (w[i][j] < 0.01) continue;
        const line = svg("line", {
          x1: xl + 6,
          y1: 16 + i * ROW,
          x2: xr - 6,
          y2: 16 + j * ROW,
          stroke: SERIES_COLORS[h % SERIES_COLORS.length],
          "stroke-width": 2.5,
          "stroke-opacity": w[i][j].toFixed(3),
          class: `q${i}`,
        });
        line.append(svg("title", {}));
        line.firstChild!.textContent = `head ${h + 1}: ${s.queryTokens[i]} → ${s.keyTokens[j]} ${w[i][j].toFixed(4)}`;
        lines.append(line);
      }
    }
  }
  const rightLabels: SVGTextElement[] = [];
  const focus = (i: number | null) => {
    root.classList.toggle("focused", i !== null);
    for (const l of lines.children) l.classList.toggle("on", i !== null && l.classList.contains(`q${i}`));
    rightLabels.forEach((t, j) => {
      const vals = i === null ? "" : heads.map((h) => mapOf(s, choice.layer, h)[i][j].toFixed(2)).join(" ");
      t.textContent = vals ? `${s.keyTokens[j]}  ${vals}` : s.keyTokens[j];
    });
  };
  const cls = (tok: string) => (isUnknownLabel(tok) ? "tok unk" : "tok");
  s.queryTokens.forEach((tok, i) => {
    const t = svg("text", { x: xl, y: 20 + i * ROW, "text-anchor": "end", tabindex: 0, class: cls(tok) });
    t.textContent = tok;
    t.addEventListener("mouseenter", () => focus(i));
    t.addEventListener("focus", () => focus(i));
    t.addEventListener("mouseleave", () => focus(null));
    t.addEventListener("blur", () => focus(null));
    root.append(t);
  });
  s.keyTokens.forEach((tok, j) => {
    const t = svg("text", { x: xr, y: 20 + j * ROW, class: cls(tok) });
    t.textContent = tok;
    rightLabels.push(t);
    root.append(t);
  });
  return root;
}

function thumbnail(w: number[][], px: number): HTMLCanvasElement {
  const T = w.length;
  const S = w[0]?.length ?? 0;
  const c = el("canvas", { width: String(S * px), height: String(T * px) });
  // A long sentence's thumbnail is drawn one pixel a weight and shown 96 px on its longer side.
  if (px === 1) {
    const k = 96 / Math.max(T, S, 1);
    c.style.width = `${Math.round(S * k)}px`;
    c.style.height = `${Math.round(T * k)}px`;
  }
  const ctx = c.getContext("2d");
  if (ctx && T > 0 && S > 0) {
    // One ImageData, px × px pixels a weight (no fillRect per weight: a long sentence has tens of thousands).
    const img = ctx.createImageData(S * px, T * px);
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < S; j++) {
        const [r, g, b] = colorAt("viridis", Math.min(1, Math.max(0, w[i][j])));
        for (let y = i * px; y < (i + 1) * px; y++) {
          for (let x = j * px; x < (j + 1) * px; x++) {
            const k = 4 * (y * S * px + x);
            img.data[k] = r;
            img.data[k + 1] = g;
            img.data[k + 2] = b;
            img.data[k + 3] = 255;
          }
        }
      }
    }
    ctx.putImageData(img, 0, 0);
  }
  return c;
}

function modelView(s: AttentionStack): HTMLElement {
  const L = layersOf(s);
  const H = headsOf(s);
  const grid = el("div", { class: "modelgrid", "data-testid": "model-view" });
  grid.style.gridTemplateColumns = `auto repeat(${H}, auto)`;
  grid.append(el("span", {}, ""));
  for (let h = 0; h < H; h++) grid.append(el("span", { class: "gh" }, `head ${h + 1}`));
  const n = Math.max(s.queryTokens.length, s.keyTokens.length);
  const px = n > 32 ? 1 : Math.max(3, Math.floor(72 / n));
  for (let l = 0; l < L; l++) {
    grid.append(el("span", { class: "gh" }, `layer ${l + 1}`));
    for (let h = 0; h < H; h++) {
      const b = el("button", {
        type: "button",
        class: "thumb",
        "aria-label": `layer ${l + 1}, head ${h + 1}: enlarge`,
      });
      b.append(thumbnail(mapOf(s, l, h), px));
      b.addEventListener("click", () => {
        choice.big = [l, h];
        showBig(s);
      });
      grid.append(b);
    }
  }
  return grid;
}

function showBig(s: AttentionStack): void {
  const host = byId("model-view-big");
  if (!choice.big) {
    fill(host, el("p", { class: "note" }, "Click a thumbnail to enlarge it."));
    return;
  }
  const [l, h] = choice.big;
  fill(
    host,
    el("h4", {}, `${s.title}: layer ${l + 1}, head ${h + 1}`),
    heatmap(mapOf(s, l, h), {
      rowLabels: s.queryTokens,
      colLabels: s.keyTokens,
      testId: "model-view-big-map",
      caption: s.caption,
    }),
  );
}

/** Draws view 4 for the stacks of the current sentence. */
export function renderHeads(stacks: AttentionStack[]): void {
  choice.stack = Math.min(choice.stack, stacks.length - 1);
  const s = stacks[choice.stack];
  choice.layer = Math.min(choice.layer, layersOf(s) - 1);
  if (choice.big && (choice.big[0] >= layersOf(s) || choice.big[1] >= headsOf(s))) choice.big = null;
  const stackSel = el("select", { "aria-label": "which attention", "data-testid": "heads-stack" });
  stacks.forEach((st, k) => {
    stackSel.append(el("option", { value: String(k) }, `${st.title} (${st.kind})`));
  });
  stackSel.value = String(choice.stack);
  stackSel.addEventListener("change", () => {
    choice.stack = Number(stackSel.value);
    choice.big = null;
    renderHeads(stacks);
  });
  const layerSel = el("select", { "aria-label": "layer" });
  for (let l = 0; l < layersOf(s); l++) layerSel.append(el("option", { value: String(l) }, `layer ${l + 1}`));
  layerSel.value = String(choice.layer);
  layerSel.disabled = layersOf(s) < 2;
  layerSel.addEventListener("change", () => {
    choice.layer = Number(layerSel.value);
    renderHeads(stacks);
  });
  const toggles = Array.from({ length: headsOf(s) }, (_, h) => {
    const box = el("input", { type: "checkbox", "aria-label": `head ${h + 1}` });
    box.checked = choice.heads.has(h);
    box.addEventListener("change", () => {
      if (box.checked) choice.heads.add(h);
      else choice.heads.delete(h);
      renderHeads(stacks);
    });
    const sw = el("span", { class: "swatch" });
    sw.style.background = SERIES_COLORS[h % SERIES_COLORS.length];
    return el("label", { class: "headtoggle" }, box, sw, ` ${h + 1}`);
  });
  fill(
    byId("heads-choose"),
    el("label", {}, stackSel),
    el("label", {}, layerSel),
    el("span", {}, "heads:"),
    ...toggles,
  );
  fill(
    byId("head-view"),
    el("h3", {}, "Head view"),
    el("p", { class: "qkv-src" }, `Q = ${s.source.q}; K = ${s.source.k}; V = ${s.source.v}.`),
    headView(s),
    ...(s.caption ? [el("p", { class: "note" }, s.caption)] : []),
    ...(s.note ? [el("p", { class: "note" }, s.note)] : []),
  );
  fill(byId("model-view"), modelView(s));
  showBig(s);
}
