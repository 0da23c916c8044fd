import { describe, expect, it } from "vitest";
import { colorAt } from "../../src/viz/colormap.js";
import { heatmapTerminal, rgbTo256, shadeChar, sideBySide } from "../../src/viz/terminal.js";
import { displayWidth, padEndWidth, stripAnsi } from "../../src/viz/text.js";

const TARGET = ["लाइट", "बंद", "करो", "<eos>"];
const SOURCE = ["turn", "off", "the", "lights", "<eos>"];
const W = [
  [0.7, 0.1, 0.05, 0.1, 0.05],
  [0.05, 0.1, 0.1, 0.7, 0.05],
  [0.1, 0.6, 0.1, 0.1, 0.1],
  [0.0, 0.05, 0.05, 0.1, 0.8],
];

describe("heatmapTerminal, color: none", () => {
  it("renders an exact small grid with shade characters, frame and legend", () => {
    const out = heatmapTerminal(
      [
        [0, 1],
        [0.5, 0.25],
      ],
      { rowLabels: ["a", "bb"], colLabels: ["x", "y"], color: "none", normalize: "none" },
    );
    expect(out.split("\n")).toEqual([
      "    x  y",
      "   ┌─────┐",
      " a │   ██│",
      "bb │▒▒ ░░│",
      "   └─────┘",
      "   [ ] 0.00  [░] 0.25  [▒] 0.50  [▓] 0.75  [█] 1.00",
    ]);
  });

  it("maps 0 → ' ' and 1 → '█' (nearest of five levels)", () => {
    expect(shadeChar(0)).toBe(" ");
    expect(shadeChar(0.1)).toBe(" ");
    expect(shadeChar(0.25)).toBe("░");
    expect(shadeChar(0.5)).toBe("▒");
    expect(shadeChar(0.75)).toBe("▓");
    expect(shadeChar(1)).toBe("█");
    const out = heatmapTerminal([[0, 1, 0.5]], {
      color: "none",
      cellWidth: 1,
      gap: 0,
      frame: false,
      legend: false,
    });
    expect(out.split("\n")[1]).toBe("0  █▒");
  });

  it("has one line per row, carrying its label, and no escape codes", () => {
    const out = heatmapTerminal(W, { rowLabels: TARGET, colLabels: SOURCE, color: "none", title: "Luong" });
    expect(out).not.toContain("\u001b");
    const lines = out.split("\n");
    expect(lines[0]).toBe("Luong");
    const rowLines = lines.filter((l) => l.includes("│") && l.trimEnd().endsWith("│") && !l.includes("┌"));
    expect(rowLines).toHaveLength(4);
    rowLines.forEach((l, i) => {
      expect(l.trimStart().startsWith(TARGET[i])).toBe(true);
    });
    // The 0.8 weight is the max, so its cell is full; the exact 0 is blank.
    expect(rowLines[3].endsWith("██│")).toBe(true);
    expect(rowLines[3]).toMatch(/│ {2} /);
  });

  it("aligns Devanagari row labels by display width", () => {
    const out = heatmapTerminal(W, { rowLabels: TARGET, colLabels: SOURCE, color: "none" });
    const rowLines = out.split("\n").filter((l) => TARGET.some((t) => l.trimStart().startsWith(t)));
    expect(rowLines).toHaveLength(4);
    // Every grid starts at the same display column: label width 5 ("<eos>") + space.
    for (const l of rowLines) expect(displayWidth(l.slice(0, l.indexOf("│")))).toBe(6);
    expect(rowLines[2].startsWith("  करो │")).toBe(true); // करो is 3 cells wide (wcwidth): 2 spaces
    expect(rowLines[0].startsWith(" लाइट │")).toBe(true); // लाइट is 4 cells wide
    // Every grid line has the same display width.
    const widths = new Set(rowLines.map(displayWidth));
    expect(widths.size).toBe(1);
  });

  it("lays long column labels out staggered, one per line with guides", () => {
    const out = heatmapTerminal(W, { rowLabels: TARGET, colLabels: SOURCE, color: "none" });
    const lines = out.split("\n");
    expect(lines.slice(0, 5)).toEqual([
      "       turn",
      "       │  off",
      "       │  │  the",
      "       │  │  │  lights",
      "       │  │  │  │  <eos>",
    ]);
  });

  it("stacks graphemes in vertical header mode without splitting clusters", () => {
    const out = heatmapTerminal(
      [
        [1, 0],
        [0, 1],
      ],
      {
        rowLabels: ["e\u0301te", "日本"],
        colLabels: ["e\u0301te", "日本"],
        color: "none",
        columnHeader: "vertical",
        legend: false,
      },
    );
    const lines = out.split("\n");
    expect(lines[0]).toBe("      e\u0301  日"); // é is one cluster (e + combining acute): one cell
    expect(lines[1]).toBe("      t  本");
    expect(lines[2]).toBe("      e");
  });

  it("never stacks a Devanagari word letter by letter: vertical mode is staggered for it", () => {
    const out = heatmapTerminal(
      [
        [1, 0],
        [0, 1],
      ],
      {
        rowLabels: ["करो", "日本"],
        colLabels: ["करो", "日本"],
        color: "none",
        columnHeader: "vertical",
        legend: false,
      },
    );
    const lines = out.split("\n");
    expect(lines[0]).toBe("      करो");
    expect(lines[1]).toBe("      │  日本");
  });

  it("prints numbers instead of shades with showValues", () => {
    const out = heatmapTerminal(W, { rowLabels: TARGET, colLabels: SOURCE, color: "none", showValues: true });
    expect(out).toContain(" 0.70");
    expect(out).toContain(" 0.80");
    expect(out).not.toMatch(/[░▒▓█]{2}/);
  });
});

