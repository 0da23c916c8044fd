/** Typed configuration of the LSTM encoder–decoder, with defaults (models know nothing of training). */

/** The attention kinds qkv ships. */
export type BuiltinAttentionKind =
  | "none"
  | "bahdanau"
  | "luong-dot"
  | "luong-general"
  | "luong-concat"
  | "luong-location"
  | "coverage"
  | "local-m"
  | "local-p";

/**
 * How the decoder looks at the source: not at all beyond one vector (the bottleneck), or by attention —
 * a built-in kind or one added with `registerAttentionKind` (attention-kinds.ts).
 */
export type AttentionKind = BuiltinAttentionKind | (string & {});

const kinds: AttentionKind[] = [
  "none",
  "bahdanau",
  "luong-dot",
  "luong-general",
  "luong-concat",
  "luong-location",
  "coverage",
  "local-m",
  "local-p",
];

/** Every attention kind `Seq2Seq` knows: the built-in ones, then any registered, in order. */
export const ATTENTION_KINDS: readonly AttentionKind[] = kinds;

/** Adds a kind's name to ATTENTION_KINDS (attention-kinds.ts's `registerAttentionKind` calls it). */
export function addAttentionKindName(name: string): void {
  kinds.push(name);
}

/** The configuration of a `Seq2Seq` model (as stored in checkpoints); `resolveConfig` fills the defaults. */
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
  /**
   * Half-width D of local attention's window, s ∈ [p_t − D, p_t + D] (local-m, local-p; default 10, as
   * Luong et al. 2015 §4.1 use; an integer ≥ 1, σ = D/2 for local-p's Gaussian).
   */
  attentionWindow?: number;
  /**
   * What the attention sums (its values): `"encoder"` (default) the encoder states h_j, as in the
   * papers; `"embeddings"` the source word embeddings projected to the encoder size, v_j = W_v x_j
   * (`value_proj`), while the keys stay the encoder states. With lexical values a context can only
   * carry the words it weighs, so attention cannot park on one position that summarises the sentence
   * (the final "." of a bidirectional encoder): it must look at the word being translated. The
   * sentence as a whole still reaches the decoder through the bridge (s_0 from the final states).
   */
  attentionValues?: AttentionValues;
  /**
   * The bridge: s_0 = tanh(W_h [→h_S; ←h_1]), c_0 = W_c [...] from the encoder's final states (default
   * true). Without it the decoder starts from zeros and knows the source only through its attention —
   * with `attentionValues: "embeddings"` only through the words it attends to (needs attention).
   */
  bridge?: boolean;
  /**
   * Attention as a latent alignment (default false): instead of one context vector feeding the output
   * layer, each source position predicts the word from its value and the decoder state and the
   * attention mixes those predictions, p(y_t) = Σ_j a_tj softmax(W_s tanh(W_c [v_j; s_t])) (Deng et
   * al. 2018). A blend of positions cannot be the answer, so attention learns the position that
   * explains each word. Same parameters as the context model (needs attention).
   */
  latentAlignment?: boolean;
}

/** What an attention's weighted sum is taken over: the encoder states or the (projected) source embeddings. */
export type AttentionValues = "encoder" | "embeddings";
/** What the seq2seq attention may read as values: the encoder states or the source embeddings. */
export const ATTENTION_VALUES: readonly AttentionValues[] = ["encoder", "embeddings"];

export type ResolvedSeq2SeqConfig = Required<Seq2SeqConfig>;

/** The attention a `Seq2Seq` has when its config names none (and `qkv train --attention`'s default). */
export const DEFAULT_ATTENTION: AttentionKind = "luong-general";

/** A seq2seq config with every default filled in (attention kind, sizes, dropout, …). */
export function resolveConfig(c: Seq2SeqConfig): ResolvedSeq2SeqConfig {
  const hiddenSize = c.hiddenSize ?? 128;
  const bidirectional = c.bidirectional ?? true;
  const decoderHiddenSize = c.decoderHiddenSize ?? (bidirectional ? 2 : 1) * hiddenSize;
  const attention = c.attention ?? DEFAULT_ATTENTION;
  if (!ATTENTION_KINDS.includes(attention)) {
    throw new Error(`Seq2Seq: unknown attention "${attention}" (one of ${ATTENTION_KINDS.join(", ")})`);
  }
  if (c.attentionValues !== undefined && !ATTENTION_VALUES.includes(c.attentionValues)) {
    throw new Error(
      `Seq2Seq: unknown attentionValues "${c.attentionValues}" (one of ${ATTENTION_VALUES.join(", ")})`,
    );
  }
  if (c.bridge === false && attention === "none") {
    throw new Error(
      'Seq2Seq: bridge false needs attention (with attention "none" the bridge is the only path from the source)',
    );
  }
  if (c.latentAlignment === true && attention === "none") {
    throw new Error(
      "Seq2Seq: latentAlignment needs attention (it mixes the attended positions' predictions)",
    );
  }
  if (
    c.attentionWindow !== undefined &&
    !(Number.isSafeInteger(c.attentionWindow) && c.attentionWindow >= 1)
  ) {
    throw new Error(`Seq2Seq: attentionWindow must be an integer ≥ 1, got ${c.attentionWindow}`);
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
    attentionWindow: c.attentionWindow ?? 10,
    attentionValues: c.attentionValues ?? "encoder",
    bridge: c.bridge ?? true,
    latentAlignment: c.latentAlignment ?? false,
  };
}
