/**
 * Wasm threads in the browser: in headless Chromium, a dedicated Worker of a cross-origin isolated page
 * (served with COOP/COEP) runs qkv on wasm with a pool of Web Workers (≥ 2 threads, jobs split across
 * them) and gets Node's numbers for a matmul and a fused attention (forward and backward) big enough to
 * be split; the same worker on a page that is not isolated, and the isolated page's main thread, run one
 * thread and say why.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveStatic } from "../../scripts/web.js";
import { causalMask, scaledDotProductAttention } from "../../src/attention/index.js";
import { referenceBackend, withBackend } from "../../src/kernels/index.js";
import { matmul, mul, sum, type Tensor, tensor } from "../../src/tensor/index.js";
import { hasChromium, launchChromium } from "../helpers/browser.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Shapes large enough to pass the wasm backend's thresholds for splitting a job across threads. */
const MM = { m: 128, k: 96, n: 160 }; // 2.0 M multiply-adds ≥ PAR_MATMUL (2^19)
const ATT = { b: 1, h: 4, t: 64, d: 32 }; // bh·t·s·(d+dv) = 1.0 M ≥ PAR_ATTENTION (2^19)

/** The same deterministic inputs in Node and in the page. */
const SOURCE = `
const fill = (n, seed) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed * 78.233) * 0.5);
function compute(q) {
  const a = q.tensor(fill(${MM.m * MM.k}, 1), [${MM.m}, ${MM.k}]);
  const b = q.tensor(fill(${MM.k * MM.n}, 2), [${MM.k}, ${MM.n}]);
  const shape = [${ATT.b}, ${ATT.h}, ${ATT.t}, ${ATT.d}];
  const n = ${ATT.b * ATT.h * ATT.t * ATT.d};
  const Q = q.tensor(fill(n, 3), shape).requireGrad();
  const K = q.tensor(fill(n, 4), shape).requireGrad();
  const V = q.tensor(fill(n, 5), shape).requireGrad();
  const out = q.fusedAttention(Q, K, V, { causal: true }).output;
  q.sum(q.mul(out, q.tensor(fill(n, 6), shape))).backward();
  return {
    matmul: Array.from(q.matmul(a, b).data),
    attention: Array.from(out.data),
    dq: Array.from(Q.grad.data),
    dk: Array.from(K.grad.data),
    dv: Array.from(V.grad.data),
  };
}
`;

/** The worker: boots qkv's backend, optionally sets the threads, computes, posts what it saw. */
const WORKER = `
import * as q from "qkv";
import { loadWasmBackend } from "${root}src/kernels/wasm/index.ts";
${SOURCE}
self.onmessage = async (e) => {
  try {
    const active = await q.initBackend();
    const initial = q.getThreadSupport();
    if (e.data.threads) await q.setNumThreads(e.data.threads);
    const support = q.getThreadSupport();
    const results = compute(q);
    const stats = (await loadWasmBackend()).stats;
    self.postMessage({ active, initial, support, results, stats, isolated: self.crossOriginIsolated === true });
  } catch (err) {
    self.postMessage({ error: String((err && err.stack) || err) });
  }
};
`;

/** The page: starts the worker (asking for 2 threads) and, for comparison, asks its own thread. */
const PAGE = `
import * as q from "qkv";
const worker = new Worker("worker.js");
worker.onmessage = async (e) => {
  await q.initBackend();
  window.__threads = { worker: e.data, main: q.getThreadSupport(), cores: navigator.hardwareConcurrency };
};
worker.onerror = (e) => { window.__threads = { worker: { error: "worker error: " + e.message } }; };
worker.postMessage({ threads: 2 });
`;

interface Seen {
  error?: string;
  active: string;
  initial: { threads: number; available: boolean; reason: string };
  support: { threads: number; available: boolean; reason: string };
  results: Record<string, number[]>;
  stats: { parallel: Record<string, number>; serial: Record<string, number> };
  isolated: boolean;
}

async function bundle(contents: string): Promise<string> {
  const out = await build({
    stdin: { contents, resolveDir: root, loader: "js" },
    bundle: true,
    platform: "browser",
    format: "iife",
    write: false,
    alias: { qkv: `${root}src/index.ts` },
    logLevel: "silent",
  });
  return out.outputFiles[0].text;
}