describe("heatmapTerminal, colour modes", () => {
  it("uses 24-bit background codes from the colormap", () => {
    const out = heatmapTerminal(W, { rowLabels: TARGET, colLabels: SOURCE });
    const [r0, g0, b0] = colorAt("viridis", 0);
    const [r1, g1, b1] = colorAt("viridis", 1);
    expect(out).toContain(`\u001b[48;2;${r0};${g0};${b0}m`); // the 0.0 weight
    expect(out).toContain(`\u001b[48;2;${r1};${g1};${b1}m`); // the 0.8 weight (global max)
    const lines = out.split("\n");
    const rowLines = lines.filter((l) => TARGET.some((t) => stripAnsi(l).trimStart().startsWith(t)));
    expect(rowLines).toHaveLength(4);
    for (const l of rowLines) {
      expect(l.split("\u001b[48;2;").length - 1).toBe(5); // one per column
      expect(l.endsWith("\u001b[0m")).toBe(true);
      expect(displayWidth(l)).toBe(6 + 5 * 2); // label column + 5 cells × 2
      expect(displayWidth(l.slice(0, l.indexOf("\u001b[")))).toBe(6);
    }
    // Legend: low and high values of the scale around a gradient.
    expect(stripAnsi(lines[lines.length - 1]).trim()).toMatch(/^0\.00 +0\.80$/);
  });

  it("writes values in a contrasting foreground colour", () => {
    const out = heatmapTerminal([[0, 1]], { showValues: true, normalize: "none", legend: false });
    expect(out).toContain("\u001b[48;2;68;1;84m\u001b[38;2;255;255;255m 0.00");
    expect(out).toContain("\u001b[48;2;253;231;37m\u001b[38;2;0;0;0m 1.00");
  });

  it("uses the xterm 256-colour palette", () => {
    expect(rgbTo256([0, 0, 0])).toBe(16);
    expect(rgbTo256([255, 255, 255])).toBe(231);
    expect(rgbTo256([255, 0, 0])).toBe(196);
    expect(rgbTo256([128, 128, 128])).toBe(244);
    const out = heatmapTerminal(W, { color: "256" });
    expect(out).toContain(`\u001b[48;5;${rgbTo256(colorAt("viridis", 1))}m`);
    expect(out).not.toContain("\u001b[48;2;");
  });
});

