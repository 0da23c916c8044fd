/**
 * View 6's controls in Chromium (the built page, its training Web Worker): Step takes one step of each
 * model and draws the loss curve, the exact-match curve and the probe's map; the learning-rate control
 * changes the learning rate from the next step without starting over; the hidden-size control starts
 * both models over at the new size; Train and Stop; the recipe shown is the one trained. No timings.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_REVERSAL, lrAt } from "../../web/src/reversal.js";
import type { TrainingProbe } from "../../web/src/training.js";
import { hasChromium } from "../helpers/browser.js";
import { type ExplorerPage, openExplorer } from "../helpers/explorer-page.js";

const training = (page: Page) =>
  page.evaluate(() => (window as unknown as { __training: TrainingProbe }).__training);
const text = async (page: Page, testId: string) =>
  (await page.textContent(`[data-testid="${testId}"]`)) ?? "";
const steps = async (page: Page) => [
  Number(await text(page, "steps-luong-dot")),
  Number(await text(page, "steps-none")),
];
/** Each series of the chart in the element with this test id: its name and how many points it draws. */
const lines = (page: Page, testId: string) =>
  page.$$eval(`[data-testid="${testId}"] g.series`, (gs) =>
    gs.map((g) => {
      const line = g.querySelector("polyline")?.getAttribute("points");
      return {
        name: g.getAttribute("data-name"),
        points: line ? line.split(" ").length : g.querySelectorAll("circle").length,
      };
    }),
  );

describe.skipIf(!hasChromium())("view 6's controls: step, learning rate, size, loss curve", () => {
  let x: ExplorerPage;
  let page: Page;

  beforeAll(async () => {
    x = await openExplorer();
    page = x.page;
    await page.waitForFunction(
      () => (window as unknown as { __training: TrainingProbe }).__training.worker,
      null,
      { timeout: 60_000 },
    );
    await page.waitForFunction(() => document.querySelector('[data-testid="steps-luong-dot"]') !== null);
  }, 180_000);

  afterAll(async () => {
    await x?.close();
  });

  it("shows the recipe it trains", async () => {
    const c = DEFAULT_REVERSAL;
    const recipe = await text(page, "train-recipe");
    expect(recipe).toContain(`hidden ${c.hidden} (decoder ${2 * c.hidden})`);
    expect(recipe).toContain(`lr ${c.lr} halved every ${c.lrHalfLife} steps`);
    expect(recipe).toContain(`batches of ${c.batchSize}`);
    expect(await page.inputValue('[data-testid="train-lr"]')).toBe(String(c.lr));
    expect(await page.inputValue('[data-testid="train-hidden"]')).toBe(String(c.hidden));
    expect(await page.inputValue('[data-testid="train-pairs"]')).toBe(String(c.trainSize));
    expect((await training(page)).config).toEqual(c);
  });

  it("Step takes one step of each model and draws the loss curve, the exact-match curve and the probe", async () => {
    expect(await steps(page)).toEqual([0, 0]);
    expect(await page.locator('[data-testid="train-loss"]').count()).toBe(0);
    await page.click('[data-testid="train-step"]');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="steps-none"]')?.textContent === "1",
    );
    expect(await steps(page)).toEqual([1, 1]);
    const draws = (await training(page)).curveDraws;
    expect(draws).toBeGreaterThan(0);
    // The probe's map and the exact-match curve come from the evaluation a Step makes.
    expect(await page.locator('[data-testid="train-map-luong-dot"] td.cell').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="train-map-none"]').count()).toBe(0);
    expect((await lines(page, "train-exact")).map((l) => l.points)).toEqual([1, 1, 1, 1]);
    for (let k = 2; k <= 3; k++) {
      await page.click('[data-testid="train-step"]');
      await page.waitForFunction(
        (n) => document.querySelector('[data-testid="steps-none"]')?.textContent === String(n),
        k,
      );
    }
    expect(await steps(page)).toEqual([3, 3]);
    expect((await training(page)).curveDraws).toBeGreaterThan(draws);
    // One line per model, a point per step (the mean of the steps so far, up to 10).
    expect(await lines(page, "train-loss")).toEqual([
      { name: "attention", points: 3 },
      { name: "no attention", points: 3 },
    ]);
    expect((await lines(page, "train-exact")).map((l) => l.points)).toEqual([3, 3, 3, 3]);
    const svg = (await page.innerHTML('[data-testid="train-loss"]')) ?? "";
    expect(svg).toContain("no attention");
    expect(svg).toContain("training loss");
  });

  it("the learning rate changes from the next step, without starting over", async () => {
    await page.selectOption('[data-testid="train-lr"]', "0.05");
    await page.waitForFunction(
      () => (window as unknown as { __training: TrainingProbe }).__training.config?.lr === 0.05,
    );
    expect(await steps(page)).toEqual([3, 3]);
    const shown = `lr ${lrAt({ lr: 0.05, lrHalfLife: DEFAULT_REVERSAL.lrHalfLife }, 3).toPrecision(2)}`;
    expect(await page.textContent('[data-testid="train-panel-luong-dot"] .trainstat')).toContain(shown);
    expect(await text(page, "train-recipe")).toContain("lr 0.05 halved");
  });

  it("the hidden size starts both models over at the new size", async () => {
    await page.selectOption('[data-testid="train-hidden"]', "16");
    await page.waitForFunction(
      () => (window as unknown as { __training: TrainingProbe }).__training.config?.hidden === 16,
    );
    await page.waitForFunction(
      () => document.querySelector('[data-testid="steps-none"]')?.textContent === "0",
    );
    expect(await steps(page)).toEqual([0, 0]);
    expect(await text(page, "train-recipe")).toContain("hidden 16 (decoder 32)");
    expect((await training(page)).config).toMatchObject({ hidden: 16, lr: 0.05 });
    expect(await page.locator('[data-testid="train-loss"]').count()).toBe(0);
  });

  it("Train runs both models in step until Stop; Step and the size are off meanwhile", async () => {
    await page.selectOption('[data-testid="train-pairs"]', "512");
    await page.waitForFunction(
      () => (window as unknown as { __training: TrainingProbe }).__training.config?.trainSize === 512,
    );
    await page.click('[data-testid="train"]');
    await page.waitForFunction(() => (window as unknown as { __training: TrainingProbe }).__training.running);
    expect(await page.isDisabled('[data-testid="train-step"]')).toBe(true);
    expect(await page.isDisabled('[data-testid="train-hidden"]')).toBe(true);
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="steps-none"]')?.textContent) >= 4,
      null,
      {
        timeout: 60_000,
      },
    );
    await page.click('[data-testid="train"]'); // stop
    await page.waitForFunction(
      () => document.querySelector('[data-testid="train"]')?.textContent === "Resume",
    );
    const [a, n] = await steps(page);
    expect(a).toBe(n);
    expect(await page.isDisabled('[data-testid="train-step"]')).toBe(false);
    const t = await training(page);
    expect(t.steps["luong-dot"]).toBe(t.steps.none);
    // The timeline the benchmark reads: the attention model's evaluations, timed from pressing Train.
    for (const e of t.timeline) expect(e.probeRows).toBe(16);
    expect((await lines(page, "train-loss")).map((l) => l.points)).toEqual([a, a]);
    expect(x.errors).toEqual([]);
  });
});
