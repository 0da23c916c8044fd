/**
 * The explorer's view 7 (web/src/forced.ts) in Node, on the bundled checkpoints: the page's forced maps are
 * qkv's `forcedAlign` (the model loaded by the Node path, loadModel + tokenizersOf, not the page's loader)
 * at the reading `qkv align` uses — the folder's alignment.json, else the model's default; IBM Model 1's
 * links and posterior are the library's (`classicalAlignerFromJSON` on pretrained/ibm1-en-hi/aligner.json,
 * aligning the pair's whitespace words as src/cli/align.ts and scripts/align-results.ts do); the AER lines
 * are alignment.json's numbers, or say that there is none; empty inputs are errors naming the field.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "vite";
import { beforeAll, describe, expect, it } from "vitest";
import { classicalAlignerFromJSON } from "../../src/align/classical.js";
import { alignmentWords } from "../../src/align/corpus.js";
import { type AlignModel, type AlignReading, forcedAlign, pharaoh } from "../../src/align/forced.js";
import { bidirectionalLinks } from "../../src/align/symmetrize.js";
import type { Tokenizer } from "../../src/data/tokenizers.js";
import { loadModel } from "../../src/train/load-model.js";
import { tokenizersOf } from "../../src/train/trainer.js";
import type { LoadedSeq2Seq, LoadedTransformer } from "../../web/src/checkpoint.js";
import { float16FileName } from "../../web/src/float16.js";
import {
  checkPair,
  classicalMap,
  forcedMap,
  GOLD_LABEL,
  GOLD_SET,
  goldLine,
  linksCaption,
  parseAlignmentDoc,
  readingFor,
} from "../../web/src/forced.js";
import { BUNDLED_ALIGNERS, bundledModels } from "../../web/vite.config.js";
import { loadBundledPageModels, maxAbsDiff } from "../helpers/bundled-page-models.js";
import { saveTinyTransformer } from "../helpers/tiny-transformer.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const lines = (f: string) =>
  readFileSync(join(ROOT, f), "utf8")
    .split("\n")
    .filter((l) => l !== "");
const LESSON = { en: lines("gold/en-hi/lesson.en")[0], hi: lines("gold/en-hi/lesson.hi")[0] };
/** The lesson's pair and the first gold test pairs. */
const PAIRS = [
  LESSON,
  ...lines("gold/en-hi/test.en")
    .slice(0, 4)
    .map((en, i) => ({ en, hi: lines("gold/en-hi/test.hi")[i] })),
];

const docFile = (name: string) => join(ROOT, "pretrained", name, "alignment.json");
/** A folder's alignment.json as the page reads it, or null. */
const docOf = (name: string) =>
  existsSync(docFile(name))
    ? parseAlignmentDoc(JSON.parse(readFileSync(docFile(name), "utf8")), `models/${name}/alignment.json`)
    : null;
/** The reading `qkv align` uses: the folder's alignment.json's, else none (the model's default). */
const cliReading = (name: string): AlignReading | undefined => {
  if (!existsSync(docFile(name))) return undefined;
  const r = JSON.parse(readFileSync(docFile(name), "utf8")).reading as AlignReading;
  return { ...r };
};

interface NodeModel {
  model: AlignModel;
  srcTokenizer: Tokenizer;
  tgtTokenizer: Tokenizer;
}
const nodeModel = async (name: string): Promise<NodeModel> => {
  const { model, meta } = await loadModel(join(ROOT, "pretrained", name), "best");
  return { model: model as AlignModel, ...tokenizersOf(meta) };
};

let lstm: LoadedSeq2Seq;
let tr: LoadedTransformer;

beforeAll(async () => {
  ({ lstm, tr } = await loadBundledPageModels());
}, 120_000);

