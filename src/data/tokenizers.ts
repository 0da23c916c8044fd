/**
 * The tokenizer contract shared by the word tokenizer (`WordTokenizer`) and byte-pair encoding
 * (`BpeTokenizer`), so models, the trainer, decoding and the CLI take either: text ↔ token strings ↔
 * ids over one vocabulary with the special tokens of `Vocab` at fixed ids (<pad>=0, <unk>=1, <sos>=2,
 * <eos>=3), plus a JSON form that is stored in checkpoints and validated on load.
 *
 *   tokenize(text)     -> tokens        detokenize(tokens) -> text
 *   encode(text)       -> ids           decode(ids)        -> text
 *   vocab.encode(tokens) -> ids         vocab.decode(ids)  -> tokens
 *   words(tokens)      -> the word tokens of the text the tokens spell (what metrics count)
 *
 * `words` lets a word model and a subword model be scored on the same units: for a word tokenizer it
 * returns the tokens; for BPE it re-splits the decoded text with the word rule.
 */
import { BpeTokenizer, type BpeTokenizerJSON } from "./bpe.js";
import type { DecodeOptions, EncodeOptions, Vocab } from "./vocab.js";
import { WordTokenizer, type WordTokenizerJSON } from "./word-tokenizer.js";

/**
 * How text is cut into words: "words" = the Unicode word/punctuation rules of `tokenize` (natural
 * language); "space" = at whitespace only (SCAN and the synthetic tasks, whose tokens such as
 * `I_TURN_LEFT` are whole words).
 */
export type TextSplit = "words" | "space";

/** The ways a word tokenizer may split text. */
export const TEXT_SPLITS: readonly TextSplit[] = ["words", "space"];

/** A tokenizer's kind in checkpoints: word or byte-pair encoding. */
export type TokenizerKind = "word" | "bpe";

/** A tokenizer as checkpoints store it. */
export type TokenizerJSON = WordTokenizerJSON | BpeTokenizerJSON;

/** What every tokenizer does: text ↔ tokens ↔ ids, and JSON for checkpoints. */
export interface Tokenizer {
  readonly kind: TokenizerKind;
  /** Token strings ↔ ids (the four special tokens first). */
  readonly vocab: Vocab;
  /** Number of ids, special tokens included (the model's embedding and output sizes). */
  readonly size: number;
  /** The normalisation applied before tokenizing (NFC, optional lowercasing, ...). */
  normalize(text: string): string;
  /** Text → tokens (normalised first). */
  tokenize(text: string): string[];
  /** Tokens → text. */
  detokenize(tokens: readonly string[]): string;
  /** `vocab.encode(tokenize(text), options)`. */
  encode(text: string, options?: EncodeOptions): number[];
  /** `detokenize(vocab.decode(ids, options))`. */
  decode(ids: ArrayLike<number>, options?: DecodeOptions): string;
  /** The word-level tokens of the text `tokens` spell (the units of BLEU and accuracy). */
  words(tokens: readonly string[]): string[];
  /** The tokenizer as JSON, as checkpoints store it (`tokenizerFromJSON` restores it). */
  toJSON(): TokenizerJSON;
}

/**
 * Restores a tokenizer written by `toJSON` (an object or its JSON text), dispatching on `format`
 * ("qkv-word-tokenizer" or "qkv-bpe"). Anything else is refused with an error saying what is wrong.
 */
export function tokenizerFromJSON(json: unknown): Tokenizer {
  let obj = json;
  if (typeof json === "string") {
    try {
      obj = JSON.parse(json);
    } catch (e) {
      throw new Error(`tokenizerFromJSON: not valid JSON (${(e as Error).message})`);
    }
  }
  const format = obj !== null && typeof obj === "object" ? (obj as { format?: unknown }).format : undefined;
  if (format === "qkv-word-tokenizer") return WordTokenizer.fromJSON(obj);
  if (format === "qkv-bpe") return BpeTokenizer.fromJSON(obj);
  throw new Error(
    `tokenizerFromJSON: expected an object with format "qkv-word-tokenizer" or "qkv-bpe", got ${
      obj === null || typeof obj !== "object" ? typeof obj : `format ${JSON.stringify(format) ?? "undefined"}`
    }`,
  );
}
