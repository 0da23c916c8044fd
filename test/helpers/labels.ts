/**
 * How the explorer's attention maps lay out and paint their axis labels, read in the page (Chromium).
 *
 * A row label must read left to right beside its row: no transform and horizontal writing mode on it or its
 * header cell, a box as wide as the text's advance and one line high (a label turned sideways has the
 * width and height swapped), right-aligned against the row's first cell, and the row no taller than its
 * cells or its label need. The header cell is a table cell: the page's `.row` layout utility once matched
 * the heatmap's `th.row` too and made every row header a wrapping flex box with margins (labels pushed to
 * the left, rows taller than the cells). In a Latin header a column label is turned by the same −90°
 * rotation in every column, by the transform alone (not also a vertical writing mode), so it stands as tall
 * as its advance. In a header with a Devanagari label (a script that must not turn) every label reads left
 * to right instead: turned by at most 45° (the page turns none), a box as wide as its advance and one line
 * high (a turned label is taller than wide), centred in its column, no two labels of the header overlapping.
 * Unless the maps show pieces (`{ pieces: true }`), no label anywhere holds "▁" or a byte token "<0x…>":
 * the maps show words.
 * `paintedRowLabels` checks what the raster shows: each Hindi row label's ink has the width and height of
 * the same word painted in a plain span.
 */
import { decode } from "fast-png";
import type { Page } from "playwright-core";

export interface LabelReport {
  /** The maps checked: data-testid, else the id of the nearest element that has one. */
  maps: string[];
  rowLabels: number;
  colLabels: number;
  /** Column labels of headers with a Devanagari label (checked upright). */
  uprightColLabels: number;
  headViewLabels: number;
  thumbnails: number;
  problems: string[];
}

/**
 * Checks the layout of every displayed map's labels, the head view's tokens and the model view's
 * thumbnails; with `pieces` false (the page's default), also that no label shows a BPE piece marker or a
 * byte token.
 */
