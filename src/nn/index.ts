/**
 * Neural-network building blocks on the tensor layer: the Module base (PyTorch parameter names and
 * state dicts), layers, losses, initialisers and (in optim/) optimizers and schedules.
 */
export { ModuleList, Sequential, type TensorModule } from "./container.js";
export { Dropout } from "./dropout.js";
export { Embedding, type EmbeddingOptions } from "./embedding.js";
export * as init from "./init.js";
export { LayerNorm, type LayerNormOptions, layerNorm } from "./layer-norm.js";
// Transformer (issue 9): layers with PyTorch 1.13 semantics and state-dict names, positions.
export { LearnedPositionalEncoding } from "./learned-positional-encoding.js";
export { Linear, type LinearOptions } from "./linear.js";
export {
  type CrossEntropyOptions,
  crossEntropy,
  type MseLossOptions,
  mseLoss,
  type NllLossOptions,
  nllLoss,
  type Reduction,
} from "./losses.js";
export { LSTM, type LSTMConfig, type LSTMForwardOptions, type LSTMResult } from "./lstm.js";
export { LSTMCell, type LSTMCellConfig, type LSTMState, lstmPointwise } from "./lstm-cell.js";
export {
  type LoadStateDictOptions,
  type LoadStateDictResult,
  Module,
  type TensorLikeData,
} from "./module.js";
export {
  MultiHeadAttention,
  type MultiHeadAttentionConfig,
  MultiheadAttention,
  type MultiheadForwardOptions,
} from "./multihead-attention.js";
export * as optim from "./optim/index.js";
export * from "./optim/index.js";
export { SinusoidalPositionalEncoding, sinusoidalEncoding } from "./sinusoidal-positional-encoding.js";
export { Transformer, type TransformerConfig, type TransformerForwardOptions } from "./transformer.js";
export {
  TransformerDecoder,
  TransformerDecoderCache,
  type TransformerDecoderOptions,
  type TransformerDecoderResult,
} from "./transformer-decoder.js";
export {
  TransformerDecoderLayer,
  type TransformerDecoderLayerCache,
  type TransformerDecoderLayerOptions,
  type TransformerDecoderLayerResult,
} from "./transformer-decoder-layer.js";
export { TransformerEncoder, type TransformerStackConfig } from "./transformer-encoder.js";
export {
  TransformerEncoderLayer,
  type TransformerEncoderLayerOptions,
  type TransformerLayerConfig,
} from "./transformer-encoder-layer.js";
