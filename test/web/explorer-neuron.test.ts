/**
 * Views 3 and 3b of the explorer in headless Chromium, on the bundled models (test/helpers/explorer-page.ts):
 * view 3's self-attention column is the Transformer encoder's head — its weights equal view 2's map for
 * the same layer and head, row by row (≤ 1e-6), whichever view the layer and head are chosen in; the
 * neuron view's numbers add up (q ⊙ k_j from the q and k shown, Σ, ÷ √d_k, the softmax, Σ a_j v_j) and
 * reproduce the map's weights for encoder self-, decoder self- and cross-attention (≤ 1e-6); the worked
 * example's numbers equal a computation by hand written out here; view 3c's repeated word: its two rows
 * equal (≤ 1e-6) without positions and different with them, both Node's `repeatedWord` on the float16
 * weights the page is served (≤ 1e-6), following the layer and head chosen; at 375 px the view scrolls
 * inside its own boxes, never the page.
 */

import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/web.js";
import { initBackend } from "../../src/index.js";
import { type LoadedTransformer, transformerFromCheckpoint } from "../../web/src/checkpoint.js";
import { repeatedWord } from "../../web/src/neuron.js";
import { servedCheckpoint } from "../../web/vite.config.js";
import { hasChromium } from "../helpers/browser.js";
import { bundledTransformer, type ExplorerPage, openExplorer, readMap } from "../helpers/explorer-page.js";

const SENTENCE = "Where is the station? He is my friend.";

const stepsWeights = (page: Page, id: string) =>
  page.$$eval(`[data-testid="${id}"] td[data-a]`, (t) => t.map((x) => Number((x as HTMLElement).dataset.a)));

const maxDiff = (a: number[], b: number[]) => {
  expect(a.length).toBe(b.length);
  return Math.max(0, ...a.map((x, i) => Math.abs(x - b[i])));
};

interface NeuronRow {
  j: number;
  k: number[];
  qk: number[];
  sum: number;
  e: number;
  exp: number;
  a: number;
}

/** Everything a neuron view (`neuron` or `worked`) shows, at full precision. */
const readNeuron = (page: Page, id: string) =>
  page.evaluate((id) => {
    const root = document.querySelector(`[data-testid="${id}"]`) as HTMLElement;
    const cells = (e: Element | null) =>
      Array.from(e?.querySelectorAll<HTMLElement>(".vcell") ?? []).map((c) => Number(c.dataset.value));
    const num = (tr: Element, key: string) =>
      Number((tr.querySelector(`td[data-${key}]`) as HTMLElement).getAttribute(`data-${key}`));
    const rows = Array.from(root.querySelectorAll(`[data-testid="${id}-table"] tbody tr`)).map((tr) => ({
      j: Number((tr as HTMLElement).dataset.j),
      k: cells(tr.querySelector("td.k")),
      qk: cells(tr.querySelector("td.qk")),
      sum: num(tr, "sum"),
      e: num(tr, "e"),
      exp: num(tr, "exp"),
      a: num(tr, "a"),
    }));
    const sums = Array.from(root.querySelectorAll(`[data-testid="${id}-sum"] tbody tr[data-j]`)).map(
      (tr) => ({
        v: cells(tr.querySelector("td.v")),
        av: cells(tr.querySelector("td.av")),
      }),
    );
    return {
      q: cells(root.querySelector(`[data-testid="${id}-q"]`)),
      rows,
      sums,
      c: cells(root.querySelector(`[data-testid="${id}-c"]`)),
      spelled: Array.from(root.querySelectorAll(".spelled")).map((p) => p.textContent ?? ""),
    };
  }, id) as Promise<{
    q: number[];
    rows: NeuronRow[];
    sums: { v: number[]; av: number[] }[];
    c: number[];
    spelled: string[];
  }>;

