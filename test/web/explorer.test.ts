/**
 * The explorer page end to end in headless Chromium (playwright-core + Debian's chromium): the built site
 * (web/ → web/dist, rebuilt when stale) served with COOP/COEP by scripts/web.ts. It loads with no console
 * errors; translating shows Hindi (in the bundled font) and both maps; the cross map's numbers equal
 * `qkv attend --json` for the same model and sentence (the float16 weights the page is served, in Node:
 * ./served-models.ts); the self map is the Transformer encoder's and equals
 * the same computation in Node (TransformerModel.encode with needWeights) for every layer and head chosen;
 * the live Luong = scaled-dot difference is ≤ 1e-6; the training view runs two epochs and resumes, in a
 * Web Worker whose wasm kernels run on every core (> 1 thread here); the same site on a host without
 * COOP/COEP (not isolated) trains on one thread and says why.
 * Every map shows words by default (weights summed over a key word's pieces, averaged over a query word's:
 * `qkv attend --json`'s wordWeights, align's aggregateToWords over Node's numbers); "show subword pieces"
 * shows the models' tokens, with the token-level numbers. After two sentences no label of any map holds
 * "▁" or a byte token, and no Devanagari label is turned (test/helpers/labels.ts).
 * The Transformer is the one bundled in pretrained/ when there is one; otherwise a small random one made
 * here (test/helpers/tiny-transformer.ts), served through QKV_MODELS_DIR from a site built for the test.
 * The test writes no files into the repository: the screenshots in docs/explorer/ come from
 * `npm run screenshots` (scripts/screenshots.ts), which drives the same steps.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWeb, ROOT, serveStatic, WEB_DIST } from "../../scripts/web.js";
import { aggregateToWords, pieceLabels, tokensWithWords } from "../../src/align/words.js";
import { TransformerModel } from "../../src/models/transformer/index.js";
import { loadCheckpoint } from "../../src/train/checkpoint.js";
import { type CheckpointMeta, tokenizersOf } from "../../src/train/trainer.js";
import { type CheckpointJson, seq2seqFromCheckpoint } from "../../web/src/checkpoint.js";
import { translateWithAttention } from "../../web/src/lesson.js";
import type { TrainingProbe } from "../../web/src/training.js";
import { hasChromium } from "../helpers/browser.js";
import { maxAbsDiff } from "../helpers/bundled-page-models.js";
import { type ExplorerPage, labelsOf, openExplorer, readMap } from "../helpers/explorer-page.js";
import { labelReport, paintedRowLabels } from "../helpers/labels.js";
import { saveTinyTransformer } from "../helpers/tiny-transformer.js";
import { servedModelDir } from "./served-models.js";

const SENTENCE = "I am happy.";

interface CliAttend {
  sourceTokens: string[];
  tokens: string[];
  translation: string;
  rowLabels: string[];
  weights: number[][];
  sourceWords: string[];
  targetWords: string[];
  wordWeights: number[][];
}

const cliCache = new Map<string, CliAttend>();

/** `qkv attend --json` for the bundled model (run once per sentence). */
function cliAttend(sentence: string): CliAttend {
  const hit = cliCache.get(sentence);
  if (hit) return hit;
  const r = spawnSync(
    join(ROOT, "node_modules/.bin/tsx"),
    [
      join(ROOT, "src/cli/main.ts"),
      "attend",
      "--model",
      servedModelDir(join(ROOT, "pretrained/en-hi")),
      "--json",
      sentence,
    ],
    { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`qkv attend --json failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as CliAttend;
  cliCache.set(sentence, out);
  return out;
}

/** The first Transformer checkpoint in pretrained/ (what the page shows when one is bundled). */
function bundledTransformer(): string | undefined {
  const base = join(ROOT, "pretrained");
  return readdirSync(base)
    .sort((a, b) => a.localeCompare(b))
    .find((d) => {
      const f = join(base, d, "best.json");
      return existsSync(f) && JSON.parse(readFileSync(f, "utf8")).meta?.kind === "transformer";
    });
}

/**
 * The Transformer encoder's self-attention of `sentence` in Node, per layer and head ([l][h][i][j]):
 * the checkpoint read by loadCheckpoint, tokenizersOf and TransformerModel.encode({ needWeights }) —
 * none of the page's code.
 */
async function nodeEncoderMaps(dir: string, sentence: string) {
  const ck = await loadCheckpoint<CheckpointMeta>(servedModelDir(dir), "best");
  const model = new TransformerModel(ck.meta.config as never).eval();
  model.loadStateDict(ck.model);
  const { srcTokenizer } = tokenizersOf(ck.meta);
  const ids = srcTokenizer.encode(sentence);
  const S = ids.length;
  const w = model.encode(ids, 1, S, [S], { needWeights: true }).encoderWeights ?? [];
  const maps = w.map((t) =>
    Array.from({ length: t.shape[1] }, (_, h) =>
      Array.from({ length: S }, (_, i) => Array.from(t.data.subarray((h * S + i) * S, (h * S + i + 1) * S))),
    ),
  );
  // As words: the line's whitespace words, sum over a key word's pieces, mean over a query word's.
  const tw = tokensWithWords(sentence, srcTokenizer);
  const n = tw.words.length;
  return {
    tokens: srcTokenizer.tokenize(sentence),
    maps,
    words: tw.words,
    wordMaps: maps.map((l) => l.map((m) => aggregateToWords(m, tw.tokenWord, tw.tokenWord, n, n))),
  };
}

describe("qkv attend --json", () => {
  it("prints the weights the page's translation loop computes (Node, no browser)", async () => {
    const cli = cliAttend(SENTENCE);
    const dir = servedModelDir(join(ROOT, "pretrained/en-hi"));
    const json = JSON.parse(readFileSync(join(dir, "best.json"), "utf8")) as CheckpointJson;
    const m = await seq2seqFromCheckpoint(json, new Uint8Array(readFileSync(join(dir, json.tensors))));
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
      const json = (await model.json()) as CheckpointJson;
      expect(json.format).toBe("qkv-checkpoint");
      expect(json.tensors).toBe("best.f16.safetensors"); // the weights served in float16
      expect((await fetch(`${url}../../package.json`)).status).toBe(404);
    } finally {
      child.kill();
    }
  }, 180_000);
});

/** The labels of one axis of a map. */
/** Turns the "show subword pieces" switch on or off. */
const setPieces = (page: Page, on: boolean) =>
  on ? page.check('[data-testid="show-pieces"]') : page.uncheck('[data-testid="show-pieces"]');

describe.skipIf(!hasChromium())("the explorer page in Chromium", () => {
  let browser: Browser;
  let page: Page;
  let x: ExplorerPage | undefined;
  let errors: string[] = [];
  const probe = () =>
    page.evaluate(() => (window as unknown as { __explorer: Record<string, unknown> }).__explorer);
  /** The Transformer the page should show: bundled in pretrained/, or made here for the test. */
  const bundled = bundledTransformer();
  const tmp = bundled ? "" : mkdtempSync(join(tmpdir(), "qkv-explorer-"));
  const transformer = bundled
    ? { name: bundled, dir: join(ROOT, "pretrained", bundled) }
    : { name: "test-transformer", dir: join(tmp, "models", "test-transformer") };

  let site = WEB_DIST;

  beforeAll(async () => {
    if (bundled) {
      await buildWeb({ quiet: true });
    } else {
      await saveTinyTransformer(transformer.dir);
      site = join(tmp, "site");
      await buildWeb({ outDir: site, modelsDir: join(tmp, "models"), force: true, quiet: true });
    }
    x = await openExplorer({ site });
    ({ browser, page, errors } = x);
  }, 180_000);

  afterAll(async () => {
    await x?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
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
    expect(p.layered).toBe(transformer.name);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.inputValue('[data-testid="sentence"]')).toBe("Turn off the lights.");
    expect(await page.textContent('[data-testid="translation"]')).toMatch(/[\u0900-\u097F]/);
    expect(errors).toEqual([]);
  });

  it("the first load fetches each model file once, the weights in float16, within the page's budget", async () => {
    await page.waitForFunction(
      () => (window as unknown as { __explorer: { noneReady?: boolean } }).__explorer.noneReady,
      null,
      { timeout: 60_000 },
    );
    const models = x?.requests.filter((u) => u.includes("/models/")).map((u) => new URL(u).pathname) ?? [];
    const files = models.map((p) => p.slice(p.indexOf("models/")));
    // The page and its translation worker share one download of each (the worker hands the Transformer over).
    expect(files.length).toBe(new Set(files).size);
    const weights = files.filter((f) => f.endsWith(".safetensors"));
    expect(weights.length).toBeGreaterThanOrEqual(2);
    for (const f of weights) expect(f).toMatch(/\.f16\.safetensors$/);
    const bytes = files.reduce((n, f) => n + statSync(join(site, f)).size, 0);
    console.log(`first load: ${files.length} model files, ${(bytes / 1e6).toFixed(2)} MB`);
    // Budget (web/README.md, docs/BENCHMARKS.md): ≤ 12 MB of models on the first load (bundled models:
    // 9.66 MB in float16, best.json files included; 25.9 MB of float32 weights when the Transformer was
    // fetched twice, page and worker).
    expect(bytes).toBeLessThanOrEqual(12e6);
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
    // Words by default: "happy." is one word of the line (two tokens of the word model).
    const cross = await readMap(page, "map-cross");
    const self = await readMap(page, "map-self");
    expect(cli.sourceWords).toEqual(["I", "am", "happy."]);
    expect(cross.length).toBe(cli.targetWords.length);
    expect(cross[0].length).toBe(cli.sourceWords.length);
    expect(self.length).toBe(cli.sourceWords.length);
    expect(self[0].length).toBe(cli.sourceWords.length);
    expect(await labelsOf(page, "map-cross", "col")).toEqual(cli.sourceWords);
    expect(await labelsOf(page, "map-cross", "row")).toEqual(cli.targetWords);
    expect(await page.textContent("#map-cross-host figcaption")).toMatch(
      /summed over an English word's pieces, averaged over a Hindi word's pieces/,
    );
    // The model's tokens with the switch on.
    await setPieces(page, true);
    expect(await labelsOf(page, "map-cross", "col")).toEqual(pieceLabels(cli.sourceTokens));
    expect(await labelsOf(page, "map-cross", "row")).toEqual(pieceLabels(cli.rowLabels));
    expect((await readMap(page, "map-self")).length).toBe(cli.sourceTokens.length);
    await setPieces(page, false);
  });

  it("the weights shown equal qkv attend --json (≤ 1e-6): words, and tokens with the switch on", async () => {
    const cli = cliAttend(SENTENCE);
    expect(maxAbsDiff(await readMap(page, "map-cross"), cli.wordWeights)).toBeLessThanOrEqual(1e-6);
    await setPieces(page, true);
    expect(maxAbsDiff(await readMap(page, "map-cross"), cli.weights)).toBeLessThanOrEqual(1e-6);
    await setPieces(page, false);
  });

  it("map-self is the Transformer encoder's self-attention, equal to Node's for each layer and head chosen", async () => {
    const node = await nodeEncoderMaps(transformer.dir, SENTENCE);
    const labels = (axis: "row" | "col") => labelsOf(page, "map-self", axis);
    // As words (both axes: sum over a key word's pieces, mean over a query word's) …
    expect(await labels("col")).toEqual(node.words);
    expect(await labels("row")).toEqual(node.words);
    expect(maxAbsDiff(await readMap(page, "map-self"), node.wordMaps[0][0])).toBeLessThanOrEqual(1e-6);
    // … and the model's own numbers with the switch on (the rest of this test).
    await setPieces(page, true);
    expect(await labels("col")).toEqual(pieceLabels(node.tokens));
    expect(await labels("row")).toEqual(pieceLabels(node.tokens));
    expect(await page.textContent("#self-title")).toContain("Transformer encoder self-attention");
    const src = (await page.textContent("#self-src")) ?? "";
    for (const part of ["Q = ", "K = ", "V = "]) expect(src.split(part)[1]).toMatch(/^[^;.]*English/);
    const L = node.maps.length;
    const H = node.maps[0].length;
    expect(await page.locator('[data-testid="self-layer"] option').count()).toBe(L);
    expect(await page.locator('[data-testid="self-head"] option').count()).toBe(H);
    const shown = await readMap(page, "map-self");
    expect(maxAbsDiff(shown, node.maps[0][0])).toBeLessThanOrEqual(1e-6);
    // Switching layer, then head, redraws the map with that layer's and head's numbers.
    const seen = [shown];
    for (const [l, h] of [
      [L - 1, 0],
      [L - 1, H - 1],
    ]) {
      await page.selectOption('[data-testid="self-layer"]', String(l));
      await page.selectOption('[data-testid="self-head"]', String(h));
      const m = await readMap(page, "map-self");
      expect(maxAbsDiff(m, node.maps[l][h])).toBeLessThanOrEqual(1e-6);
      for (const before of seen) expect(maxAbsDiff(m, before)).toBeGreaterThan(1e-3);
      seen.push(m);
    }
    await page.selectOption('[data-testid="self-layer"]', "0");
    await page.selectOption('[data-testid="self-head"]', "0");
    expect(maxAbsDiff(await readMap(page, "map-self"), node.maps[0][0])).toBeLessThanOrEqual(1e-6);
    await setPieces(page, false);
    expect(maxAbsDiff(await readMap(page, "map-self"), node.wordMaps[0][0])).toBeLessThanOrEqual(1e-6);
  });

  it("view 1 shows the Transformer's translation; view 2 its decoder self- (causal) and cross-attention", async () => {
    const tt = page.locator("#transformer-translation");
    expect(await tt.getAttribute("class")).not.toContain("pending");
    expect(await tt.textContent()).toMatch(/[\u0900-\u097F]/);
    expect(await page.textContent("#transformer-info")).toContain(transformer.name);
    const dec = await readMap(page, "map-dec-self");
    expect(dec.length).toBeGreaterThan(0);
    dec.forEach((row, i) => {
      expect(row.length).toBe(dec.length);
      expect(row.reduce((p, x) => p + x, 0)).toBeCloseTo(1, 5);
      expect(row.slice(i + 1).every((x) => x === 0)).toBe(true);
    });
    const decRows = await page.$$eval('[data-testid="map-dec-self"] th.row', (t) =>
      t.map((x) => x.textContent),
    );
    expect(decRows[0]).toBe("<sos>");
    const cross = await readMap(page, "map-dec-cross");
    const { words } = await nodeEncoderMaps(transformer.dir, SENTENCE);
    expect(cross.length).toBe(dec.length);
    for (const row of cross) {
      expect(row.length).toBe(words.length);
      expect(row.reduce((p, x) => p + x, 0)).toBeCloseTo(1, 5);
    }
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
    const node = await nodeEncoderMaps(transformer.dir, SENTENCE);
    const stacks = await page.$$eval('[data-testid="heads-stack"] option', (o) =>
      o.map((x) => x.textContent),
    );
    expect(stacks).toHaveLength(4);
    expect(stacks[0]).toContain("Transformer encoder self-attention");
    expect(await page.locator('[data-testid="head-view"] line').count()).toBeGreaterThan(0);
    // The model view: one thumbnail per layer and head of the Transformer's encoder.
    const thumbs = page.locator('[data-testid="model-view"] button.thumb');
    expect(await thumbs.count()).toBe(node.maps.length * node.maps[0].length);
    await thumbs.last().click();
    const L = node.maps.length - 1;
    const H = node.maps[0].length - 1;
    expect(maxAbsDiff(await readMap(page, "model-view-big-map"), node.wordMaps[L][H])).toBeLessThanOrEqual(
      1e-6,
    );
    await setPieces(page, true);
    await page.locator('[data-testid="model-view"] button.thumb').last().click();
    expect(maxAbsDiff(await readMap(page, "model-view-big-map"), node.maps[L][H])).toBeLessThanOrEqual(1e-6);
    await setPieces(page, false);
    await page.locator('[data-testid="model-view"] button.thumb').last().click();
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
    // The trainer is a Web Worker of this isolated page: its wasm kernels use a thread per core.
    await page.waitForFunction(
      () => (window as unknown as { __training: TrainingProbe }).__training.worker,
      null,
      {
        timeout: 60_000,
      },
    );
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const worker = await page.evaluate(
      () => (window as unknown as { __training: TrainingProbe }).__training.worker!,
    );
    expect(worker).toMatchObject({ backend: "wasm", isolated: true, available: true, threads: cores });
    // One thread per core (test/browser/threads.test.ts forces 2 threads whatever the core count).
    expect(await page.textContent('[data-testid="train-threads"]')).toContain(
      `wasm, ${cores} thread${cores === 1 ? "" : "s"}`,
    );
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

  it("on a static host without COOP/COEP the page still works and trains on one thread, saying why", async () => {
    const plain = await serveStatic(site, 0, { isolated: false });
    const p = await browser.newPage();
    const seen: string[] = [];
    p.on("pageerror", (e) => seen.push(String(e)));
    p.on("console", (m) => {
      if (m.type() === "error") seen.push(m.text());
    });
    try {
      await p.goto(plain.url);
      await p.waitForFunction(
        () => (window as unknown as { __explorer?: { ready: boolean } }).__explorer?.ready,
        null,
        { timeout: 60_000 },
      );
      expect(await p.evaluate(() => crossOriginIsolated)).toBe(false);
      expect(await p.textContent('[data-testid="translation"]')).toMatch(/[\u0900-\u097F]/);
      await p.waitForFunction(
        () => (window as unknown as { __training: TrainingProbe }).__training.worker,
        null,
        {
          timeout: 60_000,
        },
      );
      const worker = await p.evaluate(
        () => (window as unknown as { __training: TrainingProbe }).__training.worker!,
      );
      expect(worker).toMatchObject({ backend: "wasm", isolated: false, available: false, threads: 1 });
      expect(worker.reason).toMatch(/not cross-origin isolated/);
      expect(await p.textContent('[data-testid="train-threads"]')).toContain(
        "wasm, 1 thread — not cross-origin isolated",
      );
      await p.selectOption('[data-testid="train-pairs"]', "128");
      await p.click('[data-testid="train"]');
      await p.waitForFunction(
        () => Number(document.querySelector('[data-testid="epoch-luong-dot"]')?.textContent) >= 1,
        null,
        { timeout: 120_000, polling: 200 },
      );
      await p.click('[data-testid="train"]'); // stop
      expect(seen).toEqual([]);
    } finally {
      await p.close();
      plain.server.close();
    }
  }, 180_000);

  it("every map reads as words: no ▁ or byte token in any label, Devanagari upright, rows beside their rows; the switch shows pieces", async () => {
    const translate = async (s: string) => {
      const n = (await probe()).translations as number;
      await page.fill('[data-testid="sentence"]', s);
      await page.click('[data-testid="translate"]');
      await page.waitForFunction(
        (k) => (window as unknown as { __explorer: { translations: number } }).__explorer.translations > k,
        n,
      );
    };
    const stacks = await page.locator('[data-testid="heads-stack"] option').count();
    /** Every map's labels, each stack of view 4 in turn with its last thumbnail enlarged. */
    const check = async (pieces: boolean) => {
      await page.evaluate(() => document.fonts.ready);
      let devanagari = 0;
      for (let k = 0; k < stacks; k++) {
        await page.selectOption('[data-testid="heads-stack"]', String(k));
        await page.locator('[data-testid="model-view"] button.thumb').last().click();
        // Upright headers are staggered by a ResizeObserver, which runs before the next paint: measure
        // what the user sees, two frames later.
        await page.evaluate(
          () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null)))),
        );
        const r = await labelReport(page, { pieces });
        expect(r.problems).toEqual([]);
        for (const id of ["map-cross", "map-self", "map-dec-self", "map-dec-cross", "model-view-big-map"])
          expect(r.maps).toContain(id);
        expect(r.headViewLabels).toBeGreaterThan(0);
        expect(r.thumbnails).toBeGreaterThan(0);
        devanagari = Math.max(devanagari, r.uprightColLabels);
      }
      // The decoder self-attention's columns are Hindi: upright labels were checked.
      expect(devanagari).toBeGreaterThan(0);
    };
    for (const s of [
      "Turn off the lights.",
      "Where is the station? He is my friend and I like him very much.",
    ]) {
      await translate(s);
      await check(false);
      const words = await labelsOf(page, "map-self", "col");
      expect(words).toEqual(s.split(" "));
      const painted = await paintedRowLabels(page, "map-cross");
      expect(painted.length).toBeGreaterThan(0);
      for (const p of painted) {
        expect(Math.abs(p.got.w - p.want.w), `${p.text} ${JSON.stringify(p)}`).toBeLessThanOrEqual(2);
        expect(Math.abs(p.got.h - p.want.h), `${p.text} ${JSON.stringify(p)}`).toBeLessThanOrEqual(2);
      }
      // With the switch on the maps show the model's pieces (more of them than words), still readable.
      await setPieces(page, true);
      const node = await nodeEncoderMaps(transformer.dir, s);
      expect(await labelsOf(page, "map-self", "col")).toEqual(pieceLabels(node.tokens));
      expect(node.tokens.length).toBeGreaterThan(words.length);
      await check(true);
      await setPieces(page, false);
    }
    // Back to the first stack with its last head enlarged.
    await page.selectOption('[data-testid="heads-stack"]', "0");
    await page.locator('[data-testid="model-view"] button.thumb').last().click();
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

  it("logged no errors", () => {
    expect(errors).toEqual([]);
  });
});

if (!hasChromium())
  console.log(
    "SKIPPED: the explorer page tests need Debian's chromium at /usr/bin/chromium (.ci/run installs it)",
  );
