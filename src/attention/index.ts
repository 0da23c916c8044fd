/**
 * The attention family on one core. Start at attend.ts: score → softmax → weighted sum.
 * Everything else here is a configuration of it.
 */
export { alibiMask, alibiSlopes } from "./alibi.js";
export { type AttendOptions, type AttentionResult, attend } from "./attend.js";
export { type BahdanauParams, bahdanauAttention } from "./bahdanau.js";
export {
  type CoverageParams,
  type CoverageResult,
  coverageAttention,
  coverageAttentionProjected,
  coverageLoss,
} from "./coverage.js";
export {
  type FusedAttentionOptions,
  type FusedAttentionResult,
  fusedAttention,
  hasFusedAttention,
  prefersFusedAttention,
} from "./fused.js";
export { KVCache } from "./kv-cache.js";
export { LATENT_FLOOR, mixPositions } from "./latent-alignment.js";
export {
  checkWindow,
  gaussianFactor,
  type LocalAttentionOptions,
  localAttention,
  localWindowMask,
  monotonicPosition,
  predictivePosition,
} from "./local.js";
export { type LuongOptions, type LuongScoreName, luongAttention } from "./luong.js";
export {
  AttentionMask,
  additiveMask,
  causalMask,
  combineMasks,
  fromTorchAttnMask,
  fromTorchBoolMask,
  fromTorchKeyPaddingMask,
  maskFromAllowed,
  paddingMask,
  slidingWindowMask,
} from "./masks.js";
export {
  type MultiHeadAttentionArgs,
  type MultiHeadForwardOptions,
  type MultiHeadForwardResult,
  type MultiHeadResult,
  type MultiHeadWeights,
  multiHeadAttentionForward,
} from "./multi-head.js";
export { RotaryEmbedding } from "./rotary.js";
export { type ScaledDotProductOptions, scaledDotProductAttention } from "./scaled-dot-product.js";
export type { Score } from "./scores.js";
export * as scores from "./scores.js";
export {
  crossAttention,
  type ProjectionParams,
  type SelfAttentionOptions,
  selfAttention,
} from "./self-attention.js";
