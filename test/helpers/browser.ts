/**
 * Headless Chromium for browser tests: playwright-core driving Debian's `chromium` (browsers are not
 * downloaded here; `.ci/run` installs the package when it is missing). Tests that need it call
 * `browserOrSkip()` and are skipped, saying so, only where no chromium is installed.
 */
import { existsSync } from "node:fs";
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

/** Launches headless Chromium with a fresh, empty profile (playwright makes one per launch; the caller closes it). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}
