/**
 * The explorer's view 7 (forced alignment vs IBM Model 1) end to end in headless Chromium, on the bundled
 * models (test/helpers/explorer-page.ts: the built site served with COOP/COEP). The IBM Model 1 aligner
 * (676 kB) is not fetched at load, only when the view comes into sight; the view then aligns the lesson's
 * pair (gold/en-hi/lesson.*, the inputs' defaults) by itself. Each forced map's numbers, labels and links
 * (data-links, outlined cells) equal qkv's `forcedAlign` computed here in Node on the same checkpoint as
 * served (float16 weights, ./served-models.ts; loadModel + tokenizersOf, at the reading `qkv align` uses: the folder's alignment.json, else the
 * default); IBM Model 1's equal the library's on pretrained/ibm1-en-hi/aligner.json, and on the lesson
 * every IBM 1 link is a gold link (off → बंद among them). Every map on the page reads as words (no "▁",
 * no byte token, Devanagari labels upright: test/helpers/labels.ts). The AER lines are alignment.json's,
 * or say there is none. Empty inputs are errors naming the field; Align on another pair redraws. A pair
 * of 300 characters a side aligns in the translation worker with "Aligning…" shown, no main-thread task
 * of 200 ms or more and every click answered within 200 ms (the bound, as explorer-input.test.ts;
 * the only times asserted). Writes nothing into the repository.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/web.js";
import { classicalAlignerFromJSON } from "../../src/align/classical.js";
import { alignmentWords } from "../../src/align/corpus.js";
import { type AlignModel, type AlignReading, forcedAlign, pharaoh } from "../../src/align/forced.js";
import { parsePharaohGold } from "../../src/align/pharaoh.js";
import { loadModel } from "../../src/train/load-model.js";
import { tokenizersOf } from "../../src/train/trainer.js";
import { charCount, MAX_CHARS } from "../../web/src/input.js";
import { hasChromium } from "../helpers/browser.js";
import { maxAbsDiff } from "../helpers/bundled-page-models.js";
import {
  bundledTransformer,
  type ExplorerPage,
  labelsOf,
  openExplorer,
  readMap,
} from "../helpers/explorer-page.js";
import { labelReport, paintedRowLabels } from "../helpers/labels.js";
import { clickUntil, mainThread, watchMainThread } from "./main-thread.js";
import { servedModelDir } from "./served-models.js";

const text = (f: string) => readFileSync(join(ROOT, f), "utf8").split("\n")[0];
const LESSON = { en: text("gold/en-hi/lesson.en"), hi: text("gold/en-hi/lesson.hi") };
const LESSON_GOLD = parsePharaohGold(text("gold/en-hi/lesson.align"));
/** A second pair: the first of the gold test set. */
const OTHER = { en: text("gold/en-hi/test.en"), hi: text("gold/en-hi/test.hi") };

/** Node's forced alignment of a pair by a bundled model, at the reading `qkv align` uses. */
async function nodeForced(name: string, en: string, hi: string) {
  const dir = join(ROOT, "pretrained", name);
  const { model, meta } = await loadModel(servedModelDir(dir), "best"); // the float16 weights the page is served
  const { srcTokenizer, tgtTokenizer } = tokenizersOf(meta);
  const doc = join(dir, "alignment.json");
  const reading = existsSync(doc)
    ? (JSON.parse(readFileSync(doc, "utf8")).reading as AlignReading)
    : undefined;
  return forcedAlign(model as AlignModel, srcTokenizer, tgtTokenizer, en, hi, reading);
}

/** IBM Model 1's links of a pair by the library, with the aligner's own symmetrisation. */
function libraryIbm1(en: string, hi: string): string {
  const a = classicalAlignerFromJSON(readFileSync(join(ROOT, "pretrained/ibm1-en-hi/aligner.json"), "utf8"));
  return pharaoh(a.align(alignmentWords(en), alignmentWords(hi)));
}

/** Page (wasm kernels) vs Node (native or wasm): float32 sums in another order; a posterior also divides. */
const TOL = 1e-5;

/** A host's data-links, and the links its outlined cells show ("s-t": column s, row t). */
const shownLinks = async (page: Page, host: string, map: string) => ({
  links: (await page.getAttribute(`[data-testid="${host}"]`, "data-links")) ?? "",
  outlined: await page.$$eval(`[data-testid="${map}"] td.cell.link`, (cs) =>
    (cs as HTMLElement[]).map((c) => `${c.dataset.j}-${c.dataset.i}`),
  ),
});

const alignments = (page: Page) =>
  page.evaluate(() => (window as unknown as { __explorer: { alignments: number } }).__explorer.alignments);