export function labelReport(page: Page, opts: { pieces?: boolean } = {}): Promise<LabelReport> {
  return page.evaluate((pieces) => {
    const out = {
      maps: [] as string[],
      rowLabels: 0,
      colLabels: 0,
      uprightColLabels: 0,
      headViewLabels: 0,
      thumbnails: 0,
    };
    const problems: string[] = [];
    /** Scripts that must not be turned (qkv's mustStayUpright: Devanagari and the other Brahmic scripts). */
    const upright = (t: string) => /[\u0900-\u0DFF\u0E00-\u109F\u1780-\u17FF]/u.test(t);
    /** A piece marker or a byte token: what a word label never shows. */
    const raw = (t: string) => !pieces && /\u2581|<0x[0-9A-Fa-f]{2}>/.test(t);
    const ctx = document.createElement("canvas").getContext("2d") as CanvasRenderingContext2D;
    /** The text's horizontal advance in the element's own font (canvas text shapes as the page does). */
    const advance = (e: Element) => {
      const cs = getComputedStyle(e);
      ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      return ctx.measureText(e.textContent ?? "").width;
    };
    const identity = (t: string) => t === "none" || t === "matrix(1, 0, 0, 1, 0, 0)";
    /** Degrees of a 2-D matrix() transform, null when none. */
    const degrees = (t: string) => {
      const m = /^matrix\(([^)]*)\)$/.exec(t);
      if (!m) return null;
      const [a, b] = m[1].split(",").map(Number);
      return Math.round((Math.atan2(b, a) * 180) / Math.PI);
    };
    const px = (s: string) => Number.parseFloat(s);
    /** The most a line of text in this style may take across its lines (its line height or 1.5 em). */
    const lineOf = (cs: CSSStyleDeclaration) => Math.max(px(cs.lineHeight) || 0, 1.5 * px(cs.fontSize)) + 0.5;
    for (const table of Array.from(document.querySelectorAll<HTMLElement>("table.heatmap"))) {
      if (table.getClientRects().length === 0) continue; // not displayed (a collapsed panel)
      const name = table.dataset.testid ?? table.closest("[id]")?.id ?? "?";
      out.maps.push(name);
      const cell = px(table.style.getPropertyValue("--cell"));
      const at = (e: Element, what: string) => `${name}: ${what} "${e.textContent}"`;
      const rowHeads = table.querySelectorAll("th.row");
      if (rowHeads.length === 0) problems.push(`${name}: no row labels`);
      for (const th of Array.from(rowHeads)) {
        const tok = th.querySelector(".tok");
        if (!tok) {
          problems.push(at(th, "row header without a label"));
          continue;
        }
        out.rowLabels++;
        if (raw(tok.textContent ?? "")) problems.push(at(tok, "row label shows a piece"));
        const ths = getComputedStyle(th);
        const cs = getComputedStyle(tok);
        if (ths.display !== "table-cell") problems.push(at(tok, `row header is display: ${ths.display}`));
        for (const [what, s] of [
          ["label", cs],
          ["row header", ths],
        ] as const) {
          if (!identity(s.transform)) problems.push(at(tok, `${what} transform ${s.transform}`));
          if (s.writingMode !== "horizontal-tb")
            problems.push(at(tok, `${what} writing-mode ${s.writingMode}`));
        }
        const r = tok.getBoundingClientRect();
        const adv = advance(tok);
        const line = lineOf(cs);
        // Upright: as wide as the text's advance, one line high. Sideways: the two swapped.
        if (Math.abs(r.width - adv) > 1 || r.height > line)
          problems.push(
            at(
              tok,
              `row label box ${r.width.toFixed(1)}×${r.height.toFixed(1)} for text ${adv.toFixed(1)} long`,
            ),
          );
        const h = th.getBoundingClientRect();
        const gap = h.right - px(ths.paddingRight) - r.right;
        if (Math.abs(gap) > 1) problems.push(at(tok, `row label ${gap.toFixed(1)} px left of its cells`));
        // Where the label fits in a cell's height with room to spare, the cells are square.
        const td = th.parentElement?.querySelector("td.cell")?.getBoundingClientRect();
        if (
          td &&
          line + px(ths.paddingTop) + px(ths.paddingBottom) <= cell - 4 &&
          Math.abs(td.height - cell) > 1
        )
          problems.push(at(tok, `row ${td.height.toFixed(1)} px high, cells ${cell} px`));
      }
      const turns = new Set<number | null>();
      const colToks = Array.from(table.querySelectorAll("th.col .tok")).filter((t) => t.textContent);
      const flat = colToks.some((t) => upright(t.textContent ?? ""));
      const boxes: DOMRect[] = [];
      for (const tok of colToks) {
        out.colLabels++;
        if (raw(tok.textContent ?? "")) problems.push(at(tok, "column label shows a piece"));
        const cs = getComputedStyle(tok);
        const deg = degrees(cs.transform) ?? 0;
        turns.add(deg);
        if (cs.writingMode !== "horizontal-tb")
          problems.push(at(tok, `column label writing-mode ${cs.writingMode}`));
        const r = tok.getBoundingClientRect();
        const adv = advance(tok);
        const box = `${r.width.toFixed(1)}×${r.height.toFixed(1)} for text ${adv.toFixed(1)} long`;
        if (flat) {
          // Reads left to right: not turned past 45°, as wide as its advance, one line high.
          out.uprightColLabels++;
          if (Math.abs(deg) > 45)
            problems.push(at(tok, `column label turned ${deg}° in a Devanagari header`));
          if (Math.abs(r.width - adv) > 1 || r.height > lineOf(cs))
            problems.push(at(tok, `upright column label box ${box}`));
          for (const b of boxes) {
            if (
              r.left < b.right - 0.5 &&
              b.left < r.right - 0.5 &&
              r.top < b.bottom - 0.5 &&
              b.top < r.bottom - 0.5
            )
              problems.push(at(tok, "column label overlaps another"));
          }
          boxes.push(r);
        } else if (Math.abs(r.height - adv) > 1 || r.width > lineOf(cs)) {
          problems.push(at(tok, `column label box ${box}`));
        }
        const h = (tok.parentElement as Element).getBoundingClientRect();
        const mid = (r.left + r.right) / 2;
        if (mid < h.left || mid > h.right) problems.push(at(tok, "column label outside its column"));
      }
      if (!flat && (turns.size > 1 || (turns.size === 1 && !turns.has(-90))))
        problems.push(`${name}: column labels turned by ${[...turns].join(", ")}°, not all by −90°`);
    }
    for (const t of Array.from(document.querySelectorAll<SVGTextElement>("svg.headview text"))) {
      if (!t.textContent) continue;
      out.headViewLabels++;
      if (raw(t.textContent)) problems.push(`head view: "${t.textContent}" shows a piece`);
      const cs = getComputedStyle(t);
      if (!identity(cs.transform) || t.transform.baseVal.numberOfItems > 0)
        problems.push(`head view: "${t.textContent}" transformed`);
      if (cs.writingMode !== "horizontal-tb")
        problems.push(`head view: "${t.textContent}" ${cs.writingMode}`);
      const b = t.getBBox();
      if (b.width < t.getComputedTextLength() - 1 || b.height > lineOf(cs))
        problems.push(
          `head view: "${t.textContent}" box ${b.width.toFixed(1)}×${b.height.toFixed(1)} for text ${t.getComputedTextLength().toFixed(1)} long`,
        );
    }
    for (const c of Array.from(
      document.querySelectorAll<HTMLCanvasElement>('[data-testid="model-view"] canvas'),
    )) {
      out.thumbnails++;
      const r = c.getBoundingClientRect();
      if (
        !identity(getComputedStyle(c).transform) ||
        Math.abs(r.width / r.height - c.width / c.height) > 0.05
      )
        problems.push(`model view: a ${c.width}×${c.height} thumbnail drawn ${r.width}×${r.height}`);
    }
    return { ...out, problems };
  }, opts.pieces ?? false);
}

