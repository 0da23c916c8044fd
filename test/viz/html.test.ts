import { describe, expect, it } from "vitest";
import { colorAt, toHex } from "../../src/viz/colormap.js";
import { EMBEDDED_FONT_SUBSETS } from "../../src/viz/fonts.js";
import { attentionReportHtml } from "../../src/viz/html.js";
import { checkWellFormed, type XmlElement } from "./xml.js";

const TARGET = ["लाइट", "बंद", "करो", "<eos>"];
const SOURCE = ["turn", "off", "the", "lights", "<eos>"];
const LUONG = [
  [0.7, 0.1, 0.05, 0.1, 0.05],
  [0.05, 0.1, 0.1, 0.7, 0.05],
  [0.1, 0.6, 0.1, 0.1, 0.1],
  [0.0, 0.05, 0.05, 0.1, 0.8],
];
const SELF = [
  [0.6, 0.2, 0.1, 0.1],
  [0.1, 0.7, 0.1, 0.1],
  [0.1, 0.2, 0.6, 0.1],
  [0.1, 0.1, 0.1, 0.7],
];
const PANELS = [
  { title: "Luong attention", weights: LUONG, rowLabels: TARGET, colLabels: SOURCE },
  { title: "self-attention <layer 1>", weights: SELF, rowLabels: TARGET, colLabels: TARGET },
];

function parse(html: string): XmlElement[] {
  expect(html.startsWith("<!DOCTYPE html>\n")).toBe(true);
  return checkWellFormed(html, { voidElements: ["meta"], rawTextElements: ["script", "style"] });
}

