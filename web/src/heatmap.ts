/**
 * An attention map in the DOM: one focusable cell per weight, coloured with viridis (qkv/viz), the exact
 * number on hover and on keyboard focus (Tab reaches the map, arrow keys move between cells), and in `data-value` at full
 * precision for tests.
 */
import { colorAt, contrastColor, toHex } from "qkv";
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
}

const isDevanagari = (s: string) => /[\u0900-\u097F]/.test(s);

function label(text: string, cls: string): HTMLElement {
  const e = el("span", { class: cls }, text);
  if (isDevanagari(text)) e.lang = "hi";
  return e;
}

export function heatmap(values: number[][], o: HeatmapOptions): HTMLElement {
  const [lo, hi] = o.domain ?? [0, 1];
  const size = o.cell ?? 30;
  const digits = o.digits ?? 4;
  const showValues = o.showValues ?? size >= 30;
  const readout = el("div", { class: "readout", "aria-live": "polite" }, "\u00a0");
  const table = el("table", { class: "heatmap" });
  if (o.testId) table.dataset.testid = o.testId;
  table.style.setProperty("--cell", `${size}px`);
  const longest = Math.max(1, ...o.colLabels.map((c) => [...c].length));
  table.style.setProperty("--colhead", `${Math.min(140, 10 + 8 * longest)}px`);
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
      const t = hi === lo ? 0 : Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
      const bg = colorAt("viridis", t);
      const td = el("td", {
        class: "cell",
        // One tab stop per map (roving focus): Tab reaches the map, arrow keys move inside it.
        tabindex: i === 0 && j === 0 ? "0" : "-1",
        "aria-label": `${o.rowLabels[i]} → ${o.colLabels[j]}: ${v.toFixed(digits)}`,
        title: `${o.rowLabels[i]} → ${o.colLabels[j]}: ${v.toFixed(digits)}`,
      });
      td.dataset.value = String(v);
      td.dataset.i = String(i);
      td.dataset.j = String(j);
      td.style.background = toHex(bg);
      td.style.color = toHex(contrastColor(bg));
      if (showValues) td.textContent = v.toFixed(2).replace(/^0\./, ".").replace(/^-0\./, "-.");
      td.addEventListener("mouseenter", () => say(i, j));
      td.addEventListener("focus", () => say(i, j));
      td.addEventListener("keydown", (ev) => {
        const d: Record<string, [number, number]> = {
          ArrowUp: [-1, 0],
          ArrowDown: [1, 0],
          ArrowLeft: [0, -1],
          ArrowRight: [0, 1],
        };
        const step = d[ev.key];
        if (!step) return;
        ev.preventDefault();
        cells[Math.min(values.length - 1, Math.max(0, i + step[0]))]?.[
          Math.min(row.length - 1, Math.max(0, j + step[1]))
        ]?.focus();
      });
      cells[i].push(td);
      tr.append(td);
    });
    body.append(tr);
  });
  table.append(body);
  return el("figure", { class: "map" }, el("div", { class: "scroll" }, table), readout);
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
