/** `qkv eval --hyp --ref --metrics …,ter`: sacreBLEU's TER line and signature, its options, and its WMT17 figure. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scoreFiles } from "../../src/cli/score-files.js";
import { dataPath } from "../../src/data/paths.js";
import { requireDataset } from "../helpers/data.js";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const qkv = (...args: string[]) =>
  spawnSync(tsx, [join(root, "src/cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });
const HAS_WMT17 = requireDataset("sacrebleu-wmt17-en-de");

describe("qkv eval --metrics ter", () => {
  const dir = mkdtempSync(join(tmpdir(), "qkv-ter-"));
  const hyp = join(dir, "hyp.txt");
  const ref = join(dir, "ref.txt");
  writeFileSync(hyp, "d e f g h a b c\nThe Cat sat.\n");
  writeFileSync(ref, "a b c d e f g h\nthe cat sat .\n");

  it("prints sacreBLEU's TER line: 1 shift + (sat. → sat .) over 12 words", () => {
    const r = qkv("eval", "--hyp", hyp, "--ref", ref, "--metrics", "ter", "--width", "2");
    expect(r.status, r.stderr).toBe(0);
    // Lowercased: "the cat sat." vs "the cat sat ." is 1 substitution + 1 insertion; 1 shift in line 1.
    expect(r.stdout.trim()).toMatch(
      /^TER\|nrefs:1\|case:lc\|tok:tercom\|norm:no\|punct:yes\|asian:no\|version:2\.6\.0\+qkv\.\S+ = 25\.00$/,
    );
  }, 60_000);

  it("its options: --ter-normalized splits the period, --ter-case-sensitive keeps case", () => {
    const [norm] = scoreFiles({ hyp, ref: [ref], metrics: ["ter"], ter: { normalized: true } });
    expect(norm.score).toBeCloseTo((100 * 1) / 12, 12);
    expect(norm.signature).toContain("norm:yes");
    const [cs] = scoreFiles({
      hyp,
      ref: [ref],
      metrics: ["ter"],
      ter: { caseSensitive: true, normalized: true },
    });
    expect(cs.score).toBeCloseTo((100 * 3) / 12, 12);
    expect(cs.signature).toContain("case:mixed");
  });

  it("refuses an unknown metric, naming the three", () => {
    const r = qkv("eval", "--hyp", hyp, "--ref", ref, "--metrics", "bleu,meteor");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/unknown metric "meteor" \(bleu, chrf, ter\)/);
  }, 60_000);

  it.skipIf(!HAS_WMT17)(
    "WMT17 en-de online-A.0: TER 69.0, as sacreBLEU's README prints it",
    () => {
      const d = (f: string) => dataPath("sacrebleu-wmt17-en-de", f);
      const [ter] = scoreFiles({
        hyp: d("newstest2017.online-A.0.en-de"),
        ref: [d("newstest2017-ende-ref.de")],
        metrics: ["ter"],
      });
      expect(ter.line).toMatch(/ = 69\.0$/);
    },
    120_000,
  );
});
