/**
 * Forced-alignment AER of checkpoints on a gold set, every reading (a seq2seq model has one; a
 * Transformer has each decoder layer × head, each layer's mean and the mean of all):
 *
 *   npx tsx scripts/align-eval.ts --gold gold/en-hi/dev [--checkpoint best] MODEL_DIR…
 *
 * `--gold PREFIX` reads PREFIX.en, PREFIX.hi (or --src-ext/--tgt-ext) and PREFIX.align (Pharaoh, i-j sure,
 * i?j possible, i = source word). Prints one line per model × reading: AER, precision, recall.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { alignReadings, forcedAlignReadings, readingName } from "../src/align/forced.js";
import { readPharaohGold } from "../src/align/pharaoh.js";
import { alignmentScores } from "../src/eval/alignment.js";
import { initBackend } from "../src/kernels/index.js";
import { loadModel } from "../src/train/load-model.js";
import { tokenizersOf } from "../src/train/trainer.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    gold: { type: "string", default: "gold/en-hi/dev" },
    checkpoint: { type: "string", default: "best" },
    "src-ext": { type: "string", default: "en" },
    "tgt-ext": { type: "string", default: "hi" },
    json: { type: "boolean", default: false },
  },
});
await initBackend();
const lines = (f: string) => readFileSync(f, "utf8").replace(/\n$/, "").split("\n");
const src = lines(`${values.gold}.${values["src-ext"]}`);
const tgt = lines(`${values.gold}.${values["tgt-ext"]}`);
const gold = readPharaohGold(readFileSync(`${values.gold}.align`, "utf8"));
const pairs = src.map((s, i) => ({ source: s, target: tgt[i] }));
const rows: { model: string; reading: string; aer: number; precision: number; recall: number }[] = [];
for (const dir of positionals) {
  const { model, meta } = await loadModel(dir, values.checkpoint);
  const { srcTokenizer, tgtTokenizer } = tokenizersOf(meta);
  const readings = alignReadings(model);
  const all = forcedAlignReadings(model, srcTokenizer, tgtTokenizer, pairs, readings);
  all.forEach((fa, r) => {
    const s = alignmentScores(
      fa.map((a) => a.links),
      gold.map((g) => g.sure),
      gold.map((g) => g.possible),
    );
    const row = {
      model: dir,
      reading: readingName(readings[r]) || "attention",
      aer: s.aer,
      precision: s.precision,
      recall: s.recall,
    };
    rows.push(row);
    if (!values.json) {
      console.log(
        `${dir}\t${row.reading}\tAER ${(100 * s.aer).toFixed(1)}\tP ${(100 * s.precision).toFixed(1)}\tR ${(100 * s.recall).toFixed(1)}`,
      );
    }
  });
}
if (values.json) console.log(JSON.stringify(rows, null, 1));
