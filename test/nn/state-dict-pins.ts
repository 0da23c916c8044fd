/**
 * The models whose state-dict names are pinned (test/nn/fixtures/state-dict-pins.json): every built-in
 * Seq2Seq attention kind and its variants, TransformerModel variants and the nn/ layers, built small.
 * `describeModule` lists what checkpoints and PyTorch fixtures depend on: state-dict keys with shapes,
 * the names `namedParameters()` lists (tied weights once), buffers and modules.
 */
import { Seq2Seq, type Seq2SeqConfig } from "../../src/models/seq2seq/index.js";
import { TransformerModel, type TransformerModelConfig } from "../../src/models/transformer/index.js";
import {
  LSTM,
  type Module,
  MultiheadAttention,
  Transformer,
  TransformerDecoderLayer,
  TransformerEncoderLayer,
} from "../../src/nn/index.js";

export interface ModuleDescription {
  /** "key [d0, d1, …]" per state-dict entry, in order. */
  stateDict: string[];
  parameters: string[];
  buffers: string[];
  /** "name: Class" per module, depth first. */
  modules: string[];
}

export function describeModule(m: Module): ModuleDescription {
  return {
    stateDict: Object.entries(m.stateDict()).map(([k, t]) => `${k} [${t.shape.join(", ")}]`),
    parameters: m.namedParameters().map(([n]) => n),
    buffers: m.namedBuffers().map(([n]) => n),
    modules: m.namedModules().map(([n, s]) => `${n}: ${s.constructor.name}`),
  };
}

const KINDS = ["none", "bahdanau", "luong-dot", "luong-general", "luong-concat", "luong-location"];
const s2s: Seq2SeqConfig = {
  srcVocabSize: 11,
  tgtVocabSize: 9,
  embedDim: 6,
  hiddenSize: 5,
  maxSourceLength: 7,
};
const tr: TransformerModelConfig = {
  srcVocabSize: 11,
  tgtVocabSize: 9,
  dModel: 8,
  nhead: 2,
  numEncoderLayers: 2,
  numDecoderLayers: 2,
  dimFeedforward: 12,
  maxLength: 10,
};

/** Name → a fresh module. */
export const PINNED_MODELS: Record<string, () => Module> = {
  ...Object.fromEntries(KINDS.map((k) => [`seq2seq ${k}`, () => new Seq2Seq({ ...s2s, attention: k })])),
  ...Object.fromEntries(
    KINDS.filter((k) => k !== "none").map((k) => [
      `seq2seq ${k} embeddings, no bridge, 2 layers, unidirectional`,
      () =>
        new Seq2Seq({
          ...s2s,
          attention: k,
          attentionValues: "embeddings",
          bridge: false,
          encoderLayers: 2,
          bidirectional: false,
          attentionDim: 3,
        }),
    ]),
  ),
  "seq2seq bahdanau latent": () => new Seq2Seq({ ...s2s, attention: "bahdanau", latentAlignment: true }),
  transformer: () => new TransformerModel(tr),
  "transformer learned untied": () => new TransformerModel({ ...tr, positions: "learned", tieOutput: false }),
  "transformer latent embeddings normFirst": () =>
    new TransformerModel({
      ...tr,
      latentAlignment: true,
      crossAttentionValues: "embeddings",
      normFirst: true,
    }),
  "nn.Transformer": () =>
    new Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 4 }),
  "nn.TransformerEncoderLayer": () => new TransformerEncoderLayer({ dModel: 4, nhead: 2, dimFeedforward: 3 }),
  "nn.TransformerDecoderLayer": () => new TransformerDecoderLayer({ dModel: 4, nhead: 2, dimFeedforward: 3 }),
  "nn.MultiheadAttention kdim vdim": () =>
    new MultiheadAttention({ embedDim: 4, numHeads: 2, kdim: 3, vdim: 5 }),
  "nn.MultiheadAttention no bias": () => new MultiheadAttention({ embedDim: 4, numHeads: 2, bias: false }),
  "nn.LSTM 2 layers bidirectional": () =>
    new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true }),
};
