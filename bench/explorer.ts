/**
 * npm run bench:explorer — the explorer page's budgets, measured in headless Chromium (Debian's chromium
 * via playwright-core) on this machine, written to the "Explorer page" section of docs/BENCHMARKS.md:
 *   - page interactive: navigation start → the model fetched over HTTP, the backend started, the
 *     default sentence translated and every view drawn (the translate button enabled), cold cache each run;
 *   - a translation with all maps: click → the translation worker's answer → the next frame after views 1–5
 *     are redrawn;
 *   - in-page training (view 6, in its Web Worker): seconds per epoch at the default 512 pairs, the
 *     worker's kernels on 1 thread (?threads=1) against its default (a thread per core), rounds alternating;
 *   - bundle size: every file of the built site, raw and gzip, the model files apart.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { buildWeb, ROOT, serveStatic, WEB_DIST } from "../scripts/web.js";
import { launchChromium } from "../test/helpers/browser.js";
import type { TrainingProbe } from "../web/src/training.js";

const LOADS = 7;
const SENTENCES = [
  "Turn off the lights.",
  "I am happy.",
  "Where is the station?",
  "He is my friend.",
  "Tom didn't go to school today.",
];
const REPEATS = 4;
/** Training: rounds of (1 thread, default threads), each training both models this many epochs. */
const TRAIN_ROUNDS = 3;
const TRAIN_EPOCHS = 2;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const load0 = loadavg();
await buildWeb({ quiet: true });
const { server, url } = await serveStatic(WEB_DIST, 0);
const browser = await launchChromium();
const interactive: number[] = [];
const translate: number[] = [];
let env = { backend: "", isolated: false };
let pairs = "";
/** Training seconds per epoch by the worker's thread count. */
const training: Record<string, { reason: string; attention: number[]; none: number[] }> = {};
try {
  for (let i = 0; i < LOADS; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(url);
    await page.waitForFunction(
      () => (window as unknown as { __explorer?: { ready: boolean } }).__explorer?.ready,
      null,
      {
        timeout: 60_000,
      },
    );
    interactive.push(
      await page.evaluate(
        () => (window as unknown as { __explorer: { readyAt: number } }).__explorer.readyAt,
      ),
    );
    if (i === 0) {
      // Translations below run both LSTM models (with and without attention): wait for the second one.
      await page.waitForFunction(
        () => (window as unknown as { __explorer: { noneReady?: boolean } }).__explorer.noneReady,
        null,
        { timeout: 60_000 },
      );
      env = {
        backend: (await page.textContent("#status")) ?? "",
        isolated: await page.evaluate(() => crossOriginIsolated),
      };
      for (let r = 0; r < REPEATS; r++) {
        for (const s of SENTENCES) {
          // The translation runs in the page's worker: submit → every view drawn (probe.translations) → next frame.
          const ms = await page.evaluate(async (sentence) => {
            const probe = (window as unknown as { __explorer: { translations: number } }).__explorer;
            const n = probe.translations;
            (document.getElementById("sentence") as HTMLInputElement).value = sentence;
            const t0 = performance.now();
            (document.getElementById("translate-form") as HTMLFormElement).requestSubmit();
            while (probe.translations === n) await new Promise((res) => setTimeout(res, 2));
            await new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
            return performance.now() - t0;
          }, s);
          translate.push(ms);
        }
      }
    }
    await ctx.close();
  }
  // View 6: epochs timed inside the training worker (batches only), 1 thread against the default.
  for (let round = 0; round < TRAIN_ROUNDS; round++) {
    for (const threads of [1, 0]) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await ctx.newPage();
      await page.goto(threads ? `${url}?threads=${threads}` : url);
      await page.waitForFunction(
        () => (window as unknown as { __training: TrainingProbe }).__training.worker,
        null,
        {
          timeout: 60_000,
        },
      );
      pairs = await page.inputValue('[data-testid="train-pairs"]'); // the page's default
      await page.click('[data-testid="train"]');
      await page.waitForFunction(
        (n) => {
          const s = (window as unknown as { __training: TrainingProbe }).__training.seconds;
          return (s["luong-dot"]?.length ?? 0) >= n && (s.none?.length ?? 0) >= n;
        },
        TRAIN_EPOCHS,
        { timeout: 600_000, polling: 500 },
      );
      const t = await page.evaluate(() => (window as unknown as { __training: TrainingProbe }).__training);
      await page.click('[data-testid="train"]'); // stop
      const key = String(t.worker?.threads ?? 0);
      training[key] ??= { reason: t.worker?.reason ?? "", attention: [], none: [] };
      training[key].attention.push(...t.seconds["luong-dot"]);
      training[key].none.push(...t.seconds.none);
      await ctx.close();
    }
  }
} finally {
  await browser.close();
  server.close();
}