interface Box {
  w: number;
  h: number;
}

/** The extent of the dark pixels (text) of an RGB(A) PNG inside a rectangle, in pixels. */
function ink(png: Uint8Array, x0: number, y0: number, w: number, h: number): Box {
  const im = decode(png);
  const ch = im.channels;
  let [l, t, r, b] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, -1, -1];
  // Whole pixels inside the rectangle only: a neighbour's edge (a dark cell) must not count as ink.
  for (let y = Math.max(0, Math.ceil(y0)); y < Math.min(im.height, Math.floor(y0 + h)); y++) {
    for (let x = Math.max(0, Math.ceil(x0)); x < Math.min(im.width, Math.floor(x0 + w)); x++) {
      const o = (y * im.width + x) * ch;
      if ((im.data[o] + im.data[o + 1] + im.data[o + 2]) / 3 < 128) {
        l = Math.min(l, x);
        r = Math.max(r, x);
        t = Math.min(t, y);
        b = Math.max(b, y);
      }
    }
  }
  return r < 0 ? { w: 0, h: 0 } : { w: r - l + 1, h: b - t + 1 };
}

/**
 * The painted ink of each Devanagari row label of map `testId` (inside its header cell) beside that of the
 * same word in a plain span with the label's font (placed over the page for one screenshot, then removed).
 */
export async function paintedRowLabels(
  page: Page,
  testId: string,
): Promise<{ text: string; got: Box; want: Box }[]> {
  const table = page.locator(`[data-testid="${testId}"]`);
  await table.scrollIntoViewIfNeeded();
  const tableBox = await table.boundingBox();
  if (!tableBox) throw new Error(`${testId} is not displayed`);
  const shot = await table.screenshot();
  const labels = await page.$$eval(`[data-testid="${testId}"] th.row .tok[lang="hi"]`, (toks) =>
    toks.map((t) => {
      // The header cell's box: a label painted sideways would reach out of its own box.
      const r = (t.parentElement as Element).getBoundingClientRect();
      const cs = getComputedStyle(t);
      return { text: t.textContent ?? "", x: r.x, y: r.y, w: r.width, h: r.height, font: cs.font };
    }),
  );
  await page.evaluate((ls) => {
    const host = document.createElement("div");
    host.id = "label-reference";
    host.style.cssText =
      "position:fixed;left:0;top:0;z-index:2147483647;background:#fff;color:#000;padding:8px";
    for (const l of ls) {
      const d = document.createElement("div");
      const s = document.createElement("span");
      s.lang = "hi";
      s.style.font = l.font;
      s.textContent = l.text;
      d.append(s);
      host.append(d);
    }
    document.body.append(host);
  }, labels);
  try {
    const ref = page.locator("#label-reference");
    const refBox = await ref.boundingBox();
    const refShot = await ref.screenshot();
    const spans = await page.$$eval("#label-reference span", (ss) =>
      ss.map((s) => {
        const r = s.getBoundingClientRect();
        return { x: r.x, y: r.y, w: r.width, h: r.height };
      }),
    );
    if (!refBox) throw new Error("the reference labels are not displayed");
    return labels.map((l, k) => ({
      text: l.text,
      got: ink(shot, l.x - tableBox.x, l.y - tableBox.y, l.w, l.h),
      want: ink(refShot, spans[k].x - refBox.x, spans[k].y - refBox.y, spans[k].w, spans[k].h),
    }));
  } finally {
    await page.evaluate(() => document.getElementById("label-reference")?.remove());
  }
}
