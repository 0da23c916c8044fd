/**
 * `qkv eval`: evaluates a checkpoint on its task's valid or test part (or a tatoeba-hin-std model on
 * FLORES-200 / TICO-19), or scores any system's output against references (`--hyp FILE --ref FILE…`:
 * src/cli/score-files.ts).
 * The command and its options are declared in eval.ts, which loads this file only when it runs.
 */
import type { OptionValues } from "commander";
import { evaluatePairs, lineChartSvg, setNumThreads } from "../index.js";
import { loadTask, modelTitle, type TaskData, vocabsOf, writeFileAtomic } from "../node.js";
import { chooseBackend, type Loaded, load, printJson } from "./common.js";
import { runScoreFiles } from "./score-files.js";
import { generationOf } from "./translate-options.js";

/** The task's data for the checkpoint, checked to give the checkpoint's BPE merges back. */
function taskOf(m: Loaded, dataDir: string | undefined): TaskData {
  const task: TaskData = loadTask(m.meta.task, {
    ...m.meta.taskOptions,
    dataDir: dataDir ?? m.meta.taskOptions.dataDir,
  });
  // BPE pieces are only comparable when the data gives the checkpoint's merges back.
  for (const side of ["src", "tgt"] as const) {
    const stored = m.meta[`${side}Tokenizer`];
    const rebuilt = task[`${side}Tokenizer`].toJSON();
    if (stored?.format === "qkv-bpe" && JSON.stringify(stored) !== JSON.stringify(rebuilt)) {
      throw new Error(
        `the ${side} BPE learned from this data differs from the checkpoint's (different data folder or options?)`,
      );
    }
  }
  return task;
}

/** The pairs of `--split` (valid, test, or the extra sets flores and tico). */
function splitOf(m: Loaded, task: TaskData, split: string) {
  const isExtra = split === "flores" || split === "tico";
  if (isExtra && !Object.hasOwn(task.extra, split)) {
    throw new Error(
      `task "${m.meta.task}" has no ${split} set (--split flores and tico are for tatoeba-hin-std models)`,
    );
  }
  return isExtra ? task.extra[split] : task[split as "valid" | "test"];
}

type Evaluation = ReturnType<typeof evaluatePairs>;

/** `--plot`: exact match and token accuracy by target length, as an SVG chart. */
async function writePlot(file: string, m: Loaded, r: Evaluation): Promise<void> {
  const svg = lineChartSvg(
    [
      { name: "exact match", points: r.byLength.map((b) => [b.length, b.exactMatch] as [number, number]) },
      {
        name: "token accuracy",
        points: r.byLength.map((b) => [b.length, b.tokenAccuracy] as [number, number]),
      },
    ],
    {
      title: `${m.meta.task} (${modelTitle(m.meta)})`,
      xLabel: "target length",
      yLabel: "accuracy",
      yRange: [0, 1],
    },
  );
  await writeFileAtomic(file, svg);
}

/** The `qkv eval` action. */
export async function runEval(o: OptionValues): Promise<void> {
  if (o.hyp !== undefined || o.ref !== undefined) {
    if (o.model !== undefined) throw new Error("give --model DIR, or --hyp FILE --ref FILE…, not both");
    runScoreFiles(o as Parameters<typeof runScoreFiles>[0]);
    return;
  }
  if (o.model === undefined) throw new Error("give --model DIR (a checkpoint), or --hyp FILE --ref FILE…");
  const g = generationOf(o); // the decoding controls' combinations, before anything loads
  await chooseBackend(o.backend);
  const m = await load(o.model, o.checkpoint);
  const task = taskOf(m, o.data);
  const { srcVocab, tgtVocab } = vocabsOf(m.meta);
  if (o.threads !== undefined) await setNumThreads(o.threads);
  const part = splitOf(m, task, o.split);
  const pairs = o.limit !== undefined ? part.slice(0, o.limit) : part;
  if (pairs.length === 0) throw new Error(`the ${o.split} part of task "${m.meta.task}" has no pairs`);
  const t0 = Date.now();
  // Older checkpoints lack maxTargetLength: take it from the task's training part.
  const maxTargetLength = m.meta.maxTargetLength ?? Math.max(...task.train.map((p) => p.tgt.length));
  const r = evaluatePairs(m.model, pairs, srcVocab, tgtVocab, {
    beamSize: o.beam,
    sample: g.sample,
    repetitionPenalty: g.repetitionPenalty,
    noRepeatNgram: g.noRepeatNgram,
    lengthPenalty: g.lengthPenalty,
    coveragePenalty: g.coveragePenalty,
    maxTargetLength,
    words: m.words,
    detokenize: m.detokenize,
  });
  const seconds = (Date.now() - t0) / 1000;
  if (o.plot) await writePlot(o.plot, m, r);
  const summary = {
    task: m.meta.task,
    attention: modelTitle(m.meta),
    split: o.split,
    count: r.count,
    exactMatch: r.exactMatch,
    tokenAccuracy: r.tokenAccuracy,
    bleu: r.bleu,
    // sacreBLEU's scores (13a BLEU, chrF2) of the detokenized output against the raw references.
    sacrebleu: r.sacre ? { bleu: r.sacre.bleu, chrf: r.sacre.chrf } : null,
    byLength: r.byLength,
    seconds,
  };
  if (o.json) printJson(summary);
  else {
    console.log(
      `${m.meta.task} ${o.split} (${r.count} pairs, ${modelTitle(m.meta)}): exact match ${(100 * r.exactMatch).toFixed(2)}%, ` +
        `token accuracy ${(100 * r.tokenAccuracy).toFixed(2)}%, BLEU ${r.bleu.toFixed(2)}` +
        (r.sacre ? `; sacreBLEU ${r.sacre.bleu.toFixed(2)}, chrF ${r.sacre.chrf.toFixed(2)}` : "") +
        ` (${seconds.toFixed(1)} s)`,
    );
    if (o.plot) console.log(`plot written to ${o.plot}`);
  }
}