/** The neuron view's arithmetic, checked from the numbers it shows. */
function checkArithmetic(n: Awaited<ReturnType<typeof readNeuron>>): void {
  const dk = n.q.length;
  const close = (a: number, b: number, tol: number) =>
    expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * (1 + Math.abs(b)));
  for (const r of n.rows) {
    expect(r.k.length).toBe(dk);
    r.qk.forEach((p, d) => {
      close(p, n.q[d] * r.k[d], 1e-12);
    });
    close(
      r.sum,
      r.qk.reduce((s, x) => s + x, 0),
      1e-12,
    );
    close(r.e, r.sum / Math.sqrt(dk), 1e-5);
  }
  const top = Math.max(...n.rows.map((r) => r.e));
  const Z = n.rows.reduce((s, r) => s + Math.exp(r.e - top), 0);
  for (const r of n.rows) expect(Math.abs(r.a - Math.exp(r.e - top) / Z)).toBeLessThanOrEqual(1e-6);
  expect(n.sums.length).toBe(n.rows.length);
  n.c.forEach((c, d) => {
    const sum = n.sums.reduce((s, x, m) => s + n.rows[m].a * x.v[d], 0);
    n.sums.forEach((x, m) => {
      close(x.av[d], n.rows[m].a * x.v[d], 1e-12);
    });
    close(c, sum, 1e-5);
  });
}

