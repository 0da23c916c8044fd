/**
 * Writes the qkv-trained weights behind the PyTorch round trip (scripts/make_interop_fixtures.py).
 *
 * Run:  npx tsx scripts/make-interop-weights.ts   (then /usr/bin/python3 scripts/make_interop_fixtures.py)
 *
 * For each model of INTEROP_MODELS (a Transformer with sinusoidal positions and tied output, one with
 * learned positions, GELU, pre-norm and an untied output, and the LSTM seq2seq with every attention
 * kind) it builds the model with a fixed seed, trains it for a few Adam steps with qkv on a toy task
 * (reverse a string of symbols) and writes test/fixtures/interop/<name>.qkv.safetensors: the state dict
 * under its PyTorch names, with metadata `kind` ("transformer" | "seq2seq") and `config` (JSON). The
 * Python script loads these into torch.nn.Transformer / its seq2seq mirror.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { makeBatches, mulberry32 } from "../src/data/index.js";
import { writeSafetensors } from "../src/io/safetensors-file.js";
import { buildModel, type TranslationModel } from "../src/models/registry.js";
import { Adam } from "../src/nn/index.js";
import { manualSeed } from "../src/tensor/index.js";
import { trainStep } from "../src/train/step.js";
import { train } from "../src/train/trainer.js";
import { INTEROP_MODELS, type InteropModelSpec } from "../test/models/interop-specs.js";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const OUT = join(ROOT, "test", "fixtures", "interop");

/** Toy pairs: reverse 2–6 symbols drawn from ids 4 … V−1. */
function toyPairs(n: number, srcV: number, tgtV: number, seed: number) {
  const rng = mulberry32(seed);
  const V = Math.min(srcV, tgtV);
  return Array.from({ length: n }, () => {
    const len = 2 + Math.floor(rng() * 5);
    const src = Array.from({ length: len }, () => 4 + Math.floor(rng() * (V - 4)));
    return { src, tgt: [...src].reverse() };
  });
}

function build(spec: InteropModelSpec): TranslationModel {
  return buildModel(spec);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  for (const spec of INTEROP_MODELS) {
    manualSeed(spec.seed);
    const model = build(spec);
    const { srcVocabSize, tgtVocabSize } = spec.config;
    const batches = makeBatches(toyPairs(64, srcVocabSize, tgtVocabSize, spec.seed), {
      batchSize: 16,
      shuffle: true,
      sortByLength: true,
      seed: spec.seed,
    });
    const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
    model.train();
    const losses: number[] = [];
    for (const b of batches) losses.push(trainStep(model, optimizer, b, { clip: 1 }));
    const file = join(OUT, `${spec.name}.qkv.safetensors`);
    await writeSafetensors(file, model.stateDict(), {
      kind: spec.kind,
      config: JSON.stringify(spec.config),
      trainedBy: `qkv (scripts/make-interop-weights.ts), ${batches.length} Adam steps`,
    });
    console.log(
      `${file}: ${batches.length} steps, loss ${losses[0].toFixed(4)} → ${losses.at(-1)?.toFixed(4)}`,
    );
  }
  // A whole checkpoint folder (vocabularies, tokenizers, config): PyTorch continues it and writes a
  // checkpoint folder back (qkv_torch.save_checkpoint), which `loadModel` must read as its own.
  const ckpt = join(OUT, "ckpt-qkv");
  const r = await train({
    task: "copy",
    taskOptions: { syntheticSize: 64, maxLength: 4, symbols: 6 },
    model: { embedDim: 8, hiddenSize: 6, dropout: 0 },
    attention: "bahdanau",
    epochs: 1,
    batchSize: 16,
    validLimit: 8,
    outDir: relative(process.cwd(), ckpt), // recorded in the checkpoint: no absolute path of this machine
    overwrite: true,
    quiet: true,
  });
  // Only what `loadModel(ckpt, "best")` reads is kept: best.json and the weights it names.
  for (const f of readdirSync(ckpt)) {
    if (!/^best\.[0-9a-f]{64}\.safetensors$/.test(f) && f !== "best.json") rmSync(join(ckpt, f));
  }
  console.log(`${ckpt}: ${r.steps} steps (qkv train, task copy)`);
}

await main();
