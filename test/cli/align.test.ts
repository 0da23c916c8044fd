/** `qkv align` end to end: Pharaoh output, --gold scores, --json, readings, errors, the bundled models. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as qkv from "../../src/index.js";
import {
  alignmentScores,
  bidirectionalLinks,
  forcedAlignAll,
  parseAlignmentDoc,
  pharaoh,
  readingName,
  whitespaceWords,
} from "../../src/index.js";
import type { Seq2SeqConfig } from "../../src/models/seq2seq/config.js";
import { Seq2Seq } from "../../src/models/seq2seq/model.js";
import { loadModel, tokenizersOf } from "../../src/node.js";
import { manualSeed } from "../../src/tensor/index.js";
import { saveCheckpoint } from "../../src/train/checkpoint.js";
import { saveTinyTransformer } from "../helpers/tiny-transformer.js";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const qkvCli = (...args: string[]) =>
  spawnSync(tsx, [join(root, "src/cli/main.ts"), "align", ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });

const dir = mkdtempSync(join(tmpdir(), "qkv-align-"));
const s2s = join(dir, "s2s");
const tr = join(dir, "tr");
const trDoc = join(dir, "tr-doc");
const latentDir = join(dir, "latent");
const EN = ["Turn off the lights.", "I know Tom.", "Where is the big dog?"];
const HI = ["बत्तियाँ बंद करो।", "मैं टॉम को जानता हूँ।", "बड़ा कुत्ता कहाँ है?"];
const f = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const srcFile = f("src.en", `${EN.join("\n")}\n`);
const tgtFile = f("tgt.hi", `${HI.join("\n")}\n`);
const tsvFile = f("pairs.tsv", `${EN.map((e, i) => `${e}\t${HI[i]}`).join("\n")}\n`);
const goldFile = f("gold.align", "0-1 1?1 3-0\n0-0 2-3 1-2 1?4\n3-1 4-1 0?2\n");

/** A seeded random LSTM + Bahdanau checkpoint over the bundled en-hi vocabularies and tokenizers. */
async function saveTinySeq2Seq(out: string, extra: Partial<Seq2SeqConfig> = {}): Promise<void> {
  const lstm = JSON.parse(readFileSync(join(root, "pretrained/en-hi/best.json"), "utf8")).meta;
  const config = {
    srcVocabSize: lstm.srcVocab.length,
    tgtVocabSize: lstm.tgtVocab.length,
    embedDim: 8,
    hiddenSize: 8,
    attention: "bahdanau" as const,
    dropout: 0,
    ...extra,
  };
  manualSeed(3);
  const model = new Seq2Seq(config).eval();
  mkdirSync(out, { recursive: true });
  await saveCheckpoint(out, "best", {
    model: model.stateDict(),
    meta: {
      kind: "seq2seq",
      config,
      task: lstm.task,
      srcVocab: lstm.srcVocab,
      tgtVocab: lstm.tgtVocab,
      ...(lstm.srcTokenizer ? { srcTokenizer: lstm.srcTokenizer, tgtTokenizer: lstm.tgtTokenizer } : {}),
      maxTargetLength: 6,
      note: "random init, for tests only",
    },
  });
}

beforeAll(async () => {
  await saveTinySeq2Seq(s2s);
  await saveTinySeq2Seq(latentDir, { attentionValues: "embeddings", latentAlignment: true });
  writeFileSync(
    join(latentDir, "alignment.json"),
    JSON.stringify({ reading: { posterior: true }, note: "best dev AER (test)" }),
  );
  await saveTinyTransformer(tr);
  await saveTinyTransformer(trDoc);
  writeFileSync(
    join(trDoc, "alignment.json"),
    JSON.stringify({ reading: { layer: 0, head: 1 }, note: "best dev AER (test)" }),
  );
}, 60_000);

/** The API's links for the same checkpoint and pairs (what the CLI must print). */
async function apiLinks(model: string, reading?: qkv.AlignReading): Promise<string[]> {
  const m = await loadModel(model, "best");
  const { srcTokenizer, tgtTokenizer } = tokenizersOf(m.meta);
  const pairs = EN.map((source, i) => ({ source, target: HI[i] }));
  return forcedAlignAll(m.model, srcTokenizer, tgtTokenizer, pairs, { reading }).map((a) => pharaoh(a.links));
}

const lines = (s: string) => s.split("\n").slice(0, -1);

