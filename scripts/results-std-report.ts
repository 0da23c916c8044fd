/**
 * Prints the markdown tables of docs/RESULTS.md "English → Hindi on standard test sets" and "SCAN —
 * Transformer" from runs/ (written by scripts/results-std.sh): per model the training budget actually
 * used (epochs, steps, wall time of the epochs), the best epoch, and BLEU / chrF on each test set.
 *   npx tsx scripts/results-std-report.ts
 */
import { existsSync, readFileSync } from "node:fs";
import { parameterCount } from "../src/models/registry.js";

const read = (f: string) => {
  try {
    return existsSync(f) ? JSON.parse(readFileSync(f, "utf8")) : null;
  } catch {
    return null; // a run still writing its output
  }
};

interface Epoch {
  epoch: number;
  step: number;
  seconds: number;
  valid: { bleu: number; exactMatch: number };
}

function trainInfo(name: string) {
  const last = read(`runs/${name}/last.json`);
  if (!last) return null;
  const m = last.meta;
  const h: Epoch[] = m.history;
  const secs = h.reduce((p, e) => p + e.seconds, 0);
  // Computed from the checkpoint's config (a run stopped by a signal may have left no JSON output).
  const params = parameterCount({ kind: m.kind ?? "seq2seq", config: m.config });
  // CPU seconds of every training segment (scripts/results-std.sh train_cpu), summed over --resume.
  const cpuFile = `runs/${name}.cpu`;
  const cpu = existsSync(cpuFile)
    ? readFileSync(cpuFile, "utf8")
        .trim()
        .split("\n")
        .reduce((p, line) => p + Number(line.split(" ")[1]), 0)
    : null;
  return {
    m,
    h,
    secs,
    cpu,
    params,
    steps: m.step as number,
    best: m.best as { epoch: number; score: number },
  };
}

const cpuMin = (cpu: number | null) => (cpu === null ? "—" : `${(cpu / 60).toFixed(1)} min`);
const trained = (t: NonNullable<ReturnType<typeof trainInfo>>) => {
  const lastEpochStep = t.h.at(-1)?.step ?? 0;
  const extra = t.steps > lastEpochStep ? ` + ${t.steps - lastEpochStep} steps` : "";
  return `${t.h.length} epochs${extra}, ${t.steps} steps`;
};

const f2 = (x: number | undefined) => (x === undefined ? "—" : x.toFixed(2));

const rows: string[] = [];
for (const name of [
  "std-lstm-bpe",
  "std-transformer-bpe",
  "std-transformer-rope-bpe",
  "std-lstm-word",
  "std-transformer-word",
]) {
  const t = trainInfo(name);
  if (!t) continue;
  const cells = [name];
  for (const split of ["test", "flores", "tico"]) {
    const e = read(`runs/${name}.eval-${split}.json`);
    cells.push(e?.sacrebleu ? `${f2(e.sacrebleu.bleu)} / ${f2(e.sacrebleu.chrf)}` : "—");
  }
  const test = read(`runs/${name}.eval-test.json`);
  cells.push(test ? f2(test.bleu) : "—");
  cells.push(trained(t));
  cells.push(cpuMin(t.cpu));
  cells.push(`${(t.secs / 60).toFixed(1)} min`);
  cells.push(`${t.best.epoch} (valid BLEU ${f2(t.best.score)})`);
  cells.push(String(t.params ?? "—"));
  rows.push(`| ${cells.join(" | ")} |`);
}
console.log(
  "| model | Tatoeba test BLEU / chrF | FLORES devtest BLEU / chrF | TICO-19 BLEU / chrF | Tatoeba test word BLEU | trained | CPU time | epochs' wall time | best epoch | parameters |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
console.log(
  "| OPUS-MT opus+bt-2021-04-10 (published; ~4.2 M pairs, full 5,000-pair test) | 22.2 / 48.5 | — | 30.6 / 53.9 | — | — | — | — | — | — |",
);

console.log();
console.log(
  "| SCAN split | model | test exact match | token accuracy | trained | CPU time | epochs' wall time | parameters |",
);
console.log("|---|---|---|---|---|---|---|---|");
for (const split of ["simple", "length", "addprim_jump"]) {
  for (const arch of ["transformer", "lstm"]) {
    const name = `scan-${split}-${arch}`;
    const t = trainInfo(name);
    const e = read(`runs/${name}.eval-test.json`);
    if (!t) continue;
    const model = arch === "transformer" ? "Transformer" : "LSTM + Luong (general)";
    const pct = (x: number | undefined) => (x === undefined ? "—" : `${(100 * x).toFixed(2)} %`);
    console.log(
      `| ${split} | ${model} | ${pct(e?.exactMatch)} | ${pct(e?.tokenAccuracy)} | ${trained(t)} | ${cpuMin(t.cpu)} | ${(t.secs / 60).toFixed(1)} min | ${t.params ?? "—"} |`,
    );
  }
}
