/**
 * `npm run screenshots`: the explorer's screenshots in docs/explorer/ — one PNG per view — taken in
 * headless Chromium (Debian's, as the browser tests use) from the site built and served as the tests do
 * (scripts/web.ts: `buildWeb` when stale, `serveStatic` with COOP/COEP). The page is driven through the
 * lesson's steps: "Turn off the lights." translated; view 3 with Q = s, K = V = h, scale 1 and the third
 * Hindi word as query; view 4 on the first stack with its last head enlarged; view 6 trained for --epochs (2)
 * epochs on the page's default 8,192 pairs (both models; --epochs, --pairs), then stopped, so the anti-diagonal has formed;
 * view 7 aligning the lesson's pair (its inputs' defaults: "Turn off the lights." / "लाइट बंद करो");
 * views 3b (the neuron view) and 3c (positions) on their defaults: encoder self-attention, layer 1,
 * head 1, the first English token asking. Views 1, 2, 3b, the bottleneck and 7 are taken again at a
 * phone's width (375 px: translate-375.png, …); then view 1 with a 2,000-character sentence typed
 * (translate-long-375.png: the limit's message) and, at 1280 px, view 2 with a 300-character sentence
 * whose maps are summarised as pictures (inter-intra-long.png), and view 7 with a pair of 300 characters
 * a side, aligned in the translation worker (alignment-long.png). View 3c's shot (positions.png) shows the
 * sinusoids and the repeated word's two rows without and with them.
 * `npm test` writes no screenshots (the explorer test only checks the page).
 *
 *   npm run screenshots [-- --out DIR --epochs N --pairs N --pieces]   (--pieces: also inter-intra-pieces.png)
 *
 * The views that show the Transformer (translate, inter-intra, neuron, positions, heads) are taken only
 * when a trained one is bundled in pretrained/; without one their old screenshots are kept.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import { MODEL_KINDS, modelKind } from "../src/models/registry.js";
import { hasChromium, launchChromium } from "../test/helpers/browser.js";
import { buildWeb, ROOT, serveStatic, WEB_DIST } from "./web.js";

const VIEWS = [
  "translate",
  "inter-intra",
  "three-steps",
  "neuron",
  "positions",
  "heads",
  "bottleneck",
  "training",
  "alignment",
] as const;
/** Also taken at a phone's width, 375 px (<view>-375.png): every view. */
const NARROW_VIEWS = VIEWS;
const SENTENCE = "Turn off the lights.";

/** The page's probe (web/src/main.ts). */
type Probe = { ready: boolean; error?: string; translations: number; alignments: number; layered?: string };

const probe = (page: Page) => page.evaluate(() => (window as unknown as { __explorer?: Probe }).__explorer);

async function translate(page: Page, sentence: string): Promise<void> {
  const n = (await probe(page))?.translations ?? 0;
  await page.fill('[data-testid="sentence"]', sentence);
  await page.click('[data-testid="translate"]');
  await page.waitForFunction(
    (k) => ((window as unknown as { __explorer: Probe }).__explorer.translations ?? 0) > k,
    n,
  );
}

