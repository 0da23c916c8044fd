/** The `files` task (src/train/own-data.ts): your own parallel text through loadTask. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadTask } from "../../src/train/tasks.js";

const dir = mkdtempSync(join(tmpdir(), "qkv-files-task-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, lines: string[]) => {
  const f = join(dir, name);
  writeFileSync(f, `${lines.join("\n")}\n`);
  return f;
};

const src = Array.from({ length: 50 }, (_, i) => `Sentence number ${i} .`);
const tgt = Array.from({ length: 50 }, (_, i) => `Phrase numéro ${i} .`);
const srcFile = file("a.en", src);
const tgtFile = file("a.fr", tgt);

describe("loadTask('files')", () => {
  it("holds out --valid-fraction of the pairs (seeded), keeps case, names no test part unless given", () => {
    const t = loadTask("files", { srcFile, tgtFile, validFraction: 0.2, seed: 5 });
    expect(t.train).toHaveLength(40);
    expect(t.valid).toHaveLength(10);
    expect(t.test).toHaveLength(0);
    expect(t.train[0].src[0]).toBe("Sentence"); // case kept
    const again = loadTask("files", { srcFile, tgtFile, validFraction: 0.2, seed: 5 });
    expect(again.valid).toEqual(t.valid);
    const other = loadTask("files", { srcFile, tgtFile, validFraction: 0.2, seed: 6 });
    expect(other.valid).not.toEqual(t.valid);
    // every pair is in exactly one part
    const all = [...t.train, ...t.valid].map((p) => p.src.join(" ")).sort();
    expect(all).toEqual([...src].sort());
  });

  it("reads a TSV, validation and test files, with BPE tokenizers", () => {
    const tsvFile = file(
      "a.tsv",
      src.map((s, i) => `${s}\t${tgt[i]}`),
    );
    const t = loadTask("files", {
      tsvFile,
      validSrcFile: file("v.en", ["Sentence number 7 ."]),
      validTgtFile: file("v.fr", ["Phrase numéro 7 ."]),
      testSrcFile: file("t.en", ["Sentence 1 .", "Sentence 2 ."]),
      testTgtFile: file("t.fr", ["Phrase 1 .", "Phrase 2 ."]),
      tokenizer: "bpe",
      vocabSize: 300,
    });
    expect(t.train).toHaveLength(50);
    expect(t.valid).toHaveLength(1);
    expect(t.test).toHaveLength(2);
    expect(t.tgtTokenizer.toJSON().format).toBe("qkv-bpe");
    expect(t.detokenize(t.valid[0].tgt)).toBe("Phrase numéro 7 .");
  });

  it("refuses incomplete or conflicting options and misaligned validation files", () => {
    expect(() => loadTask("files", {})).toThrow("task files needs --src FILE --tgt FILE");
    expect(() => loadTask("files", { srcFile })).toThrow("--src and --tgt go together (got only --src)");
    expect(() => loadTask("files", { srcFile, tgtFile, tsvFile: srcFile })).toThrow("not both");
    expect(() => loadTask("files", { srcFile, tgtFile, validSrcFile: srcFile })).toThrow(
      "--valid-src and --valid-tgt go together",
    );
    const v1 = file("v1.en", ["a", "b"]);
    const v2 = file("v2.fr", ["a"]);
    expect(() => loadTask("files", { srcFile, tgtFile, validSrcFile: v1, validTgtFile: v2 })).toThrow(
      `${v1} has 2 lines, ${v2} has 1 lines; line 2 of ${v1} is the first without a partner in ${v2}`,
    );
    expect(() => loadTask("files", { srcFile, tgtFile, validFraction: 1 })).toThrow(
      "--valid-fraction must be in (0, 1)",
    );
  });
});
