#!/usr/bin/env node
/**
 * The `qkv` command line: train, translate, eval and attend (print a model's attention for a
 * sentence). Uses only the public exports of the package.
 */
import { existsSync, writeFileSync } from "node:fs";

import { Command, InvalidArgumentError, Option } from "commander";
import {
  ATTENTION_KINDS,
  type AttentionKind,
  attentionReportHtml,
  type CheckpointMeta,
  decodeAll,
  evaluatePairs,
  getBackend,
  heatmapPng,
  heatmapSvg,
  heatmapTerminal,
  lineChartSvg,
  listBackends,
  loadModel,
  loadTask,
  type Seq2Seq,
  setBackend,
  TASK_NAMES,
  type TaskData,
  train,
  vocabsOf,
  writeFileAtomic,
} from "../index.js";

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${v}"`);
  return n;
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
  return n;
};

/** Picks the kernel backend: "auto" = the fastest that loads. */
async function chooseBackend(name: string): Promise<void> {
  if (name === "auto") {
    try {
      const k = (await import("../kernels/index.js")) as { initBackend?: () => Promise<string> };
      if (k.initBackend) await k.initBackend();
    } catch {
      // reference backend stays active
    }
    return;
  }
  if (!listBackends().includes(name)) {
    try {
      await import("../kernels/index.js");
    } catch {
      // fall through to the error below
    }
  }
  await setBackend(name);
}

function fail(cmd: string, e: unknown): never {
  process.stderr.write(`qkv ${cmd}: ${(e as Error).message}\n`);
  process.exit(1);
}

function checkpointDir(path: string): string {
  if (!existsSync(path))
    throw new Error(`no model at ${path} (expected a folder with best.json / last.json)`);
  return path;
}

interface Loaded {
  model: Seq2Seq;
  meta: CheckpointMeta;
  tokenize: (s: string) => string[];
  detokenize: (t: string[]) => string;
}

async function load(path: string, which: string): Promise<Loaded> {
  const { model, meta } = await loadModel(checkpointDir(path), which);
  const isScan = meta.task.startsWith("scan") || meta.task === "reverse" || meta.task === "copy";
  const { tokenize, detokenize } = await import("../index.js");
  return {
    model,
    meta,
    tokenize: isScan ? (s) => s.split(/\s+/).filter(Boolean) : (s) => tokenize(s, { lowercase: true }),
    detokenize: isScan ? (t) => t.join(" ") : (t) => detokenize(t),
  };
}

function alignmentMap(
  srcTokens: string[],
  outTokens: string[],
  alignment: number[][],
  color: "truecolor" | "256" | "none",
): string {
  const rows = alignment.slice(0, outTokens.length + 1);
  const rowLabels = [...outTokens, "<eos>"].slice(0, rows.length);
  return heatmapTerminal(rows, { rowLabels, colLabels: srcTokens, color, domain: [0, 1] });
}

const program = new Command();
program
  .name("qkv")
  .description("Attention from first principles: train, translate, evaluate and look at attention.")
  .version("0.1.0")
  .showHelpAfterError();

