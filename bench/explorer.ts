/**
 * npm run bench:explorer — the explorer page's budgets, measured in headless Chromium (Debian's chromium
 * via playwright-core) on this machine, written to the "Explorer page" section of docs/BENCHMARKS.md:
 *   - page interactive: navigation start → the model fetched over HTTP, the backend started, the
 *     default sentence translated and every view drawn (the translate button enabled), cold cache each run;
 *   - a translation with all maps: click → the translation worker's answer → the next frame after views 1–5
 *     are redrawn;
 *   - in-page training (view 6, in its Web Worker, the page's default recipe): seconds from pressing
 *     Train until the attention model's test exact match is ≥ 90 % (lengths 3–16) and until ≥ 14 of the
 *     16 probe rows peak on the anti-diagonal, the model without attention's exact match on lengths ≥ 10
 *     at that time, the step time; on the cross-origin isolated page (a thread per core) and on a plain
 *     one (no COOP/COEP: 1 thread), rounds alternating; kernel calls per step counted in Node (wasm);
 *   - first load: the bytes every cold load fetched (the page, its workers: playwright's request sizes, body
 *     and headers) until it is interactive and view 5's model is loaded too, the models' weight files apart;
 *   - bundle size: every file of the built site, raw and gzip, the model files apart.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { initBackend, registerBackend, setBackend, setNumThreads } from "qkv";
import { buildWeb, ROOT, serveStatic, WEB_DIST } from "../scripts/web.js";
import { backend } from "../src/kernels/registry.js";
import { launchChromium } from "../test/helpers/browser.js";
import { DEFAULT_REVERSAL, ReversalRun } from "../web/src/reversal.js";
import type { TimedEval, TrainingProbe } from "../web/src/training.js";

const LOADS = 7;
const SENTENCES = [
  "Turn off the lights.",
  "I am happy.",
  "Where is the station?",
  "He is my friend.",
  "Tom didn't go to school today.",
];
const REPEATS = 4;
/** Training: rounds of (isolated page, plain page), each from Train until both goals are met. */
const TRAIN_ROUNDS = Number(process.env.TRAIN_ROUNDS ?? 3);
/** Give up on a training run after this long. */
const TRAIN_LIMIT_MS = 120_000;
const EXACT_GOAL = 0.9;
/**
 * The issue-19 epoch: 16 batches of 32 strings (the 512 pairs of the recipe that took 1.1–1.2 s an
 * epoch with attention on 2026-11-29, evaluation apart), here drawn as the page draws them (one length
 * per batch, ∝ length), timed in the page's training worker from pressing Train: `epochs` consecutive
 * epochs (steps 1–16, 17–32, …), each the sum of its steps' times; rounds alternate the two pages.
 */
