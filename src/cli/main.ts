#!/usr/bin/env node
/**
 * The `qkv` command line: train, translate, eval, attend (print a model's attention for a
 * sentence) and export (ONNX). Uses only the public exports of the package.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";

import { Command, InvalidArgumentError, Option } from "commander";
import {
  ATTENTION_KINDS,
  ATTENTION_VALUES,
  type AttentionKind,
  type AttentionValues,
  attentionReportHtml,
  CROSS_ATTENTION_VALUES,
  type CrossAttentionValues,
  data,
  decodeAll,
  evaluatePairs,
  exportSeq2SeqOnnx,
  exportTransformerOnnx,
  getBackend,
  heatmapPng,
  heatmapSvg,
  heatmapTerminal,
  initBackend,
  lineChartSvg,
  listBackends,
  type StepDecoder,
  setBackend,
  setNumThreads,
  sourceWordAxis,
  TransformerModel,
  type TranslationModel,
  tokenWordAxis,
  type WordAxis,
  wordsCaption,
  wordWeights,
} from "../index.js";
import {
  type CheckpointMeta,
  loadModel,
  loadTask,
  modelTitle,
  TASK_NAMES,
  type TaskData,
  tokenizersOf,
  train,
  vocabsOf,
  writeFileAtomic,
} from "../node.js";
import { VERSION } from "../version.js";
import { withAlignCommand } from "./align.js";
import { ownDataTask, withOwnDataOptions } from "./own-data.js";
import { runScoreFiles, withScoreOptions } from "./score-files.js";
import { translateFile, withFileTranslateOptions } from "./translate-file.js";

/**
 * Numeric option parsers: every numeric option is checked here, with a message naming it. `int(name,
 * min, max)` takes integers in [min, max]; `num(name, rule)` numbers > 0, ≥ 0 or in [0, 1).
 */
