import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as viz from "../../src/viz/index.js";

describe("qkv viz public API", () => {
  it("re-exports the renderers", () => {
    for (const name of [
      "colorAt",
      "heatmapTerminal",
      "sideBySide",
      "heatmapSvg",
      "lineChartSvg",
      "encodePng",
      "heatmapPng",
      "attentionReportHtml",
      "displayWidth",
    ]) {
      expect(typeof (viz as Record<string, unknown>)[name], name).toBe("function");
    }
  });

  it("is browser-safe: no Node built-ins imported anywhere in src/viz", () => {
    const dir = fileURLToPath(new URL("../../src/viz/", import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const f of files) {
      const src = readFileSync(join(dir, f), "utf8");
      expect(src, f).not.toMatch(/from\s+["']node:|require\(|process\.|Buffer\b/);
    }
  });
});