const EPOCH = {
  batches: 16,
  batchSize: 32,
  epochs: 4,
  before: 1.1,
  rounds: Number(process.env.EPOCH_ROUNDS ?? 3),
};
const DIAGONAL_GOAL = 14;

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
/** Per cold load: bytes fetched in all, and by the models' files (best.json + weights), until view 5's model is in. */
const loadBytes: { all: number; models: number; weights: number; files: string[] }[] = [];
const translate: number[] = [];
let env = { backend: "", isolated: false };
/** One training run: when each goal was first met (from pressing Train), the step times. */
interface TrainRun {
  exact?: TimedEval;
  diagonal?: TimedEval;
  last?: TimedEval;
  stepMs: { attention: number; none: number };
}
/** Training runs by page (isolated or plain) and the worker's threads there. */
const training: Record<string, { threads: number; reason: string; runs: TrainRun[] }> = {};
const plain = await serveStatic(WEB_DIST, 0, { isolated: false });
/** Seconds per epoch (16 batches of 32) by page: [round][epoch] for each model. */
const epochs: Record<string, { threads: number; attention: number[][]; none: number[][] }> = {};
try {
  for (let i = 0; i < LOADS; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    const fetched: Promise<{ path: string; bytes: number }>[] = [];
    page.on("requestfinished", (r) =>
      fetched.push(
        r.sizes().then((z) => ({
          path: r.url().startsWith(url) ? r.url().slice(url.length) : r.url(),
          bytes: Math.max(0, z.responseBodySize) + Math.max(0, z.responseHeadersSize),
        })),
      ),
    );
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
    // The first load ends with view 5's model (loaded after the page is interactive).
    await page.waitForFunction(
      () => (window as unknown as { __explorer: { noneReady?: boolean } }).__explorer.noneReady,
      null,
      { timeout: 60_000 },
    );
    await page.waitForTimeout(300);
    const got = await Promise.all(fetched);
    const of = (test: (p: string) => boolean) =>
      got.filter((f) => test(f.path)).reduce((n, f) => n + f.bytes, 0);
    loadBytes.push({
      all: of(() => true),
      models: of((p) => p.startsWith("models/")),
      weights: of((p) => p.startsWith("models/") && p.endsWith(".safetensors")),
      files: got.map((f) => f.path).filter((p) => p.startsWith("models/")),
    });
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
  // View 6: from pressing Train until both goals, on the isolated page (its default threads) and a plain one.
  for (let round = 0; round < TRAIN_ROUNDS; round++) {
    for (const isolated of [true, false]) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await ctx.newPage();
      await page.goto(isolated ? url : plain.url);
      await page.waitForFunction(
        () => (window as unknown as { __training: TrainingProbe }).__training.worker,
        null,
        { timeout: 60_000 },
      );
      await page.click('[data-testid="train"]');
      await page
        .waitForFunction(
          ([exact, diag]) => {
            const t = (window as unknown as { __training: TrainingProbe }).__training;
            return (
              t.timeline.some((e) => e.exactMatch >= exact) && t.timeline.some((e) => e.probeDiagonal >= diag)
            );
          },
          [EXACT_GOAL, DIAGONAL_GOAL] as const,
          { timeout: TRAIN_LIMIT_MS, polling: 100 },
        )
        .catch(() => {}); // not reached within the limit: the table says so
      const t = await page.evaluate(() => (window as unknown as { __training: TrainingProbe }).__training);
      await page.click('[data-testid="train"]'); // stop
      const key = isolated ? "isolated" : "plain";
      training[key] ??= { threads: t.worker?.threads ?? 0, reason: t.worker?.reason ?? "", runs: [] };
      training[key].runs.push({
        exact: t.timeline.find((e) => e.exactMatch >= EXACT_GOAL),
        diagonal: t.timeline.find((e) => e.probeDiagonal >= DIAGONAL_GOAL),
        last: t.timeline.at(-1),
        stepMs: { attention: t.stepMs["luong-dot"], none: t.stepMs.none },
      });
      await ctx.close();
    }
  }
  for (let round = 0; round < EPOCH.rounds; round++) {
    for (const isolated of [true, false]) {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(isolated ? url : plain.url);
      // The page's own start (its translation worker, the views) done before the epochs are timed.
      await page.waitForFunction(
        () => (window as unknown as { __explorer?: { noneReady?: boolean } }).__explorer?.noneReady,
        null,
        { timeout: 60_000 },
      );
      await page.waitForTimeout(300);
      const asset = readdirSync(join(WEB_DIST, "assets")).find((f) => /^train-worker-.*\.js$/.test(f));
      if (!asset) throw new Error("bench:explorer: no train-worker asset in web/dist/assets");
      const { trainSize, lr, hidden } = DEFAULT_REVERSAL;
      const settings = { trainSize, lr, hidden, batchSize: EPOCH.batchSize };
      const got = (await page.evaluate(`(async () => {
        const w = new Worker(${JSON.stringify(`/assets/${asset}`)}, { type: "module" });
        let last = null;
        let ready = null;
        const states = [];
        w.onmessage = (e) => { if (e.data.type === "ready") ready = e.data; else if (e.data.type === "state") { last = e.data; states.push(e.data.running); } };
        w.postMessage({ type: "init", settings: ${JSON.stringify(settings)} });
        while (!last) await new Promise((r) => setTimeout(r, 20));
        w.postMessage({ type: "train" });
        while (!last.running || last.runs[0].steps < ${EPOCH.epochs * EPOCH.batches}) await new Promise((r) => setTimeout(r, 20));
        w.postMessage({ type: "stop" });
        while (last.running) await new Promise((r) => setTimeout(r, 20));
        w.terminate();
        return { threads: ready.threads, times: last.runs.map((r) => r.stepTimes) };
      })()`)) as { threads: number; times: number[][] };
      const per = (xs: number[]) =>
        Array.from(
          { length: EPOCH.epochs },
          (_, e) => xs.slice(e * EPOCH.batches, (e + 1) * EPOCH.batches).reduce((a, b) => a + b, 0) / 1000,
        );
      const key = isolated ? "isolated" : "plain";
      epochs[key] ??= { threads: got.threads, attention: [], none: [] };
      epochs[key].attention.push(per(got.times[0]));
      epochs[key].none.push(per(got.times[1]));
      await ctx.close();
    }
  }
} finally {
  await browser.close();
  server.close();
  plain.server.close();
}

