/**
 * A small Transformer checkpoint for the explorer's tests (random init, seeded): the format the trainer
 * writes for meta.kind "transformer" (saveCheckpoint; config, task, vocabularies, maxTargetLength), with
 * the English and Hindi vocabularies of the bundled pretrained/en-hi so the page tokenizes real sentences.
 * It translates nonsense: it exists to check that the page computes what Node computes, never to be shown.
 */
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TransformerModel, type TransformerModelConfig } from "../../src/models/transformer/index.js";
import { manualSeed } from "../../src/tensor/index.js";
import { saveCheckpoint } from "../../src/train/checkpoint.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export const TINY_TRANSFORMER: Omit<TransformerModelConfig, "srcVocabSize" | "tgtVocabSize"> = {
  dModel: 16,
  nhead: 2,
  numEncoderLayers: 2,
  numDecoderLayers: 2,
  dimFeedforward: 32,
  dropout: 0,
};

/** Writes `<dir>/best.json` + its tensors: a seeded random TransformerModel over en-hi's vocabularies. */
export async function saveTinyTransformer(dir: string, seed = 7): Promise<void> {
  const lstm = JSON.parse(readFileSync(join(ROOT, "pretrained/en-hi/best.json"), "utf8")).meta;
  const config: TransformerModelConfig = {
    ...TINY_TRANSFORMER,
    srcVocabSize: lstm.srcVocab.length,
    tgtVocabSize: lstm.tgtVocab.length,
  };
  manualSeed(seed);
  const model = new TransformerModel(config).eval();
  await mkdir(dir, { recursive: true });
  await saveCheckpoint(dir, "best", {
    model: model.stateDict(),
    meta: {
      kind: "transformer",
      config,
      task: lstm.task,
      srcVocab: lstm.srcVocab,
      tgtVocab: lstm.tgtVocab,
      ...(lstm.srcTokenizer ? { srcTokenizer: lstm.srcTokenizer, tgtTokenizer: lstm.tgtTokenizer } : {}),
      maxTargetLength: 6,
      note: `random init (seed ${seed}), for tests only`,
    },
  });
}
