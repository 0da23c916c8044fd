/**
 * `qkv eval --hyp FILE --ref FILE…` (src/cli/score-files.ts): any system's output scored like
 * sacreBLEU's command line, with its signature line. On WMT17 en-de it must give the sacreBLEU 2.6.0
 * scores test/eval already checks the library against (skipped, with a SKIPPED line, without the data).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readSegments, scoreFiles } from "../../src/cli/score-files.js";
import { dataPath } from "../../src/data/paths.js";
import { WMT17_SACREBLEU, WMT17_SACREBLEU_INTL } from "../eval/wmt17-scores.js";
import { requireDataset } from "../helpers/data.js";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const qkv = (...args: string[]) =>
  spawnSync(tsx, [join(root, "src/cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });

const tmp = mkdtempSync(join(tmpdir(), "qkv-score-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, text: string | Uint8Array) => {
  const f = join(tmp, name);
  writeFileSync(f, text);
  return f;
};

describe("qkv eval --hyp --ref (small files)", () => {
  it("a perfect hypothesis scores 100 BLEU and 100 chrF; lines keep a BOM and CRLF is a line end", () => {
    const ref = write("ref.txt", "Das ist ein kleiner Test .\nNoch ein Satz hier .\n");
    const hyp = write("hyp.txt", "Das ist ein kleiner Test .\r\nNoch ein Satz hier .");
    const [bleu, chrf] = scoreFiles({ hyp, ref: [ref] });
    expect(bleu.score).toBeCloseTo(100, 10);
    expect(chrf.score).toBeCloseTo(100, 10);
    expect(readSegments(write("bom.txt", "\ufeffa\nb\n"))).toEqual(["\ufeffa", "b"]);
  });

  it("names both files and the first line without a partner when they are not aligned", () => {
    const ref = write("ref3.txt", "a\nb\nc\n");
    const hyp = write("hyp2.txt", "a\nb\n");
    expect(() => scoreFiles({ hyp, ref: [ref] })).toThrow(
      `Hypothesis and reference files differ in line count: ${hyp} has 2 lines, ${ref} has 3 lines; line 3 of ${ref} is the first without a partner in ${hyp}`,
    );
  });

  it("invalid UTF-8 is an error naming the file and line", () => {
    const bad = write("bad.txt", new Uint8Array([0x61, 0x0a, 0xff, 0x0a]));
    const ref = write("ref2.txt", "a\nb\n");
    expect(() => scoreFiles({ hyp: bad, ref: [ref] })).toThrow(`${bad}:2: invalid UTF-8`);
  });
});

const HAS_WMT17 = requireDataset("sacrebleu-wmt17-en-de");

describe.skipIf(!HAS_WMT17)("qkv eval --hyp --ref reproduces sacreBLEU 2.6.0 on WMT17 en-de", () => {
  const file = (f: string) => dataPath("sacrebleu-wmt17-en-de", f);
  const ref = file("newstest2017-ende-ref.de");
  const sys = (name: string) => file(`newstest2017.${name}.en-de`);

  it("13a BLEU of all 16 systems, to 1e-10", () => {
    let worst = 0;
    for (const [name, [score]] of Object.entries(WMT17_SACREBLEU)) {
      const [bleu] = scoreFiles({ hyp: sys(name), ref: [ref], metrics: ["bleu"] });
      worst = Math.max(worst, Math.abs(bleu.score - score));
      expect(Math.abs(bleu.score - score), name).toBeLessThan(1e-10);
    }
    console.log(`qkv eval --hyp --ref: largest |ours − sacreBLEU 2.6.0| over 16 WMT17 systems = ${worst}`);
  });

  it("intl BLEU, chrF2 and chrF2++ (online-A.0's first line starts with a BOM)", () => {
    for (const [name, score] of Object.entries(WMT17_SACREBLEU_INTL)) {
      const [bleu] = scoreFiles({ hyp: sys(name), ref: [ref], metrics: ["bleu"], tokenize: "intl" });
      expect(Math.abs(bleu.score - score), name).toBeLessThan(1e-10);
    }
    const [chrf] = scoreFiles({ hyp: sys("uedin-nmt.4722"), ref: [ref], metrics: ["chrf"] });
    expect(Math.abs(chrf.score - 57.722703142284985)).toBeLessThan(1e-10);
    const [pp] = scoreFiles({ hyp: sys("online-A.0"), ref: [ref], metrics: ["chrf"], chrfWordOrder: 2 });
    expect(pp.name).toBe("chrF2++");
    expect(Math.abs(pp.score - 49.046886556560054)).toBeLessThan(1e-10);
  });

  it("the command prints sacreBLEU's lines with their signatures (and its JSON with --json)", () => {
    const r = qkv("eval", "--hyp", sys("uedin-nmt.4722"), "--ref", ref);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.replace(/\n$/, "").split("\n");
    expect(lines[0].indexOf(" = ")).toBe(lines[1].indexOf(" = ")); // aligned, as sacreBLEU prints them
    expect(lines[0]).toMatch(
      /^ *BLEU\|nrefs:1\|case:mixed\|eff:no\|tok:13a\|smooth:exp\|version:2\.6\.0\+qkv\.[\d.]+ = 28\.3 [\d./]+ \(BP = 1\.000 ratio = [\d.]+ hyp_len = \d+ ref_len = 61287\)$/,
    );
    expect(lines[1]).toMatch(
      /^chrF2\|nrefs:1\|case:mixed\|eff:yes\|nc:6\|nw:0\|space:no\|version:2\.6\.0\+qkv\.[\d.]+ = 57\.7$/,
    );
    const j = qkv(
      "eval",
      "--hyp",
      sys("C-3MA.4959"),
      "--ref",
      ref,
      "--metrics",
      "bleu",
      "--width",
      "10",
      "--json",
    );
    expect(j.status, j.stderr).toBe(0);
    const doc = JSON.parse(j.stdout);
    expect(doc.name).toBe("BLEU");
    expect(doc.tok).toBe("13a");
    expect(Math.abs(doc.score - WMT17_SACREBLEU["C-3MA.4959"][0])).toBeLessThan(1e-9);
  });
});

describe("qkv eval: argument errors", () => {
  it("--hyp without --ref, and --hyp with --model, are clear errors", () => {
    const hyp = write("h.txt", "a\n");
    const a = qkv("eval", "--hyp", hyp);
    expect(a.status).toBe(1);
    expect(a.stderr).toContain("--hyp needs --ref FILE…");
    const b = qkv("eval");
    expect(b.status).toBe(1);
    expect(b.stderr).toContain("give --model DIR (a checkpoint), or --hyp FILE --ref FILE…");
  });
});
