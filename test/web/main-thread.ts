/**
 * The explorer's main thread watched from a Chromium test: the page's long tasks (Long Tasks API) and how
 * long each click on a harmless target (view 1's heading) waited for its handler, from `watchMainThread`
 * on; `mainThread` takes what was recorded so far; `clickUntil` keeps clicking while the page works.
 * Shared by test/web/explorer-input.test.ts (views 1–5) and test/web/explorer-forced.test.ts (view 7).
 */
import type { Page } from "playwright-core";

/** Long tasks and click latencies from now on, recorded in the page. */
export function watchMainThread(page: Page): Promise<void> {
  return page.evaluate(() => {
    const w = window as unknown as { __long: number[]; __clicks: number[] };
    w.__long = [];
    w.__clicks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push(e.duration);
    }).observe({ type: "longtask" });
    // A harmless target: the heading of view 1. The delay from the click's time stamp (when the browser
    // received it) to its handler is how long the main thread kept the reader waiting.
    document.querySelector("#translate h2")?.addEventListener("click", (ev) => {
      w.__clicks.push(performance.now() - ev.timeStamp);
    });
  });
}

export const mainThread = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { __long: number[]; __clicks: number[] };
    return { long: w.__long.splice(0), clicks: w.__clicks.splice(0) };
  });

/** Clicks view 1's heading every `every` ms until `done()` holds (or `limit` ms pass); how many clicks. */
export async function clickUntil(page: Page, done: () => Promise<boolean>, every = 60, limit = 120_000) {
  const t0 = Date.now();
  let n = 0;
  while (!(await done())) {
    if (Date.now() - t0 > limit) throw new Error("clickUntil: timed out");
    await page.click("#translate h2");
    n++;
    await page.waitForTimeout(every);
  }
  return n;
}