describe("view 7's forced maps", () => {
  it("says under each map how its outlines were read", () => {
    expect(linksCaption({})).toContain("outlined: each Hindi word's highest-weight English word.");
    expect(linksCaption({ posterior: true, symmetrize: "intersect" })).toContain(
      "outlined: the pairs that are each other's best match",
    );
    expect(linksCaption({ symmetrize: "grow-diag-final-and" })).toMatch(
      /each other's best match .*grown by best matches next to them \(grow-diag-final-and/,
    );
  });

  it("the LSTM's map is forcedAlign's on the same checkpoint (words, weights ≤ 1e-6, links)", async () => {
    const node = await nodeModel("en-hi");
    const doc = docOf("en-hi");
    const { reading } = readingFor(lstm, doc, "models/en-hi");
    for (const p of PAIRS) {
      const want = forcedAlign(
        node.model,
        node.srcTokenizer,
        node.tgtTokenizer,
        p.en,
        p.hi,
        cliReading("en-hi"),
      );
      const got = forcedMap(lstm, p.en, p.hi, reading);
      expect(got.englishWords).toEqual(want.srcWords);
      expect(got.hindiWords).toEqual(want.tgtWords);
      expect(got.englishWords).toEqual(alignmentWords(p.en));
      expect(got.hindiWords).toEqual(alignmentWords(p.hi));
      expect(maxAbsDiff(got.weights, want.wordWeights)).toBeLessThanOrEqual(1e-6);
      expect(got.pharaoh).toBe(pharaoh(want.links));
      expect(new Set(got.links)).toEqual(want.links);
      // The documented reading's links, read off the map's own weights (rows only: each Hindi word's argmax).
      expect(new Set(got.links)).toEqual(bidirectionalLinks(got.weights, reading.symmetrize ?? "none"));
      if ((reading.symmetrize ?? "none") === "none") {
        expect(got.links.map((l) => Number(l.split("-")[1])).sort()).toEqual(got.hindiWords.map((_, t) => t));
      }
    }
  }, 120_000);

  it("the Transformer's map is forcedAlign's at the reading qkv align uses (alignment.json, else the default)", async () => {
    const node = await nodeModel("en-hi-transformer");
    const doc = docOf("en-hi-transformer");
    const { reading, from } = readingFor(tr, doc, "models/en-hi-transformer");
    if (!doc) {
      expect(reading).toEqual({ layer: tr.model.config.numDecoderLayers - 1, head: "mean" });
      expect(from).toContain("models/en-hi-transformer has no alignment.json");
    } else expect(from).toContain("documented in models/en-hi-transformer/alignment.json");
    for (const p of PAIRS) {
      const want = forcedAlign(
        node.model,
        node.srcTokenizer,
        node.tgtTokenizer,
        p.en,
        p.hi,
        cliReading("en-hi-transformer"),
      );
      const got = forcedMap(tr, p.en, p.hi, reading);
      expect(got.reading).toEqual(want.reading);
      expect(got.englishWords).toEqual(want.srcWords);
      expect(got.hindiWords).toEqual(want.tgtWords);
      expect(got.hindiTokens).toEqual(want.tgtTokens);
      expect(maxAbsDiff(got.weights, want.wordWeights)).toBeLessThanOrEqual(1e-6);
      expect(got.pharaoh).toBe(pharaoh(want.links));
    }
  }, 120_000);

  it("readingFor: a documented reading is used and named; one the model lacks is an error naming the file", () => {
    const doc = parseAlignmentDoc({ reading: { layer: 0, head: 1 }, note: "best dev AER", gold: {} }, "x");
    expect(readingFor(tr, doc, "models/t")).toEqual({
      reading: { layer: 0, head: 1 },
      from: "layer 0, head 1 (documented in models/t/alignment.json: best dev AER)",
    });
    const bad = parseAlignmentDoc({ reading: { layer: 0, head: 9 } }, "x");
    expect(() => readingFor(tr, bad, "models/t")).toThrow(/models\/t\/alignment\.json: head 9/);
    expect(readingFor(lstm, null, "models/en-hi")).toEqual({
      reading: {},
      from: "its attention (an LSTM has one: no layer or head to choose)",
    });
    expect(() => parseAlignmentDoc({ reading: { layer: -1 } }, "f.json")).toThrow(/^f\.json: expected/);
    expect(() => parseAlignmentDoc({ reading: {}, gold: { "en-hi test": { aer: 2 } } }, "f.json")).toThrow(
      /gold\["en-hi test"\]\.aer must be a number in \[0, 1\]/,
    );
  });

  it("an empty or too long side is an error naming its field", () => {
    expect(() => checkPair("  ", LESSON.hi)).toThrow(/^English sentence: empty/);
    expect(() => checkPair(LESSON.en, "")).toThrow(/^Hindi reference: empty/);
    expect(() => forcedMap(lstm, LESSON.en, " ")).toThrow(/^Hindi reference: empty/);
    expect(() => checkPair(LESSON.en, LESSON.hi)).not.toThrow();
    const long = "Turn off the lights. ".repeat(15); // 315 characters
    expect(() => checkPair(long, LESSON.hi)).toThrow(
      /^English sentence: 315 characters; view 7 aligns up to 300 a side/,
    );
    expect(() => checkPair(LESSON.en, "लाइट बंद करो ".repeat(30))).toThrow(/^Hindi reference: 390 characters/);
    expect(() => checkPair("a".repeat(300), LESSON.hi)).not.toThrow();
  });
});

