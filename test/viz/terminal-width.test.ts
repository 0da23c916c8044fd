/** The terminal heatmap never grows quadratically: a map wider than `maxWidth` is summarised. */
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_WIDTH, heatmapTerminal } from "../../src/viz/terminal.js";

const uniform = (rows: number, cols: number) =>
  Array.from({ length: rows }, () => new Array(cols).fill(1 / cols));

describe("heatmapTerminal maxWidth", () => {
  it("a 10,000-column map with long labels is one note line, not 10,000 staggered header lines", () => {
    const cols = 10_000;
    const colLabels = Array.from({ length: cols }, (_, j) => `word${j}`);
    const out = heatmapTerminal(uniform(3, cols), { colLabels, color: "none", showValues: true });
    expect(out.split("\n")).toHaveLength(1);
    expect(out).toMatch(
      new RegExp(
        `^\\(heatmap omitted: 3 × 10000 weights need \\d+ terminal columns, more than ${DEFAULT_MAX_WIDTH}`,
      ),
    );
  });

  it("too wide with values: drawn without them when that fits, and says so", () => {
    const w = uniform(2, 12);
    const full = heatmapTerminal(w, { color: "none", showValues: true });
    expect(full).toMatch(/^0 │ 0\.08 /m);
    const narrow = heatmapTerminal(w, { color: "none", showValues: true, maxWidth: 50 });
    expect(narrow).not.toMatch(/│ 0\.08/);
    expect(narrow).toMatch(/^0 │[ ░▒▓█]+│$/m);
    expect(narrow.split("\n").at(-1)).toBe("(values hidden to fit 50 columns)");
    expect(
      Math.max(
        ...narrow
          .split("\n")
          .slice(0, -2)
          .map((l) => l.length),
      ),
    ).toBeLessThanOrEqual(50);
    expect(heatmapTerminal(w, { color: "none", maxWidth: 10 })).toMatch(/^\(heatmap omitted: 2 × 12/);
    expect(() => heatmapTerminal(w, { maxWidth: 0 })).toThrow(/maxWidth must be an integer ≥ 1, got 0/);
  });
});
