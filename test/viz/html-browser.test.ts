/**
 * The HTML report in a real browser (Debian's chromium, headless, when installed): Hindi labels render in
 * the bundled Noto Sans Devanagari even though no system font has Devanagari. The browser's shaped width
 * of the labels must equal fontkit's in the same font, which the PNG renderer uses.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { attentionReportHtml } from "../../src/viz/html.js";
import { measureText } from "../../src/viz/text-raster.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const TARGET = ["लाइट", "बंद", "करो", "<eos>"];
const SOURCE = ["turn", "off", "the", "lights", "<eos>"];
const W = [
  [0.7, 0.1, 0.05, 0.1, 0.05],
  [0.05, 0.1, 0.1, 0.7, 0.05],
  [0.1, 0.6, 0.1, 0.1, 0.1],
  [0.0, 0.05, 0.05, 0.1, 0.8],
];

/**
 * Once fonts have loaded, writes into <body> the width of the first (Hindi) row label — the SVG text
 * whose layout starts the font load, the one Chromium left in fallback boxes before the report's
 * refresh script — and of a word with conjuncts.
 */
const PROBE = `<script>
document.fonts.ready.then(function () {
  var label = document.querySelector("svg text[dominant-baseline=central]");
  var ctx = document.createElement("canvas").getContext("2d");
  ctx.font = "40px 'Noto Sans Devanagari'";
  document.body.setAttribute("data-svg-width", String(label.getComputedTextLength()));
  document.body.setAttribute("data-canvas-width", String(ctx.measureText("क्षत्रियहिन्दी").width));
});
</script>
</body>`;

const dir = mkdtempSync(join(tmpdir(), "qkv-html-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function widthsIn(name: string, html: string): { svg: number; canvas: number } {
  const file = join(dir, name);
  writeFileSync(file, html.replace("</body>", PROBE));
  const run = spawnSync(
    CHROMIUM ?? "chromium",
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--virtual-time-budget=20000",
      "--dump-dom",
      pathToFileURL(file).href,
    ],
    { encoding: "utf8", timeout: 90_000 },
  );
  const body = /<body[^>]*>/.exec(run.stdout ?? "")?.[0] ?? "";
  const svg = /data-svg-width="([\d.]+)"/.exec(body);
  const canvas = /data-canvas-width="([\d.]+)"/.exec(body);
  if (!svg || !canvas)
    throw new Error(`no widths from chromium (status ${run.status}): ${run.stderr?.slice(-500)}`);
  return { svg: Number(svg[1]), canvas: Number(canvas[1]) };
}

function systemHasDevanagariFont(): boolean {
  const r = spawnSync("fc-list", [":lang=hi"], { encoding: "utf8" });
  return r.status !== 0 || (r.stdout ?? "").trim() !== "";
}

describe.skipIf(!CHROMIUM)("attentionReportHtml in headless chromium", () => {
  it("renders Hindi labels in the bundled Noto Sans Devanagari, shaped as fontkit shapes them", () => {
    const html = attentionReportHtml([{ weights: W, rowLabels: TARGET, colLabels: SOURCE }]);
    // Three loads: the stale-shaping fault showed in some loads only (script-added face) or in all.
    for (const k of [1, 2, 3]) {
      const w = widthsIn(`hindi-${k}.html`, html);
      expect(w.svg, `load ${k}: first Hindi label`).toBeCloseTo(measureText(TARGET[0], 12), 0);
      expect(w.canvas, `load ${k}: canvas text`).toBeCloseTo(measureText("क्षत्रियहिन्दी", 40), 0);
    }
    if (!systemHasDevanagariFont()) {
      // Without the bundled font this machine has no Devanagari glyphs: the widths are not Noto's.
      const bare = widthsIn(
        "bare.html",
        attentionReportHtml([{ weights: W, rowLabels: TARGET }], { embedFont: false }),
      );
      expect(Math.abs(bare.canvas - measureText("क्षत्रियहिन्दी", 40))).toBeGreaterThan(2);
    }
  }, 180_000);
});
