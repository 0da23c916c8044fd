/**
 * Training and translating on a user's own aligned files, end to end through the `qkv` command: a
 * small English → Hindi corpus written here (two line-aligned files and a TSV), `qkv train --src --tgt`,
 * `--resume` without repeating the files, `qkv eval` on the held-out part, `qkv translate --input
 * --output` in every format with n-best lists, and the errors for misaligned files.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../src/data/index.js";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const qkv = (...args: string[]) =>
  spawnSync(tsx, [join(root, "src/cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 180_000 });

const dir = mkdtempSync(join(tmpdir(), "qkv-own-data-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, lines: string[]) => {
  const f = join(dir, name);
  writeFileSync(f, `${lines.join("\n")}\n`);
  return f;
};

// A word-for-word English → Hindi toy language: phrases of 2–5 words.
const WORDS: Record<string, string> = {
  red: "लाल",
  blue: "नीला",
  cat: "बिल्ली",
  dog: "कुत्ता",
  big: "बड़ा",
  small: "छोटा",
  house: "घर",
  tree: "पेड़",
};
const rng = mulberry32(7);
const en: string[] = [];
const hi: string[] = [];
for (let i = 0; i < 400; i++) {
  const n = 2 + Math.floor(rng() * 4);
  const ws = Array.from({ length: n }, () => Object.keys(WORDS)[Math.floor(rng() * 8)]);
  en.push(ws.join(" "));
  hi.push(ws.map((w) => WORDS[w]).join(" "));
}
const srcFile = file("train.en", en);
const tgtFile = file("train.hi", hi);
const model = join(dir, "run");
const common = ["--embed", "24", "--hidden", "24", "--batch-size", "16", "--lr", "0.01", "--seed", "3"];

describe("qkv on your own aligned files", () => {
  it("train --src --tgt (10 % held out) → resume without the files → eval", () => {
    const t = qkv(
      "train",
      "--src",
      srcFile,
      "--tgt",
      tgtFile,
      "--epochs",
      "3",
      ...common,
      "--out",
      model,
      "--json",
    );
    expect(t.status, t.stderr).toBe(0);
    const r = JSON.parse(t.stdout);
    expect(r.task).toBe("files");
    const meta = JSON.parse(readFileSync(join(model, "last.json"), "utf8")).meta;
    expect(meta.task).toBe("files");
    expect(meta.taskOptions.srcFile).toBe(srcFile);
    expect(meta.taskOptions.tgtFile).toBe(tgtFile);

    // --resume finds the files in last.json
    const t2 = qkv("train", "--resume", "--epochs", "6", ...common, "--out", model, "--json");
    expect(t2.status, t2.stderr).toBe(0);
    const r2 = JSON.parse(t2.stdout);
    expect(r2.history).toHaveLength(6);
    expect(r2.best.score).toBeGreaterThan(50); // BLEU on the held-out 40 pairs of a word-for-word language

    const ev = qkv("eval", "--model", model, "--split", "valid", "--json");
    expect(ev.status, ev.stderr).toBe(0);
    const e = JSON.parse(ev.stdout);
    expect(e.task).toBe("files");
    expect(e.count).toBe(40);
    expect(e.bleu).toBeCloseTo(r2.best.score, 6);
  });

  it("eval --sample: seeded (the same seed, the same scores), not greedy; sampling flags need --sample", () => {
    const args = ["eval", "--model", model, "--split", "valid", "--json"];
    const sampled = ["--sample", "--temperature", "4", "--seed", "5"];
    const greedy = JSON.parse(qkv(...args).stdout);
    const a = qkv(...args, ...sampled);
    const b = qkv(...args, ...sampled);
    expect(a.status, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout).bleu).toBe(JSON.parse(b.stdout).bleu);
    expect(JSON.parse(a.stdout).bleu).toBeLessThan(greedy.bleu); // τ = 4 flattens the distribution
    const bad = qkv(...args, "--top-k", "2");
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("--top-k needs --sample");
  });

  it("translate --input --output: one line out per line in, n-best lists with scores, three formats", () => {
    const input = file("input.en", ["red cat", "", "big blue house", "small dog"]);
    const text = join(dir, "out", "input.hi"); // a missing folder is created
    const a = qkv("translate", "--model", model, "--input", input, "--output", text, "--beam", "3");
    expect(a.status, a.stderr).toBe(0);
    expect(a.stderr).toContain("translate 4/4"); // progress on stderr
    const lines = readFileSync(text, "utf8").split("\n");
    expect(lines).toHaveLength(5); // 4 lines + the final newline
    expect(lines[1]).toBe(""); // empty in, empty out
    expect(lines[0]).toBe("लाल बिल्ली");
    expect(lines[3]).toBe("छोटा कुत्ता");

    const json = join(dir, "out", "input.jsonl");
    const b = qkv(
      "translate",
      "--model",
      model,
      "--input",
      input,
      "--output",
      json,
      "--n-best",
      "3",
      "--format",
      "json",
    );
    expect(b.status, b.stderr).toBe(0);
    const rows = readFileSync(json, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4]);
    expect(rows[1].translations).toEqual([]);
    for (const r of [rows[0], rows[2], rows[3]]) {
      expect(r.translations).toHaveLength(3);
      const scores = r.translations.map((h: { score: number }) => h.score);
      for (const s of scores) expect(s).toBeLessThan(0);
      expect(new Set(r.translations.map((h: { text: string }) => h.text)).size).toBe(3);
    }
    // the best of the 3-best list is what --beam 3 printed
    expect([rows[0], rows[2], rows[3]].map((r) => r.translations[0].text)).toEqual([
      lines[0],
      lines[2],
      lines[3],
    ]);

    const tsv = join(dir, "out", "input.tsv");
    const c = qkv(
      "translate",
      "--model",
      model,
      "--input",
      input,
      "--output",
      tsv,
      "--n-best",
      "2",
      "--format",
      "tsv",
    );
    expect(c.status, c.stderr).toBe(0);
    const t = readFileSync(tsv, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split("\t"));
    expect(t.map((r) => `${r[0]}.${r[1]}`)).toEqual(["1.1", "1.2", "2.1", "3.1", "3.2", "4.1", "4.2"]);
    expect(t[0][3]).toBe(rows[0].translations[0].text);
    expect(Number(t[1][2])).toBeCloseTo(rows[0].translations[1].score, 5);
  });

  it("--tsv with --tokenizer bpe: trains, stores the BPE tokenizers, translates a file", () => {
    const tsv = file(
      "pairs.tsv",
      en.map((e, i) => `${e}\t${hi[i]}`),
    );
    const bpe = join(dir, "bpe");
    const t = qkv(
      "train",
      "--tsv",
      tsv,
      "--tokenizer",
      "bpe",
      "--vocab-size",
      "300",
      "--epochs",
      "1",
      ...common,
      "--out",
      bpe,
    );
    expect(t.status, t.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(bpe, "best.json"), "utf8")).meta;
    expect(meta.taskOptions.tsvFile).toBe(tsv);
    expect(meta.tgtTokenizer.format).toBe("qkv-bpe");
    const out = join(dir, "bpe.jsonl");
    const r = qkv(
      "translate",
      "--model",
      bpe,
      "--input",
      file("in2.en", ["red cat", "big dog"]),
      "--output",
      out,
      "--format",
      "json",
      "--quiet",
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe(`translated 2 lines of ${join(dir, "in2.en")} into ${out}\n`);
    const rows = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.translations[0].text).toMatch(/^[\u0900-\u097f ]+$/); // Devanagari words
  });

  it("misaligned files: the error names both files and the first line without a partner", () => {
    const short = file("short.hi", hi.slice(0, 397));
    const r = qkv("train", "--src", srcFile, "--tgt", short, "--epochs", "1", "--out", join(dir, "bad"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `${srcFile} has 400 lines, ${short} has 397 lines; line 398 of ${srcFile} is the first without a partner in ${short}`,
    );
    const tsv = file("bad.tsv", ["red\tलाल", "cat बिल्ली"]);
    const s = qkv("train", "--tsv", tsv, "--epochs", "1");
    expect(s.status).toBe(1);
    expect(s.stderr).toContain(`${tsv} line 2: expected source<TAB>target (exactly one tab), found no tab`);
  });
});