describe("attentionReportHtml", () => {
  it("is a well-formed, self-contained page with one inline SVG per panel", () => {
    const html = attentionReportHtml(PANELS, { title: "Attention & friends", description: "Hover a cell." });
    const els = parse(html);
    expect(els[0].name).toBe("html");
    expect(els.filter((e) => e.name === "svg")).toHaveLength(2);
    expect(els.filter((e) => e.name === "figure")).toHaveLength(2);
    expect(els.filter((e) => e.name === "rect" && e.attrs.class === "cell")).toHaveLength(20 + 16);
    expect(els.find((e) => e.name === "title")?.text).toBe("Attention & friends");
    expect(els.find((e) => e.name === "h1")?.text).toBe("Attention & friends");
    expect(els.filter((e) => e.name === "figcaption").map((e) => e.text)).toEqual([
      "Luong attention",
      "self-attention <layer 1>",
    ]);
    expect(html).toContain("self-attention &lt;layer 1&gt;");
    // No external resources: the only URLs are the SVG namespace and the embedded font's data: URL.
    expect(
      html.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, "").replace(/url\(data:font\/woff2;base64,/g, ""),
    ).not.toMatch(/https?:|\bsrc=|<link|@import|url\(/);
    expect(html).toContain('<meta charset="utf-8">');
  });

  it("shows 'query → key: weight' in the tooltip when a cell is hovered", () => {
    const html = attentionReportHtml(PANELS);
    const els = parse(html);
    const script = els.find((e) => e.name === "script")?.text ?? "";
    const cells = els.filter((e) => e.attrs.class === "cell");
    // A minimal DOM: the tooltip element, a document that records listeners, and cells as targets.
    const tip = { hidden: true, textContent: "", style: { left: "", top: "" } };
    const listeners: Record<string, (event: unknown) => void> = {};
    const document = {
      getElementById: (id: string) => (id === "qkv-tooltip" ? tip : null),
      addEventListener: (type: string, fn: (event: unknown) => void) => {
        listeners[type] = fn;
      },
    };
    const asNode = (e: XmlElement | null, parentNode: unknown = null) => ({
      getAttribute: (k: string) => e?.attrs[k] ?? null,
      hasAttribute: (k: string) => (e ? k in e.attrs : false),
      parentNode,
    });
    new Function("document", script)(document);
    expect(Object.keys(listeners).sort()).toEqual(["mouseleave", "mousemove"]);

    listeners.mousemove({ target: asNode(cells[3]), pageX: 100, pageY: 50 });
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toBe("लाइट → lights: 0.1000");
    expect(tip.style).toEqual({ left: "114px", top: "64px" });

    const selfCell = cells[20 + 2 * 4 + 2]; // second panel, row करो, column करो
    listeners.mousemove({ target: asNode(null, asNode(selfCell)), pageX: 0, pageY: 0 }); // a child of the cell
    expect(tip.textContent).toBe("करो → करो: 0.6000");

    listeners.mousemove({ target: asNode(els.find((e) => e.name === "h1") ?? null), pageX: 0, pageY: 0 });
    expect(tip.hidden).toBe(true);
  });

  it("can share one colour scale across panels", () => {
    const small = [[0.1, 0.4]];
    const big = [[0.2, 0.8]];
    const cellFills = (html: string) =>
      parse(html)
        .filter((e) => e.attrs.class === "cell")
        .map((e) => e.attrs.fill);
    const separate = cellFills(attentionReportHtml([{ weights: small }, { weights: big }]));
    expect(separate[1]).toBe("#fde725"); // each panel's own max is full colour
    expect(separate[3]).toBe("#fde725");
    const shared = cellFills(
      attentionReportHtml([{ weights: small }, { weights: big }], { sharedScale: true }),
    );
    expect(shared[1]).not.toBe("#fde725"); // 0.4 is only half of the global max 0.8
    expect(shared[3]).toBe("#fde725");
    expect(shared[1]).toBe(toHex(colorAt("viridis", 0.5)));
    expect(shared[2]).toBe(toHex(colorAt("viridis", 0.25)));
  });

  it("bundles Noto Sans Devanagari when any text is Hindi, so it renders without a system font", () => {
    const deva = EMBEDDED_FONT_SUBSETS[1].base64;
    const hindi = attentionReportHtml(PANELS);
    const scripts = parse(hindi).filter((e) => e.name === "script");
    expect(scripts).toHaveLength(2);
    expect(scripts[1].text).toContain("document.fonts.ready"); // re-shapes the SVG text once the face is in
    const styles = parse(hindi).filter((e) => e.name === "style");
    expect(styles).toHaveLength(2);
    expect(styles[1].text).toContain('font-family: "Noto Sans Devanagari";');
    expect(styles[1].text).toContain(`url(data:font/woff2;base64,${deva})`);
    expect(hindi).toMatch(/body \{ font-family: [^;]*'Noto Sans Devanagari'/);
    // The SVGs name the font too, so their Hindi labels pick it up.
    const svgFonts = parse(hindi)
      .filter((e) => e.name === "svg")
      .map((e) => e.attrs["font-family"]);
    for (const f of svgFonts) expect(f).toContain("'Noto Sans Devanagari'");
    // Hindi only in the description or a title counts as well.
    expect(attentionReportHtml([{ weights: SELF }], { description: "हिन्दी" })).toContain(deva);
    // An English-only page stays small, unless asked; and embedding can be turned off.
    const english = attentionReportHtml([{ weights: LUONG, colLabels: SOURCE }]);
    expect(english).not.toContain("@font-face");
    expect(english.length).toBeLessThan(20_000);
    expect(hindi.length).toBeGreaterThan(deva.length);
    expect(attentionReportHtml([{ weights: LUONG }], { embedFont: true })).toContain(deva);
    expect(attentionReportHtml(PANELS, { embedFont: false })).not.toContain("@font-face");
    expect(() => attentionReportHtml(PANELS, { embedFont: "yes" as unknown as boolean })).toThrow(
      'attentionReportHtml: embedFont must be true, false or "auto", got "yes"',
    );
  });

  it("names itself, the panel and the shapes in errors", () => {
    expect(() => attentionReportHtml([])).toThrow(/^attentionReportHtml: panels must be a non-empty array/);
    expect(() =>
      attentionReportHtml([PANELS[0], { weights: LUONG, rowLabels: TARGET, colLabels: SOURCE.slice(1) }]),
    ).toThrow(
      "attentionReportHtml: panels[1]: colLabels has 4 labels but weights has 5 columns (weights 4×5)",
    );
    expect(() => attentionReportHtml([{ weights: [[1, 2], [3]] }])).toThrow(
      "attentionReportHtml: panels[0]: weights is ragged: row 1 has 1 values but row 0 has 2 (weights has 2 rows)",
    );
  });
});
