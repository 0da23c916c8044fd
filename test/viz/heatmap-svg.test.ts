import { describe, expect, it } from "vitest";
import { colorAt, toHex } from "../../src/viz/colormap.js";
import { heatmapSvg } from "../../src/viz/heatmap-svg.js";
import { checkWellFormed } from "./xml.js";

const TARGET = ["लाइट", "बंद", "करो", "<eos>"];
const SOURCE = ["turn", "off", "the", "lights", "<eos>"];
const W = [
  [0.7, 0.1, 0.05, 0.1, 0.05],
  [0.05, 0.1, 0.1, 0.7, 0.05],
  [0.1, 0.6, 0.1, 0.1, 0.1],
  [0.0, 0.05, 0.05, 0.1, 0.8],
];

describe("heatmapSvg", () => {
  it("is well-formed with one <rect class=cell> per weight, in row-major order", () => {
    const svg = heatmapSvg(W, { rowLabels: TARGET, colLabels: SOURCE, title: "Luong attention" });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const els = checkWellFormed(svg);
    expect(els[0].name).toBe("svg");
    const cells = els.filter((e) => e.name === "rect" && e.attrs.class === "cell");
    expect(cells).toHaveLength(20);
    cells.forEach((c, k) => {
      const i = Math.floor(k / 5);
      const j = k % 5;
      expect([c.attrs["data-row"], c.attrs["data-col"]]).toEqual([String(i), String(j)]);
      expect(c.attrs["data-q"]).toBe(TARGET[i]);
      expect(c.attrs["data-k"]).toBe(SOURCE[j]);
      expect(Number(c.attrs["data-w"])).toBeCloseTo(W[i][j], 10);
      expect(c.attrs.fill).toBe(toHex(colorAt("viridis", W[i][j] / 0.8)));
    });
    // Cells tile a grid: x steps by cellSize across a row, y down the rows.
    expect(Number(cells[1].attrs.x) - Number(cells[0].attrs.x)).toBe(32);
    expect(Number(cells[5].attrs.y) - Number(cells[0].attrs.y)).toBe(32);
    expect(cells[19].attrs.fill).toBe("#fde725"); // global max
    expect(cells[15].attrs.fill).toBe("#440154"); // zero
  });

  it("draws row labels, rotated column labels, the title and a colour bar", () => {
    const svg = heatmapSvg(W, { rowLabels: TARGET, colLabels: SOURCE, title: "Luong attention" });
    const els = checkWellFormed(svg);
    const texts = els.filter((e) => e.name === "text");
    const textContent = texts.map((t) => t.text);
    for (const l of [...TARGET, ...SOURCE.slice(0, 4), "Luong attention"]) expect(textContent).toContain(l);
    const colLabels = texts.filter((t) => t.attrs.transform?.includes("rotate(-45)"));
    expect(colLabels.map((t) => t.text)).toEqual(SOURCE);
    expect(els.filter((e) => e.attrs.class === "cbar")).toHaveLength(64);
    expect(textContent).toContain("0.00");
    expect(textContent).toContain("0.80");
    expect(els.find((e) => e.name === "title")?.text).toBe("Luong attention");
  });

  it("escapes labels with <, & and >", () => {
    const svg = heatmapSvg(
      [
        [1, 0],
        [0, 1],
      ],
      { rowLabels: ["<&>", 'say "hi"'], colLabels: ["a<b", "x&y"], title: "<script>&" },
    );
    expect(svg).not.toContain("<&>");
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;&amp;&gt;");
    expect(svg).toContain("say &quot;hi&quot;");
    const els = checkWellFormed(svg);
    expect(els.filter((e) => e.name === "text").map((e) => e.text)).toEqual(
      expect.arrayContaining(["<&>", 'say "hi"', "a<b", "x&y", "<script>&"]),
    );
    const cell = els.find((e) => e.attrs.class === "cell");
    expect(cell?.attrs["data-q"]).toBe("<&>");
  });

  it("writes values in a colour that contrasts with the cell", () => {
    const svg = heatmapSvg(
      [
        [0, 1],
        [0.5, 0.25],
      ],
      { showValues: true, normalize: "none" },
    );
    const els = checkWellFormed(svg);
    const values = els.filter((e) => e.name === "text" && /^\d\.\d\d$/.test(e.text) && e.attrs.fill);
    const byText = Object.fromEntries(values.slice(0, 4).map((v) => [v.text, v.attrs.fill]));
    // Viridis teal (#21918c, t = 0.5) has contrast 5.6:1 with black but 3.7:1 with white, so black wins.
    expect(byText).toEqual({ "0.00": "#ffffff", "1.00": "#000000", "0.50": "#000000", "0.25": "#ffffff" });
  });

  it("gives each cell a native tooltip unless disabled", () => {
    const svg = heatmapSvg(W, { rowLabels: TARGET, colLabels: SOURCE });
    expect(svg).toContain("<title>लाइट → turn: 0.7000</title>");
    const plain = heatmapSvg(W, { rowLabels: TARGET, colLabels: SOURCE, cellTitles: false, colorbar: false });
    expect(plain).not.toContain("→");
    expect(checkWellFormed(plain).filter((e) => e.attrs.class === "cbar")).toHaveLength(0);
  });

  it("sizes the canvas to fit labels and the colour bar", () => {
    const svg = heatmapSvg(W, { rowLabels: TARGET, colLabels: SOURCE, cellSize: 40 });
    const root = checkWellFormed(svg)[0];
    const width = Number(root.attrs.width);
    const height = Number(root.attrs.height);
    expect(width).toBeGreaterThan(5 * 40 + 30);
    expect(height).toBeGreaterThan(4 * 40);
    expect(root.attrs.viewBox).toBe(`0 0 ${width} ${height}`);
  });

  it("names itself and the shapes in errors", () => {
    expect(() => heatmapSvg(W, { rowLabels: TARGET.slice(0, 3), colLabels: SOURCE })).toThrow(
      "heatmapSvg: rowLabels has 3 labels but weights has 4 rows (weights 4×5)",
    );
    expect(() => heatmapSvg(W, { rowLabels: TARGET, colLabels: SOURCE.slice(1) })).toThrow(
      "heatmapSvg: colLabels has 4 labels but weights has 5 columns (weights 4×5)",
    );
    expect(() => heatmapSvg([[0.5, Number.NaN]])).toThrow(
      "heatmapSvg: weights[0][1] is NaN; all values must be finite numbers (weights 1×2)",
    );
    expect(() => heatmapSvg(W, { cellSize: -1 })).toThrow(
      "heatmapSvg: cellSize must be a positive number, got -1",
    );
  });
});
