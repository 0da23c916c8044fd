/**
 * Maps that read as words: the axes of a token-level attention map turned into whitespace-separated
 * words (align/words.ts) and the weights aggregated onto them — SUM over a key (column) word's pieces,
 * MEAN over a query (row) word's pieces, so each row is still a distribution. Used by `qkv attend` /
 * `qkv translate` and the explorer, which show words by default and pieces on request.
 *
 * A source line's words come from `tokensWithWords` (the line tokenized whole, as the model saw it). A
 * model's output is a sequence of pieces with no line behind it: its words are the detokenized text's
 * when re-tokenizing that text gives the same pieces back, else read off the pieces themselves (a BPE
 * piece starting with "▁" starts a word, byte tokens continue one; a word token starts a word when the
 * detokenizer puts a space before it). `<sos>`, `<eos>` and `<pad>` are always words of their own.
 *
 * Browser-safe: no Node built-ins.
 */
import { aggregateToWords, pieceLabels, tokensWithWords, wordLabel } from "../align/words.js";
import { BPE_MARKER } from "../data/bpe.js";
import type { Tokenizer } from "../data/tokenizers.js";
import { EOS_TOKEN, PAD_TOKEN, SOS_TOKEN, UNK_TOKEN } from "../data/vocab.js";

/** One axis of a map as words. */
export interface WordAxis {
  /** One label per word: its pieces joined (no "▁", bytes decoded), `<unk>` kept; a source word as written. */
  labels: string[];
  /** `tokenWord[k]`: the word of token k. */
  tokenWord: number[];
  /** The pieces the model saw, one label each (for the "show pieces" view: no "▁", byte runs decoded). */
  pieceLabels: string[];
}

const SPECIAL = new Set([SOS_TOKEN, EOS_TOKEN, PAD_TOKEN]);

/**
 * The words of a source line whose tokens (`tokenizer.tokenize(text)`, what the model was fed) are the
 * map's columns (or rows and columns, for self-attention). A word is labelled as written in the line;
 * one the vocabulary did not know (a token `<unk>`) by its pieces, so that its `<unk>` shows. Where the
 * tokens cannot be placed on the line, the words they spell ({@link tokenWordAxis}).
 */
export function sourceWordAxis(text: string, tokenizer: Tokenizer): WordAxis {
  let tw: ReturnType<typeof tokensWithWords>;
  try {
    tw = tokensWithWords(text, tokenizer);
  } catch {
    // Tokens that cannot be placed on the line (a tokenizer align does not know): the words the
    // tokens themselves spell, as for a model's output.
    const v = tokenizer.vocab;
    return tokenWordAxis(
      v.encode(tokenizer.tokenize(text)).map((id) => v.tokenOf(id)),
      tokenizer,
    );
  }
  const pieces = tw.words.map(() => [] as string[]);
  tw.tokenWord.forEach((w, k) => {
    if (w >= 0) pieces[w].push(tw.tokens[k]);
  });
  const labels = tw.words.map((w, i) => (pieces[i].includes(UNK_TOKEN) ? wordLabel(pieces[i]) : w));
  // A token with no word (a lone "▁" at the end, which tokenizers do not produce) joins the last word.
  const tokenWord = tw.tokenWord.map((w) => (w >= 0 ? w : Math.max(0, labels.length - 1)));
  return { labels, tokenWord, pieceLabels: pieceLabels(tw.tokens) };
}

/** Word starts of pieces with no text behind them (see the module comment). */
function wordStarts(pieces: readonly string[], tokenizer: Tokenizer): boolean[] {
  if (tokenizer.kind === "bpe") {
    // A lone "▁" (a space) belongs to the word after it.
    return pieces.map((p, k) => k === 0 || (p.startsWith(BPE_MARKER) && pieces[k - 1] !== BPE_MARKER));
  }
  return pieces.map((p, k) => k === 0 || /\s/u.test(tokenizer.detokenize([pieces[k - 1], p])));
}

/**
 * The words of a sequence of model tokens (vocabulary strings, e.g. the output pieces then `<eos>`, or
 * `<sos>` then the decoder's input pieces).
 */
export function tokenWordAxis(tokens: readonly string[], tokenizer: Tokenizer): WordAxis {
  const tokenWord: number[] = [];
  const labels: string[] = [];
  let k = 0;
  while (k < tokens.length) {
    if (SPECIAL.has(tokens[k])) {
      tokenWord.push(labels.length);
      labels.push(tokens[k]);
      k++;
      continue;
    }
    let end = k;
    while (end < tokens.length && !SPECIAL.has(tokens[end])) end++;
    const run = tokens.slice(k, end);
    const starts = runWordStarts(run, tokenizer);
    let word: string[] = [];
    const flush = () => {
      if (word.length > 0) labels.push(wordLabel(word));
      word = [];
    };
    run.forEach((p, i) => {
      if (starts[i]) flush();
      word.push(p);
      tokenWord.push(labels.length);
    });
    flush();
    k = end;
  }
  return { labels, tokenWord, pieceLabels: pieceLabels(tokens) };
}

/** Word starts of a run of ordinary pieces: the detokenized text's words when they give the pieces back. */
function runWordStarts(run: readonly string[], tokenizer: Tokenizer): boolean[] {
  try {
    const tw = tokensWithWords(tokenizer.detokenize(run), tokenizer);
    if (tw.tokens.length === run.length && tw.tokens.every((t, i) => t === run[i])) {
      return tw.tokenWord.map((w, i) => i === 0 || (w >= 0 && w !== tw.tokenWord[i - 1]));
    }
  } catch {
    // Pieces the tokenizer would not produce from their own text: read the words off the pieces.
  }
  return wordStarts(run, tokenizer);
}

/**
 * `weights` (rows × columns, one per token of `rows` / `cols`) as words: SUM over a column word's pieces,
 * MEAN over a row word's pieces (align's `aggregateToWords`).
 */
export function wordWeights(weights: ArrayLike<number>[], rows: WordAxis, cols: WordAxis): number[][] {
  return aggregateToWords(weights, rows.tokenWord, cols.tokenWord, rows.labels.length, cols.labels.length);
}

/** Caption of a word-level map: how its weights were made from the pieces'. */
export function wordsCaption(rows = "query", cols = "key"): string {
  return `Words: weights summed over a ${cols} word's pieces, averaged over a ${rows} word's pieces.`;
}
