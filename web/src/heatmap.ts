/**
 * An attention map in the DOM: one focusable cell per weight, coloured with viridis (qkv/viz), the exact
 * number on hover and on keyboard focus (Tab reaches the map, arrow keys move between cells), and in `data-value` at full
 * precision for tests. Any (rows × columns) matrix with its labels: the page's maps, and whatever other
 * matrix a view wants to show the same way.
 *
 * Column labels stand upright (turned −90°) for Latin headers. A header with a label in a script that must
 * not turn (Devanagari: qkv's `mustStayUpright`) draws every label horizontally instead, each centred over
 * its column, in staggered rows where neighbours would touch (qkv's `staggerLevels`, the same rule as the
 * SVG and PNG maps), a thin leader line from a raised label down to its column. The rows are laid out from
 * the labels' real widths once the page has laid them out (and again when a font arrives): a ResizeObserver
 * on the labels. `<unk>` labels get the class `unk` (their own colour).
 *
 * A map of more than MAX_CELLS weights is summarised, as the terminal map summarises a map too wide for
 * its terminal: drawn as a picture (one canvas, one pixel block per weight, the same colours), with a line
 * saying so; the numbers stay on hover and on the keyboard (focus the picture, arrow keys move a cursor).
 * The page never builds hundreds of thousands of cells (a 2,000-character sentence once made 320,799).
 */
import { colorAt, contrastColor, isUnknownLabel, mustStayUpright, staggerLevels, toHex } from "qkv";
import { el } from "./dom.js";

export interface HeatmapOptions {
  rowLabels: string[];
  colLabels: string[];
  /** data-testid of the table. */
  testId?: string;
  /** Colour domain (default [0, 1]: attention weights). */
  domain?: [number, number];
  /** Cell size in px (default 30). */
  cell?: number;
  /** Axis titles. */
  rowTitle?: string;
  colTitle?: string;
  /** Digits shown in the readout (default 4). */
  digits?: number;
  /** Print the value inside each cell (default: when cells are at least 30 px). */
  showValues?: boolean;
  /** Called when a cell gets focus or the pointer. */
  onPick?: (i: number, j: number) => void;
  /** A line under the map (e.g. how pieces were merged into words). */
  caption?: string;
}

const isDevanagari = (s: string) => /[\u0900-\u097F]/.test(s);

/** A label span: `lang="hi"` for Hindi (the page's Devanagari font), class `unk` for `<unk>`. */
export function label(text: string, cls: string): HTMLElement {
  const e = el("span", { class: isUnknownLabel(text) ? `${cls} unk` : cls }, text);
  if (isDevanagari(text)) e.lang = "hi";
  return e;
}

/** Gap between two labels on one row of an upright header, px. */
const UPRIGHT_GAP = 8;

/** Places the upright column labels of `table` in staggered rows, from their laid-out widths. */
function stagger(table: HTMLTableElement): void {
  const toks = Array.from(table.querySelectorAll<HTMLElement>("thead th.col .tok"));
  const boxes = toks.map((t) => t.getBoundingClientRect());
  if (boxes.every((b) => b.width === 0)) return; // not displayed
  const centers = toks.map((t) => {
    const h = (t.parentElement as HTMLElement).getBoundingClientRect();
    return h.left + h.width / 2;
  });
  const levels = staggerLevels(
    centers,
    boxes.map((b) => b.width),
    UPRIGHT_GAP,
  );
  const line = Math.ceil(Math.max(...boxes.map((b) => b.height))) + 2;
  toks.forEach((t, j) => {
    const rise = levels[j] * line;
    t.style.bottom = `${4 + rise}px`;
    t.style.zIndex = String(100 - levels[j]);
    t.style.setProperty("--leader", levels[j] > 0 ? `${rise + 4}px` : "0px");
    t.dataset.level = String(levels[j]);
  });
  table.style.setProperty("--colhead", `${(Math.max(...levels) + 1) * line + 6}px`);
}

/** The most weights a map draws as cells (focusable, labelled); a larger one is drawn as a picture. */
export const MAX_CELLS = 4096;

/** The colour of v in [lo, hi] (viridis), as heatmap cells and pictures draw it. */
const colourOf = (v: number, lo: number, hi: number) =>
  colorAt("viridis", hi === lo ? 0 : Math.min(1, Math.max(0, (v - lo) / (hi - lo))));

