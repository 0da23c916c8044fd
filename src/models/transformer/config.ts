/** Typed configuration of the Transformer translation model, with defaults (models know nothing of training). */

export type PositionKind = "sinusoidal" | "learned";

export interface TransformerModelConfig {
  srcVocabSize: number;
  tgtVocabSize: number;
  /** d_model, the size of every embedding and layer (default 64). */
  dModel?: number;
  /** Attention heads (default 4; dModel must be a multiple). */
  nhead?: number;
  /** Encoder layers (default 2). */
  numEncoderLayers?: number;
  /** Decoder layers (default 2). */
  numDecoderLayers?: number;
  /** Inner size of the feed-forward networks (default 4·dModel). */
  dimFeedforward?: number;
  /** Dropout on embeddings, attention weights and sub-layer outputs (default 0.1). */
  dropout?: number;
  activation?: "relu" | "gelu";
  /** Pre-norm layers (default false: the paper's post-norm). */
  normFirst?: boolean;
  layerNormEps?: number;
  /** Sinusoidal (default) or learned positional encodings. */
  positions?: PositionKind;
  /** Longest sequence with learned positions (default 256). */
  maxLength?: number;
  /** Output projection tied to the target embedding (Press & Wolf 2017; default true). */
  tieOutput?: boolean;
}

export type ResolvedTransformerModelConfig = Required<TransformerModelConfig>;

export function resolveTransformerConfig(c: TransformerModelConfig): ResolvedTransformerModelConfig {
  const op = "TransformerModel";
  for (const k of ["srcVocabSize", "tgtVocabSize"] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 4)
      throw new Error(`${op}: ${k} must be an integer ≥ 4, got ${c[k]}`);
  }
  const dModel = c.dModel ?? 64;
  const positions = c.positions ?? "sinusoidal";
  if (positions !== "sinusoidal" && positions !== "learned") {
    throw new Error(`${op}: positions must be "sinusoidal" or "learned", got "${String(positions)}"`);
  }
  const maxLength = c.maxLength ?? 256;
  if (!Number.isInteger(maxLength) || maxLength <= 0) {
    throw new Error(`${op}: maxLength must be a positive integer, got ${maxLength}`);
  }
  return {
    srcVocabSize: c.srcVocabSize,
    tgtVocabSize: c.tgtVocabSize,
    dModel,
    nhead: c.nhead ?? 4,
    numEncoderLayers: c.numEncoderLayers ?? 2,
    numDecoderLayers: c.numDecoderLayers ?? 2,
    dimFeedforward: c.dimFeedforward ?? 4 * dModel,
    dropout: c.dropout ?? 0.1,
    activation: c.activation ?? "relu",
    normFirst: c.normFirst ?? false,
    layerNormEps: c.layerNormEps ?? 1e-5,
    positions,
    maxLength,
    tieOutput: c.tieOutput ?? true,
  };
}
