/**
 * The word-level tokenizer behind the `Tokenizer` contract: `tokenize` / `detokenize` (the Unicode
 * word rules of tokenizer.ts) or whitespace splitting, over a `Vocab` built from training text. Words
 * not in the vocabulary become <unk>: this is what BPE (bpe.ts) removes.
 *
 * Normalisation: NFC, then lowercasing when `lowercase` is set (as `tokenize` does).
 */
import { detokenize, tokenize } from "./tokenizer.js";
import { TEXT_SPLITS, type TextSplit, type Tokenizer } from "./tokenizers.js";
import {
  type DecodeOptions,
  type EncodeOptions,
  SPECIAL_TOKENS,
  Vocab,
  type VocabBuildOptions,
} from "./vocab.js";

/** Options of `WordTokenizer` (and `WordTokenizer.build`). */
export interface WordTokenizerOptions {
  /** Lowercase text before splitting (default false). */
  lowercase?: boolean;
  /** "words" (default): the rules of `tokenize`; "space": split at whitespace only. */
  split?: TextSplit;
}

/** The serialised form. */
export interface WordTokenizerJSON {
  format: "qkv-word-tokenizer";
  version: 1;
  lowercase: boolean;
  split: TextSplit;
  /** `tokens[i]` is the token of id `i`; the four special tokens first. */
  tokens: string[];
}

export class WordTokenizer implements Tokenizer {
  readonly kind = "word" as const;
  readonly lowercase: boolean;
  readonly split: TextSplit;

  constructor(
    readonly vocab: Vocab,
    options: WordTokenizerOptions = {},
  ) {
    this.lowercase = options.lowercase ?? false;
    this.split = options.split ?? "words";
    if (!TEXT_SPLITS.includes(this.split)) {
      throw new Error(`WordTokenizer: split must be "words" or "space", got ${JSON.stringify(this.split)}`);
    }
  }

  /** Tokenizes `texts` and builds the vocabulary (frequency order; see `Vocab.build`). */
  static build(
    texts: Iterable<string>,
    options: WordTokenizerOptions & VocabBuildOptions = {},
  ): WordTokenizer {
    const splitter = new WordTokenizer(new Vocab(SPECIAL_TOKENS), options);
    const sentences: string[][] = [];
    for (const t of texts) sentences.push(splitter.tokenize(t));
    return new WordTokenizer(Vocab.build(sentences, options), options);
  }

  /** Restores a tokenizer written by `toJSON`; refuses anything malformed with a clear message. */
  static fromJSON(json: unknown): WordTokenizer {
    let obj = json;
    if (typeof json === "string") {
      try {
        obj = JSON.parse(json);
      } catch (e) {
        throw new Error(`WordTokenizer.fromJSON: not valid JSON (${(e as Error).message})`);
      }
    }
    const o = obj as Partial<WordTokenizerJSON> | null;
    if (
      o === null ||
      typeof o !== "object" ||
      o.format !== "qkv-word-tokenizer" ||
      o.version !== 1 ||
      typeof o.lowercase !== "boolean" ||
      !TEXT_SPLITS.includes(o.split as TextSplit) ||
      !Array.isArray(o.tokens) ||
      !o.tokens.every((t) => typeof t === "string")
    ) {
      throw new Error(
        'WordTokenizer.fromJSON: expected { format: "qkv-word-tokenizer", version: 1, lowercase: boolean, ' +
          'split: "words" | "space", tokens: string[] }',
      );
    }
    return new WordTokenizer(new Vocab(o.tokens), { lowercase: o.lowercase, split: o.split });
  }

  /** The tokenizer as JSON (vocabulary and options), as checkpoints store it; `fromJSON` restores it. */
  toJSON(): WordTokenizerJSON {
    return {
      format: "qkv-word-tokenizer",
      version: 1,
      lowercase: this.lowercase,
      split: this.split,
      tokens: this.vocab.tokens,
    };
  }

  get size(): number {
    return this.vocab.size;
  }

  normalize(text: string): string {
    const s = text.normalize("NFC");
    return this.lowercase ? s.toLowerCase() : s;
  }

  tokenize(text: string): string[] {
    if (this.split === "words") return tokenize(text, { lowercase: this.lowercase });
    return this.normalize(text)
      .split(/\s+/)
      .filter((t) => t !== "");
  }

  detokenize(tokens: readonly string[]): string {
    return this.split === "words" ? detokenize(tokens) : tokens.join(" ");
  }

  encode(text: string, options?: EncodeOptions): number[] {
    return this.vocab.encode(this.tokenize(text), options);
  }

  decode(ids: ArrayLike<number>, options?: DecodeOptions): string {
    return this.detokenize(this.vocab.decode(ids, options));
  }

  words(tokens: readonly string[]): string[] {
    return [...tokens];
  }
}