describe("qkv align --method attention", () => {
  it("prints one Pharaoh line per pair: each target word linked to one source word; --tsv the same", async () => {
    const r = qkvCli("--model", s2s, "--src", srcFile, "--tgt", tgtFile);
    expect(r.status, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out).toHaveLength(3);
    out.forEach((line, i) => {
      const links = line.split(" ").map((l) => l.split("-").map(Number));
      const nSrc = whitespaceWords(EN[i]).length;
      const nTgt = whitespaceWords(HI[i]).length;
      expect(links.map(([, t]) => t).sort()).toEqual([...Array(nTgt).keys()]);
      for (const [s] of links) expect(s).toBeLessThan(nSrc);
    });
    expect(out).toEqual(await apiLinks(s2s));
    const t = qkvCli("--model", s2s, "--tsv", tsvFile);
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toBe(r.stdout);
  }, 60_000);

  it("--gold prints AER, precision and recall of the printed links; --json carries the same scores", () => {
    const r = qkvCli("--model", s2s, "--src", srcFile, "--tgt", tgtFile, "--gold", goldFile);
    expect(r.status, r.stderr).toBe(0);
    const predicted = lines(r.stdout).map((l) => l.split(" ").filter((x) => x !== ""));
    const gold = lines(readFileSync(goldFile, "utf8")).map((l) => l.split(" "));
    const sure = gold.map((g) => g.filter((x) => x.includes("-")));
    const possible = gold.map((g) => g.map((x) => x.replace("?", "-")));
    const want = alignmentScores(predicted, sure, possible);
    const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
    expect(r.stderr).toContain(
      `AER ${pct(want.aer)}, precision ${pct(want.precision)}, recall ${pct(want.recall)} (${want.predicted} links, 7 sure)`,
    );
    const j = qkvCli("--model", s2s, "--src", srcFile, "--tgt", tgtFile, "--gold", goldFile, "--json");
    expect(j.status, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout).scores).toEqual(want);
  }, 60_000);

  it("--json: words, tokens, word-level matrix and links per pair; --output writes it to a file", async () => {
    const out = join(dir, "out", "align.json");
    const r = qkvCli(
      "--model",
      tr,
      "--tsv",
      tsvFile,
      "--json",
      "--output",
      out,
      "--layer",
      "1",
      "--head",
      "0",
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("reading layer 1, head 0 (--layer/--head)");
    const doc = JSON.parse(readFileSync(out, "utf8"));
    expect(doc.method).toBe("attention");
    expect(doc.reading).toEqual({ layer: 1, head: 0 });
    expect(doc.scores).toBeNull();
    expect(doc.pairs).toHaveLength(3);
    const p = doc.pairs[0];
    expect(p.source).toBe(EN[0]);
    expect(p.srcWords).toEqual(["Turn", "off", "the", "lights."]);
    // The tokens are the checkpoint's own (the bundled en-hi tokenizers), each on the word it came from.
    const { srcTokenizer } = tokenizersOf((await loadModel(tr, "best")).meta);
    const tw = qkv.tokensWithWords(EN[0], srcTokenizer);
    expect(p.srcTokens).toEqual(tw.tokens);
    expect(p.srcTokenWord).toEqual(tw.tokenWord);
    expect(p.srcTokens.join("").replace(/▁/g, "")).toBe("turnoffthelights.");
    expect(new Set(p.srcTokenWord)).toEqual(new Set([0, 1, 2, 3]));
    expect(p.wordWeights).toHaveLength(p.tgtWords.length);
    for (const row of p.wordWeights) {
      expect(row).toHaveLength(4);
      expect(row.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);
    }
    expect(typeof p.links).toBe("string");
    expect(typeof p.logProb).toBe("number");
  }, 60_000);

  it("Transformer readings: the default (last layer's mean), the model folder's alignment.json, --layer/--head", async () => {
    const d = qkvCli("--model", tr, "--src", srcFile, "--tgt", tgtFile);
    expect(d.status, d.stderr).toBe(0);
    expect(d.stderr).toContain(
      "reading layer 1, mean of heads (default: the last decoder layer's mean over heads)",
    );
    expect(lines(d.stdout)).toEqual(await apiLinks(tr));
    const doc = qkvCli("--model", trDoc, "--src", srcFile, "--tgt", tgtFile);
    expect(doc.status, doc.stderr).toBe(0);
    expect(doc.stderr).toContain(
      `reading layer 0, head 1 (${join(trDoc, "alignment.json")}: best dev AER (test))`,
    );
    expect(lines(doc.stdout)).toEqual(await apiLinks(trDoc, { layer: 0, head: 1 }));
    const all = qkvCli("--model", tr, "--tsv", tsvFile, "--gold", goldFile, "--all-readings", "--json");
    expect(all.status, all.stderr).toBe(0);
    const j = JSON.parse(all.stdout);
    const names: string[] = j.readings.map((r: { name: string }) => r.name);
    const matrices = [
      "layer 0, head 0",
      "layer 0, head 1",
      "layer 0, mean of heads",
      "layer 1, head 0",
      "layer 1, head 1",
      "layer 1, mean of heads",
      "mean of all layers and heads",
    ];
    // Each matrix by its rows, then read in both directions three ways.
    expect(names).toEqual(
      matrices.flatMap((m) => [
        m,
        `${m}, both directions, intersect`,
        `${m}, both directions, grow-diag`,
        `${m}, both directions, grow-diag-final-and`,
      ]),
    );
    expect(j.readings[names.indexOf("layer 1, mean of heads")].scores).toEqual(j.scores); // the default
  }, 90_000);

  it("latent-alignment LSTM: alignment.json's posterior by default, --no-posterior the attention, --all-readings both", async () => {
    const doc = qkvCli("--model", latentDir, "--src", srcFile, "--tgt", tgtFile);
    expect(doc.status, doc.stderr).toBe(0);
    expect(doc.stderr).toContain(
      `reading alignment posterior (${join(latentDir, "alignment.json")}: best dev AER (test))`,
    );
    expect(lines(doc.stdout)).toEqual(await apiLinks(latentDir, { posterior: true }));
    const att = qkvCli("--model", latentDir, "--src", srcFile, "--tgt", tgtFile, "--no-posterior");
    expect(att.status, att.stderr).toBe(0);
    expect(att.stderr).toContain("reading its attention (--no-posterior)");
    expect(lines(att.stdout)).toEqual(await apiLinks(latentDir, {}));
    const all = qkvCli(
      "--model",
      latentDir,
      "--tsv",
      tsvFile,
      "--gold",
      goldFile,
      "--all-readings",
      "--json",
    );
    expect(all.status, all.stderr).toBe(0);
    const j = JSON.parse(all.stdout);
    const names: string[] = j.readings.map((r: { name: string }) => r.name);
    expect(names.filter((n) => !n.includes("both directions"))).toEqual([
      "its attention",
      "alignment posterior",
    ]);
    expect(names).toHaveLength(8);
    expect(j.readings[names.indexOf("alignment posterior")].scores).toEqual(j.scores);
    // --symmetrize keeps alignment.json's matrix (the posterior) and reads it in both directions.
    const sym = qkvCli("--model", latentDir, "--src", srcFile, "--tgt", tgtFile, "--symmetrize", "intersect");
    expect(sym.status, sym.stderr).toBe(0);
    expect(sym.stderr).toContain(
      `reading alignment posterior, both directions, intersect (${join(latentDir, "alignment.json")}; --symmetrize intersect)`,
    );
    expect(lines(sym.stdout)).toEqual(
      await apiLinks(latentDir, { posterior: true, symmetrize: "intersect" }),
    );
    const rows = qkvCli(
      "--model",
      latentDir,
      "--src",
      srcFile,
      "--tgt",
      tgtFile,
      "--no-posterior",
      "--symmetrize",
      "grow-diag",
    );
    expect(rows.status, rows.stderr).toBe(0);
    expect(rows.stderr).toContain(
      "reading its attention, both directions, grow-diag (--no-posterior, --symmetrize)",
    );
    expect(lines(rows.stdout)).toEqual(await apiLinks(latentDir, { symmetrize: "grow-diag" }));
    const ctx = qkvCli("--model", s2s, "--src", srcFile, "--tgt", tgtFile, "--posterior");
    expect(ctx.status).not.toBe(0);
    expect(ctx.stderr).toContain("--posterior: only a latentAlignment model has an alignment posterior");
  }, 90_000);

  it("explains bad arguments, naming them", () => {
    const run = (...a: string[]) => {
      const r = qkvCli(...a);
      expect(r.status).not.toBe(0);
      return r.stderr;
    };
    const pairs = ["--src", srcFile, "--tgt", tgtFile];
    expect(run("--model", tr, ...pairs, "--head", "7")).toContain(
      "qkv align: --head 7: the model has 2 heads (0–1)",
    );
    expect(run("--model", tr, ...pairs, "--layer", "2")).toContain(
      "--layer 2: the model has 2 decoder layers (0–1)",
    );
    expect(run("--model", tr, ...pairs, "--head", "x")).toContain(
      '--head must be a non-negative integer or "mean"',
    );
    expect(run("--model", s2s, ...pairs, "--layer", "0")).toContain(
      "--layer 0: this is a seq2seq (LSTM) model with one attention",
    );
    expect(run("--model", join(dir, "absent"), ...pairs)).toMatch(/qkv align: no model at .*absent/);
    expect(run(...pairs)).toContain("--method attention needs --model DIR");
    expect(run("--model", tr, ...pairs, "--all-readings")).toContain(
      "--all-readings scores every reading: give --gold FILE",
    );
    expect(run("--model", s2s, "--src", srcFile)).toContain("give the pairs to align");
    const short = f("short.hi", `${HI[0]}\n`);
    expect(run("--model", s2s, "--src", srcFile, "--tgt", short)).toMatch(
      /differ in line count: .* 3 lines, .* 1 lines/,
    );
    const gold2 = f("gold2.align", "0-0\n");
    expect(run("--model", s2s, ...pairs, "--gold", gold2)).toContain(
      `--gold ${gold2} has 1 lines, but there are 3 sentence pairs`,
    );
    const far = f("far.align", "0-0\n9-0\n0-0\n");
    expect(run("--model", s2s, ...pairs, "--gold", far)).toContain(
      `--gold ${far} line 2: link 9-0 is beyond the sentence's words (3 source × 5 target words`,
    );
    const bad = f("bad.align", "0-0\n0:1\n0-0\n");
    expect(run("--model", s2s, ...pairs, "--gold", bad)).toContain(`line 2: bad link "0:1"`);
  }, 120_000);
});

