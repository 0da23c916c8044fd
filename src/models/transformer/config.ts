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
  /**
   * What every decoder layer's cross-attention takes its values from: `"memory"` (default; the paper,
   * PyTorch) the encoder output M, or `"embeddings"` the source token embeddings scaled as the encoder
   * input is, X_src = √d_model · E_src[src] (no positional encoding, no encoder, dropout as on the
   * encoder input), while the queries stay the decoder's and the keys the memory's. They enter each
   * cross-attention's own value projection W^V as the memory would, so no parameter is added:
   *   head_h = softmax(Q W^Q_h (M W^K_h)ᵀ / √d_k) (X_src W^V_h).
   * With contextual values any position carries the whole sentence, so attention may park on one that
   * summarises it; with lexical values a head only passes on the words it weighs, so it must look at
   * the word being translated (Zenkel, DeNero & Stiefel 2019; cf. Seq2SeqConfig.attentionValues).
   */
  crossAttentionValues?: CrossAttentionValues;
  /**
   * A latent alignment layer on top of the decoder (default false): one more attention, a single head
   * over the memory, whose weights mix per-source-position predictions made from the source word
   * embeddings instead of feeding the output layer one context (cf. Seq2SeqConfig.latentAlignment;
   * Deng et al. 2018; the lexical values follow Zenkel et al. 2019):
   *   a_tj = softmax_j((W_q h_t)·(W_k m_j) / √d),   h̃_tj = tanh(W_c [x_j; h_t]),
   *   p(y_t | y_<t, x) = Σ_j a_tj softmax(W_out h̃_tj),   x_j = √d · E_src[src_j].
   * A word must be predicted from one position, so a_t learns the position that explains y_t.
   * Parameters align_q, align_k (d × d) and align_combine (d × 2d).
   */
  latentAlignment?: boolean;
}

/** Where the Transformer's cross-attention values come from: the encoder output or the source embeddings. */
export type CrossAttentionValues = "memory" | "embeddings";
export const CROSS_ATTENTION_VALUES: readonly CrossAttentionValues[] = ["memory", "embeddings"];

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
  const crossAttentionValues = c.crossAttentionValues ?? "memory";
  if (!CROSS_ATTENTION_VALUES.includes(crossAttentionValues)) {
    throw new Error(
      `${op}: crossAttentionValues must be one of ${CROSS_ATTENTION_VALUES.join(", ")}, got "${String(crossAttentionValues)}"`,
    );
  }
  if (c.latentAlignment !== undefined && typeof c.latentAlignment !== "boolean") {
    throw new Error(`${op}: latentAlignment must be true or false, got ${JSON.stringify(c.latentAlignment)}`);
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
    crossAttentionValues,
    latentAlignment: c.latentAlignment ?? false,
  };
}
