/**
 * The output pool where it is on by default: in headless Chromium, the root bundle trains a small model
 * on the wasm backend with the pool as the browser gets it (on), then with `setOutputPool(false)`; the
 * losses are the same bit for bit, and slabs were used again between the steps (the page collects
 * garbage between steps through `gc`, exposed by a V8 flag, as V8 would on its own in time).
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleForPage, hasChromium, launchChromium } from "../helpers/browser.js";

const entry = `
import * as q from "qkv";
const tick = () => new Promise((r) => setTimeout(r, 0));
async function train() {
  const emb = new q.Embedding(40, 96);
  const out = new q.Linear(96, 40);
  const params = [...emb.parameters(), ...out.parameters()];
  const rng = q.createRng(5);
  for (const p of params) for (let i = 0; i < p.data.length; i++) p.data[i] = (rng() - 0.5) * 0.4;
  const opt = new q.Adam(params, { lr: 0.01 });
  const ids = Array.from({ length: 256 }, (_, i) => (i * 7) % 40);
  const target = new q.Tensor(Float32Array.from(ids, (v) => (v + 3) % 40), [256]);
  const losses = [];
  for (let step = 0; step < 25; step++) {
    opt.zeroGrad();
    const loss = q.crossEntropy(out.forward(q.tanh(emb.forward(ids))), target);
    loss.backward();
    opt.step();
    losses.push(loss.item());
    globalThis.gc();
    await tick();
    await tick();
  }
  return losses;
}
(async () => {
  await q.setBackend("wasm");
  const on = await train();
  const stats = q.outputPoolStats();
  q.setOutputPool(false);
  const off = await train();
  window.__pool = { on, off, stats, backend: q.getBackend() };
})().catch((e) => { window.__pool = { error: String(e && e.stack || e) }; });
`;

let bundle = "";
let browser: Browser | null = null;

beforeAll(async () => {
  bundle = await bundleForPage(entry);
  if (hasChromium()) browser = await launchChromium(["--js-flags=--expose-gc"]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("the output pool in Chromium", () => {
  it.skipIf(!hasChromium())(
    "is on by default, is used again between steps, and changes no number",
    async () => {
      const page = await (browser as Browser).newPage();
      await page.setContent("<!doctype html><title>pool</title>");
      await page.addScriptTag({ content: bundle, type: "module" });
      await page.waitForFunction(
        () => (window as unknown as { __pool?: unknown }).__pool !== undefined,
        null,
        {
          timeout: 120_000,
        },
      );
      const r = (await page.evaluate(() => (window as unknown as { __pool: unknown }).__pool)) as {
        error?: string;
        on: number[];
        off: number[];
        stats: { slabs: number; reused: number };
        backend: string;
      };
      expect(r.error).toBeUndefined();
      expect(r.backend).toBe("wasm");
      expect(r.stats.slabs).toBeGreaterThan(0); // on without being asked: this is a browser
      expect(r.stats.reused).toBeGreaterThan(0);
      expect(r.on).toEqual(r.off);
      expect(r.on[24]).toBeLessThan(r.on[0]);
      await page.close();
    },
    180_000,
  );
});