/** Kernel calls per training step of each model, counted in Node on the wasm backend (1 thread). */
async function opsPerStep(): Promise<{
  attention: number;
  none: number;
  steps: number;
  /** The attention model's calls per step by kernel, most first. */
  byKernel: [string, number][];
}> {
  await initBackend();
  await setBackend("wasm");
  await setNumThreads(1);
  const wasm = backend();
  let calls = 0;
  const byKernel = new Map<string, number>();
  const counting = new Proxy(wasm, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        calls++;
        byKernel.set(String(key), (byKernel.get(String(key)) ?? 0) + 1);
        return v.apply(target, args);
      };
    },
  });
  registerBackend("wasm-counted", counting);
  await setBackend("wasm-counted");
  const steps = 40;
  const per = async (kind: "luong-dot" | "none") => {
    const r = new ReversalRun(kind, DEFAULT_REVERSAL);
    calls = 0;
    byKernel.clear();
    for (let i = 0; i < steps; i++) r.step();
    return calls / steps;
  };
  const attention = await per("luong-dot");
  const kinds = [...byKernel].map(([k, n]): [string, number] => [k, n / steps]).sort((a, b) => b[1] - a[1]);
  const out = { attention, none: await per("none"), steps, byKernel: kinds };
  await setBackend("wasm");
  return out;
}
const ops = await opsPerStep();

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
const hitText = (e: TimedEval | undefined) =>
  e ? `${(e.ms / 1000).toFixed(1)} s (step ${e.step})` : `not within ${TRAIN_LIMIT_MS / 1000} s`;
const c = DEFAULT_REVERSAL;
const recipeLine = `${c.symbols} letters, lengths ${c.minLength}–${c.maxLength}, ${c.trainSize} training pairs, batches of ${c.batchSize} strings of one length (drawn ∝ length), embed ${c.embed}, hidden ${c.hidden} per direction, Adam lr ${c.lr} halved every ${c.lrHalfLife} steps, clip 1`;
const ok = (v: number, budget: number) => (v < budget ? "within budget" : "**over budget**");
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
const lb = (k: "all" | "models" | "weights") => loadBytes.map((b) => b[k]);
const weightFiles = [...new Set(loadBytes.flatMap((b) => b.files))].filter((p) => p.endsWith(".safetensors"));

