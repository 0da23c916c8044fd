import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScan, scanPath } from "../../src/data/files.js";
import { dataDir } from "../../src/data/paths.js";
import { parseScan } from "../../src/data/scan.js";
import { requireDataset } from "../helpers/data.js";

describe("parseScan", () => {
  it("parses IN/OUT lines", () => {
    expect(parseScan("IN: jump twice OUT: I_JUMP I_JUMP\nIN: walk left OUT: I_TURN_LEFT I_WALK\n")).toEqual([
      { source: ["jump", "twice"], target: ["I_JUMP", "I_JUMP"] },
      { source: ["walk", "left"], target: ["I_TURN_LEFT", "I_WALK"] },
    ]);
  });

  it("names the file and line number of a bad line", () => {
    const text = "IN: jump OUT: I_JUMP\nIN: walk I_WALK\n";
    expect(() => parseScan(text, "bad.txt")).toThrow(/^bad\.txt:2: not a SCAN line/);
    expect(() => parseScan("IN:  OUT: I_JUMP", "x.txt")).toThrow(/x\.txt:1:/);
  });

  it("gives a clear error for a missing file", () => {
    expect(() => loadScan("simple", "train", "/nonexistent/qkv-data")).toThrow(
      /Data file not found: .*tasks_train_simple\.txt/,
    );
  });
});

describe.skipIf(!requireDataset("scan"))("SCAN files", () => {
  const expected: [Parameters<typeof loadScan>[0], Parameters<typeof loadScan>[1], number][] = [
    ["simple", "train", 16728],
    ["simple", "test", 4182],
    ["length", "train", 16990],
    ["length", "test", 3920],
    ["addprim_jump", "train", 14670],
    ["addprim_jump", "test", 7706],
  ];

  it.each(expected)("%s/%s has one pair per line (%i)", (split, part, count) => {
    const file = scanPath(split, part);
    expect(file).toBe(join(dataDir(), "scan", `tasks_${part}_${split}.txt`));
    const lines = readFileSync(file, "utf8").split("\n").length - 1; // LF-terminated lines
    const pairs = loadScan(split, part);
    expect(lines).toBe(count);
    expect(pairs.length).toBe(count);
  });

  it("reads line 2 of the simple training file exactly", () => {
    expect(loadScan("simple", "train")[1]).toEqual({
      source: ["run", "opposite", "left", "after", "walk", "right"],
      target: ["I_TURN_RIGHT", "I_WALK", "I_TURN_LEFT", "I_TURN_LEFT", "I_RUN"],
    });
  });

  it("length split: train actions 1..22, test actions 24..48", () => {
    const lens = (part: "train" | "test") => loadScan("length", part).map((e) => e.target.length);
    const train = lens("train");
    const test = lens("test");
    expect([Math.min(...train), Math.max(...train)]).toEqual([1, 22]);
    expect([Math.min(...test), Math.max(...test)]).toEqual([24, 48]);
  });

  it("addprim_jump split: 'jump' appears in training only alone (1467 copies)", () => {
    const train = loadScan("addprim_jump", "train");
    const withJump = train.filter((e) => e.source.includes("jump"));
    expect(withJump.length).toBe(1467);
    expect(withJump.every((e) => e.source.join(" ") === "jump" && e.target.join(" ") === "I_JUMP")).toBe(
      true,
    );
    expect(new Set(train.map((e) => e.source.join(" "))).size).toBe(13204);
    expect(loadScan("addprim_jump", "test").every((e) => e.source.includes("jump"))).toBe(true);
  });
});
