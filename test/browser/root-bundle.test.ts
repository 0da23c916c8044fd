/**
 * The package root is browser-clean: `import * as q from "qkv"` bundles for the browser (esbuild,
 * platform "browser": any Node built-in would fail the build) and runs attention in headless Chromium —
 * on the reference backend and on the wasm backend (single-threaded: the page is not cross-origin
 * isolated) — with the same numbers as in Node.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scaledDotProductAttention } from "../../src/attention/index.js";
import { causalMask } from "../../src/attention/masks.js";
import { tensor } from "../../src/tensor/index.js";
import { hasChromium, launchChromium } from "../helpers/browser.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** What the page computes; the same code runs in Node below for the expected numbers. */
const q = [0.1, -0.3, 0.5, 0.2, 0.7, -0.1, -0.4, 0.6, 0.3, 0.0, -0.2, 0.9];
const k = [0.2, 0.4, -0.5, 0.1, -0.3, 0.8, 0.6, -0.2, 0.1, 0.5, 0.4, -0.7];
const v = [1, 2, 3, 4, 5, 6, -1, 0, 1, 2, -3, 4];

const entry = `
import * as q from "qkv";
const run = () => {
  const Q = q.tensor(${JSON.stringify(q)}, [1, 3, 4]);
  const K = q.tensor(${JSON.stringify(k)}, [1, 3, 4]);
  const V = q.tensor(${JSON.stringify(v)}, [1, 3, 4]);
  const r = q.scaledDotProductAttention(Q, K, V, { mask: q.causalMask() });
  return { output: Array.from(r.output.data), weights: Array.from(r.weights.data), backend: q.getBackend() };
};
(async () => {
  const results = [run()];
  results.push({ active: await q.initBackend(), ...run() });
  window.__qkv = { results, isolated: globalThis.crossOriginIsolated === true };
})().catch((e) => { window.__qkv = { error: String(e && e.stack || e) }; });
`;

let bundle = "";
let browser: Browser | null = null;

beforeAll(async () => {
  const out = await build({
    stdin: { contents: entry, resolveDir: root, loader: "js" },
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    alias: { qkv: `${root}src/index.ts` },
    logLevel: "silent",
  });
  bundle = out.outputFiles[0].text;
  if (hasChromium()) browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("the qkv root in a browser", () => {
  it("bundles for platform browser with no Node built-ins", () => {
    expect(bundle.length).toBeGreaterThan(10_000);
    expect(bundle).not.toMatch(/from\s*"node:(fs|path|crypto|os|child_process)"/);
  });

  it.skipIf(!hasChromium())(
    "runs attention in headless Chromium: reference and wasm backends, Node's numbers",
    async () => {
      const page = await browser!.newPage();
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.setContent("<!doctype html><title>qkv</title>");
      await page.addScriptTag({ content: bundle, type: "module" });
      await page.waitForFunction(() => (window as unknown as { __qkv?: unknown }).__qkv !== undefined, null, {
        timeout: 60_000,
      });
      const got = await page.evaluate(() => (window as unknown as { __qkv: unknown }).__qkv);
      await page.close();
      const r = got as {
        error?: string;
        isolated: boolean;
        results: { backend: string; active?: string; output: number[]; weights: number[] }[];
      };
      expect(r.error).toBeUndefined();
      expect(errors).toEqual([]);
      expect(r.isolated).toBe(false);
      const [onReference, onWasm] = r.results;
      expect(onReference.backend).toBe("reference");
      expect(onWasm.active).toBe("wasm");
      const want = scaledDotProductAttention(
        tensor(q, [1, 3, 4]),
        tensor(k, [1, 3, 4]),
        tensor(v, [1, 3, 4]),
        {
          mask: causalMask(),
        },
      );
      for (const res of [onReference, onWasm]) {
        const maxDiff = (a: number[], b: Float32Array) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));
        expect(maxDiff(res.output, want.output.data), `${res.backend} output`).toBeLessThan(1e-5);
        expect(maxDiff(res.weights, want.weights.data), `${res.backend} weights`).toBeLessThan(1e-6);
      }
      // Causal: the first query sees only the first key.
      expect(onWasm.weights.slice(0, 3)).toEqual([1, 0, 0]);
    },
    120_000,
  );
});

if (!hasChromium())
  console.log("SKIPPED: the browser test needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)");
