import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
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

  it("does not export the PNG encoder's internals (a library does that now)", () => {
    for (const name of ["crc32", "adler32", "deflateFixed", "deflateStored", "zlibCompress"]) {
      expect(name in viz, name).toBe(false);
    }
  });

  it("bundles for the browser with no Node built-ins, and the bundle draws the same labelled PNG", async () => {
    const entry = fileURLToPath(new URL("../../src/viz/index.ts", import.meta.url));
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
      // Any import of a Node built-in fails the build instead of being left for a bundler shim.
      plugins: [
        {
          name: "no-node-builtins",
          setup(b) {
            b.onResolve({ filter: /^(node:|fs$|path$|zlib$|stream$|buffer$|util$|crypto$)/ }, (args) => ({
              errors: [{ text: `Node built-in ${args.path} imported by ${args.importer}` }],
            }));
          },
        },
      ],
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0].text;
    const bundled = (await import(
      `data:text/javascript;base64,${Buffer.from(code).toString("base64")}`
    )) as typeof viz;
    const W = [
      [0.9, 0.1],
      [0.2, 0.8],
    ];
    const options = { rowLabels: ["लाइट", "<eos>"], colLabels: ["turn", "off"], title: "कि" };
    const fromBundle = bundled.heatmapPng(W, options);
    expect(Buffer.from(fromBundle).equals(Buffer.from(viz.heatmapPng(W, options)))).toBe(true);
  }, 60_000);

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