/** The first Transformer checkpoint in pretrained/ (what the page shows), if any. */
function bundledTransformer(): string | undefined {
  const base = join(ROOT, "pretrained");
  return readdirSync(base)
    .sort((a, b) => a.localeCompare(b))
    .find((d) => {
      const f = join(base, d, "best.json");
      return (
        existsSync(f) &&
        modelKind(JSON.parse(readFileSync(f, "utf8")).meta?.kind).name === MODEL_KINDS.transformer.name
      );
    });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      pieces: { type: "boolean", default: false },
      epochs: { type: "string", default: "2" },
      pairs: { type: "string", default: "8192" },
    },
  });
  const epochs = Number(values.epochs);
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new Error(`screenshots: --epochs must be a positive integer`);
  const out = values.out ?? join(ROOT, "docs/explorer");
  if (!hasChromium())
    throw new Error("screenshots: needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)");
  if (process.env.QKV_MODELS_DIR)
    throw new Error("screenshots: unset QKV_MODELS_DIR (docs show the bundled models only)");
  const transformer = bundledTransformer();
  await buildWeb({ quiet: true });
  const { server, url } = await serveStatic(WEB_DIST, 0);
  const browser = await launchChromium();
  const errors: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(
      () => {
        const e = (window as unknown as { __explorer?: Probe }).__explorer;
        return e?.ready || e?.error;
      },
      null,
      { timeout: 120_000 },
    );
    const p = await probe(page);
    if (p?.error) throw new Error(`the page did not start: ${p.error}`);
    await translate(page, SENTENCE);
    // View 3: Luong's question asked by scaled-dot attention, the third Hindi word as the query.
    await page.check('[data-testid="switch-qkv"]');
    await page.selectOption('[data-testid="query-step"]', "2");
    // View 4: the first stack, its last layer's last head enlarged.
    await page.selectOption('[data-testid="heads-stack"]', "0");
    await page.locator('[data-testid="model-view"] button.thumb').last().click();
    // View 5's model without attention loads after the page is interactive.
    await page.waitForFunction(
      () => (window as unknown as { __explorer: { noneReady?: boolean } }).__explorer.noneReady,
      null,
      { timeout: 120_000 },
    );
    // View 6: both models trained for --epochs epochs on --pairs pairs, then stopped.
    await page.selectOption('[data-testid="train-pairs"]', values.pairs);
    await page.click('[data-testid="train"]');
    await page.waitForFunction(
      (n) =>
        Number(document.querySelector('[data-testid="epoch-luong-dot"]')?.textContent) >= n &&
        Number(document.querySelector('[data-testid="epoch-none"]')?.textContent) >= n,
      epochs,
      { timeout: 600_000, polling: 200 },
    );
    await page.click('[data-testid="train"]');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="train"]')?.textContent === "Resume",
    );
    // View 7: the lesson's pair (the inputs' defaults) aligned by both attention models and IBM Model 1.
    const aligned = (await probe(page))?.alignments ?? 0;
    await page.locator("section#alignment").scrollIntoViewIfNeeded();
    await page.click('[data-testid="align"]');
    await page.waitForFunction(
      (k) => (window as unknown as { __explorer: Probe }).__explorer.alignments > k,
      aligned,
      { timeout: 60_000 },
    );
    // The pointer off every map, so no cell is hovered (outlined, its number in the readout) in a shot.
    await page.mouse.move(0, 0);
    await page.evaluate(() => document.fonts.ready);
    mkdirSync(out, { recursive: true });
    const written: string[] = [];
    for (const id of VIEWS) {
      if (!transformer && ["translate", "inter-intra", "neuron", "positions", "heads"].includes(id)) {
        console.log(`${id}.png: not taken (no trained Transformer in pretrained/; the old one is kept)`);
        continue;
      }
      const file = join(out, `${id}.png`);
      await page.locator(`section#${id}`).screenshot({ path: file });
      written.push(file);
    }
    if (values.pieces) {
      await page.check('[data-testid="show-pieces"]');
      await page.evaluate(() => document.fonts.ready);
      const file = join(out, "inter-intra-pieces.png");
      await page.locator("section#inter-intra").screenshot({ path: file });
      written.push(file);
      await page.uncheck('[data-testid="show-pieces"]');
    }
    // A phone's width (375 px): the same page re-laid out, every view again.
    await page.setViewportSize({ width: 375, height: 800 });
    await page.evaluate(
      () => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))),
    );
    for (const id of NARROW_VIEWS) {
      const file = join(out, `${id}-375.png`);
      await page.locator(`section#${id}`).screenshot({ path: file });
      written.push(file);
    }
    // The long-input message at 375 px, then a sentence at the limit (its large maps drawn as pictures).
    const words = "Turn off the lights and close the door before you leave the house. ";
    await page.fill('[data-testid="sentence"]', words.repeat(30).slice(0, 2000));
    await page.press('[data-testid="sentence"]', "Enter");
    await page.evaluate(() => document.fonts.ready);
    let file = join(out, "translate-long-375.png");
    await page.locator("section#translate").screenshot({ path: file });
    written.push(file);
    await page.setViewportSize({ width: 1280, height: 900 });
    if (transformer) {
      await translate(page, "xq zv kj ".repeat(40).slice(0, 300));
      await page.mouse.move(0, 0);
      await page.evaluate(() => document.fonts.ready);
      file = join(out, "inter-intra-long.png");
      await page.locator("section#inter-intra").screenshot({ path: file });
      written.push(file);
    }
    // View 7 with a pair of 300 characters a side: "Aligning…" while the worker forces both models, then
    // the maps (above MAX_CELLS weights: pictures).
    const cut = (t: string) => [...t.repeat(40)].slice(0, 300).join("");
    const pair = {
      en: cut("That night was very cold. Turn off the lights. "),
      hi: cut("वह रात बहुत ठंडी थी। लाइट बंद करो "),
    };
    const n = (await probe(page))?.alignments ?? 0;
    await page.fill('[data-testid="align-en"]', pair.en);
    await page.fill('[data-testid="align-hi"]', pair.hi);
    await page.click('[data-testid="align"]');
    await page.waitForFunction(
      (k) => (window as unknown as { __explorer: Probe }).__explorer.alignments > k,
      n,
      { timeout: 60_000 },
    );
    await page.mouse.move(0, 0);
    await page.evaluate(() => document.fonts.ready);
    file = join(out, "alignment-long.png");
    await page.locator("section#alignment").screenshot({ path: file });
    written.push(file);
    for (const f of written) console.log(`wrote ${f}`);
    if (errors.length) throw new Error(`the page logged errors:\n${errors.join("\n")}`);
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e) => {
  process.stderr.write(`screenshots: ${(e as Error).message}\n`);
  process.exit(1);
});
