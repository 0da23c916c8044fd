/**
 * Writes a checkpoint's training data as token ids, for training elsewhere (scripts/ddp_train.py,
 * docs/SCALING.md): the tokenizers stay qkv's, so PyTorch sees exactly the ids qkv would.
 *
 * Run:  npx tsx scripts/export-ids.ts --model runs/x [--checkpoint best] --out runs/x/ids
 *
 * Reads the checkpoint's task and task options (your own files for the `files` task), tokenizes the
 * train and valid parts with the checkpoint's vocabularies and writes <out>/train.jsonl and
 * <out>/valid.jsonl: one `{"src": [ids], "tgt": [ids]}` a line (no SOS/EOS; 0 = padding, 1 = <unk>,
 * 2 = <sos>, 3 = <eos>).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadModel, loadTask, vocabsOf } from "../src/node.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    checkpoint: { type: "string", default: "best" },
    out: { type: "string" },
  },
});
if (!values.model || !values.out) {
  console.error("usage: npx tsx scripts/export-ids.ts --model DIR [--checkpoint best|last] --out DIR");
  process.exit(2);
}
const { meta } = await loadModel(values.model, values.checkpoint);
const task = loadTask(meta.task, meta.taskOptions);
const { srcVocab, tgtVocab } = vocabsOf(meta);
if (JSON.stringify(task.srcVocab.toJSON().tokens) !== JSON.stringify(meta.srcVocab)) {
  throw new Error(
    "export-ids: the task's data gives another vocabulary than the checkpoint's (data changed?)",
  );
}
mkdirSync(values.out, { recursive: true });
for (const part of ["train", "valid"] as const) {
  const lines = task[part].map((p) =>
    JSON.stringify({ src: srcVocab.encode(p.src), tgt: tgtVocab.encode(p.tgt) }),
  );
  const file = join(values.out, `${part}.jsonl`);
  writeFileSync(file, lines.length ? `${lines.join("\n")}\n` : "");
  console.log(`${file}: ${lines.length} pairs`);
}
