/**
 * The alignment table of docs/RESULTS.md: forced-alignment AER / precision / recall of attention models
 * and of the classical aligners (IBM Model 1, Model 2, fast_align; both directions, symmetrised) beside
 * them, on the English–Hindi gold sets (gold/en-hi: dev for choosing, test for reporting) and on the
 * Hansards French–English gold (English → French models).
 *
 *   npx tsx scripts/align-results.ts [--hi NAME=DIR]… [--fr NAME=DIR]… [--write-readings]
 *
 * Every reading is scored on dev (a Transformer: each decoder layer × head, each layer's mean, the mean
 * of all; latent-alignment models: the attention and the alignment posterior), each read by rows only and
 * in both directions (`withSymmetrizations`); the best dev reading is the one reported on test (chosen on dev, never on test) and, with
 * `--write-readings`, written to DIR/alignment.json, which `qkv align` and the explorer use by default.
 * Classical aligners train on tatoeba-hin-std's training part (hin.txt less validation) plus the gold
 * sentences being aligned — unsupervised aligners may read the text they align, as fast_align does; no
 * gold link is seen. French: tatoeba-fra's training part plus the 37 Hansards sentences.
 * Writes docs/results/alignment.json and docs/results/alignment.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  CLASSICAL_METHODS,
  classicalAlignerFromJSON,
  trainClassicalAligner,
} from "../src/align/classical.js";
import { alignmentWords } from "../src/align/corpus.js";
import {
  type AlignReading,
  alignReadings,
  forcedAlignReadings,
  readingName,
  withSymmetrizations,
} from "../src/align/forced.js";
import { readPharaohGold } from "../src/align/pharaoh.js";
import { alignmentScores, invertLinks, linkKey } from "../src/eval/alignment.js";
import { readHansardsGold } from "../src/eval/hansards.js";
import { initBackend, setNumThreads } from "../src/kernels/index.js";
import { loadModel } from "../src/train/load-model.js";
import { loadTask } from "../src/train/tasks.js";
import { tokenizersOf } from "../src/train/trainer.js";

const { values } = parseArgs({
  options: {
    hi: { type: "string", multiple: true, default: [] },
    fr: { type: "string", multiple: true, default: [] },
    "write-readings": { type: "boolean", default: false },
    out: { type: "string", default: "docs/results" },
  },
});
await initBackend();
await setNumThreads(1);

interface GoldSet {
  name: string;
  src: string[];
  tgt: string[];
  sure: Set<string>[];
  possible: Set<string>[];
}
const lines = (f: string) => readFileSync(f, "utf8").replace(/\n$/, "").split("\n");
function enHi(split: string): GoldSet {
  const g = readPharaohGold(readFileSync(`gold/en-hi/${split}.align`, "utf8"));
  return {
    name: `en-hi ${split}`,
    src: lines(`gold/en-hi/${split}.en`),
    tgt: lines(`gold/en-hi/${split}.hi`),
    sure: g.map((x) => x.sure),
    possible: g.map((x) => x.possible),
  };
}
function hansards(): GoldSet {
  // The file's links are French-English (i = French); an En→Fr model's are English-French: turned round.
  const h = readHansardsGold();
  return {
    name: "hansards en-fr",
    src: h.map((s) => s.english.join(" ")),
    tgt: h.map((s) => s.french.join(" ")),
    sure: h.map((s) => invertLinks(s.sure)),
    possible: h.map((s) => invertLinks(s.possible)),
  };
}

interface Row {
  gold: string;
  system: string;
  reading: string;
  aer: number;
  precision: number;
  recall: number;
  chosenOnDev?: boolean;
}
const rows: Row[] = [];
function score(
  gold: GoldSet,
  links: Set<string>[],
  system: string,
  reading: string,
  extra: Partial<Row> = {},
): Row {
  const s = alignmentScores(links, gold.sure, gold.possible);
  const row = {
    gold: gold.name,
    system,
    reading,
    aer: s.aer,
    precision: s.precision,
    recall: s.recall,
    ...extra,
  };
  rows.push(row);
  console.error(
    `${gold.name.padEnd(15)} ${system.padEnd(28)} ${reading.padEnd(34)} AER ${(100 * s.aer).toFixed(1)}  P ${(100 * s.precision).toFixed(1)}  R ${(100 * s.recall).toFixed(1)}`,
  );
  return row;
}

/** The diagonal: target word t links to source word ⌊(t + ½)·S/T⌋. */
function diagonal(gold: GoldSet): Set<string>[] {
  return gold.src.map((s, i) => {
    const S = alignmentWords(s).length;
    const T = alignmentWords(gold.tgt[i]).length;
    const out = new Set<string>();
    for (let t = 0; t < T; t++) out.add(linkKey(Math.min(S - 1, Math.floor(((t + 0.5) * S) / T)), t));
    return out;
  });
}

function classical(golds: GoldSet[], train: { src: string[]; tgt: string[] }): void {
  const corpus = {
    src: [...train.src, ...golds.flatMap((g) => g.src)].map(alignmentWords),
    tgt: [...train.tgt, ...golds.flatMap((g) => g.tgt)].map(alignmentWords),
  };
  for (const method of CLASSICAL_METHODS) {
    const t0 = Date.now();
    const aligner = trainClassicalAligner(corpus, { method });
    console.error(`${method}: trained on ${corpus.src.length} pairs in ${Date.now() - t0} ms`);
    for (const g of golds) {
      for (const sym of ["none", "intersect", "grow-diag-final-and"] as const) {
        const links = g.src.map((s, i) => aligner.align(alignmentWords(s), alignmentWords(g.tgt[i]), sym));
        score(g, links, method, sym === "none" ? "forward (target → one source)" : sym);
      }
    }
  }
}