describe.skipIf(!hasChromium())("the explorer's view 7 in Chromium", () => {
  let x: ExplorerPage;
  let page: Page;
  const transformer = bundledTransformer();
  const ibm1Requested = () => x.requests.filter((u) => u.includes("/aligners/ibm1-en-hi/aligner.json"));

  beforeAll(async () => {
    x = await openExplorer();
    page = x.page;
  }, 600_000);

  afterAll(async () => {
    await x?.close();
  });

  it("fetches IBM Model 1 only when the view is shown, then aligns the lesson's pair by itself", async () => {
    const fetched = await page.evaluate(
      () => (window as unknown as { __explorer: { ibm1Fetched: boolean } }).__explorer.ibm1Fetched,
    );
    expect(fetched).toBe(false);
    expect(ibm1Requested()).toEqual([]);
    expect(await page.textContent('nav a[href="#alignment"]')).toContain("7");
    expect(await page.inputValue('[data-testid="align-en"]')).toBe(LESSON.en);
    expect(await page.inputValue('[data-testid="align-hi"]')).toBe(LESSON.hi);
    await page.locator("section#alignment").scrollIntoViewIfNeeded();
    await page.waitForFunction(
      () => (window as unknown as { __explorer: { alignments: number } }).__explorer.alignments >= 1,
      null,
      { timeout: 60_000 },
    );
    expect(ibm1Requested()).toHaveLength(1);
    expect(await page.textContent('[data-testid="align-error"]')).toBe("");
  }, 120_000);

  it("the forced maps equal Node's forcedAlign for the lesson's pair: numbers, labels, links", async () => {
    const maps: [string, string, string][] = [["en-hi", "forced-lstm", "map-forced-lstm"]];
    if (transformer) maps.push([transformer, "forced-transformer", "map-forced-transformer"]);
    else expect(await page.textContent('[data-testid="forced-transformer"]')).toContain("not bundled");
    for (const [name, host, map] of maps) {
      const want = await nodeForced(name, LESSON.en, LESSON.hi);
      expect(await labelsOf(page, map, "row")).toEqual(want.tgtWords);
      expect(await labelsOf(page, map, "col")).toEqual(want.srcWords);
      expect(maxAbsDiff(await readMap(page, map), want.wordWeights)).toBeLessThanOrEqual(TOL);
      const shown = await shownLinks(page, host, map);
      expect(shown.links).toBe(pharaoh(want.links));
      expect(pharaoh(shown.outlined)).toBe(shown.links);
    }
  }, 120_000);

  it("the LSTM's forced map links the lesson's words as the gold does: लाइट→lights., बंद→off, करो→Turn", async () => {
    // The gold's sure links (gold/en-hi/lesson.align: 3-0 1-1 0-2), read from the file, not typed here.
    const sure = [...LESSON_GOLD.sure].sort();
    expect(sure).toHaveLength(3);
    const shown = await shownLinks(page, "forced-lstm", "map-forced-lstm");
    const links = shown.links.split(" ").filter((l) => l !== "");
    for (const l of sure) expect(links, `link ${l}`).toContain(l);
    // The words themselves, as the map's labels spell them.
    const rows = await labelsOf(page, "map-forced-lstm", "row");
    const cols = await labelsOf(page, "map-forced-lstm", "col");
    const named = links.map((l) => {
      const [s, t] = l.split("-").map(Number);
      return `${rows[t]}→${cols[s]}`;
    });
    expect(named).toEqual(expect.arrayContaining(["लाइट→lights.", "बंद→off", "करो→Turn"]));
  }, 60_000);

  it("IBM Model 1's links equal the library's; on the lesson each is a gold link, off → बंद among them", async () => {
    const shown = await shownLinks(page, "ibm1", "map-ibm1");
    expect(shown.links).toBe(libraryIbm1(LESSON.en, LESSON.hi));
    expect(pharaoh(shown.outlined)).toBe(shown.links);
    const links = shown.links.split(" ").filter((l) => l !== "");
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect(LESSON_GOLD.possible.has(l), l).toBe(true);
    const words = { en: alignmentWords(LESSON.en), hi: alignmentWords(LESSON.hi) };
    const off = `${words.en.indexOf("off")}-${words.hi.indexOf("बंद")}`;
    expect(LESSON_GOLD.sure.has(off)).toBe(true);
    expect(links).toContain(off);
    expect(await labelsOf(page, "map-ibm1", "row")).toEqual(words.hi);
    expect(await labelsOf(page, "map-ibm1", "col")).toEqual(words.en);
  });

  it("the AER lines are alignment.json's 'en-hi test' scores, or say the folder has none", async () => {
    const label = "AER on gold/en-hi test (120 hand-aligned Tatoeba pairs)";
    const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
    const expected = (dir: string, folder: string) => {
      const f = join(ROOT, "pretrained", dir, "alignment.json");
      if (!existsSync(f)) return `${label}: not measured — ${folder} has no alignment.json.`;
      const s = JSON.parse(readFileSync(f, "utf8")).gold?.["en-hi test"];
      if (!s) return `${label}: not measured — ${folder}/alignment.json has no "en-hi test" scores.`;
      return `${label}: AER ${pct(s.aer)}, precision ${pct(s.precision)}, recall ${pct(s.recall)}.`;
    };
    expect(await page.textContent('[data-testid="gold-lstm"]')).toBe(expected("en-hi", "models/en-hi"));
    if (transformer)
      expect(await page.textContent('[data-testid="gold-transformer"]')).toBe(
        expected(transformer, `models/${transformer}`),
      );
    expect(await page.textContent('[data-testid="gold-ibm1"]')).toBe(
      expected("ibm1-en-hi", "aligners/ibm1-en-hi"),
    );
  });

  it("every map on the page reads as words: no ▁ or byte token, Devanagari labels not turned", async () => {
    await page.evaluate(() => document.fonts.ready);
    await page.evaluate(
      () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null)))),
    );
    const r = await labelReport(page);
    expect(r.problems).toEqual([]);
    for (const id of ["map-forced-lstm", "map-ibm1", ...(transformer ? ["map-forced-transformer"] : [])])
      expect(r.maps).toContain(id);
    expect(r.maps.length).toBeGreaterThan(3); // the other views' maps too
    // View 7's Hindi labels (its rows) stand upright, and paint as the same word in a plain span does.
    const turned = await page.$$eval("section#alignment table.heatmap .tok", (toks) =>
      toks.map((t) => {
        const m = /^matrix\(([^)]*)\)$/.exec(getComputedStyle(t).transform);
        const [a, b] = m ? m[1].split(",").map(Number) : [1, 0];
        return { text: t.textContent ?? "", deg: Math.abs((Math.atan2(b, a) * 180) / Math.PI) };
      }),
    );
    const hindi = turned.filter((t) => /[\u0900-\u097F]/.test(t.text));
    expect(hindi.length).toBeGreaterThanOrEqual(2 * alignmentWords(LESSON.hi).length);
    for (const t of hindi) expect(t.deg, t.text).toBeLessThanOrEqual(45);
    for (const t of turned) expect(t.text).not.toMatch(/\u2581|<0x[0-9A-Fa-f]{2}>/);
    const painted = await paintedRowLabels(page, "map-forced-lstm");
    expect(painted.length).toBe(alignmentWords(LESSON.hi).length);
    for (const p of painted) {
      expect(Math.abs(p.got.w - p.want.w), `${p.text} ${JSON.stringify(p)}`).toBeLessThanOrEqual(2);
      expect(Math.abs(p.got.h - p.want.h), `${p.text} ${JSON.stringify(p)}`).toBeLessThanOrEqual(2);
    }
  });

  it("an empty input is an error naming the field; Align on another pair redraws every map", async () => {
    await page.fill('[data-testid="align-hi"]', "  ");
    await page.click('[data-testid="align"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="align-error"]')?.textContent);
    expect(await page.textContent('[data-testid="align-error"]')).toMatch(/^Hindi reference: empty/);
    await page.fill('[data-testid="align-hi"]', OTHER.hi);
    await page.fill('[data-testid="align-en"]', "");
    await page.click('[data-testid="align"]');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="align-error"]')?.textContent?.startsWith("English"),
    );
    expect(await page.textContent('[data-testid="align-error"]')).toMatch(/^English sentence: empty/);
    const n = await alignments(page);
    await page.fill('[data-testid="align-en"]', OTHER.en);
    await page.click('[data-testid="align"]');
    await page.waitForFunction(
      (k) => (window as unknown as { __explorer: { alignments: number } }).__explorer.alignments > k,
      n,
    );
    expect(await page.textContent('[data-testid="align-error"]')).toBe("");
    const want = await nodeForced("en-hi", OTHER.en, OTHER.hi);
    expect(await labelsOf(page, "map-forced-lstm", "row")).toEqual(want.tgtWords);
    expect(maxAbsDiff(await readMap(page, "map-forced-lstm"), want.wordWeights)).toBeLessThanOrEqual(TOL);
    expect((await shownLinks(page, "forced-lstm", "map-forced-lstm")).links).toBe(pharaoh(want.links));
    if (transformer) {
      const t = await nodeForced(transformer, OTHER.en, OTHER.hi);
      expect(maxAbsDiff(await readMap(page, "map-forced-transformer"), t.wordWeights)).toBeLessThanOrEqual(
        TOL,
      );
      expect((await shownLinks(page, "forced-transformer", "map-forced-transformer")).links).toBe(
        pharaoh(t.links),
      );
    }
    expect((await shownLinks(page, "ibm1", "map-ibm1")).links).toBe(libraryIbm1(OTHER.en, OTHER.hi));
    expect(ibm1Requested()).toHaveLength(1); // fetched once
    expect((await labelReport(page)).problems).toEqual([]);
  }, 120_000);

  it(
    'a 300-character pair aligns in the worker: "Aligning…" meanwhile, no main-thread task over 200 ms, clicks answered',
    async () => {
      await watchMainThread(page);
      const cut = (t: string) =>
        [...t.repeat(Math.ceil(MAX_CHARS / t.length) + 1)].slice(0, MAX_CHARS).join("");
      const en = cut(`${OTHER.en} ${LESSON.en} `);
      const hi = cut(`${OTHER.hi} ${LESSON.hi} `);
      expect(charCount(en)).toBe(MAX_CHARS);
      expect(charCount(hi)).toBe(MAX_CHARS);
      const n = await alignments(page);
      await page.fill('[data-testid="align-en"]', en);
      await page.fill('[data-testid="align-hi"]', hi);
      await page.click('[data-testid="align"]');
      // One snapshot right after the click: the busy state is on while the worker aligns.
      const busy = await page.evaluate(() => {
        const state = document.querySelector('[data-testid="align-state"]') as HTMLElement;
        const p = (window as unknown as { __explorer: { aligning: boolean } }).__explorer;
        return {
          aligning: p.aligning,
          hidden: state.hidden,
          text: state.textContent ?? "",
          ariaBusy: document.getElementById("alignment")?.getAttribute("aria-busy"),
        };
      });
      expect(busy).toMatchObject({ aligning: true, hidden: false, ariaBusy: "true" });
      expect(busy.text).toContain("Aligning…");
      const clicks = await clickUntil(page, async () => (await alignments(page)) > n);
      for (let k = 0; k < 5; k++) {
        await page.click("#translate h2");
        await page.waitForTimeout(40);
      }
      const p = await page.evaluate(
        () =>
          (
            window as unknown as {
              __explorer: { aligning: boolean; alignWorkerMs: number; alignDrawMs: number[] };
            }
          ).__explorer,
      );
      const m = await mainThread(page);
      const cells = await page.locator("section#alignment td.cell").count();
      console.log(
        `view 7, ${MAX_CHARS} + ${MAX_CHARS} characters (${alignmentWords(en).length} × ${alignmentWords(hi).length} words): ` +
          `worker ${p.alignWorkerMs.toFixed(0)} ms, maps drawn in parts of ${p.alignDrawMs.map((d) => d.toFixed(0)).join(", ")} ms, ${cells} cells; ` +
          `longest main-thread task ${Math.max(0, ...m.long).toFixed(0)} ms (${m.long.length} over 50 ms), ` +
          `${m.clicks.length} clicks answered, slowest after ${Math.max(...m.clicks).toFixed(0)} ms`,
      );
      expect(p.aligning).toBe(false);
      expect(await page.isVisible('[data-testid="align-state"]')).toBe(false);
      expect(await page.textContent('[data-testid="align-error"]')).toBe("");
      for (const id of ["map-forced-lstm", "map-ibm1", ...(transformer ? ["map-forced-transformer"] : [])]) {
        expect(await page.locator(`[data-testid="${id}"]`).count(), id).toBe(1);
      }
      // The LSTM's links are Node's forcedAlign's on the same pair (its map, above MAX_CELLS weights, may be
      // a picture: its numbers are then on hover only).
      const want = await nodeForced("en-hi", en, hi);
      expect(await page.getAttribute('[data-testid="forced-lstm"]', "data-links")).toBe(pharaoh(want.links));
      expect(m.clicks.length).toBeGreaterThanOrEqual(clicks);
      expect(Math.max(...m.clicks)).toBeLessThan(200);
      expect(Math.max(0, ...m.long)).toBeLessThan(200);
      // As in explorer-input.test.ts: a bound on the longest task, on 2 cores shared with the rest of the
      // suite; a retry absorbs one scheduling hiccup, a page that blocks fails every try.
    },
    { timeout: 180_000, retry: 2 },
  );

  it("logged no errors", () => {
    expect(x.errors).toEqual([]);
  });
});

if (!hasChromium())
  console.log(
    "SKIPPED: the explorer page tests need Debian's chromium at /usr/bin/chromium (.ci/run installs it)",
  );
