/**
 * The explorer page end to end in headless Chromium (playwright-core + Debian's chromium): the built site
 * (web/ → web/dist, rebuilt when stale) served with COOP/COEP by scripts/web.ts. It loads with no console
 * errors; translating shows Hindi (in the bundled font) and both maps; the cross map's numbers equal
 * `qkv attend --json` for the same model and sentence, the self map equals the same computation in Node;
 * the live Luong = scaled-dot difference is ≤ 1e-6; the training view runs two epochs and resumes.
 * Screenshots of each view go to docs/explorer/.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWeb, ROOT, serveStatic, WEB_DIST } from "../../scripts/web.js";
import { type CheckpointJson, seq2seqFromCheckpoint } from "../../web/src/checkpoint.js";
import { translateWithAttention } from "../../web/src/lesson.js";
import { lstmStatesSelfAttention, mapOf } from "../../web/src/stacks.js";
import { hasChromium, launchChromium } from "../helpers/browser.js";

const SENTENCE = "I am happy.";
const SHOTS = join(ROOT, "docs/explorer");

interface CliAttend {
  sourceTokens: string[];
  tokens: string[];
  translation: string;
  rowLabels: string[];
  weights: number[][];
}

const cliCache = new Map<string, CliAttend>();

/** `qkv attend --json` for the bundled model (run once per sentence). */
function cliAttend(sentence: string): CliAttend {
  const hit = cliCache.get(sentence);
  if (hit) return hit;
  const r = spawnSync(
    join(ROOT, "node_modules/.bin/tsx"),
    [join(ROOT, "src/cli/main.ts"), "attend", "--model", join(ROOT, "pretrained/en-hi"), "--json", sentence],
    { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`qkv attend --json failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as CliAttend;
  cliCache.set(sentence, out);
  return out;
}

const maxAbsDiff = (a: number[][], b: number[][]) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  a.forEach((row, i) => {
    expect(row.length).toBe(b[i].length);
    row.forEach((x, j) => {
      m = Math.max(m, Math.abs(x - b[i][j]));
    });
  });
  return m;
};

/** The numbers a map shows, from its cells' data-value (full precision). */
const readMap = (page: Page, testId: string) =>
  page.$$eval(`[data-testid="${testId}"] td.cell`, (cells) => {
    const rows: number[][] = [];
    for (const c of cells as HTMLElement[]) {
      const i = Number(c.dataset.i);
      rows[i] ??= [];
      rows[i][Number(c.dataset.j)] = Number(c.dataset.value);
    }
    return rows;
  });

describe("qkv attend --json", () => {
  it("prints the weights the page's translation loop computes (Node, no browser)", async () => {
    const cli = cliAttend(SENTENCE);
    const dir = join(ROOT, "pretrained/en-hi");
    const json = JSON.parse(readFileSync(join(dir, "best.json"), "utf8")) as CheckpointJson;
    const m = await seq2seqFromCheckpoint(json, new Uint8Array(readFileSync(join(dir, "best.safetensors"))));
    const run = translateWithAttention(m, SENTENCE);
    expect(cli.sourceTokens).toEqual(run.srcTokens);
    expect(cli.tokens).toEqual(run.outTokens);
    expect(cli.rowLabels).toEqual(run.stepLabels);
    expect(maxAbsDiff(cli.weights, run.weights)).toBeLessThanOrEqual(1e-6);
    for (const row of cli.weights) expect(row.reduce((p, x) => p + x, 0)).toBeCloseTo(1, 5);
  });
});

describe("npm run explore", () => {
  it("builds when needed and serves the page and the models with COOP/COEP on 127.0.0.1", async () => {
    const child = spawn(
      join(ROOT, "node_modules/.bin/tsx"),
      [join(ROOT, "scripts/explore.ts"), "--port", "0"],
      {
        cwd: ROOT,
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d) => {
          out += String(d);
          const m = /qkv explorer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.stderr.on("data", (d) => {
          out += String(d);
        });
        child.on("exit", (code) => reject(new Error(`explore exited with ${code}: ${out}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get("cross-origin-opener-policy")).toBe("same-origin");
      expect(page.headers.get("cross-origin-embedder-policy")).toBe("require-corp");
      expect(await page.text()).toContain('data-testid="sentence"');
      const model = await fetch(`${url}models/en-hi/best.json`);
      expect(model.status).toBe(200);
      expect(((await model.json()) as CheckpointJson).format).toBe("qkv-checkpoint");
      expect((await fetch(`${url}../../package.json`)).status).toBe(404);
    } finally {
      child.kill();
    }
  }, 180_000);
});