let dir = "";
let browser: Browser | null = null;
const servers: Server[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "qkv-threads-"));
  writeFileSync(join(dir, "worker.js"), await bundle(WORKER));
  writeFileSync(join(dir, "page.js"), await bundle(PAGE));
  writeFileSync(
    join(dir, "index.html"),
    '<!doctype html><title>qkv threads</title><link rel="icon" href="data:,"><script src="page.js"></script>',
  );
  if (hasChromium()) browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const s of servers) s.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function visit(isolated: boolean): Promise<{ worker: Seen; main: Seen["support"]; cores: number }> {
  const s = await serveStatic(dir, 0, { isolated });
  servers.push(s.server);
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await page.goto(s.url);
    await page.waitForFunction(
      () => (window as unknown as { __threads?: unknown }).__threads !== undefined,
      null,
      {
        timeout: 60_000,
      },
    );
    const got = (await page.evaluate(() => (window as unknown as { __threads: unknown }).__threads)) as {
      worker: Seen;
      main: Seen["support"];
      cores: number;
    };
    expect(got.worker.error).toBeUndefined();
    expect(errors).toEqual([]);
    return got;
  } finally {
    await page.close();
  }
}

/**
 * Node's numbers for the same inputs, on the reference backend (the oracle), where the fused kernel's
 * attention is the unfused scaled dot-product attention with a causal mask.
 */
async function nodeResults(): Promise<Record<string, number[]>> {
  const q = {
    tensor,
    matmul,
    sum,
    mul,
    fusedAttention: (query: Tensor, key: Tensor, value: Tensor) =>
      scaledDotProductAttention(query, key, value, { mask: causalMask() }),
  };
  const compute = new Function("q", `${SOURCE}; return compute(q);`) as (
    x: typeof q,
  ) => Record<string, number[]>;
  return withBackend(referenceBackend, () => compute(q));
}

const maxDiff = (a: number[], b: number[]) => {
  expect(a.length).toBe(b.length);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
};

describe.skipIf(!hasChromium())("wasm threads in Chromium", () => {
  it("cross-origin isolated: a dedicated worker runs the kernels on ≥ 2 threads with Node's numbers", async () => {
    const { worker, main, cores } = await visit(true);
    expect(worker.isolated).toBe(true);
    expect(worker.active).toBe("wasm");
    // initBackend alone: one thread per core (navigator.hardwareConcurrency).
    expect(worker.initial.available).toBe(true);
    expect(worker.initial.threads).toBe(Math.max(1, cores));
    expect(worker.support).toMatchObject({ available: true, threads: 2 });
    expect(worker.support.reason).toMatch(/Web Workers/);
    // The jobs really were split across threads.
    for (const job of ["matmul", "attnForward", "attnBackwardQ", "attnBackwardKV"]) {
      expect(worker.stats.parallel[job] ?? 0, job).toBeGreaterThan(0);
    }
    const want = await nodeResults();
    for (const [name, values] of Object.entries(want)) {
      expect(
        values.some((v) => v !== 0),
        name,
      ).toBe(true);
      expect(maxDiff(worker.results[name], values), name).toBeLessThanOrEqual(1e-5);
    }
    // The page's own main thread may not block: one thread, and it says so.
    expect(main.threads).toBe(1);
    expect(main.available).toBe(false);
    expect(main.reason).toMatch(/main thread/);
  }, 120_000);

  it("not isolated: the same worker runs one thread, says why, and gets the same numbers", async () => {
    const { worker, main } = await visit(false);
    expect(worker.isolated).toBe(false);
    expect(worker.active).toBe("wasm");
    expect(worker.support).toMatchObject({ available: false, threads: 1 });
    expect(worker.support.reason).toMatch(/not cross-origin isolated/);
    expect(worker.stats.parallel).toEqual({});
    expect(main.threads).toBe(1);
    expect(main.reason).toMatch(/not cross-origin isolated/);
    const want = await nodeResults();
    for (const [name, values] of Object.entries(want)) {
      expect(maxDiff(worker.results[name], values), name).toBeLessThanOrEqual(1e-5);
    }
  }, 120_000);
});

if (!hasChromium())
  console.log(
    "SKIPPED: the browser threads test needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)",
  );