/** A map too large for cells: a picture of it, the number under the pointer or the keyboard's cursor. */
function summaryMap(values: number[][], o: HeatmapOptions): HTMLElement {
  const [lo, hi] = o.domain ?? [0, 1];
  const R = values.length;
  const C = values[0]?.length ?? 0;
  const digits = o.digits ?? 4;
  // Each weight a block of px × px screen pixels: as large as fits 640 px, at least one.
  const px = Math.max(1, Math.min(o.cell ?? 30, Math.floor(640 / Math.max(R, C))));
  const canvas = el("canvas", {
    width: String(C),
    height: String(R),
    class: "summary-picture",
    tabindex: "0",
    role: "img",
    "aria-label": `${o.rowTitle ?? "rows"} × ${o.colTitle ?? "columns"}: ${R} × ${C} weights as a picture; arrow keys read them one by one`,
  });
  canvas.style.width = `${C * px}px`;
  canvas.style.height = `${R * px}px`;
  if (o.testId) canvas.dataset.testid = o.testId;
  canvas.dataset.rows = String(R);
  canvas.dataset.cols = String(C);
  const ctx = canvas.getContext("2d");
  if (ctx && R > 0 && C > 0) {
    const img = ctx.createImageData(C, R);
    values.forEach((row, i) => {
      row.forEach((v, j) => {
        const [r, g, b] = colourOf(v, lo, hi);
        const k = 4 * (i * C + j);
        img.data[k] = r;
        img.data[k + 1] = g;
        img.data[k + 2] = b;
        img.data[k + 3] = 255;
      });
    });
    ctx.putImageData(img, 0, 0);
  }
  const cursor = el("div", { class: "summary-cursor" });
  cursor.style.width = cursor.style.height = `${Math.max(px, 3)}px`;
  cursor.hidden = true;
  const readout = el("div", { class: "readout", "aria-live": "polite" }, "\u00a0");
  let at: [number, number] = [0, 0];
  const say = (i: number, j: number) => {
    at = [i, j];
    cursor.hidden = false;
    cursor.style.left = `${j * px}px`;
    cursor.style.top = `${i * px}px`;
    readout.textContent = `${o.rowLabels[i] ?? i} → ${o.colLabels[j] ?? j}: ${values[i][j].toFixed(digits)}`;
    o.onPick?.(i, j);
  };
  canvas.addEventListener("mousemove", (ev) => {
    const r = canvas.getBoundingClientRect();
    const i = Math.min(R - 1, Math.max(0, Math.floor(((ev.clientY - r.top) / r.height) * R)));
    const j = Math.min(C - 1, Math.max(0, Math.floor(((ev.clientX - r.left) / r.width) * C)));
    say(i, j);
  });
  canvas.addEventListener("focus", () => say(...at));
  canvas.addEventListener("keydown", (ev) => {
    const step = ARROWS[ev.key];
    if (!step) return;
    ev.preventDefault();
    say(Math.min(R - 1, Math.max(0, at[0] + step[0])), Math.min(C - 1, Math.max(0, at[1] + step[1])));
  });
  const note = el(
    "p",
    { class: "note summary-note" },
    `${R} × ${C} = ${(R * C).toLocaleString("en")} weights: more than ${MAX_CELLS.toLocaleString("en")}, so drawn as a picture ` +
      `(rows: ${o.rowTitle ?? "queries"}, top to bottom; columns: ${o.colTitle ?? "keys"}, left to right). ` +
      "Point at it, or focus it and use the arrow keys, for each number.",
  );
  const box = el("div", { class: "summary-box" }, canvas, cursor);
  const parts: HTMLElement[] = [note, el("div", { class: "scroll" }, box), readout];
  if (o.caption) parts.push(el("figcaption", { class: "note map-caption" }, o.caption));
  return el("figure", { class: "map summary" }, ...parts);
}

const ARROWS: Record<string, [number, number]> = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
};

