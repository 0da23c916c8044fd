/**
 * The explorer never freezes, and fits any screen (issue 18, parts 2 and 5), in headless Chromium on the
 * built site with the bundled models (test/helpers/explorer-page.ts):
 *   - a 2,000-character sentence typed into the English box gets the limit's message (the page translates
 *     up to MAX_CHARS) and no translation; a sentence at the limit translates in the Web Worker with a
 *     visible "Translating…" state and maps summarised as pictures above MAX_CELLS; throughout, no task of
 *     the page's main thread runs longer than 200 ms (Long Tasks API) and a click is answered within 200 ms
 *     (the click's handler runs < 200 ms after the click's own time stamp);
 *   - an empty box clears views 1–5 (3b and 3c too); text without a Latin letter gets the hint and is not
 *     translated;
 *   - at 375 px and at 1240 px the page has no horizontal scroll (maps scroll inside their own boxes).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_CELLS } from "../../web/src/heatmap.js";
import { checkSentence, MAX_CHARS } from "../../web/src/input.js";
import { NEURON_MAX_KEYS } from "../../web/src/neuron-view.js";
import { hasChromium } from "../helpers/browser.js";
import { type ExplorerPage, openExplorer } from "../helpers/explorer-page.js";
import { clickUntil, mainThread, watchMainThread } from "./main-thread.js";

type Probe = { translations: number; translating: boolean; workerMs?: number; drawMs?: number[] };
const probe = (page: Page) => page.evaluate(() => (window as unknown as { __explorer: Probe }).__explorer);

const viewsEmpty = (page: Page) =>
  page.evaluate(
    () =>
      [
        "map-cross-host",
        "map-self-host",
        "dec-self-host",
        "dec-cross-host",
        "steps-host",
        "neuron-choose",
        "neuron-host",
        "positions-host",
        "head-view",
        "model-view",
        "context-host",
      ].every((id) => document.getElementById(id)?.childElementCount === 0) &&
      document.getElementById("translation")?.textContent === "",
  );

describe("what the English box accepts (Node)", () => {
  it("empty, too long, not English, or a sentence", () => {
    expect(checkSentence("  ").kind).toBe("empty");
    const long = checkSentence("a".repeat(MAX_CHARS + 1));
    expect(long.kind).toBe("long");
    if (long.kind === "long") expect(long.message).toContain(`up to ${MAX_CHARS}`);
    expect(checkSentence("a".repeat(MAX_CHARS)).kind).toBe("ok");
    const hi = checkSentence("लाइट बंद करो");
    expect(hi.kind).toBe("not-english");
    if (hi.kind === "not-english") expect(hi.message).toMatch(/takes English.*Hindi reference/);
    expect(checkSentence("123 456").kind).toBe("not-english");
    expect(checkSentence("Turn off the lights.").kind).toBe("ok");
  });
});

describe.skipIf(!hasChromium())("the explorer never freezes, on any screen", () => {
  let x: ExplorerPage;
  let page: Page;

  beforeAll(async () => {
    x = await openExplorer();
    page = x.page;
    await page.waitForFunction(
      () => (window as unknown as { __explorer: { noneReady?: boolean } }).__explorer.noneReady,
      null,
      { timeout: 60_000 },
    );
  }, 180_000);

  afterAll(async () => {
    await x?.close();
  });

  it(
    "a 2,000-character sentence: the limit's message, no long task, every click answered within 200 ms",
    async () => {
      await watchMainThread(page);
      const before = (await probe(page)).translations;
      const words = "Turn off the lights and close the door before you leave the house. ";
      const text = words.repeat(Math.ceil(2000 / words.length)).slice(0, 2000);
      await page.fill('[data-testid="sentence"]', "");
      // Typed: the first words key by key, the rest as one insertion (a paste), then Enter.
      await page.focus('[data-testid="sentence"]');
      await page.keyboard.type(text.slice(0, 60));
      await page.keyboard.insertText(text.slice(60));
      await page.keyboard.press("Enter");
      await page.click("#translate h2");
      const message = await page.textContent('[data-testid="translate-error"]');
      expect(message).toContain("2,000 characters");
      expect(message).toContain(`up to ${MAX_CHARS}`);
      expect(await page.textContent('[data-testid="sentence-count"]')).toBe(`2000 / ${MAX_CHARS}`);
      expect(await viewsEmpty(page)).toBe(true);
      expect((await probe(page)).translations).toBe(before);

      // Sentences at the limit translate, in the worker: "Translating…" while they do, the page answering.
      // English words, and letters the BPE splits into many pieces (the largest maps 300 characters make).
      for (const atLimit of [text.slice(0, MAX_CHARS), "xq zv kj ".repeat(40).slice(0, MAX_CHARS)]) {
        const before = (await probe(page)).translations;
        await page.fill('[data-testid="sentence"]', atLimit);
        await page.keyboard.press("Enter");
        // One snapshot of the page (a fast translation may end between separate reads).
        const busy = await page.evaluate(() => {
          const state = document.querySelector('[data-testid="translate-state"]') as HTMLElement;
          const p = (window as unknown as { __explorer: { translating: boolean } }).__explorer;
          return { translating: p.translating, hidden: state.hidden, text: state.textContent ?? "" };
        });
        expect(busy.translating).toBe(true);
        expect(busy.hidden).toBe(false);
        expect(busy.text).toContain("Translating…");
        const clicks = await clickUntil(page, async () => (await probe(page)).translations > before);
        const p = await probe(page);
        expect(p.translating).toBe(false);
        expect(await page.isVisible('[data-testid="translate-state"]')).toBe(false);
        expect(await page.textContent('[data-testid="translation"]')).toMatch(/[\u0900-\u097F]/);
        // Every map is drawn: as cells, or (above MAX_CELLS weights) as a picture saying so; never a flood of cells.
        for (const id of ["map-cross", "map-self", "map-dec-self", "map-dec-cross"]) {
          expect(await page.locator(`[data-testid="${id}"]`).count(), id).toBe(1);
        }
        const cells = await page.evaluate(() => document.querySelectorAll("td.cell").length);
        expect(cells).toBeLessThanOrEqual(6 * MAX_CELLS);
        const pictures = await page.locator("canvas.summary-picture").count();
        if (pictures > 0) {
          expect(await page.locator(".summary-note").first().textContent()).toMatch(/drawn as a picture/);
        }
        // Views 3b and 3c are drawn too, bounded: at most NEURON_MAX_KEYS key rows, the rest said.
        if ((await page.locator('[data-testid="neuron-table"]').count()) > 0) {
          const rows = await page.locator('[data-testid="neuron-table"] tbody tr').count();
          expect(rows).toBe(NEURON_MAX_KEYS);
          expect(await page.textContent('[data-testid="neuron-capped"]')).toMatch(/largest weights/);
          expect(await page.locator('[data-testid="map-positions"]').count()).toBe(1);
        }
        // Clicks between the translation's parts (and after).
        await clickUntil(page, async () => true);
        for (let k = 0; k < 5; k++) {
          await page.click("#translate h2");
          await page.waitForTimeout(40);
        }
        const m = await mainThread(page);
        console.log(
          `2,000 characters refused; ${[...atLimit].length} translated ("${atLimit.slice(0, 12)}…"): worker ${p.workerMs?.toFixed(0)} ms, ` +
            `views drawn in parts of ${p.drawMs?.map((d) => d.toFixed(0)).join(", ")} ms, ${cells} cells, ${pictures} pictures; ` +
            `longest main-thread task ${Math.max(0, ...m.long).toFixed(0)} ms (${m.long.length} over 50 ms), ` +
            `${m.clicks.length} clicks answered, slowest after ${Math.max(...m.clicks).toFixed(0)} ms`,
        );
        expect(m.clicks.length).toBeGreaterThanOrEqual(clicks);
        expect(Math.max(...m.clicks)).toBeLessThan(200);
        expect(Math.max(0, ...m.long)).toBeLessThan(200);
      }
      // A bound on the main thread's longest task is the measure, on 2 cores shared with the rest of
      // the suite: a retry absorbs one scheduling hiccup; a page that blocks fails every try.
    },
    { timeout: 180_000, retry: 2 },
  );

  it("the picture of a large map reads its numbers on the keyboard", async () => {
    const pic = page.locator("canvas.summary-picture").first();
    if ((await pic.count()) === 0) return; // every map fitted as cells
    await pic.focus();
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowDown");
    const readout = await pic.locator("xpath=ancestor::figure").locator(".readout").textContent();
    expect(readout).toMatch(/→ .*: -?\d+\.\d{4}$/);
  });

  it("an empty box clears the views; Translate on it says so", async () => {
    const n = (await probe(page)).translations;
    await page.fill('[data-testid="sentence"]', "Turn off the lights.");
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      (k) => (window as unknown as { __explorer: Probe }).__explorer.translations > k,
      n,
    );
    expect(await viewsEmpty(page)).toBe(false);
    await page.fill('[data-testid="sentence"]', "");
    expect(await viewsEmpty(page)).toBe(true);
    expect(await page.textContent("#transformer-translation")).toBe("");
    expect(await page.textContent("#equivalence")).toBe("");
    await page.click('[data-testid="translate"]');
    expect(await page.textContent('[data-testid="translate-error"]')).toContain("empty");
    expect(await viewsEmpty(page)).toBe(true);
    expect((await probe(page)).translations).toBe(n + 1);
  });

  it("text without Latin letters gets the hint, and no <unk> soup", async () => {
    const n = (await probe(page)).translations;
    await page.fill('[data-testid="sentence"]', "लाइट बंद करो");
    const hint = await page.textContent('[data-testid="translate-error"]');
    expect(hint).toContain("This box takes English");
    expect(hint).toContain("Hindi reference");
    await page.click('[data-testid="translate"]');
    expect(await page.textContent('[data-testid="translate-error"]')).toContain("This box takes English");
    expect(await viewsEmpty(page)).toBe(true);
    expect((await probe(page)).translations).toBe(n);
  });

  it("no horizontal scroll at 375 px or at 1240 px, a short or a long sentence", async () => {
    const widths: string[] = [];
    for (const sentence of ["Turn off the lights.", "Turn off the lights, please. ".repeat(10).trim()]) {
      const n = (await probe(page)).translations;
      await page.fill('[data-testid="sentence"]', sentence);
      await page.keyboard.press("Enter");
      await page.waitForFunction(
        (k) => (window as unknown as { __explorer: Probe }).__explorer.translations > k,
        n,
        { timeout: 60_000 },
      );
      for (const width of [375, 1240]) {
        await page.setViewportSize({ width, height: 800 });
        await page.evaluate(
          () => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))),
        );
        const w = await page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          legend: Math.max(
            ...Array.from(document.querySelectorAll("#bottleneck-chart svg")).map(
              (s) => s.getBoundingClientRect().right,
            ),
          ),
        }));
        widths.push(`${width}: ${w.scroll}`);
        expect(w.scroll, `${width} px, ${sentence.length} characters`).toBeLessThanOrEqual(width);
        // The bottleneck chart (its legend on the right) scales into the page instead of being cut off.
        expect(w.legend).toBeLessThanOrEqual(width);
      }
    }
    console.log(`scrollWidth at ${widths.join(", ")}`);
    await page.setViewportSize({ width: 1280, height: 900 });
  }, 120_000);

  it("logged no errors", () => {
    expect(x.errors).toEqual([]);
  });
});
