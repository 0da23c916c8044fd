/**
 * Headless Chromium for browser tests: playwright-core driving Debian's `chromium` (browsers are not
 * downloaded here; `.ci/run` installs the package when it is missing). Tests that need it call
 * `browserOrSkip()` and are skipped, saying so, only where no chromium is installed.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.QKV_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

/**
 * Launches headless Chromium with a fresh, empty profile (playwright makes one per launch; the caller
 * closes it); `extraArgs` are added to CHROMIUM_ARGS (e.g. `--js-flags=--expose-gc`).
 */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    headless: true,
  });
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** `entry` (JavaScript importing "qkv") bundled for a browser page as one ES module, "qkv" from src/. */
export async function bundleForPage(entry: string): Promise<string> {
  const out = await build({
    stdin: { contents: entry, resolveDir: ROOT, loader: "js" },
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    alias: { qkv: `${ROOT}src/index.ts` },
    logLevel: "silent",
  });
  return out.outputFiles[0].text;
}