export function heatmap(values: number[][], o: HeatmapOptions): HTMLElement {
  if (values.length * (values[0]?.length ?? 0) > MAX_CELLS) return summaryMap(values, o);
  const [lo, hi] = o.domain ?? [0, 1];
  const size = o.cell ?? 30;
  const digits = o.digits ?? 4;
  const showValues = o.showValues ?? size >= 30;
  const readout = el("div", { class: "readout", "aria-live": "polite" }, "\u00a0");
  const table = el("table", { class: "heatmap" });
  if (o.testId) table.dataset.testid = o.testId;
  table.style.setProperty("--cell", `${size}px`);
  const upright = o.colLabels.some(mustStayUpright);
  if (upright) {
    table.classList.add("upright-cols");
    table.style.setProperty("--colhead", "34px"); // one row, until the labels are measured
  } else {
    const longest = Math.max(1, ...o.colLabels.map((c) => [...c].length));
    table.style.setProperty("--colhead", `${Math.min(140, 10 + 8 * longest)}px`);
  }
  table.setAttribute("role", "grid");
  const head = el(
    "tr",
    {},
    el("th", { class: "corner" }, o.rowTitle && o.colTitle ? `${o.rowTitle} ╲ ${o.colTitle}` : ""),
  );
  for (const c of o.colLabels) head.append(el("th", { class: "col", scope: "col" }, label(c, "tok")));
  table.append(el("thead", {}, head));
  const body = el("tbody");
  const cells: HTMLElement[][] = [];
  const say = (i: number, j: number) => {
    const v = values[i][j];
    readout.textContent = `${o.rowLabels[i]} → ${o.colLabels[j]}: ${v.toFixed(digits)}`;
    o.onPick?.(i, j);
  };
  values.forEach((row, i) => {
    const tr = el(
      "tr",
      {},
      el("th", { class: "row", scope: "row" }, label(o.rowLabels[i] ?? String(i), "tok")),
    );
    cells.push([]);
    row.forEach((v, j) => {
      const bg = colourOf(v, lo, hi);
      const td = el("td", {
        class: "cell",
        // One tab stop per map (roving focus): Tab reaches the map, arrow keys move inside it.
        tabindex: i === 0 && j === 0 ? "0" : "-1",
        "aria-label": `${o.rowLabels[i]} → ${o.colLabels[j]}: ${v.toFixed(digits)}`,
      });
      td.dataset.value = String(v);
      td.dataset.i = String(i);
      td.dataset.j = String(j);
      td.style.background = toHex(bg);
      td.style.color = toHex(contrastColor(bg));
      if (showValues) td.textContent = v.toFixed(2).replace(/^0\./, ".").replace(/^-0\./, "-.");
      cells[i].push(td);
      tr.append(td);
    });
    body.append(tr);
  });
  table.append(body);
  // One listener of each kind on the table, not three per cell.
  const cellOf = (ev: Event) => {
    const td = (ev.target as Element).closest?.("td.cell") as HTMLElement | null;
    return td ? ([Number(td.dataset.i), Number(td.dataset.j)] as const) : null;
  };
  table.addEventListener("mouseover", (ev) => {
    const c = cellOf(ev);
    if (c) say(...c);
  });
  table.addEventListener("focusin", (ev) => {
    const c = cellOf(ev);
    if (c) say(...c);
  });
  table.addEventListener("keydown", (ev) => {
    const c = cellOf(ev);
    const step = ARROWS[ev.key];
    if (!c || !step) return;
    ev.preventDefault();
    const i = Math.min(values.length - 1, Math.max(0, c[0] + step[0]));
    cells[i]?.[Math.min(values[i].length - 1, Math.max(0, c[1] + step[1]))]?.focus();
  });
  if (upright && typeof ResizeObserver === "function") {
    const ro = new ResizeObserver(() => {
      // A map taken out of the page (a newer one replaced it) needs no more layout.
      if (!table.isConnected) ro.disconnect();
      else stagger(table);
    });
    for (const t of Array.from(table.querySelectorAll("thead th.col .tok"))) ro.observe(t);
  }
  const parts: HTMLElement[] = [el("div", { class: "scroll" }, table), readout];
  if (o.caption) parts.push(el("figcaption", { class: "note map-caption" }, o.caption));
  return el("figure", { class: "map" }, ...parts);
}

/** A vector as a one-row strip (e.g. a context vector), values on hover and focus. */
export function strip(values: number[], name: string, domain: [number, number] = [-1, 1]): HTMLElement {
  return heatmap([values], {
    rowLabels: [name],
    colLabels: values.map((_, k) => (k % 16 === 0 ? String(k) : "")),
    domain,
    cell: 7,
    showValues: false,
  });
}