describe("heatmapTerminal errors", () => {
  it("names the function and the shapes", () => {
    expect(() =>
      heatmapTerminal([
        [1, 2, 3],
        [4, 5],
      ]),
    ).toThrow("heatmapTerminal: weights is ragged: row 1 has 2 values but row 0 has 3 (weights has 2 rows)");
    expect(() => heatmapTerminal(W, { rowLabels: TARGET.slice(0, 3) })).toThrow(
      "heatmapTerminal: rowLabels has 3 labels but weights has 4 rows (weights 4×5)",
    );
    expect(() => heatmapTerminal([[Number.POSITIVE_INFINITY]])).toThrow(
      "heatmapTerminal: weights[0][0] is Infinity; all values must be finite numbers (weights 1×1)",
    );
    expect(() => heatmapTerminal(W, { cellWidth: 0 })).toThrow(
      /^heatmapTerminal: cellWidth must be an integer ≥ 1/,
    );
  });
});

describe("sideBySide", () => {
  it("pads by visible width, ignoring ANSI codes, and top-aligns", () => {
    const left = "\u001b[41mab\u001b[0m\nc";
    expect(sideBySide([left, "X\nY\nZ"], 2).split("\n")).toEqual([
      "\u001b[41mab\u001b[0m  X",
      "c   Y",
      "    Z",
    ]);
  });

  it("can align blocks at the bottom", () => {
    expect(sideBySide(["a\nb\nc", "X\nY"], 1, "bottom").split("\n")).toEqual(["a", "b X", "c Y"]);
    expect(() => sideBySide(["a"], 1, "middle" as "top")).toThrow(
      /^sideBySide: align must be "top" or "bottom"/,
    );
  });

  it("closes colours so they do not bleed into the next block", () => {
    expect(sideBySide(["\u001b[41mab", "X"], 1)).toBe("\u001b[41mab\u001b[0m X");
  });

  it("puts two heatmaps next to each other with aligned rows", () => {
    const a = heatmapTerminal(W, { rowLabels: TARGET, colLabels: SOURCE, title: "Luong" });
    const self = [
      [0.6, 0.2, 0.1, 0.1],
      [0.1, 0.7, 0.1, 0.1],
      [0.1, 0.2, 0.6, 0.1],
      [0.1, 0.1, 0.1, 0.7],
    ];
    const b = heatmapTerminal(self, { rowLabels: TARGET, colLabels: TARGET, title: "self-attention" });
    const both = sideBySide([a, b], 4).split("\n");
    const aLines = a.split("\n");
    const aWidth = Math.max(...aLines.map(displayWidth));
    expect(both.length).toBe(Math.max(aLines.length, b.split("\n").length));
    expect(stripAnsi(both[0])).toBe(`Luong${" ".repeat(aWidth - 5 + 4)}self-attention`);
    // Bottom-aligned, each grid row of the Luong map shares its line with the same row of the self map.
    const bottom = sideBySide([a, b], 4, "bottom").split("\n").map(stripAnsi);
    for (const t of TARGET) {
      const line = bottom.find((l) => l.trimStart().startsWith(t));
      expect(line?.slice(aWidth).trimStart().startsWith(t)).toBe(true);
    }
    const bLines = b.split("\n");
    both.forEach((line, r) => {
      const right = stripAnsi(bLines[r] ?? "");
      const left = stripAnsi(aLines[r] ?? "");
      expect(stripAnsi(line)).toBe(right === "" ? left : `${padEndWidth(left, aWidth)}    ${right}`);
    });
  });
});