describe.skipIf(!hasChromium() || !bundledTransformer())("views 3 and 3b in Chromium", () => {
  let ex: ExplorerPage;
  let page: Page;

  beforeAll(async () => {
    ex = await openExplorer();
    page = ex.page;
    const n = await page.evaluate(
      () => (window as unknown as { __explorer: { translations: number } }).__explorer.translations,
    );
    await page.fill('[data-testid="sentence"]', SENTENCE);
    await page.click('[data-testid="translate"]');
    await page.waitForFunction(
      (k) => (window as unknown as { __explorer: { translations: number } }).__explorer.translations > k,
      n,
    );
    // View 3 and the neuron view are per token: compare with view 2's maps as the models' pieces.
    await page.check('[data-testid="show-pieces"]');
  }, 180_000);

  afterAll(async () => {
    await ex?.close();
  });

  it("view 3's self-attention row equals view 2's map for the same layer and head (≤ 1e-6)", async () => {
    const L = await page.locator('[data-testid="self-layer"] option').count();
    const H = await page.locator('[data-testid="self-head"] option').count();
    expect(L).toBeGreaterThan(1);
    expect(H).toBeGreaterThan(1);
    expect(await page.locator('[data-testid="steps-layer"] option').count()).toBe(L);
    expect(await page.locator('[data-testid="steps-head"] option').count()).toBe(H);
    const choices: [number, number, "self" | "steps"][] = [
      [0, 0, "self"],
      [L - 1, H - 1, "steps"],
      [0, H - 1, "self"],
      [L - 1, 1, "steps"],
    ];
    const seen: number[][] = [];
    for (const [l, h, where] of choices) {
      await page.selectOption(`[data-testid="${where}-layer"]`, String(l));
      await page.selectOption(`[data-testid="${where}-head"]`, String(h));
      // One choice, both views.
      for (const v of ["self", "steps"]) {
        expect(await page.inputValue(`[data-testid="${v}-layer"]`)).toBe(String(l));
        expect(await page.inputValue(`[data-testid="${v}-head"]`)).toBe(String(h));
      }
      expect(await page.textContent('[data-testid="steps-self"] h3')).toContain(
        `layer ${l + 1}, head ${h + 1}`,
      );
      const map = await readMap(page, "map-self");
      const S = map.length;
      expect(await page.locator('[data-testid="query-word"] option').count()).toBe(S);
      for (const i of [0, 1, S - 1]) {
        await page.selectOption('[data-testid="query-word"]', String(i));
        const row = await stepsWeights(page, "steps-self");
        expect(maxDiff(row, map[i])).toBeLessThanOrEqual(1e-6);
        if (i === S - 1) seen.push(row);
      }
    }
    // Different heads, different answers: the column follows the choice.
    expect(maxDiff(seen[0], seen[1])).toBeGreaterThan(1e-3);
    // The Luong ≡ scaled-dot switch is still there, and still exact.
    await page.check('[data-testid="switch-qkv"]');
    expect(Number(await page.getAttribute('[data-testid="equivalence"]', "data-max"))).toBeLessThanOrEqual(
      1e-6,
    );
    expect(
      maxDiff(await stepsWeights(page, "steps-self"), await stepsWeights(page, "steps-luong")),
    ).toBeLessThanOrEqual(1e-6);
    expect(await page.isDisabled('[data-testid="steps-layer"]')).toBe(true);
    await page.uncheck('[data-testid="switch-qkv"]');
  }, 120_000);

  it("the neuron view's numbers add up and reproduce the map's weight: self- and cross-attention (≤ 1e-6)", async () => {
    const kinds: [number, string][] = [
      [0, "map-self"],
      [1, "map-dec-self"],
      [2, "map-dec-cross"],
    ];
    for (const [kind, mapId] of kinds) {
      await page.selectOption('[data-testid="neuron-kind"]', String(kind));
      const L = await page.locator('[data-testid="neuron-layer"] option').count();
      const H = await page.locator('[data-testid="neuron-head"] option').count();
      for (const [l, h] of [
        [L - 1, H - 1],
        [0, 1],
      ]) {
        await page.selectOption('[data-testid="neuron-layer"]', String(l));
        await page.selectOption('[data-testid="neuron-head"]', String(h));
        // The layer and head are shared: view 2's selects follow.
        expect(await page.inputValue('[data-testid="self-layer"]')).toBe(String(l));
        const map = await readMap(page, mapId);
        const T = await page.locator('[data-testid="neuron-query"] option').count();
        expect(T).toBe(map.length);
        for (const i of [1, T - 1]) {
          await page.selectOption('[data-testid="neuron-query"]', String(i));
          const n = await readNeuron(page, "neuron");
          checkArithmetic(n);
          // Causal decoder self-attention: keys j ≤ i only; the map's later columns are 0.
          const full = map[i].map(() => 0);
          for (const r of n.rows) full[r.j] = r.a;
          if (kind === 1) expect(n.rows.map((r) => r.j)).toEqual(Array.from({ length: i + 1 }, (_, j) => j));
          else expect(n.rows.length).toBe(map[i].length);
          expect(maxDiff(full, map[i])).toBeLessThanOrEqual(1e-6);
        }
      }
    }
    // Picking a key spells its q · k out, one product per dimension.
    await page.selectOption('[data-testid="neuron-kind"]', "0");
    await page.click('[data-testid="neuron-key-2"]');
    const n = await readNeuron(page, "neuron");
    const chips = await page.$$eval('[data-testid="neuron-spelled-2"] .chip', (c) => c.length);
    expect(chips).toBe(n.q.length);
    expect(n.spelled[0]).toContain(`Σ of the ${n.q.length} products = ${n.rows[2].sum.toFixed(4)}`);
  }, 180_000);

  it("the worked example equals the hand computation", async () => {
    const n = await readNeuron(page, "worked");
    // d_k = 4, three words; q of "sat" and the keys and values, as the page shows them.
    expect(n.q).toEqual([1, 0, 1, 0]);
    expect(n.rows.map((r) => r.k)).toEqual([
      [0, 1, 0, 1],
      [1, 1, 1, 0],
      [2, 0, 2, 1],
    ]);
    expect(n.sums.map((s) => s.v)).toEqual([
      [1, 0, 0, 1],
      [0, 2, 0, 0],
      [0, 0, 1, 1],
    ]);
    // By hand: q·k = 1·0 + 0·1 + 1·0 + 0·1 = 0, 1·1 + 0·1 + 1·1 + 0·0 = 2, 1·2 + 0·0 + 1·2 + 0·1 = 4;
    // ÷ √4 = 2 → e = 0, 1, 2; exp → 1, e, e²; a = exp / (1 + e + e²); c = Σ a_j v_j.
    const Z = 1 + Math.E + Math.E * Math.E;
    const a = [1 / Z, Math.E / Z, (Math.E * Math.E) / Z];
    const c = [a[0], 2 * a[1], a[2], a[0] + a[2]];
    expect(n.rows.map((r) => r.qk)).toEqual([
      [0, 0, 0, 0],
      [1, 0, 1, 0],
      [2, 0, 2, 0],
    ]);
    expect(n.rows.map((r) => r.sum)).toEqual([0, 2, 4]);
    expect(
      maxDiff(
        n.rows.map((r) => r.e),
        [0, 1, 2],
      ),
    ).toBeLessThanOrEqual(1e-6);
    expect(
      maxDiff(
        n.rows.map((r) => r.exp),
        [1, Math.E, Math.E * Math.E],
      ),
    ).toBeLessThanOrEqual(1e-5);
    expect(
      maxDiff(
        n.rows.map((r) => r.a),
        a,
      ),
    ).toBeLessThanOrEqual(1e-6);
    expect(maxDiff(n.c, c)).toBeLessThanOrEqual(1e-6);
    expect(a.map((x) => x.toFixed(4))).toEqual(["0.0900", "0.2447", "0.6652"]);
    const shown = await page.$$eval('[data-testid="worked-table"] td[data-a]', (t) =>
      t.map((x) => x.textContent),
    );
    expect(shown).toEqual(["0.0900", "0.2447", "0.6652"]);
    expect(n.spelled).toContain("q·k(cat) = 1×1 + 0×1 + 1×1 + 0×0 = 2;  e = 2 ÷ √4 = 2 ÷ 2 = 1.000");
    expect(await page.textContent("#worked-host")).toContain("exp(e_j) ÷ 11.1073 (their sum)");
  });

  it("view 3c draws the sinusoids the model adds: PE(pos, 2i) = sin(pos / 10000^(2i/d)), cos for 2i + 1", async () => {
    const pe = await readMap(page, "map-positions");
    const tokens = await page.locator('[data-testid="neuron-query"] option').count();
    await page.selectOption('[data-testid="neuron-kind"]', "0");
    expect(pe.length).toBe(await page.locator('[data-testid="neuron-query"] option').count());
    expect(tokens).toBeGreaterThan(0);
    const d = pe[0].length;
    let worst = 0;
    pe.forEach((row, p) => {
      row.forEach((x, k) => {
        const angle = p / 10000 ** ((2 * Math.floor(k / 2)) / d);
        worst = Math.max(worst, Math.abs(x - (k % 2 === 0 ? Math.sin(angle) : Math.cos(angle))));
      });
    });
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  it("view 3c: the repeated word's two rows are equal without positions, differ with them; Node's numbers", async () => {
    await initBackend();
    const name = bundledTransformer() as string;
    const served = servedCheckpoint(join(ROOT, "pretrained", name));
    const bytes = served.files.get(served.json.tensors) as Uint8Array;
    const node: LoadedTransformer = await transformerFromCheckpoint(served.json as never, bytes);
    const L = await page.locator('[data-testid="self-layer"] option').count();
    const H = await page.locator('[data-testid="self-head"] option').count();
    const diffs: number[] = [];
    for (const [l, h] of [
      [0, 0],
      [L - 1, H - 1],
    ]) {
      await page.selectOption('[data-testid="self-layer"]', String(l));
      await page.selectOption('[data-testid="self-head"]', String(h));
      await page.waitForFunction(
        (t) => document.querySelector('[data-testid="repeated-word"]')?.textContent?.includes(t),
        `layer ${l + 1}, head ${h + 1}`,
      );
      const without = await readMap(page, "repeat-without");
      const withPe = await readMap(page, "repeat-with");
      expect(without.length).toBe(2);
      expect(maxDiff(without[0], without[1])).toBeLessThanOrEqual(1e-6);
      expect(maxDiff(withPe[0], withPe[1])).toBeGreaterThan(1e-3);
      expect(await page.textContent('[data-testid="repeat-without-diff"]')).toContain("identical");
      const want = repeatedWord(node, l, h);
      [0, 1].forEach((n) => {
        expect(maxDiff(without[n], want.without[n])).toBeLessThanOrEqual(1e-6);
        expect(maxDiff(withPe[n], want.with[n])).toBeLessThanOrEqual(1e-6);
      });
      diffs.push(maxDiff(withPe[0], withPe[1]));
    }
    expect(diffs[0]).not.toBe(diffs[1]); // another head, another picture
    await page.selectOption('[data-testid="self-layer"]', "0");
    await page.selectOption('[data-testid="self-head"]', "0");
  });

  it("at 375 px views 3b and 3c scroll inside their own boxes, not the page's", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.evaluate(
      () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null)))),
    );
    for (const id of ["neuron", "positions"]) {
      const w = await page.evaluate((id) => {
        const s = document.querySelector(`section#${id}`) as HTMLElement;
        return { scroll: s.scrollWidth, client: s.clientWidth };
      }, id);
      expect(w.scroll, id).toBeLessThanOrEqual(w.client);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("logged no errors", () => {
    expect(ex.errors).toEqual([]);
  });
});
