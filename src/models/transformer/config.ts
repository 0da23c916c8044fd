/** Typed configuration of the Transformer translation model, with defaults (models know nothing of training). */

/**
 * Where positions enter: added to the embeddings ("sinusoidal", Vaswani et al. §3.5; "learned"), or
 * inside every self-attention ("rope": queries and keys rotated per head, Su et al. 2021; "alibi":
 * −m_h·|i − j| on the scores, Press et al. 2022), with nothing added to the embeddings. The decoder's
 * cross-attention has no positions in either case (source and target positions are not one axis).
 */
export type PositionKind = "sinusoidal" | "learned" | "rope" | "alibi";
export const POSITION_KINDS: readonly PositionKind[] = ["sinusoidal", "learned", "rope", "alibi"];

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
  /** Sinusoidal (default), learned, rotary (RoPE) or ALiBi positions (PositionKind). */
  positions?: PositionKind;
  /**
   * Key/value heads of every attention (grouped-query attention, Ainslie et al. 2023; a divisor of
   * nhead; default nhead; 1 = multi-query, Shazeer 2019): query head h reads kv head ⌊h·kvHeads/nhead⌋
   * (torch SDPA's enable_gqa), the K and V projections have kvHeads·d_head rows, and the KV cache holds
   * kvHeads heads.
   */
  kvHeads?: number;
  /**
   * Sliding-window self-attention (default null: none). Decoder (causal, Mistral-style): query i sees
   * keys i − window < j ≤ i, the last `window` positions itself included. Encoder (bidirectional): a
   * symmetric band |i − j| < window, so each source position sees window − 1 on either side. The
   * cross-attention sees the whole source.
   */
  window?: number | null;
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

/** The default d_model and number of heads (what `resolveTransformerConfig` fills in). */
export const DEFAULT_D_MODEL = 64;
export const DEFAULT_NHEAD = 4;

export function resolveTransformerConfig(c: TransformerModelConfig): ResolvedTransformerModelConfig {
  const op = "TransformerModel";
  for (const k of ["srcVocabSize", "tgtVocabSize"] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 4)
      throw new Error(`${op}: ${k} must be an integer ≥ 4, got ${c[k]}`);
  }
  const dModel = c.dModel ?? DEFAULT_D_MODEL;
  const positions = c.positions ?? "sinusoidal";
  if (!POSITION_KINDS.includes(positions)) {
    throw new Error(
      `${op}: positions must be one of ${POSITION_KINDS.map((k) => `"${k}"`).join(", ")}, got "${String(positions)}"`,
    );
  }
  const nhead = c.nhead ?? DEFAULT_NHEAD;
  if (!Number.isInteger(dModel) || dModel < 1 || !Number.isInteger(nhead) || nhead < 1 || dModel % nhead) {
    throw new Error(`${op}: dModel (${dModel}) must be a positive multiple of nhead (${nhead})`);
  }
  const kvHeads = c.kvHeads ?? nhead;
  if (!Number.isInteger(kvHeads) || kvHeads < 1 || nhead % kvHeads !== 0) {
    throw new Error(`${op}: kvHeads must be a positive divisor of nhead (${nhead}), got ${kvHeads}`);
  }
  if (positions === "rope" && (dModel / nhead) % 2 !== 0) {
    throw new Error(
      `${op}: positions "rope" needs an even head size, got dModel/nhead = ${dModel}/${nhead} = ${dModel / nhead}`,
    );
  }
  const window = c.window ?? null;
  if (window !== null && (!Number.isInteger(window) || window < 1)) {
    throw new Error(`${op}: window must be an integer ≥ 1 or null, got ${window}`);
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
    nhead,
    numEncoderLayers: c.numEncoderLayers ?? 2,
    numDecoderLayers: c.numDecoderLayers ?? 2,
    dimFeedforward: c.dimFeedforward ?? 4 * dModel,
    dropout: c.dropout ?? 0.1,
    activation: c.activation ?? "relu",
    normFirst: c.normFirst ?? false,
    layerNormEps: c.layerNormEps ?? 1e-5,
    positions,
    kvHeads,
    window,
    maxLength,
    tieOutput: c.tieOutput ?? true,
    crossAttentionValues,
    latentAlignment: c.latentAlignment ?? false,
  };
}
