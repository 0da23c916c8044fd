/**
 * Pharaoh alignment files (src/align/pharaoh.ts): writing and reading `i-j` lines, gold `i?j` possible
 * links, errors naming the line and the token, and the Hansards gold read both ways.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  formatPharaoh,
  parsePharaoh,
  parsePharaohGold,
  parsePharaohLine,
  readPharaoh,
  readPharaohGold,
  writePharaoh,
} from "../../src/align/pharaoh.js";
import { readTextFile } from "../../src/data/lines.js";
import { dataPath } from "../../src/data/paths.js";
import { readHansardsGold } from "../../src/eval/hansards.js";
import { requireDataset } from "../helpers/data.js";

describe("formatPharaoh / parsePharaoh", () => {
  it("sorts by source then target index, numerically (10 after 2)", () => {
    expect(formatPharaoh(new Set(["10-2", "2-1", "0-3", "2-0", "0-10"]))).toBe("0-3 0-10 2-0 2-1 10-2");
    expect(formatPharaoh([[1, 0] as const, "0-0"])).toBe("0-0 1-0");
    expect(formatPharaoh([])).toBe("");
  });

  it("round trip: parse(format(links)) = links, and format(parse(line)) = the sorted line", () => {
    const links = new Set(["0-0", "1-2", "2-1", "12-7", "3-3"]);
    expect(parsePharaoh(formatPharaoh(links))).toEqual(links);
    expect(formatPharaoh(parsePharaoh("  3-3\t0-0 12-7  1-2 2-1 0-0 "))).toBe("0-0 1-2 2-1 3-3 12-7");
    expect(parsePharaoh("")).toEqual(new Set());
  });

  it("many sentences: writePharaoh / readPharaoh, empty lines kept as empty alignments", () => {
    const all = [new Set(["0-0", "1-1"]), new Set<string>(), new Set(["2-0"])];
    const text = writePharaoh(all);
    expect(text).toBe("0-0 1-1\n\n2-0\n");
    expect(readPharaoh(text)).toEqual(all);
    expect(readPharaoh("0-0\r\n1-1")).toEqual([new Set(["0-0"]), new Set(["1-1"])]);
    expect(readPharaoh("")).toEqual([]);
  });

  it("errors name the bad token (and the line)", () => {
    expect(() => parsePharaoh("0-0 1?2")).toThrow(
      'parsePharaoh: in "0-0 1?2": possible link "1?2" in a sure-only alignment (use parsePharaohGold for i?j)',
    );
    expect(() => parsePharaoh("0-0 a-b")).toThrow(
      'parsePharaoh: in "0-0 a-b": bad link "a-b" (expected i-j)',
    );
    expect(() => parsePharaoh("0-0 -1-2")).toThrow(/bad link "-1-2"/);
    expect(() => parsePharaoh("0-0,1-1")).toThrow(/bad link "0-0,1-1"/);
    expect(() => parsePharaoh("1-2-P")).toThrow(/bad link "1-2-P"/);
    expect(() => readPharaoh("0-0\n1-1 2x3\n")).toThrow('readPharaoh: line 2: bad link "2x3" (expected i-j)');
    expect(() => formatPharaoh(["1_2"])).toThrow(/bad link "1_2"/);
  });
});

describe("gold files: sure i-j and possible i?j", () => {
  it("possible ⊇ sure", () => {
    const g = parsePharaohGold("0-0 1?1 2-2 2?3 4?4 4-4");
    expect(g.sure).toEqual(new Set(["0-0", "2-2", "4-4"]));
    expect(g.possible).toEqual(new Set(["0-0", "1-1", "2-2", "2-3", "4-4"]));
  });

  it("readPharaohGold: one entry per line; errors name the line and token", () => {
    const gold = readPharaohGold("0-0 1?1\n\n2?0\n");
    expect(gold).toEqual([
      { sure: new Set(["0-0"]), possible: new Set(["0-0", "1-1"]) },
      { sure: new Set(), possible: new Set() },
      { sure: new Set(), possible: new Set(["2-0"]) },
    ]);
    expect(() => readPharaohGold("0-0\n0-1\n1?x\n")).toThrow(
      'readPharaohGold: line 3: bad link "1?x" (expected i-j or i?j)',
    );
    expect(() => parsePharaohGold("0*1")).toThrow(/parsePharaohGold: in "0\*1": bad link "0\*1"/);
    expect(() => readPharaohGold(3 as never)).toThrow(/expected a string/);
  });

  const HAS_HANSARDS = requireDataset("hansards-align-fr-en");
  it.skipIf(!HAS_HANSARDS)("the Hansards gold hansards.a reads as readHansardsGold does", () => {
    const ref = readHansardsGold();
    const mine = readPharaohGold(readTextFile(join(dataPath("hansards-align-fr-en"), "hansards.a")));
    expect(mine.length).toBe(ref.length);
    mine.forEach((g, k) => {
      expect(g.sure).toEqual(ref[k].sure);
      expect(g.possible).toEqual(ref[k].possible);
    });
    // and the sure links survive a write/read round trip
    expect(readPharaoh(writePharaoh(mine.map((g) => g.sure)))).toEqual(ref.map((r) => r.sure));
  });
});

describe("parsePharaohLine: the one parser, with the caller's error text and link check", () => {
  it("reads as parsePharaohGold does, names what was expected, and lets the caller refuse a link", () => {
    expect(parsePharaohLine("0-1 2?0", "here", { gold: true })).toEqual(parsePharaohGold("0-1 2?0"));
    expect(() =>
      parsePharaohLine("0-1 x", "here", { gold: true, expected: "i-j sure or i?j possible" }),
    ).toThrow('here: bad link "x" (expected i-j sure or i?j possible)');
    const seen: string[] = [];
    const check = (s: number, t: number, token: string) => {
      seen.push(`${token}=${s},${t}`);
      if (s > 1) throw new Error(`${token} too far`);
    };
    expect(() => parsePharaohLine("0-0 1?1 4?0", "here", { gold: true, check })).toThrow("4?0 too far");
    expect(seen).toEqual(["0-0=0,0", "1?1=1,1", "4?0=4,0"]);
  });
});