describe("view 7's IBM Model 1", () => {
  const file = join(ROOT, "pretrained/ibm1-en-hi/aligner.json");
  it("links and posterior equal the library's for the same pair (its own symmetrisation)", () => {
    const text = readFileSync(file, "utf8");
    const json = JSON.parse(text);
    const lib = classicalAlignerFromJSON(json);
    const page = classicalAlignerFromJSON(text);
    expect(page.symmetrization).toBe(json.symmetrize);
    for (const p of PAIRS) {
      const src = alignmentWords(p.en);
      const tgt = alignmentWords(p.hi);
      const got = classicalMap(page, p.en, p.hi);
      expect(got.englishWords).toEqual(src);
      expect(got.hindiWords).toEqual(tgt);
      expect(got.pharaoh).toBe(pharaoh(lib.align(src, tgt, json.symmetrize)));
      expect(maxAbsDiff(got.weights, lib.posterior(src, tgt))).toBe(0);
    }
  });

  it("the AER lines are alignment.json's 'en-hi test' scores, or say there is none", () => {
    expect(lines("gold/en-hi/test.en")).toHaveLength(120); // GOLD_LABEL's count
    expect(GOLD_LABEL).toBe("AER on gold/en-hi test (120 hand-aligned Tatoeba pairs)");
    const raw = JSON.parse(readFileSync(join(ROOT, "pretrained/ibm1-en-hi/alignment.json"), "utf8"));
    const doc = parseAlignmentDoc(raw, "aligners/ibm1-en-hi/alignment.json");
    const s = raw.gold[GOLD_SET];
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    expect(goldLine(doc, "aligners/ibm1-en-hi")).toBe(
      `${GOLD_LABEL}: AER ${pct(s.aer)}, precision ${pct(s.precision)}, recall ${pct(s.recall)}.`,
    );
    expect(goldLine(null, "models/en-hi")).toBe(
      `${GOLD_LABEL}: not measured — models/en-hi has no alignment.json.`,
    );
    expect(goldLine({ reading: {}, gold: {} }, "models/x")).toMatch(
      /models\/x\/alignment\.json has no "en-hi test"/,
    );
  });
});

describe("the Vite plugin serves view 7's files", () => {
  it("lists a model folder's alignment.json with its files when there is one", async () => {
    for (const m of bundledModels()) {
      const dir = join(ROOT, "pretrained", m.name);
      if (existsSync(dir))
        expect(m.files.includes("alignment.json")).toBe(existsSync(join(dir, "alignment.json")));
    }
    const tmp = mkdtempSync(join(tmpdir(), "qkv-web-forced-"));
    const before = process.env.QKV_MODELS_DIR;
    try {
      const dir = join(tmp, "models", "tiny-transformer");
      await saveTinyTransformer(dir);
      process.env.QKV_MODELS_DIR = join(tmp, "models");
      // Served in float16: best.json names the converted file (web/vite.config.ts's servedCheckpoint).
      const tensors = float16FileName(JSON.parse(readFileSync(join(dir, "best.json"), "utf8")).tensors);
      const files = () => bundledModels().find((m) => m.name === "tiny-transformer")?.files;
      expect(files()).toEqual(["best.json", tensors]);
      writeFileSync(
        join(dir, "alignment.json"),
        JSON.stringify({ reading: { layer: 0, head: 1 }, gold: {} }),
      );
      expect(files()).toEqual(["best.json", tensors, "alignment.json"]);
    } finally {
      if (before === undefined) delete process.env.QKV_MODELS_DIR;
      else process.env.QKV_MODELS_DIR = before;
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("vite dev serves the IBM Model 1 aligner's two files at aligners/ibm1-en-hi/, nothing else from there", async () => {
    expect(BUNDLED_ALIGNERS).toContain("ibm1-en-hi");
    const server = await createServer({
      configFile: join(ROOT, "web/vite.config.ts"),
      server: { port: 0, host: "127.0.0.1" },
      logLevel: "silent",
    });
    try {
      await server.listen();
      const url = server.resolvedUrls?.local[0] ?? "";
      for (const f of ["aligner.json", "alignment.json"]) {
        const r = await fetch(`${url}aligners/ibm1-en-hi/${f}`);
        expect(r.status).toBe(200);
        expect(r.headers.get("content-type")).toBe("application/json");
        expect(await r.text()).toBe(readFileSync(join(ROOT, "pretrained/ibm1-en-hi", f), "utf8"));
      }
      // Anything else under aligners/ is not a file of pretrained/ (vite answers with the page).
      for (const p of [
        "aligners/ibm1-en-hi/best.json",
        "aligners/en-hi/best.json",
        "aligners/ibm1-en-hi/..%2fen-hi%2fbest.json",
        "aligners/../package.json",
      ]) {
        const r = await fetch(`${url}${p}`);
        expect(r.headers.get("content-type"), p).not.toBe("application/json");
        expect(await r.text(), p).not.toContain('"format"');
      }
    } finally {
      await server.close();
    }
  }, 120_000);
});