describe.skipIf(!hasChromium())("the explorer page in Chromium", () => {
  let browser: Browser;
  let server: Server;
  let page: Page;
  const errors: string[] = [];
  const probe = () =>
    page.evaluate(() => (window as unknown as { __explorer: Record<string, unknown> }).__explorer);

  beforeAll(async () => {
    await buildWeb({ quiet: true });
    const s = await serveStatic(WEB_DIST, 0);
    server = s.server;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
    await page.goto(s.url);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it("loads cross-origin isolated, translates the default sentence, with no console errors", async () => {
    await page.waitForFunction(
      () => {
        const e = (window as unknown as { __explorer?: { ready: boolean; error?: string } }).__explorer;
        return e?.ready || e?.error;
      },
      null,
      { timeout: 60_000 },
    );
    const p = await probe();
    expect(p.error).toBeUndefined();
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.inputValue('[data-testid="sentence"]')).toBe("Turn off the lights.");
    expect(await page.textContent('[data-testid="translation"]')).toMatch(/[\u0900-\u097F]/);
    expect(errors).toEqual([]);
  });

  it("typing a sentence and pressing translate shows Hindi (bundled font) and both maps", async () => {
    const before = (await probe()).translations as number;
    await page.fill('[data-testid="sentence"]', SENTENCE);
    await page.click('[data-testid="translate"]');
    await page.waitForFunction(
      (n) =>
        ((window as unknown as { __explorer: { translations: number } }).__explorer.translations ?? 0) > n,
      before,
    );
    const cli = cliAttend(SENTENCE);
    expect(await page.textContent('[data-testid="translation"]')).toBe(cli.translation);
    expect(cli.translation).toMatch(/[\u0900-\u097F]/);
    // No Devanagari font is installed on the test machine: the text renders in the bundled Noto Sans Devanagari.
    const fontOk = await page.evaluate(async () => {
      await document.fonts.ready;
      await document.fonts.load("16px 'Noto Sans Devanagari'", "बंद");
      return document.fonts.check("16px 'Noto Sans Devanagari'", "बंद");
    });
    expect(fontOk).toBe(true);
    const cross = await readMap(page, "map-cross");
    const self = await readMap(page, "map-self");
    expect(cross.length).toBe(cli.rowLabels.length);
    expect(cross[0].length).toBe(cli.sourceTokens.length);
    expect(self.length).toBe(cli.sourceTokens.length);
    expect(self[0].length).toBe(cli.sourceTokens.length);
    // Row and column labels.
    const cols = await page.$$eval('[data-testid="map-cross"] th.col', (t) => t.map((x) => x.textContent));
    expect(cols).toEqual(cli.sourceTokens);
    const rows = await page.$$eval('[data-testid="map-cross"] th.row', (t) => t.map((x) => x.textContent));
    expect(rows).toEqual(cli.rowLabels);
  });

  it("the weights shown equal qkv attend --json (≤ 1e-6); the self map equals Node's", async () => {
    const cli = cliAttend(SENTENCE);
    const cross = await readMap(page, "map-cross");
    expect(maxAbsDiff(cross, cli.weights)).toBeLessThanOrEqual(1e-6);
    const dir = join(ROOT, "pretrained/en-hi");
    const json = JSON.parse(readFileSync(join(dir, "best.json"), "utf8")) as CheckpointJson;
    const m = await seq2seqFromCheckpoint(json, new Uint8Array(readFileSync(join(dir, "best.safetensors"))));
    const want = mapOf(lstmStatesSelfAttention(translateWithAttention(m, SENTENCE)), 0, 0);
    expect(maxAbsDiff(await readMap(page, "map-self"), want)).toBeLessThanOrEqual(1e-6);
  });

  it("shows each number on keyboard focus and on hover", async () => {
    const cell = page.locator('[data-testid="map-cross"] td.cell').nth(1);
    const v = Number(await cell.getAttribute("data-value"));
    await cell.focus();
    expect(await page.locator("#map-cross-host .readout").textContent()).toContain(v.toFixed(4));
    const other = page.locator('[data-testid="map-self"] td.cell').nth(2);
    await other.hover();
    const w = Number(await other.getAttribute("data-value"));
    expect(await page.locator("#map-self-host .readout").textContent()).toContain(w.toFixed(4));
  });

  it("view 3: with Q = s, K = V = h and scale 1, the live difference to Luong is ≤ 1e-6", async () => {
    await page.check('[data-testid="switch-qkv"]');
    const eq = page.locator('[data-testid="equivalence"]');
    const max = Number(await eq.getAttribute("data-max"));
    expect(Number.isFinite(max)).toBe(true);
    expect(max).toBeLessThanOrEqual(1e-6);
    expect(await eq.textContent()).toContain(`max |Δa| = `);
    // The switched column's weights are Luong's, number for number.
    const a = (id: string) =>
      page.$$eval(`[data-testid="${id}"] td[data-a]`, (t) =>
        t.map((x) => Number((x as HTMLElement).dataset.a)),
      );
    const luong = await a("steps-luong");
    const sdpa = await a("steps-self");
    expect(luong.length).toBe(3 + 1); // "i am happy ." → 4 keys
    luong.forEach((x, j) => {
      expect(Math.abs(x - sdpa[j])).toBeLessThanOrEqual(1e-6);
    });
  });

  it("views 4 and 5 draw: head view, model view enlarges on click, bottleneck chart", async () => {
    expect(await page.locator('[data-testid="head-view"] line').count()).toBeGreaterThan(0);
    await page.click('[data-testid="model-view"] button.thumb');
    expect(await page.locator('[data-testid="model-view-big-map"] td.cell').count()).toBe(16);
    expect(await page.locator('[data-testid="bottleneck-chart"] circle').count()).toBeGreaterThan(100);
    // The model without attention (same recipe) loads after the page is interactive; its one context vector.
    await page.waitForFunction(
      () => (window as unknown as { __explorer: { noneReady?: boolean } }).__explorer.noneReady,
    );
    if (existsSync(join(ROOT, "pretrained/en-hi-none/best.json"))) {
      expect(await page.textContent("#context-host")).toContain("reads this one vector c at every one");
      expect(await page.locator("#context-host td.cell").count()).toBeGreaterThan(128);
    }
  });

  it("the training view runs two epochs of both models, stops and resumes", async () => {
    await page.selectOption('[data-testid="train-pairs"]', "128");
    await page.click('[data-testid="train"]');
    await page.waitForFunction(
      () =>
        Number(document.querySelector('[data-testid="epoch-luong-dot"]')?.textContent) >= 2 &&
        Number(document.querySelector('[data-testid="epoch-none"]')?.textContent) >= 2,
      null,
      { timeout: 120_000, polling: 200 },
    );
    await page.click('[data-testid="train"]'); // stop
    await page.waitForFunction(
      () => document.querySelector('[data-testid="train"]')?.textContent === "Resume",
    );
    expect(await page.locator('[data-testid="train-map-luong-dot"] td.cell').count()).toBeGreaterThan(0);
    const stat = () => page.textContent('[data-testid="train-panel-luong-dot"] .trainstat');
    const stopped = await stat();
    await page.click('[data-testid="train"]'); // resume
    await page.waitForFunction(
      (s) => document.querySelector('[data-testid="train-panel-luong-dot"] .trainstat')?.textContent !== s,
      stopped,
      { timeout: 60_000 },
    );
    await page.click('[data-testid="train"]'); // stop again
    await page.waitForFunction(
      () => document.querySelector('[data-testid="train"]')?.textContent === "Resume",
    );
  }, 180_000);

  it("a sentence without words is an error message, not a crash", async () => {
    const n = (await probe()).translations as number;
    await page.fill('[data-testid="sentence"]', "   ");
    await page.click('[data-testid="translate"]');
    expect(await page.textContent("#translate-error")).toContain("no words");
    await page.fill('[data-testid="sentence"]', SENTENCE);
    await page.click('[data-testid="translate"]');
    await page.waitForFunction(
      (k) => (window as unknown as { __explorer: { translations: number } }).__explorer.translations > k,
      n,
    );
    expect(await page.textContent("#translate-error")).toBe("");
  });

  it("writes a screenshot of each view to docs/explorer/ and logged no errors", async () => {
    mkdirSync(SHOTS, { recursive: true });
    // The lesson's sentence.
    const n = (await probe()).translations as number;
    await page.fill('[data-testid="sentence"]', "Turn off the lights.");
    await page.click('[data-testid="translate"]');
    await page.waitForFunction(
      (k) => (window as unknown as { __explorer: { translations: number } }).__explorer.translations > k,
      n,
    );
    await page.check('[data-testid="switch-qkv"]');
    await page.selectOption('[data-testid="query-step"]', "2");
    for (const id of ["translate", "inter-intra", "three-steps", "heads", "bottleneck", "training"]) {
      await page.locator(`section#${id}`).screenshot({ path: join(SHOTS, `${id}.png`) });
    }
    expect(errors).toEqual([]);
  });
});

if (!hasChromium())
  console.log(
    "SKIPPED: the explorer page tests need Debian's chromium at /usr/bin/chromium (.ci/run installs it)",
  );
