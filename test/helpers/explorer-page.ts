/**
 * The explorer page opened in headless Chromium for a browser test: the built site (web/ → web/dist,
 * rebuilt when stale by scripts/web.ts's `buildWeb`) served with COOP/COEP by `serveStatic`, one page at
 * 1280 × 900 that records console errors and warnings, page errors, failed requests and every URL
 * requested, and is interactive (`__explorer.ready`) when `openExplorer` resolves. The bundled models
 * only (pretrained/); writes nothing but web/dist (ignored by git).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { buildWeb, ROOT, serveStatic, WEB_DIST } from "../../scripts/web.js";
import { launchChromium } from "./browser.js";

export interface ExplorerPage {
  browser: Browser;
  server: Server;
  page: Page;
  url: string;
  /** Console errors and warnings, page errors, failed requests, in order. */
  errors: string[];
  /** Every URL the page requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Builds (when stale), serves and opens the explorer; resolves once it is interactive (throws if it
 * failed). `site`: serve this already built folder instead (a build with test models).
 */
export async function openExplorer({ site }: { site?: string } = {}): Promise<ExplorerPage> {
  if (site === undefined) await buildWeb({ quiet: true });
  const { server, url } = await serveStatic(site ?? WEB_DIST, 0);
  const browser = await launchChromium();
  const errors: string[] = [];
  const requests: string[] = [];
  const close = async () => {
    await browser.close();
    server.close();
  };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(url);
    await page.waitForFunction(
      () => {
        const e = (window as unknown as { __explorer?: { ready: boolean; error?: string } }).__explorer;
        return e?.ready || e?.error;
      },
      null,
      { timeout: 120_000 },
    );
    const error = await page.evaluate(
      () => (window as unknown as { __explorer: { error?: string } }).__explorer.error,
    );
    if (error) throw new Error(`the explorer did not start: ${error}`);
    return { browser, server, page, url, errors, requests, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The numbers a map shows, from its cells' data-value (full precision): rows × columns. */
export const readMap = (page: Page, testId: string): Promise<number[][]> =>
  page.$$eval(`[data-testid="${testId}"] td.cell`, (cells) => {
    const rows: number[][] = [];
    for (const c of cells as HTMLElement[]) {
      const i = Number(c.dataset.i);
      rows[i] ??= [];
      rows[i][Number(c.dataset.j)] = Number(c.dataset.value);
    }
    return rows;
  });

/** The labels of one axis of a map. */
export const labelsOf = (page: Page, testId: string, axis: "row" | "col"): Promise<string[]> =>
  page.$$eval(`[data-testid="${testId}"] th.${axis}`, (t) => t.map((x) => x.textContent ?? ""));

/** The first Transformer checkpoint in pretrained/ (what the page shows when one is bundled), if any. */
export function bundledTransformer(): string | undefined {
  const base = join(ROOT, "pretrained");
  return readdirSync(base)
    .sort((a, b) => a.localeCompare(b))
    .find((d) => {
      const f = join(base, d, "best.json");
      return existsSync(f) && JSON.parse(readFileSync(f, "utf8")).meta?.kind === "transformer";
    });
}
