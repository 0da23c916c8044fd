import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readParallel, readParallelTsv } from "../../src/data/parallel.js";
import { dataPath } from "../../src/data/paths.js";
import { requireDataset } from "../helpers/data.js";

const dir = mkdtempSync(join(tmpdir(), "qkv-parallel-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe("readParallel", () => {
  it("pairs lines, accepting CRLF and a missing final newline", () => {
    const en = write("a.en", "Hello .\r\nGood night .\r\n");
    const fr = write("a.fr", "Bonjour .\nBonne nuit .");
    expect(readParallel(en, fr)).toEqual([
      { source: "Hello .", target: "Bonjour ." },
      { source: "Good night .", target: "Bonne nuit ." },
    ]);
  });

  it("keeps empty lines in the middle as empty sentences", () => {
    expect(readParallel(write("b.en", "a\n\nc\n"), write("b.fr", "x\n\nz\n"))).toHaveLength(3);
  });

  it("names both files and both counts when line counts differ", () => {
    const en = write("c.en", "one\ntwo\nthree\n");
    const fr = write("c.fr", "un\ndeux\n");
    expect(() => readParallel(en, fr)).toThrow(
      `Parallel files differ in line count: ${en} has 3 lines, ${fr} has 2 lines; line 3 of ${en} is the first without a partner in ${fr}`,
    );
    // the other way round: the longer file is named as the one with the extra line
    expect(() => readParallel(fr, en)).toThrow(`line 3 of ${en} is the first without a partner in ${fr}`);
  });
});

describe("readParallelTsv", () => {
  it("reads source<TAB>target lines, skipping empty lines", () => {
    const f = write("d.tsv", "Hello .\tBonjour .\r\n\nनमस्ते\tSalut\n");
    expect(readParallelTsv(f)).toEqual([
      { source: "Hello .", target: "Bonjour ." },
      { source: "नमस्ते", target: "Salut" },
    ]);
  });

  it("names the file and the line of a line without exactly one tab", () => {
    const f = write("e.tsv", "a\tb\nno tab here\n");
    expect(() => readParallelTsv(f)).toThrow(
      `${f} line 2: expected source<TAB>target (exactly one tab), found no tab`,
    );
    const g = write("f.tsv", "a\tb\tc\n");
    expect(() => readParallelTsv(g)).toThrow(
      `${g} line 1: expected source<TAB>target (exactly one tab), found 2 tabs`,
    );
  });
});

describe.skipIf(!requireDataset("hansards-align-fr-en"))("Hansards alignment text", () => {
  it("reads 37 aligned English/French sentences", () => {
    const pairs = readParallel(
      dataPath("hansards-align-fr-en", "hansards.e"),
      dataPath("hansards-align-fr-en", "hansards.f"),
    );
    expect(pairs).toHaveLength(37);
    expect(pairs.every((p) => p.source.length > 0 && p.target.length > 0)).toBe(true);
  });
});