program
  .command("train")
  .description("train an LSTM encoder–decoder with or without attention")
  .addOption(new Option("--task <name>", "data set / task").choices([...TASK_NAMES]).makeOptionMandatory())
  .addOption(
    new Option("--attention <kind>", "attention").choices([...ATTENTION_KINDS]).default("luong-general"),
  )
  .option("--epochs <n>", "epochs", int("--epochs"), 10)
  .option("--batch-size <n>", "batch size", int("--batch-size"), 64)
  .option("--lr <x>", "Adam learning rate", num("--lr"), 1e-3)
  .option("--embed <n>", "embedding size", int("--embed"), 64)
  .option("--hidden <n>", "encoder hidden size per direction", int("--hidden"), 128)
  .option("--layers <n>", "encoder layers", int("--layers"), 1)
  .option("--dropout <p>", "dropout", num("--dropout"), 0.1)
  .option("--label-smoothing <e>", "label smoothing", num("--label-smoothing"), 0)
  .option("--clip <x>", "gradient-norm clip (0 = off)", num("--clip"), 1)
  .option("--seed <n>", "random seed", int("--seed"), 1)
  .option("--out <dir>", "checkpoint folder (last and best)")
  .option("--resume", "continue from <out>/last.json exactly")
  .option("--data <dir>", "data folder (default $QKV_DATA_DIR or ../shared/data)")
  .option("--limit <n>", "use at most n training pairs", int("--limit"))
  .option("--valid-limit <n>", "validate on at most n pairs", int("--valid-limit"))
  .option("--max-steps <n>", "stop after n optimizer steps", int("--max-steps"))
  .option("--synthetic-size <n>", "reverse/copy: training pairs", int("--synthetic-size"))
  .option("--max-length <n>", "reverse/copy: longest sequence", int("--max-length"))
  .option(
    "--min-freq <n>",
    "keep tokens seen at least n times in training (others become <unk>)",
    int("--min-freq"),
  )
  .option("--backend <name>", "kernel backend: auto, reference, wasm", "auto")
  .option("--json", "print the result as JSON")
  .option("--quiet", "no progress output")
  .action(async (o) => {
    try {
      await chooseBackend(o.backend);
      const t0 = Date.now();
      const r = await train({
        task: o.task,
        taskOptions: {
          dataDir: o.data,
          limit: o.limit,
          syntheticSize: o.syntheticSize,
          maxLength: o.maxLength,
          minFreq: o.minFreq,
        },
        attention: o.attention as AttentionKind,
        model: { embedDim: o.embed, hiddenSize: o.hidden, encoderLayers: o.layers, dropout: o.dropout },
        epochs: o.epochs,
        batchSize: o.batchSize,
        lr: o.lr,
        clip: o.clip,
        labelSmoothing: o.labelSmoothing,
        seed: o.seed,
        outDir: o.out,
        resume: o.resume,
        maxSteps: o.maxSteps,
        validLimit: o.validLimit,
        quiet: o.quiet || o.json,
      });
      const result = {
        task: o.task,
        attention: o.attention,
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

program
  .command("translate")
  .description("translate sentences (arguments, or one per line on stdin) and show each alignment")
  .requiredOption("--model <dir>", "checkpoint folder")
  .option("--checkpoint <name>", "best or last", "best")
  .option("--beam <n>", "beam size (1 = greedy)", int("--beam"), 1)
  .option("--no-map", "do not print the attention map")
  .addOption(new Option("--color <mode>", "heatmap colours").choices(["truecolor", "256", "none"]))
  .option("--backend <name>", "kernel backend", "auto")
  .option("--json", "print JSON")
  .argument("[sentences...]")
  .action(async (sentences: string[], o) => {
    try {
      await chooseBackend(o.backend);
      const m = await load(o.model, o.checkpoint);
      let input = sentences;
      if (input.length === 0) {
        const { readFileSync } = await import("node:fs");
        input = readFileSync(0, "utf8")
          .split("\n")
          .filter((l) => l.trim());
      }
      const { srcVocab, tgtVocab } = vocabsOf(m.meta);
      const toks = input.map(m.tokenize);
      const hyps = decodeAll(
        m.model,
        toks.map((t) => srcVocab.encode(t)),
        { beamSize: o.beam, maxTargetLength: m.meta.maxTargetLength },
      );
      const color = o.color ?? (process.stdout.isTTY ? "truecolor" : "none");
      const results = hyps.map((h, i) => {
        const out = tgtVocab.decode(h.tokens);
        return {
          source: input[i],
          sourceTokens: toks[i],
          translation: m.detokenize(out),
          tokens: out,
          alignment: h.alignment,
        };
      });
      if (o.json) {
        console.log(JSON.stringify(results, null, 2));
        return;
      }
      for (const r of results) {
        console.log(`${r.source}\n→ ${r.translation}`);
        if (o.map && r.alignment.length)
          console.log(alignmentMap(r.sourceTokens, r.tokens, r.alignment, color));
        console.log();
      }
    } catch (e) {
      fail("translate", e);
    }
  });

program
  .command("eval")
  .description("evaluate a checkpoint on its task's valid or test part")
  .requiredOption("--model <dir>", "checkpoint folder")
  .option("--checkpoint <name>", "best or last", "best")
  .addOption(new Option("--split <part>", "which part").choices(["valid", "test"]).default("test"))
  .option("--beam <n>", "beam size (1 = greedy)", int("--beam"), 1)
  .option("--data <dir>", "data folder")
  .option("--limit <n>", "evaluate at most n pairs", int("--limit"))
  .option("--plot <file.svg>", "write exact match and token accuracy by target length as an SVG chart")
  .option("--backend <name>", "kernel backend", "auto")
  .option("--json", "print JSON")
  .action(async (o) => {
    try {
      await chooseBackend(o.backend);
      const m = await load(o.model, o.checkpoint);
      const task: TaskData = loadTask(m.meta.task, {
        ...m.meta.taskOptions,
        dataDir: o.data ?? m.meta.taskOptions.dataDir,
      });
      const { srcVocab, tgtVocab } = vocabsOf(m.meta);
      const pairs = o.limit
        ? task[o.split as "valid" | "test"].slice(0, o.limit)
        : task[o.split as "valid" | "test"];
      const t0 = Date.now();
      // Older checkpoints lack maxTargetLength: take it from the task's training part.
      const maxTargetLength = m.meta.maxTargetLength ?? Math.max(...task.train.map((p) => p.tgt.length));
      const r = evaluatePairs(m.model, pairs, srcVocab, tgtVocab, { beamSize: o.beam, maxTargetLength });
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
            title: `${m.meta.task} (${m.meta.config.attention})`,
            xLabel: "target length",
            yLabel: "accuracy",
            yRange: [0, 1],
          },
        );
        await writeFileAtomic(o.plot, svg);
      }
      const summary = {
        task: m.meta.task,
        attention: m.meta.config.attention,
        split: o.split,
        count: r.count,
        exactMatch: r.exactMatch,
        tokenAccuracy: r.tokenAccuracy,
        bleu: r.bleu,
        byLength: r.byLength,
        seconds,
      };
      if (o.json) console.log(JSON.stringify(summary, null, 2));
      else {
        console.log(
          `${m.meta.task} ${o.split} (${r.count} pairs, ${m.meta.config.attention}): exact match ${(100 * r.exactMatch).toFixed(2)}%, ` +
            `token accuracy ${(100 * r.tokenAccuracy).toFixed(2)}%, BLEU ${r.bleu.toFixed(2)} (${seconds.toFixed(1)} s)`,
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
  .addOption(new Option("--color <mode>", "heatmap colours").choices(["truecolor", "256", "none"]))
  .option("--backend <name>", "kernel backend", "auto")
  .argument("<sentence>")
  .action(async (sentence: string, o) => {
    try {
      await chooseBackend(o.backend);
      const m = await load(o.model, o.checkpoint);
      const { srcVocab, tgtVocab } = vocabsOf(m.meta);
      const src = m.tokenize(sentence);
      const [h] = decodeAll(m.model, [srcVocab.encode(src)], { maxTargetLength: m.meta.maxTargetLength });
      if (!h.alignment.length)
        throw new Error(`this model has no attention (attention "${m.meta.config.attention}")`);
      const out = tgtVocab.decode(h.tokens);
      const rows = h.alignment.slice(0, out.length + 1);
      const rowLabels = [...out, "<eos>"].slice(0, rows.length);
      const color = o.color ?? (process.stdout.isTTY ? "truecolor" : "none");
      console.log(`${sentence}\n→ ${m.detokenize(out)}`);
      console.log(
        heatmapTerminal(rows, { rowLabels, colLabels: src, color, showValues: true, domain: [0, 1] }),
      );
      if (o.svg) {
        writeFileSync(o.svg, heatmapSvg(rows, { rowLabels, colLabels: src, title: sentence }));
        console.log(`SVG written to ${o.svg}`);
      }
      if (o.png) {
        writeFileSync(o.png, heatmapPng(rows, { cellSize: 32 }));
        console.log(`PNG written to ${o.png}`);
      }
      if (o.html) {
        const title = `${m.meta.task} (${m.meta.config.attention}): ${sentence}`;
        writeFileSync(
          o.html,
          attentionReportHtml([{ title, weights: rows, rowLabels, colLabels: src }], { title }),
        );
        console.log(`HTML written to ${o.html}`);
      }
    } catch (e) {
      fail("attend", e);
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
