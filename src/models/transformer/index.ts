/** The Transformer translation model (embeddings, positions, nn.Transformer, output projection). */
export {
  CROSS_ATTENTION_VALUES,
  type CrossAttentionValues,
  POSITION_KINDS,
  type PositionKind,
  type ResolvedTransformerModelConfig,
  resolveTransformerConfig,
  type TransformerModelConfig,
} from "./config.js";
export { TransformerDecoderGraph, TransformerEncoderGraph, TransformerStepGraph } from "./graphs.js";
export {
  InAttentionPositions,
  type TransformerForwardResult,
  TransformerModel,
  type TransformerState,
  type TransformerStepResult,
} from "./model.js";