const section = `<!-- explorer:begin (written by \`npm run bench:explorer\`, bench/explorer.ts) -->
## Explorer page (web/)

\`npm run bench:explorer\` on ${new Date().toISOString()}: the built site (\`npm run build:web\`) served by
\`scripts/web.ts\` with COOP/COEP on 127.0.0.1, headless Chromium (Debian chromium, playwright-core), ${cpus().length} cores (${cpus()[0]?.model.trim()}),
load average before ${load0.map((x) => x.toFixed(2)).join(", ")}, after ${load1.map((x) => x.toFixed(2)).join(", ")}
(the machine is shared). The page's status line: “${env.backend}” (crossOriginIsolated = ${env.isolated}).

| measure | median | min | max | budget |
|---|---|---|---|---|
| page interactive (navigation → model fetched, first translation and all views drawn), ${LOADS} cold loads | ${median(interactive).toFixed(0)} ms | ${Math.min(...interactive).toFixed(0)} ms | ${Math.max(...interactive).toFixed(0)} ms | < 2000 ms: ${ok(median(interactive), 2000)} |
| first load: bytes fetched by the page and its workers until interactive and view 5's model loaded (weights in float16: ${weightFiles.join(", ")}, each fetched once), ${LOADS} cold loads | ${mb(median(lb("all")))} | ${mb(Math.min(...lb("all")))} | ${mb(Math.max(...lb("all")))} | < 12.0 MB: ${ok(median(lb("all")), 12e6)} (before float16, measured so on 2026-12-07: 26.83 MB, 25.87 MB of float32 weights, the Transformer fetched by the page and by its worker) |
| of which model files (best.json + weights) / weights alone | ${mb(median(lb("models")))} / ${mb(median(lb("weights")))} | | | |
| a translation with all maps (click → next frame: both LSTM models and the bundled Transformer decode in the translation worker, views 1–5 redrawn), ${translate.length} runs over ${SENTENCES.length} sentences | ${median(translate).toFixed(1)} ms | ${Math.min(...translate).toFixed(1)} ms | ${Math.max(...translate).toFixed(1)} ms | < 300 ms: ${ok(median(translate), 300)} |

View 6 trains in a dedicated Web Worker (the page stays responsive), the page's recipe
(\`DEFAULT_REVERSAL\`, web/src/reversal.ts, shown in the page): ${recipeLine}. Both models take one step
each in turn (the same steps, seeds and batches) and both are evaluated every ${DEFAULT_REVERSAL.evalEvery}
steps (${DEFAULT_REVERSAL.testPerLength * (DEFAULT_REVERSAL.maxLength - DEFAULT_REVERSAL.minLength + 1)} test strings, lengths ${DEFAULT_REVERSAL.minLength}–${DEFAULT_REVERSAL.maxLength}); the clock
runs from pressing Train to the page receiving the evaluation, evaluations and drawing included. Goals
(issue 18): ≥ 90 % exact within 30 s, ≥ 14 of 16 probe rows on the anti-diagonal within 20 s, the model
without attention below 30 % exact on lengths ≥ 10. ${TRAIN_ROUNDS} rounds alternating the isolated page and a
plain one (served without COOP/COEP):

| page (worker's kernel threads) | run | ≥ 90 % exact (lengths 3–16) | ≥ 14/16 probe rows on the anti-diagonal | no attention, exact on lengths ≥ 10, at the 90 % step | ms per step (attention / none), median of the last 50 |
|---|---|---|---|---|---|
${Object.entries(training)
  .flatMap(([k, t]) =>
    t.runs.map(
      (r, i) =>
        `| ${k === "isolated" ? "cross-origin isolated" : "not isolated"} (${t.threads}) | ${i + 1} | ${hitText(r.exact)} | ${hitText(r.diagonal)} | ${r.exact ? `${(100 * r.exact.noneLongExactMatch).toFixed(1)} %` : r.last ? `— (${(100 * r.last.noneLongExactMatch).toFixed(1)} % at step ${r.last.step})` : "—"} | ${r.stepMs.attention.toFixed(0)} / ${r.stepMs.none.toFixed(0)} |`,
    ),
  )
  .join("\n")}

${Object.entries(training)
  .map(([k, t]) => `${k === "isolated" ? "Isolated" : "Plain"} page: “${t.reason}”.`)
  .join(" ")} Kernel calls per training step (counted in Node on the wasm backend, the first ${ops.steps}
steps of the recipe): ${ops.attention.toFixed(0)} with attention, ${ops.none.toFixed(0)} without; Adam and the
clipping add none (they run in plain JavaScript). The attention model's calls per step by kernel:
${ops.byKernel
  .slice(0, 8)
  .map(([k, n]) => `${k} ${n.toFixed(0)}`)
  .join(", ")}${
  ops.byKernel.length > 8
    ? `, others ${ops.byKernel
        .slice(8)
        .reduce((a, [, n]) => a + n, 0)
        .toFixed(0)}`
    : ""
} (the LSTM cell is one fused kernel forward and one backward per time step). Before this recipe (issue 18, epochs of sorted batches of 32 from 512 pairs,
Adam 0.01): 77 % exact after 236 s, never 90 % within 240 s.

The issue-19 epoch: ${EPOCH.batches} batches of ${EPOCH.batchSize} strings (the 512 pairs that took ${EPOCH.before} s an epoch with attention on 2026-11-29, evaluation apart;
that figure was the median over each run's first and second epochs), each batch one length drawn ∝ length as the page draws them, the
page's model (embed ${c.embed}, hidden ${c.hidden}), in the page's training worker (\`batchSize: ${EPOCH.batchSize}\` in its settings), both models stepping
in turn as in the page; the sum of the step times of ${EPOCH.epochs} consecutive epochs from pressing Train (steps 1–${EPOCH.batches}, ${EPOCH.batches + 1}–${2 * EPOCH.batches}, …; evaluations
apart), started once the page is interactive and view 5's model is loaded, ${EPOCH.rounds} rounds alternating the pages; medians over the rounds. The first epoch carries the start-up: V8 tiering the
wasm and JavaScript up, the output pool's first slabs. Goal (issue 19): ≥ 5× faster than ${EPOCH.before} s, i.e. ≤ ${(EPOCH.before / 5).toFixed(2)} s with attention.

| page (worker's kernel threads) | model | ${Array.from({ length: EPOCH.epochs }, (_, e) => `epoch ${e + 1}`).join(" | ")} | speed-up on ${EPOCH.before} s: epoch 1 / ${EPOCH.epochs} |
|---|---|${"---|".repeat(EPOCH.epochs)}---|
${Object.entries(epochs)
  .flatMap(([k, e]) =>
    (["attention", "none"] as const).map((m) => {
      const at = (i: number) => median(e[m].map((r) => r[i]));
      const cells = Array.from({ length: EPOCH.epochs }, (_, i) => `${at(i).toFixed(3)} s`).join(" | ");
      const speed =
        m === "attention"
          ? `${(EPOCH.before / at(0)).toFixed(1)}× / ${(EPOCH.before / at(EPOCH.epochs - 1)).toFixed(1)}×`
          : "—";
      return `| ${k === "isolated" ? "cross-origin isolated" : "not isolated"} (${e.threads}) | ${m === "attention" ? "with attention" : "without"} | ${cells} | ${speed} |`;
    }),
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
for (const [k, e] of Object.entries(epochs))
  console.log(
    `epochs of ${EPOCH.batches} batches of ${EPOCH.batchSize} (${k}, with attention, medians over rounds): ${Array.from(
      { length: EPOCH.epochs },
      (_, i) => median(e.attention.map((r) => r[i])).toFixed(3),
    ).join(", ")} s (${EPOCH.before} s before)`,
  );