describe("qkv align with the bundled models (a few pairs)", () => {
  const goldDir = join(root, "gold/en-hi");
  const haveGold = existsSync(join(goldDir, "dev.align"));
  const pick = (name: string, n: number) => {
    const text = readFileSync(join(goldDir, name), "utf8").split("\n").slice(0, n).join("\n");
    return f(`bundled-${name}`, `${text}\n`);
  };
  const args = haveGold
    ? ["--src", pick("dev.en", 4), "--tgt", pick("dev.hi", 4), "--gold", pick("dev.align", 4)]
    : ["--src", srcFile, "--tgt", tgtFile, "--gold", goldFile];

  for (const [name, kind] of [
    ["en-hi", "LSTM + Bahdanau, latent alignment, BPE"],
    ["en-hi-transformer", "Transformer, BPE"],
  ] as const) {
    it(`pretrained/${name} (${kind}): links over words, scores printed`, () => {
      const r = qkvCli("--model", join(root, "pretrained", name), ...args, "--json");
      expect(r.status, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.pairs).toHaveLength(haveGold ? 4 : 3);
      const reading = parseAlignmentDoc(
        JSON.parse(readFileSync(join(root, "pretrained", name, "alignment.json"), "utf8")),
        name,
      ).reading;
      expect(r.stderr).toContain(`reading ${readingName(reading)} (`);
      for (const p of doc.pairs) {
        const links = p.links.split(" ").map((l: string) => l.split("-").map(Number));
        // The documented reading's links, read off the printed word matrix.
        expect(p.links).toBe(pharaoh(bidirectionalLinks(p.wordWeights, reading.symmetrize ?? "none")));
        for (const [s, t] of links) {
          expect(s).toBeLessThan(p.srcWords.length);
          expect(t).toBeLessThan(p.tgtWords.length);
        }
        if (name === "en-hi-transformer")
          expect(p.srcTokens.length).toBeGreaterThanOrEqual(p.srcWords.length);
        expect(p.srcTokenWord.every((w: number) => w >= 0)).toBe(true);
      }
      // The scores are those of the printed links against the gold file, recomputed here.
      const predicted = doc.pairs.map((p: { links: string }) => p.links.split(" ").filter((x) => x !== ""));
      const gold = lines(readFileSync(args[args.indexOf("--gold") + 1], "utf8")).map((l) => l.split(" "));
      const sure = gold.map((g) => g.filter((x) => x.includes("-")));
      const possible = gold.map((g) => g.map((x) => x.replace("?", "-")));
      const want = alignmentScores(predicted, sure, possible);
      expect(want.predicted).toBeGreaterThan(0);
      expect(doc.scores).toEqual(want);
      const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
      expect(r.stderr).toContain(`AER ${pct(want.aer)}, precision ${pct(want.precision)}`);
    }, 60_000);
  }
});

const classical = typeof (qkv as Record<string, unknown>).trainClassicalAligner === "function";
describe.skipIf(!classical)("qkv align --method ibm1 (no model needed)", () => {
  it("prints one Pharaoh line per pair", () => {
    const r = qkvCli("--method", "ibm1", "--tsv", tsvFile, "--gold", goldFile);
    expect(r.status, r.stderr).toBe(0);
    expect(lines(r.stdout)).toHaveLength(3);
    expect(r.stderr).toMatch(/AER \d+\.\d\d%/);
  }, 60_000);
});
