/** Typed configuration of the LSTM encoder–decoder, with defaults (models know nothing of training). */

/** How the decoder looks at the source: not at all beyond one vector (the bottleneck), or by attention. */
export type AttentionKind =
  | "none"
  | "bahdanau"
  | "luong-dot"
  | "luong-general"
  | "luong-concat"
  | "luong-location";

export const ATTENTION_KINDS: readonly AttentionKind[] = [
  "none",
  "bahdanau",
  "luong-dot",
  "luong-general",
  "luong-concat",
  "luong-location",
];

export interface Seq2SeqConfig {
  srcVocabSize: number;
  tgtVocabSize: number;
  /** Word embedding size (default 64). */
  embedDim?: number;
  /** Encoder LSTM hidden size per direction (default 128). */
  hiddenSize?: number;
  /** Decoder LSTM hidden size (default: encoder output size, i.e. 2·hiddenSize when bidirectional). */
  decoderHiddenSize?: number;
  /** Encoder layers (default 1). */
  encoderLayers?: number;
  /** Bidirectional encoder (default true). */
  bidirectional?: boolean;
  attention?: AttentionKind;
  /** Attention MLP size for bahdanau / luong-concat (default decoderHiddenSize). */
  attentionDim?: number;
  /** Luong's input feeding: the previous attentional state h̃ is fed with the next input (default true). */
  inputFeeding?: boolean;
  /** Dropout on embeddings and the attentional state (default 0.1). */
  dropout?: number;
  /** Longest source for luong-location (its W has one row per source position; default 64). */
  maxSourceLength?: number;
}

export type ResolvedSeq2SeqConfig = Required<Seq2SeqConfig>;

export function resolveConfig(c: Seq2SeqConfig): ResolvedSeq2SeqConfig {
  const hiddenSize = c.hiddenSize ?? 128;
  const bidirectional = c.bidirectional ?? true;
  const decoderHiddenSize = c.decoderHiddenSize ?? (bidirectional ? 2 : 1) * hiddenSize;
  const attention = c.attention ?? "luong-general";
  if (!ATTENTION_KINDS.includes(attention)) {
    throw new Error(`Seq2Seq: unknown attention "${attention}" (one of ${ATTENTION_KINDS.join(", ")})`);
  }
  for (const k of ["srcVocabSize", "tgtVocabSize"] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 4)
      throw new Error(`Seq2Seq: ${k} must be an integer ≥ 4, got ${c[k]}`);
  }
  return {
    srcVocabSize: c.srcVocabSize,
    tgtVocabSize: c.tgtVocabSize,
    embedDim: c.embedDim ?? 64,
    hiddenSize,
    decoderHiddenSize,
    encoderLayers: c.encoderLayers ?? 1,
    bidirectional,
    attention,
    attentionDim: c.attentionDim ?? decoderHiddenSize,
    inputFeeding: c.inputFeeding ?? true,
    dropout: c.dropout ?? 0.1,
    maxSourceLength: c.maxSourceLength ?? 64,
  };
}
