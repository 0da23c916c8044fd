/**
 * The IBM Model 1 aligner the explorer shows beside attention (pretrained/ibm1-en-hi/aligner.json):
 * ten EM passes per direction over tatoeba-hin-std's training part (hin.txt less its validation part;
 * no test or gold sentence), symmetrised with grow-diag-final-and; table entries below 10⁻³ left out.
 *
 *   npx tsx scripts/train-ibm1.ts [--out pretrained/ibm1-en-hi]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { trainClassicalAligner } from "../src/align/classical.js";
import { alignmentWords } from "../src/align/corpus.js";
import { loadTask } from "../src/train/tasks.js";

const { values } = parseArgs({ options: { out: { type: "string", default: "pretrained/ibm1-en-hi" } } });
const task = loadTask("tatoeba-hin-std", { tokenizer: "word" });
const corpus = {
  src: task.train.map((p) => alignmentWords(p.text!.src)),
  tgt: task.train.map((p) => alignmentWords(p.text!.tgt)),
};
const aligner = trainClassicalAligner(corpus, { method: "ibm1", iterations: 10 });
mkdirSync(values.out, { recursive: true });
const json = JSON.stringify(aligner.toJSON({ minProb: 1e-3 }));
writeFileSync(join(values.out, "aligner.json"), `${json}\n`);
console.error(
  `${join(values.out, "aligner.json")}: IBM Model 1 on ${corpus.src.length} pairs, ${json.length} bytes`,
);