const int =
  (name: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  (v: string) => {
    const n = v.trim() === "" ? Number.NaN : Number(v);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${v}"`);
    if (n < min || n > max) {
      throw new InvalidArgumentError(
        `${name} must be ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `between ${min} and ${max}`}, got ${n}`,
      );
    }
    return n;
  };
const num = (name: string, rule: ">0" | ">=0" | "[0,1)") => (v: string) => {
  const n = v.trim() === "" ? Number.NaN : Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
  const ok = rule === ">0" ? n > 0 : rule === ">=0" ? n >= 0 : n >= 0 && n < 1;
  const want = rule === ">0" ? "> 0" : rule === ">=0" ? "≥ 0" : "in [0, 1)";
  if (!ok) throw new InvalidArgumentError(`${name} must be ${want}, got ${n}`);
  return n;
};
/** Largest beam: each step decodes beam × batch rows; beyond this the search only gets slower. */
const MAX_BEAM = 100;

/** Width of the terminal maps: the terminal's, when there is one (else the library's default). */
const mapWidth = (): number | undefined => (process.stdout.isTTY ? process.stdout.columns : undefined);

/** Picks the kernel backend: "auto" = the fastest that loads (`initBackend`), else the one named. */
async function chooseBackend(name: string): Promise<void> {
  if (name === "auto") await initBackend();
  else await setBackend(name);
}

function fail(cmd: string, e: unknown): never {
  process.stderr.write(`qkv ${cmd}: ${(e as Error).message}\n`);
  process.exit(1);
}

function checkpointDir(path: string, which: string): string {
  if (!existsSync(path))
    throw new Error(`no model at ${path} (expected a folder with best.json / last.json)`);
  if (!path.endsWith(".json")) {
    if (!statSync(path).isDirectory())
      throw new Error(
        `${path} is a file, not a checkpoint folder (expected a folder with best.json / last.json)`,
      );
    if (!existsSync(join(path, `${which}.json`)))
      throw new Error(
        `${path} is not a checkpoint folder: it has no ${which}.json (qkv train writes best.json / last.json)`,
      );
  }
  return path;
}

interface Loaded {
  model: TranslationModel;
  meta: CheckpointMeta;
  tokenize: (s: string) => string[];
  detokenize: (t: string[]) => string;
  /** Output tokens → the words metrics count (BPE pieces → words). */
  words: (t: string[]) => string[];
}

async function load(path: string, which: string): Promise<Loaded> {
  const { model, meta } = await loadModel(checkpointDir(path, which), which);
  const { srcTokenizer, tgtTokenizer } = tokenizersOf(meta);
  return {
    model,
    meta,
    tokenize: (s) => srcTokenizer.tokenize(s),
    detokenize: (t) => tgtTokenizer.detokenize(t),
    words: (t) => tgtTokenizer.words(t),
  };
}

/**
 * A map's axes and weights as shown: words by default (sum over a source word's pieces, mean over a
 * target word's pieces), the model's pieces with `pieces`. `rowTokens` are the rows' output tokens
 * (then "<eos>"), `srcTokens` what the model was fed for `sentence`.
 */
interface ShownMap {
  rowLabels: string[];
  colLabels: string[];
  weights: number[][];
  /** The word axes (also when pieces are shown: the JSON's word fields). */
  rows: WordAxis;
  cols: WordAxis;
  wordWeights: number[][];
  /** Said under the map (how words were made), or "" for pieces. */
  caption: string;
}

function shownMap(
  m: Loaded,
  sentence: string,
  srcTokens: string[],
  rowTokens: string[],
  weights: number[][],
  pieces: boolean,
): ShownMap {
  const { srcTokenizer, tgtTokenizer } = tokenizersOf(m.meta);
  const cols = sourceWordAxis(sentence, srcTokenizer);
  if (cols.tokenWord.length !== srcTokens.length)
    throw new Error(`${cols.tokenWord.length} word-mapped tokens for ${srcTokens.length} source tokens`);
  const rows = tokenWordAxis(rowTokens, tgtTokenizer);
  const ww = wordWeights(weights, rows, cols);
  return pieces
    ? {
        rowLabels: rows.pieceLabels,
        colLabels: cols.pieceLabels,
        weights,
        rows,
        cols,
        wordWeights: ww,
        caption: "",
      }
    : {
        rowLabels: rows.labels,
        colLabels: cols.labels,
        weights: ww,
        rows,
        cols,
        wordWeights: ww,
        caption: wordsCaption("target", "source"),
      };
}

function alignmentMap(map: ShownMap, color: "truecolor" | "256" | "none"): string {
  const out = heatmapTerminal(map.weights, {
    rowLabels: map.rowLabels,
    colLabels: map.colLabels,
    color,
    domain: [0, 1],
    maxWidth: mapWidth(),
  });
  return map.caption ? `${out}\n${map.caption} (--pieces: the model's pieces)` : out;
}

/**
 * A transformer's cross-attention for a decoded output, every decoder layer and head: [layer][head][row]
 * [source position], rows = the output tokens then <eos> (first `rows` of them) — the teacher-forced
 * forward over <sos> + output, which equals the cached decoding step by step. Null for an LSTM model
 * (its one attention map is the alignment).
 */
function transformerLayerWeights(
  model: TranslationModel,
  srcIds: number[],
  outIds: number[],
  rows: number,
): number[][][][] | null {
  if (!(model instanceof TransformerModel)) return null;
  const tgtIn = [data.SOS, ...outIds].slice(0, rows);
  const r = model.forward(srcIds, [srcIds.length], tgtIn, 1, srcIds.length, tgtIn.length, {
    needWeights: true,
  });
  const S = srcIds.length;
  const T = tgtIn.length;
  return r.layerWeights.map((w) => {
    const H = w.shape[1];
    const d = w.data;
    return Array.from({ length: H }, (_, hh) =>
      Array.from({ length: T }, (_, t) => Array.from(d.subarray((hh * T + t) * S, (hh * T + t + 1) * S))),
    );
  });
}

const program = new Command();
program
  .name("qkv")
  .description("Attention from first principles: train, translate, evaluate and look at attention.")
  .version(VERSION)
  .showHelpAfterError();

withOwnDataOptions(program.command("train")) // --src/--tgt/--tsv/--valid-*: src/cli/own-data.ts
  .description("train an LSTM encoder–decoder with or without attention")
  .addOption(
    new Option("--task <name>", "data set / task (files: your own, see --src)").choices([...TASK_NAMES]),
  )
  .addOption(
    new Option("--attention <kind>", "attention").choices([...ATTENTION_KINDS]).default("luong-general"),
  )
  .addOption(
    new Option(
      "--attention-values <kind>",
      "seq2seq: what attention sums: the encoder states, or the projected source embeddings (keys stay the encoder's)",
    )
      .choices([...ATTENTION_VALUES])
      .default("encoder"),
  )
  .option(
    "--latent-alignment",
    "attention as a latent alignment — each source position predicts the word, the attention mixes the predictions (transformer: one more attention layer on top)",
  )
  .option(
    "--no-bridge",
    "seq2seq: the decoder starts from zeros (the source reaches it only through attention)",
  )
  .option("--epochs <n>", "epochs", int("--epochs", 1), 10)
  .option("--batch-size <n>", "batch size", int("--batch-size", 1), 64)
  .option(
    "--lr <x>",
    "Adam learning rate (default 0.001; with --resume, the checkpoint's)",
    num("--lr", ">0"),
  )
  .option("--embed <n>", "embedding size", int("--embed", 1), 64)
  .option("--hidden <n>", "encoder hidden size per direction", int("--hidden", 1), 128)
  .option(
    "--layers <n>",
    "encoder layers (seq2seq, default 1); encoder and decoder layers each (transformer, default 2)",
    int("--layers", 1),
  )
  .option("--dropout <p>", "dropout", num("--dropout", "[0,1)"), 0.1)
  .option("--label-smoothing <e>", "label smoothing", num("--label-smoothing", "[0,1)"), 0)
  .option("--clip <x>", "gradient-norm clip (0 = off)", num("--clip", ">=0"), 1)
  .option("--seed <n>", "random seed", int("--seed"), 1)
  .option("--out <dir>", "checkpoint folder (last and best); locked while training")
  .option("--resume", "continue from <out>/last.json exactly")
  .option("--overwrite", "start afresh in an --out that holds checkpoints, replacing them")
  .option("--data <dir>", "data folder (default $QKV_DATA_DIR or ../shared/data)")
  .option("--limit <n>", "use at most n training pairs", int("--limit", 1))
  .option("--valid-limit <n>", "validate on at most n pairs", int("--valid-limit", 1))
  .option("--max-steps <n>", "stop after n optimizer steps", int("--max-steps", 1))
  .option("--synthetic-size <n>", "reverse/copy: training pairs", int("--synthetic-size", 1))
  .option(
    "--max-length <n>",
    "reverse/copy: longest sequence (shortest: 5, or this if below)",
    int("--max-length", 1),
  )
  .option(
    "--min-freq <n>",
    "keep tokens seen at least n times in training (others become <unk>)",
    int("--min-freq", 1),
  )
  .addOption(
    new Option("--tokenizer <kind>", "word vocabulary or byte-pair encoding (BPE, per side)")
      .choices(["word", "bpe"])
      .default("word"),
  )
  .option(
    "--vocab-size <n>",
    "BPE: ids per side, 4 special + 256 byte tokens included (default 8000)",
    int("--vocab-size"),
  )
  .option(
    "--extra-train <tsv>",
    "further training pairs (source<TAB>target per line, e.g. a dictionary) added to the task's training part",
  )
  // ---- Transformer and schedule options (wire branch) ----
  .addOption(
    new Option("--arch <kind>", "model: LSTM encoder–decoder or Transformer")
      .choices(["seq2seq", "transformer"])
      .default("seq2seq"),
  )
  .option("--d-model <n>", "transformer: d_model (default 64)", int("--d-model", 1))
  .option("--heads <n>", "transformer: attention heads (default 4)", int("--heads", 1))
  .option("--ff <n>", "transformer: feed-forward size (default 4·d_model)", int("--ff", 1))
  .addOption(
    new Option("--activation <fn>", "transformer: feed-forward activation").choices(["relu", "gelu"]),
  )
  .option("--norm-first", "transformer: pre-norm layers (default post-norm, as the paper)")
  .addOption(
    new Option(
      "--cross-attention-values <kind>",
      "transformer: cross-attention values from the encoder output (memory, default) or the scaled source embeddings (keys stay the memory's)",
    ).choices([...CROSS_ATTENTION_VALUES]),
  )
  .addOption(
    new Option(
      "--schedule <kind>",
      "learning rate: constant, or noam (warmup then 1/√step; --lr is its factor, default 1)",
    )
      .choices(["constant", "noam"])
      .default("constant"),
  )
  .option("--warmup <n>", "noam: warmup steps (default 4000)", int("--warmup", 1))
  .option("--threads <n>", "kernel threads (default: every core)", int("--threads", 1))
  // ---- end of Transformer and schedule options ----
  .option("--backend <name>", "kernel backend: auto, reference, wasm", "auto")
  .option("--json", "print the result as JSON")
  .option("--quiet", "no progress output")
  .action(async (o) => {
    try {
      await chooseBackend(o.backend);
      if (o.threads !== undefined) await setNumThreads(o.threads);
      const transformer = o.arch === "transformer";
      if (o.crossAttentionValues !== undefined && !transformer) {
        throw new Error("--cross-attention-values is for --arch transformer (seq2seq: --attention-values)");
      }
      const t0 = Date.now();
      const own = ownDataTask(o); // the files task and its files, or --task
      o.task = own.task;
      const r = await train({
        task: own.task,
        taskOptions: {
          ...own.options,
          dataDir: o.data,
          limit: o.limit,
          syntheticSize: o.syntheticSize,
          maxLength: o.maxLength,
          minFreq: o.minFreq,
          tokenizer: o.tokenizer,
          vocabSize: o.vocabSize,
          extraTrain: o.extraTrain,
        },
        attention: o.attention as AttentionKind,
        model: {
          embedDim: o.embed,
          hiddenSize: o.hidden,
          encoderLayers: o.layers ?? 1,
          dropout: o.dropout,
          attentionValues: o.attentionValues as AttentionValues,
          ...(o.bridge === false ? { bridge: false } : {}),
          ...(o.latentAlignment === true ? { latentAlignment: true } : {}),
        },
        // ---- Transformer and schedule (wire branch) ----
        arch: o.arch,
        transformer: transformer
          ? {
              dModel: o.dModel,
              nhead: o.heads,
              numEncoderLayers: o.layers,
              numDecoderLayers: o.layers,
              dimFeedforward: o.ff,
              dropout: o.dropout,
              activation: o.activation,
              normFirst: o.normFirst,
              ...(o.crossAttentionValues
                ? { crossAttentionValues: o.crossAttentionValues as CrossAttentionValues }
                : {}),
              ...(o.latentAlignment === true ? { latentAlignment: true } : {}),
            }
          : undefined,
        schedule: o.schedule,
        warmup: o.warmup,
        // ---- end ----
        epochs: o.epochs,
        batchSize: o.batchSize,
        lr: o.lr,
        clip: o.clip,
        labelSmoothing: o.labelSmoothing,
        seed: o.seed,
        outDir: o.out,
        resume: o.resume,
        overwrite: o.overwrite,
        maxSteps: o.maxSteps,
        validLimit: o.validLimit,
        quiet: o.quiet || o.json,
      });
      const result = {
        task: o.task,
        arch: o.arch,
        attention: transformer ? null : o.attention,
        backend: getBackend(),
        parameters: r.model.numParameters,
        steps: r.steps,
        interrupted: r.interrupted,
        best: r.best,
        history: r.history,
        seconds: (Date.now() - t0) / 1000,
        out: o.out ?? null,
      };
      if (o.json) console.log(JSON.stringify(result, null, 2));
      else {
        console.log(
          `${r.interrupted ? "interrupted — last checkpoint saved" : "done"}: ${r.steps} steps, best epoch ${r.best.epoch} (score ${r.best.score.toFixed(4)}), ${result.seconds.toFixed(1)} s on ${result.backend}`,
        );
        if (o.out) console.log(`checkpoints in ${o.out} (best.json, last.json)`);
      }
    } catch (e) {
      fail("train", e);
    }
  });

withFileTranslateOptions(program.command("translate")) // --input/--output/--n-best/--format: translate-file.ts
  .description(
    "translate sentences (arguments, one per line on stdin, or --input FILE --output FILE) and show each alignment",
  )
  .requiredOption("--model <dir>", "checkpoint folder")
  .option("--checkpoint <name>", "best or last", "best")
  .option("--beam <n>", "beam size (1 = greedy)", int("--beam", 1, MAX_BEAM), 1)
  .option("--no-map", "do not print the attention map")
  .option("--pieces", "label the map with the model's subword pieces instead of words")
  .addOption(new Option("--color <mode>", "heatmap colours").choices(["truecolor", "256", "none"]))
  .option("--backend <name>", "kernel backend", "auto")
  .option(
    "--json",
    "print JSON (token-level alignment, and the words: sourceWords, targetWords, wordWeights)",
  )
  .argument("[sentences...]")
  .action(async (sentences: string[], o) => {
    try {
      await chooseBackend(o.backend);
      const m = await load(o.model, o.checkpoint);
      // --- a file in, a file out (src/cli/translate-file.ts) ---
      if (o.input !== undefined || o.output !== undefined) {
        if (!o.input || !o.output) throw new Error("--input FILE and --output FILE go together");
        if (sentences.length) throw new Error("give sentences as arguments or --input FILE, not both");
        const { srcVocab, tgtVocab } = vocabsOf(m.meta);
        const n = await translateFile(
          {
            ...m,
            model: m.model as StepDecoder<unknown>,
            srcVocab,
            tgtVocab,
            maxTargetLength: m.meta.maxTargetLength,
          },
          {
            input: o.input,
            output: o.output,
            beam: o.beam,
            nBest: o.nBest,
            format: o.format,
            quiet: o.quiet || o.json,
          },
        );
        if (o.json) console.log(JSON.stringify({ input: o.input, output: o.output, lines: n }));
        else process.stderr.write(`translated ${n} lines of ${o.input} into ${o.output}\n`);
        return;
      }
      if (o.nBest !== 1 || o.format !== "text")
        throw new Error("--n-best and --format need --input FILE --output FILE");
      // ---
      let input = sentences;
      if (input.length === 0) {
        input = data.splitLines(data.decodeUtf8(readFileSync(0), "<stdin>")).filter((l) => l.trim());
        if (input.length === 0)
          throw new Error("no sentences (give them as arguments or one per line on stdin)");
      }
      const { srcVocab, tgtVocab } = vocabsOf(m.meta);
      const toks = input.map(m.tokenize);
      toks.forEach((t, i) => {
        if (t.length === 0) {
          throw new Error(`sentence ${i + 1} (${JSON.stringify(input[i])}) is empty: nothing to translate`);
        }
      });
      const hyps = decodeAll(
        m.model,
        toks.map((t) => srcVocab.encode(t)),
        { beamSize: o.beam, maxTargetLength: m.meta.maxTargetLength },
      );
      const color = o.color ?? (process.stdout.isTTY ? "truecolor" : "none");
      const results = hyps.map((h, i) => {
        const out = tgtVocab.decode(h.tokens);
        // The map's rows: the output tokens, then <eos> when the alignment has its row.
        const rows = h.alignment.slice(0, out.length + 1);
        const map = rows.length
          ? shownMap(m, input[i], toks[i], [...out, "<eos>"].slice(0, rows.length), rows, o.pieces)
          : null;
        return {
          source: input[i],
          sourceTokens: toks[i],
          translation: m.detokenize(out),
          tokens: out,
          alignment: h.alignment,
          // Words (whitespace-separated): the map's rows and columns, weights summed over a source
          // word's pieces and averaged over a target word's pieces.
          sourceWords: map?.cols.labels ?? [],
          targetWords: map?.rows.labels ?? [],
          wordWeights: map?.wordWeights ?? [],
          map,
        };
      });
      if (o.json) {
        console.log(
          JSON.stringify(
            results.map(({ map: _, ...r }) => r),
            null,
            2,
          ),
        );
        return;
      }
      for (const r of results) {
        console.log(`${r.source}\n→ ${r.translation}`);
        if (o.map && r.map) console.log(alignmentMap(r.map, color));
        console.log();
      }
    } catch (e) {
      fail("translate", e);
    }
  });

withScoreOptions(program.command("eval")) // --hyp/--ref: score any system's output, src/cli/score-files.ts
  .description(
    "evaluate a checkpoint on its task's valid or test part, or score --hyp FILE against --ref FILE…",
  )
  .option("--model <dir>", "checkpoint folder")
  .option("--checkpoint <name>", "best or last", "best")
  .addOption(
    new Option("--split <part>", "which part (flores, tico: extra test sets of tatoeba-hin-std)")
      .choices(["valid", "test", "flores", "tico"])
      .default("test"),
  )
  .option("--threads <n>", "kernel threads (default: every core)", int("--threads", 1))
  .option("--beam <n>", "beam size (1 = greedy)", int("--beam", 1, MAX_BEAM), 1)
  .option("--data <dir>", "data folder")
  .option("--limit <n>", "evaluate at most n pairs", int("--limit", 1))
  .option("--plot <file.svg>", "write exact match and token accuracy by target length as an SVG chart")
  .option("--backend <name>", "kernel backend", "auto")
  .option("--json", "print JSON")
  .action(async (o) => {
    try {
      if (o.hyp !== undefined || o.ref !== undefined) {
        if (o.model !== undefined) throw new Error("give --model DIR, or --hyp FILE --ref FILE…, not both");
        runScoreFiles(o);
        return;
      }
      if (o.model === undefined)
        throw new Error("give --model DIR (a checkpoint), or --hyp FILE --ref FILE…");
      await chooseBackend(o.backend);
      const m = await load(o.model, o.checkpoint);
      const task: TaskData = loadTask(m.meta.task, {
        ...m.meta.taskOptions,
        dataDir: o.data ?? m.meta.taskOptions.dataDir,
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
      const { srcVocab, tgtVocab } = vocabsOf(m.meta);
      // ---- extra evaluation sets (wire branch) ----
      if (o.threads !== undefined) await setNumThreads(o.threads);
      const isExtra = o.split === "flores" || o.split === "tico";
      if (isExtra && !Object.hasOwn(task.extra, o.split)) {
        throw new Error(
          `task "${m.meta.task}" has no ${o.split} set (--split flores and tico are for tatoeba-hin-std models)`,
        );
      }
      const part = isExtra ? task.extra[o.split] : task[o.split as "valid" | "test"];
      // ---- end ----
      const pairs = o.limit !== undefined ? part.slice(0, o.limit) : part;
      if (pairs.length === 0) throw new Error(`the ${o.split} part of task "${m.meta.task}" has no pairs`);
      const t0 = Date.now();
      // Older checkpoints lack maxTargetLength: take it from the task's training part.
      const maxTargetLength = m.meta.maxTargetLength ?? Math.max(...task.train.map((p) => p.tgt.length));
      const r = evaluatePairs(m.model, pairs, srcVocab, tgtVocab, {
        beamSize: o.beam,
        maxTargetLength,
        words: m.words,
        detokenize: m.detokenize,
      });
      const seconds = (Date.now() - t0) / 1000;
      if (o.plot) {
        const svg = lineChartSvg(
          [
            {
              name: "exact match",
              points: r.byLength.map((b) => [b.length, b.exactMatch] as [number, number]),
            },
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
        await writeFileAtomic(o.plot, svg);
      }
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
      if (o.json) console.log(JSON.stringify(summary, null, 2));
      else {
        console.log(
          `${m.meta.task} ${o.split} (${r.count} pairs, ${modelTitle(m.meta)}): exact match ${(100 * r.exactMatch).toFixed(2)}%, ` +
            `token accuracy ${(100 * r.tokenAccuracy).toFixed(2)}%, BLEU ${r.bleu.toFixed(2)}` +
            (r.sacre ? `; sacreBLEU ${r.sacre.bleu.toFixed(2)}, chrF ${r.sacre.chrf.toFixed(2)}` : "") +
            ` (${seconds.toFixed(1)} s)`,
        );
        if (o.plot) console.log(`plot written to ${o.plot}`);
      }
    } catch (e) {
      fail("eval", e);
    }
  });

program
  .command("attend")
  .description("show a model's attention for one sentence: terminal heatmap, and optionally SVG/PNG files")
  .requiredOption("--model <dir>", "checkpoint folder")
  .option("--checkpoint <name>", "best or last", "best")
  .option("--svg <file>", "write the map as SVG")
  .option("--png <file>", "write the map as PNG")
  .option("--html <file>", "write a self-contained HTML page with the map (hover shows each weight)")
  .option("--pieces", "label the maps with the model's subword pieces instead of words")
  .addOption(new Option("--color <mode>", "heatmap colours").choices(["truecolor", "256", "none"]))
  .option("--backend <name>", "kernel backend", "auto")
  .option(
    "--json",
    "print the tokens, translation and attention weights (rows: output steps) as JSON, and the same as words (sourceWords, targetWords, wordWeights); a transformer's: every decoder layer's cross-attention per head too",
  )
  .argument("<sentence>")
  .action(async (sentence: string, o) => {
    try {
      await chooseBackend(o.backend);
      const m = await load(o.model, o.checkpoint);
      const { srcVocab, tgtVocab } = vocabsOf(m.meta);
      const src = m.tokenize(sentence);
      if (src.length === 0)
        throw new Error(`the sentence ${JSON.stringify(sentence)} is empty: nothing to attend to`);
      const [h] = decodeAll(m.model, [srcVocab.encode(src)], { maxTargetLength: m.meta.maxTargetLength });
      if (!h.alignment.length)
        throw new Error(`this model has no attention (attention "${modelTitle(m.meta)}")`);
      const out = tgtVocab.decode(h.tokens);
      const rows = h.alignment.slice(0, out.length + 1);
      const rowLabels = [...out, "<eos>"].slice(0, rows.length);
      // Words by default (sum over a source word's pieces, mean over a target word's); --pieces: tokens.
      const map = shownMap(m, sentence, src, rowLabels, rows, o.pieces);
      const color = o.color ?? (process.stdout.isTTY ? "truecolor" : "none");
      // With --json, stdout holds only the JSON document (files are still written when asked for).
      const say = (line: string) => {
        if (!o.json) console.log(line);
      };
      if (o.json) {
        const result = {
          sentence,
          task: m.meta.task,
          attention: "attention" in m.meta.config ? m.meta.config.attention : "transformer",
          model: modelTitle(m.meta),
          sourceTokens: src,
          tokens: out,
          translation: m.detokenize(out),
          rowLabels,
          weights: rows,
          // A transformer's: every decoder layer's cross-attention per head (null for an LSTM model).
          layers: transformerLayerWeights(m.model, srcVocab.encode(src), h.tokens, rows.length),
          // The same map as words (whitespace-separated): rows the target words (then <eos>), columns
          // the source words; weights summed over a source word's pieces, averaged over a target word's.
          sourceWords: map.cols.labels,
          targetWords: map.rows.labels,
          wordWeights: map.wordWeights,
          // Which word each token belongs to (sourceTokens → sourceWords, rowLabels → targetWords).
          sourceTokenWord: map.cols.tokenWord,
          targetTokenWord: map.rows.tokenWord,
        };
        console.log(JSON.stringify(result, null, 2));
      } else {
        say(`${sentence}\n→ ${m.detokenize(out)}`);
        say(
          heatmapTerminal(map.weights, {
            rowLabels: map.rowLabels,
            colLabels: map.colLabels,
            color,
            showValues: true,
            domain: [0, 1],
            maxWidth: mapWidth(),
          }),
        );
        if (map.caption) say(`${map.caption} (--pieces: the model's pieces)`);
      }
      // Output files, like everywhere in the CLI: written atomically, missing parent folders created.
      const labels = { rowLabels: map.rowLabels, colLabels: map.colLabels };
      const caption = map.caption || undefined;
      if (o.svg) {
        await writeFileAtomic(o.svg, heatmapSvg(map.weights, { ...labels, title: sentence, caption }));
        say(`SVG written to ${o.svg}`);
      }
      if (o.png) {
        await writeFileAtomic(
          o.png,
          heatmapPng(map.weights, { ...labels, title: sentence, caption, cellSize: 32 }),
        );
        say(`PNG written to ${o.png}`);
      }
      if (o.html) {
        const title = `${m.meta.task} (${modelTitle(m.meta)}): ${sentence}`;
        await writeFileAtomic(
          o.html,
          attentionReportHtml([{ title, weights: map.weights, ...labels }], { title, description: caption }),
        );
        say(`HTML written to ${o.html}`);
      }
    } catch (e) {
      fail("attend", e);
    }
  });

// `qkv align`: word links of given pairs (Pharaoh), from attention or IBM 1/2 / fast_align: src/cli/align.ts
withAlignCommand(program.command("align"), { chooseBackend, checkpointDir }, fail);

program
  .command("export")
  .description(
    "export a model to ONNX: FILE is the encoder, FILE.step.onnx one decoder step (a Transformer's with its KV cache; FILE.decoder.onnx its decoder over a target prefix), FILE.json vocabularies, tokenizers and ids",
  )
  .requiredOption("--model <dir>", "checkpoint folder")
  .requiredOption("--onnx <file>", "the encoder's .onnx file; the decoder graph and the JSON go beside it")
  .option("--checkpoint <name>", "best or last", "best")
  .action(async (o) => {
    try {
      const m = await load(o.model, o.checkpoint);
      const base = o.onnx.replace(/\.onnx$/, "");
      const { srcVocab, tgtVocab } = vocabsOf(m.meta);
      const { srcTokenizer, tgtTokenizer } = tokenizersOf(m.meta);
      const common = {
        ids: { pad: 0, unk: 1, sos: 2, eos: 3 },
        maxTargetLength: m.meta.maxTargetLength,
        task: m.meta.task,
        srcVocab: srcVocab.tokens,
        tgtVocab: tgtVocab.tokens,
        srcTokenizer: srcTokenizer.toJSON(),
        tgtTokenizer: tgtTokenizer.toJSON(),
      };
      let graphs: [string, Uint8Array][];
      let manifest: Record<string, unknown>;
      if (m.model instanceof TransformerModel) {
        const { encoder, decoder, step, signature } = await exportTransformerOnnx(m.model);
        const file = `${base}.decoder.onnx`;
        const stepFile = `${base}.step.onnx`;
        graphs = [
          [o.onnx, encoder],
          [file, decoder],
          [stepFile, step],
        ];
        const c = m.model.config;
        manifest = {
          format: "qkv-transformer-onnx",
          opset: 17,
          encoder: { file: basename(o.onnx), ...signature.encoder },
          decoder: { file: basename(file), ...signature.decoder },
          step: { file: basename(stepFile), ...signature.step },
          ...common,
          // Learned positions end at maxLength (source and target prefix); sinusoidal ones do not.
          maxPositions: c.positions === "learned" ? c.maxLength : null,
          config: { ...c },
        };
      } else {
        const { encoder, step, signature } = await exportSeq2SeqOnnx(m.model);
        const file = `${base}.step.onnx`;
        graphs = [
          [o.onnx, encoder],
          [file, step],
        ];
        manifest = {
          format: "qkv-seq2seq-onnx",
          opset: 17,
          encoder: { file: basename(o.onnx), ...signature.encoder },
          step: { file: basename(file), ...signature.step },
          ...common,
        };
      }
      for (const [file, bytes] of graphs) await writeFileAtomic(file, bytes);
      const json = `${base}.json`;
      await writeFileAtomic(json, `${JSON.stringify(manifest, null, 1)}\n`);
      console.log(`wrote ${graphs.map(([f, b]) => `${f} (${b.length} bytes)`).join(", ")}, ${json}`);
    } catch (e) {
      fail("export", e);
    }
  });

program
  .command("backends")
  .description("list kernel backends and the active one")
  .action(async () => {
    await chooseBackend("auto");
    console.log(`available: ${listBackends().join(", ")}; active: ${getBackend()}`);
    const { nativeStatus } = await import("../kernels/index.js");
    const n = nativeStatus();
    console.log(
      n.available
        ? `native: ${n.isas?.join(", ")} (using ${n.isas?.[0]}), ${n.threads} threads`
        : `native: unavailable: ${n.reason}`,
    );
  });

await program.parseAsync(process.argv);
