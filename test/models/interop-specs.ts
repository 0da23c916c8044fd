/**
 * The models of the PyTorch round trip (scripts/make-interop-weights.ts trains them in qkv,
 * scripts/make_interop_fixtures.py loads them into PyTorch, trains them there and writes fixtures,
 * test/models/pytorch-interop.test.ts checks both directions). Small on purpose: the weights are
 * committed.
 */
import type { Seq2SeqConfig } from "../../src/models/seq2seq/index.js";
import type { TransformerModelConfig } from "../../src/models/transformer/index.js";

export type InteropModelSpec =
  | { name: string; kind: "transformer"; seed: number; config: TransformerModelConfig }
  | { name: string; kind: "seq2seq"; seed: number; config: Seq2SeqConfig };

const seq2seq = (attention: NonNullable<Seq2SeqConfig["attention"]>, seed: number): InteropModelSpec => ({
  name: `seq2seq-${attention}`,
  kind: "seq2seq",
  seed,
  config: {
    srcVocabSize: 13,
    tgtVocabSize: 11,
    embedDim: 8,
    hiddenSize: 6,
    decoderHiddenSize: attention === "luong-dot" ? 12 : 10,
    encoderLayers: attention === "bahdanau" ? 2 : 1,
    bidirectional: true,
    attention,
    attentionDim: 7,
    inputFeeding: true,
    dropout: 0.1,
    maxSourceLength: 12,
  },
});

export const INTEROP_MODELS: readonly InteropModelSpec[] = [
  {
    name: "transformer",
    kind: "transformer",
    seed: 11,
    config: {
      srcVocabSize: 13,
      tgtVocabSize: 11,
      dModel: 16,
      nhead: 2,
      numEncoderLayers: 2,
      numDecoderLayers: 2,
      dimFeedforward: 32,
      dropout: 0.1,
      activation: "relu",
      normFirst: false,
      positions: "sinusoidal",
      tieOutput: true,
    },
  },
  {
    name: "transformer-prenorm",
    kind: "transformer",
    seed: 12,
    config: {
      srcVocabSize: 13,
      tgtVocabSize: 11,
      dModel: 16,
      nhead: 4,
      numEncoderLayers: 1,
      numDecoderLayers: 2,
      dimFeedforward: 24,
      dropout: 0.1,
      activation: "gelu",
      normFirst: true,
      positions: "learned",
      maxLength: 16,
      tieOutput: false,
    },
  },
  seq2seq("none", 21),
  seq2seq("bahdanau", 22),
  seq2seq("luong-dot", 23),
  seq2seq("luong-general", 24),
  seq2seq("luong-concat", 25),
  seq2seq("luong-location", 26),
];
