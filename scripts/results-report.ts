/**
 * Writes docs/RESULTS.md from the run outputs in runs/ (scripts/results.sh, scripts/bottleneck.sh):
 * the training history in runs/<name>/last.json and the test evaluation in runs/<name>.eval.json.
 * Sections whose runs are missing say so instead of showing numbers.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { decodeSafetensors } from "../src/io/index.js";

interface Hist {
  epoch: number;
  trainLoss: number;
  seconds: number;
  tokensPerSec: number;
  valid: { exactMatch: number; tokenAccuracy: number; bleu: number };
}
interface Meta {
  config: Record<string, unknown>;
  history: Hist[];
  step: number;
  trainOptions: Record<string, unknown>;
}
interface Eval {
  count: number;
  exactMatch: number;
  tokenAccuracy: number;
  bleu: number;
  seconds: number;
  byLength: { length: number; count: number; exactMatch: number; tokenAccuracy: number }[];
}

const read = <T>(p: string): T | null => (existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as T) : null);
const meta = (name: string) => read<{ meta: Meta }>(`runs/${name}/last.json`)?.meta ?? null;
const evalOf = (name: string) => read<Eval>(`runs/${name}.eval.json`);
const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
/** Parameter count: from the checkpoint's tensors (not the optimizer's). */
function params(name: string): number | undefined {
  const path = `runs/${name}/best.safetensors`;
  if (!existsSync(path)) return undefined;
  const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(path)));
  return Object.entries(tensors)
    .filter(([k]) => !k.startsWith("__optim__."))
    .reduce((p, [, t]) => p + t.size, 0);
}
const trainSeconds = (m: Meta) => m.history.reduce((p, h) => p + h.seconds, 0);

function row(name: string, label: string, metric: "exact" | "bleu"): string {
  const m = meta(name);
  const e = evalOf(name);
  if (!m || !e) return `| ${label} | not run yet | | | | |`;
  const score = metric === "bleu" ? e.bleu.toFixed(2) : pct(e.exactMatch);
  return `| ${label} | ${score} | ${pct(e.tokenAccuracy)} | ${m.history.length} epochs, ${m.step} steps | ${(trainSeconds(m) / 60).toFixed(1)} min | ${params(name) ?? "—"} |`;
}

const machine = `${cpus()[0]?.model ?? "CPU"}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const md = `# Results

Every number below comes from a real run of the command shown, on this machine: ${machine}.
The machine was shared with other jobs while these ran (load average when this file was written:
${loadavg()
  .map((x) => x.toFixed(1))
  .join(", ")}), so wall times are pessimistic. Backend: wasm (SIMD, 2 threads). Regenerate with
\`scripts/results.sh <stage>\` and then \`npx tsx scripts/results-report.ts\`. "Training time" sums the
epochs' wall time (validation decoding excluded).

## SCAN, simple split — LSTM + attention

\`scripts/results.sh scan-simple\`: \`qkv train --task scan-simple --attention luong-general --epochs 12
--embed 32 --hidden 64 --dropout 0.1 --lr 2e-3 --batch-size 32\` (bidirectional encoder 2×64, decoder
128), then \`qkv eval --split test\` (greedy decoding, 4,182 test commands). Paper: 99.7–99.8 %.

| model | test exact match | token accuracy | training | training time | parameters |
|---|---|---|---|---|---|
${row("scan-simple-luong", "Luong (general) attention", "exact")}

Test exact match is measured on the checkpoint with the best validation exact match (10 % of the
training file held out). During this run validation decoding still stopped at 2·(source length) + 10
tokens (fixed since: the bound now comes from the longest training target), so validation exact match
in its history reads ~85 %; only the choice of the best epoch (11) depended on it. The test evaluation
above decodes without that cut.

## SCAN, length split — none / Bahdanau / Luong

\`scripts/results.sh scan-length\`: same sizes, 4 epochs each; test outputs are 24–48 actions, longer
than any seen in training (≤ 22). Paper (Lake & Baroni 2018): 13.8 % (best overall model), 20.8 % with
attention, for models trained much longer.

| model | test exact match | token accuracy | training | training time | parameters |
|---|---|---|---|---|---|
${["none", "bahdanau", "luong-general"].map((a) => row(`scan-length-${a}`, a, "exact")).join("\n")}

## The bottleneck, reproduced (Bahdanau et al. 2014, Fig. 2)

\`scripts/bottleneck.sh\`: sequence reversal over 30 symbols, lengths 5–60 (outputs up to 60 tokens),
8,000 training pairs, embed 32, hidden 64 (decoder 128), no dropout, 8 epochs for each model (5, then
continued exactly with \`EPOCHS=8 RESUME=1 scripts/bottleneck.sh\`), the same 2,000 steps for each,
parameter counts within 12 % of each other (attention adds its score weights);
test set 1,120 pairs, 20 per length; the best-validation checkpoint. Exact match / token accuracy (%)
by length:

${existsSync("docs/results/bottleneck.md") ? readFileSync("docs/results/bottleneck.md", "utf8") : "not run yet\n"}
${existsSync("docs/results/bottleneck-exact.svg") ? "![exact match by length](results/bottleneck-exact.svg)\n![token accuracy by length](results/bottleneck-token.svg)\n" : ""}

## Tatoeba English → Hindi — BLEU on the held-out split

\`scripts/results.sh tatoeba\`: 3,117 pairs split by unique English sentence (80/10/10, no English
sentence in two parts), lower-cased word tokens, vocabulary of tokens seen twice or more; 25 epochs,
embed 48, hidden 64, dropout 0.3; best epoch by validation BLEU; test BLEU is corpus BLEU over our
tokens (sacreBLEU-identical code, tokenize "none"), greedy decoding.

| model | test BLEU | token accuracy | training | training time | parameters |
|---|---|---|---|---|---|
${["none", "bahdanau", "luong-general"].map((a) => row(`tatoeba-hin-${a}`, a, "bleu")).join("\n")}

## Notes on the runs of 2026-11-27 (written by hand; rerunning may move the numbers)

- SCAN simple reaches the paper's level (99.7 %) after 12 epochs of a small model.
- SCAN length: all three fail to generalise to longer outputs, as in the paper; the short 4-epoch
  runs give none 15 %, Bahdanau 20 %, Luong 9 %. Almost all the exact matches are the 24-action
  outputs (just beyond the training lengths).
- The bottleneck: with one context vector, exact match is 72 % for lengths 5–10 and 0 % from 21 on;
  Luong attention keeps 87–99 % up to length 60; Bahdanau (same steps) holds to ~40 and then drops —
  its validation score was still rising at the end (and oscillating at this learning rate).
- Tatoeba English→Hindi has only ~2,500 training pairs: BLEU is low for all; Bahdanau attention is
  best (5.1) and gives the most readable alignments, so it is the bundled model (pretrained/en-hi).
  Luong's attention there collapsed onto the final "." (a summary position of the bidirectional
  encoder), which is a known failure on tiny data.

## Training speed vs PyTorch

See [TRAINING-SPEED.md](TRAINING-SPEED.md) (\`npm run bench:train\`): one SCAN-simple training step of the
same model on the same batches, qkv (reference, wasm 1 and 2 threads) vs PyTorch 1.13 (1 and 2 threads).
`;
writeFileSync("docs/RESULTS.md", md);
console.log(md);