const all = files(WEB_DIST).map((p) => {
  const bytes = readFileSync(p);
  return { path: relative(WEB_DIST, p), raw: bytes.length, gz: gzipSync(bytes).length };
});
const sum = (xs: typeof all) => ({
  raw: xs.reduce((p, f) => p + f.raw, 0),
  gz: xs.reduce((p, f) => p + f.gz, 0),
});
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const group = (test: (p: string) => boolean) => sum(all.filter((f) => test(f.path)));
const js = group((p) => p.endsWith(".js"));
const css = group((p) => p.endsWith(".css"));
const fonts = group((p) => /\.woff2?$/.test(p));
const html = group((p) => p.endsWith(".html"));
const models = group((p) => p.startsWith("models/"));
const code = sum(all.filter((f) => !f.path.startsWith("models/")));
const load1 = loadavg();
const ok = (v: number, budget: number) => (v < budget ? "within budget" : "**over budget**");

const section = `<!-- explorer:begin (written by \`npm run bench:explorer\`, bench/explorer.ts) -->
## Explorer page (web/)

\`npm run bench:explorer\` on ${new Date().toISOString()}: the built site (\`npm run build:web\`) served by
\`scripts/web.ts\` with COOP/COEP on 127.0.0.1, headless Chromium (Debian chromium, playwright-core), ${cpus().length} cores,
load average before ${load0.map((x) => x.toFixed(2)).join(", ")}, after ${load1.map((x) => x.toFixed(2)).join(", ")}
(the machine is shared). The page's status line: “${env.backend}” (crossOriginIsolated = ${env.isolated}).

| measure | median | min | max | budget |
|---|---|---|---|---|
| page interactive (navigation → model fetched, first translation and all views drawn), ${LOADS} cold loads | ${median(interactive).toFixed(0)} ms | ${Math.min(...interactive).toFixed(0)} ms | ${Math.max(...interactive).toFixed(0)} ms | < 2000 ms: ${ok(median(interactive), 2000)} |
| a translation with all maps (click → next frame: both LSTM models and the bundled Transformer decode in the translation worker, views 1–5 redrawn), ${translate.length} runs over ${SENTENCES.length} sentences | ${median(translate).toFixed(1)} ms | ${Math.min(...translate).toFixed(1)} ms | ${Math.max(...translate).toFixed(1)} ms | < 300 ms: ${ok(median(translate), 300)} |

View 6 trains in a dedicated Web Worker (the page stays responsive); its wasm kernels run on as many
threads as the page allows (a thread per core where it is cross-origin isolated; the page's main thread
may not block, so it keeps one). Few kernel jobs of these small models (batch 32, hidden 32) are large
enough for the wasm backend to split them (its PAR_* thresholds): in Node, one epoch of each model on 2
threads runs 2,392 of 68,566 jobs on both threads, all of them matmuls; so threads change the epoch time
little here, and the load of the shared machine moves it more. Seconds per epoch (${pairs} pairs, batches only, evaluation apart), ${TRAIN_ROUNDS}
rounds alternating 1 thread (\`?threads=1\`) and the default, ${TRAIN_EPOCHS} epochs of each model per round:

| worker's kernel threads | with attention: median (min–max) | without attention: median (min–max) |
|---|---|---|
${Object.entries(training)
  .sort(([a], [b]) => Number(a) - Number(b))
  .map(
    ([n, t]) =>
      `| ${n} | ${median(t.attention).toFixed(2)} s (${Math.min(...t.attention).toFixed(2)}–${Math.max(...t.attention).toFixed(2)}) | ${median(t.none).toFixed(2)} s (${Math.min(...t.none).toFixed(2)}–${Math.max(...t.none).toFixed(2)}) |`,
  )
  .join("\n")}

Bundle (web/dist):

| part | raw | gzip |
|---|---|---|
| JavaScript (qkv with its wasm kernels inlined, the page; the training worker's own copy of both) | ${kib(js.raw)} | ${kib(js.gz)} |
| CSS | ${kib(css.raw)} | ${kib(css.gz)} |
| HTML | ${kib(html.raw)} | ${kib(html.gz)} |
| fonts (Noto Sans Devanagari 400: woff2 + woff, Devanagari, Latin, Latin-ext subsets; a browser fetches one format of the subsets it needs) | ${kib(fonts.raw)} | ${kib(fonts.gz)} |
| **site without models** | **${kib(code.raw)}** | **${kib(code.gz)}** |
| models (${all
  .filter((f) => f.path.startsWith("models/"))
  .map((f) => f.path)
  .join(", ")}) | ${kib(models.raw)} | ${kib(models.gz)} |
<!-- explorer:end -->`;

const path = join(ROOT, "docs/BENCHMARKS.md");
const doc = readFileSync(path, "utf8");
const re = /<!-- explorer:begin[\s\S]*?<!-- explorer:end -->/;
writeFileSync(path, re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}\n`);
console.log(section);