/**
 * DIR/alignment.json: the reading `qkv align` and the explorer use by default, and that reading's scores
 * on each gold set (the explorer shows them).
 */
function writeAlignmentJson(
  dir: string,
  reading: AlignReading,
  note: string,
  system: string,
  readingLabel: string,
) {
  const gold: Record<string, { aer: number; precision: number; recall: number }> = {};
  for (const r of rows) {
    if (r.system === system && r.reading === readingLabel) {
      gold[r.gold] = { aer: r.aer, precision: r.precision, recall: r.recall };
    }
  }
  writeFileSync(join(dir, "alignment.json"), `${JSON.stringify({ reading, note, gold }, null, 1)}\n`);
}

async function attention(name: string, dir: string, dev: GoldSet | null, test: GoldSet): Promise<void> {
  const { model, meta } = await loadModel(dir, "best");
  const { srcTokenizer, tgtTokenizer } = tokenizersOf(meta);
  const pairsOf = (g: GoldSet) => g.src.map((s, i) => ({ source: s, target: g.tgt[i] }));
  const linksOf = (g: GoldSet, readings: AlignReading[]) =>
    forcedAlignReadings(model, srcTokenizer, tgtTokenizer, pairsOf(g), readings).map((r) =>
      r.map((a) => a.links),
    );
  // Every matrix, each read as rows only and in both directions (`withSymmetrizations`).
  const readings = withSymmetrizations(alignReadings(model));
  const label = (r: AlignReading) => readingName(r) || "its attention";
  let best = 0;
  if (dev) {
    const devRows = linksOf(dev, readings).map((l, r) => score(dev, l, name, label(readings[r])));
    best = devRows.reduce((b, row, r) => (row.aer < devRows[b].aer ? r : b), 0);
  }
  const chosen = readings.length > 1 && dev !== null;
  linksOf(test, readings).forEach((l, r) => {
    score(test, l, name, label(readings[r]), r === best && chosen ? { chosenOnDev: true } : {});
  });
  if (values["write-readings"] && (dev || readings.length === 1)) {
    const note =
      readings.length === 1
        ? "one attention"
        : `best forced-alignment reading on gold/en-hi/dev: ${label(readings[best])}`;
    writeAlignmentJson(dir, readings[best], note, name, label(readings[best]));
  }
}

const devHi = enHi("dev");
const testHi = enHi("test");
const hin = loadTask("tatoeba-hin-std", { tokenizer: "word" });
classical([devHi, testHi], {
  src: hin.train.map((p) => p.text!.src),
  tgt: hin.train.map((p) => p.text!.tgt),
});
for (const g of [devHi, testHi]) score(g, diagonal(g), "diagonal", "⌊(t+½)·S/T⌋");
// The explorer's IBM Model 1 (scripts/train-ibm1.ts: the training part only, no gold sentence).
const BUNDLED_IBM1 = "pretrained/ibm1-en-hi";
if (existsSync(join(BUNDLED_IBM1, "aligner.json"))) {
  const a = classicalAlignerFromJSON(readFileSync(join(BUNDLED_IBM1, "aligner.json"), "utf8"));
  const system = "ibm1 (explorer's, train part only)";
  for (const g of [devHi, testHi]) {
    const links = g.src.map((s, i) => a.align(alignmentWords(s), alignmentWords(g.tgt[i])));
    score(g, links, system, a.symmetrization);
  }
  if (values["write-readings"]) {
    writeAlignmentJson(BUNDLED_IBM1, {}, `IBM Model 1, ${a.symmetrization}`, system, a.symmetrization);
  }
}
for (const spec of values.hi) {
  const [name, dir] = spec.split("=");
  await attention(name, dir, devHi, testHi);
}
if (values.fr.length > 0) {
  const han = hansards();
  const fra = loadTask("tatoeba-fra", { tokenizer: "word" });
  classical([han], { src: fra.train.map((p) => p.text!.src), tgt: fra.train.map((p) => p.text!.tgt) });
  score(han, diagonal(han), "diagonal", "⌊(t+½)·S/T⌋");
  for (const spec of values.fr) {
    const [name, dir] = spec.split("=");
    await attention(name, dir, null, han);
  }
}

mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, "alignment.json"), `${JSON.stringify(rows, null, 1)}\n`);
const pct = (x: number) => (100 * x).toFixed(1);
const md = [
  "| gold set | system | reading | AER % | precision % | recall % |",
  "|---|---|---|---:|---:|---:|",
  ...rows.map(
    (r) =>
      `| ${r.gold} | ${r.system} | ${r.reading}${r.chosenOnDev ? " (best on dev)" : ""} | ${pct(r.aer)} | ${pct(r.precision)} | ${pct(r.recall)} |`,
  ),
];
writeFileSync(join(values.out, "alignment.md"), `${md.join("\n")}\n`);
console.error(`wrote ${join(values.out, "alignment.json")} and alignment.md (${rows.length} rows)`);
