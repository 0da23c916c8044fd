/**
 * The page's maps as words or as pieces (no DOM here, so Node tests run the same code). A model sees
 * tokens — BPE pieces ("▁light" "s"), byte tokens, or a word tokenizer's words with punctuation split off —
 * while a reader thinks in the sentence's whitespace-separated words. Every map is shown as words by
 * default: weights SUMMED over a key (column) word's pieces and AVERAGED over a query (row) word's pieces
 * (qkv's `wordWeights`, align's `aggregateToWords`), so each row is still a distribution; the switch "show
 * subword pieces" shows the model's own pieces instead (labels without "▁", byte runs decoded).
 */
import { type data, sourceWordAxis, tokenWordAxis, type WordAxis, wordWeights } from "qkv";
import type { CrossRun } from "./lesson.js";
import {
  type AttentionStack,
  type LayeredAnalysis,
  lstmCrossStack,
  lstmStatesSelfAttention,
} from "./stacks.js";

/** A model's two tokenizers. */
export interface Tokenizers {
  srcTokenizer: data.Tokenizer;
  tgtTokenizer: data.Tokenizer;
}

/** Which side of the translation an axis shows: the English sentence or the model's Hindi tokens. */
export type Side = "source" | "target";

/** Caption of a word-level map (rows the queries, columns the keys). */
export function wordsNote(rows: string, cols: string): string {
  return `Words: weights summed over ${cols} word's pieces, averaged over ${rows} word's pieces.`;
}

/** An axis of a map as words: the source sentence's (`sourceWordAxis`), or the tokens' (`tokenWordAxis`). */
export function axisOf(tokens: readonly string[], side: Side, sentence: string, t: Tokenizers): WordAxis {
  if (side === "target") return tokenWordAxis(tokens, t.tgtTokenizer);
  const a = sourceWordAxis(sentence, t.srcTokenizer);
  if (a.tokenWord.length !== tokens.length) {
    throw new Error(
      `words: ${a.tokenWord.length} tokens of "${sentence}" placed on its words, but the map has ${tokens.length}`,
    );
  }
  return a;
}

/** A stack in both views: `words` (aggregated, word labels) and `pieces` (the model's tokens, readable labels). */
export interface StackViews {
  words: AttentionStack;
  pieces: AttentionStack;
}

/** Both views of `s`, whose rows are on side `q` and columns on side `k` of `sentence`. */
export function stackViews(s: AttentionStack, q: Side, k: Side, sentence: string, t: Tokenizers): StackViews {
  const rows = axisOf(s.queryTokens, q, sentence, t);
  const cols = axisOf(s.keyTokens, k, sentence, t);
  const name = (side: Side) => (side === "source" ? "an English" : "a Hindi");
  return {
    words: {
      ...s,
      queryTokens: rows.labels,
      keyTokens: cols.labels,
      weights: s.weights.map((layer) => layer.map((head) => wordWeights(head, rows, cols))),
      caption: wordsNote(name(q), name(k)),
    },
    pieces: { ...s, queryTokens: rows.pieceLabels, keyTokens: cols.pieceLabels },
  };
}

/** Everything the page draws of one sentence, in both views. */
export interface ShownAnalysis {
  encoderSelf: StackViews;
  decoderSelf?: StackViews;
  cross?: StackViews;
  /** The LSTM's cross-attention (view 2's first map, view 4's last stack). */
  lstmCross: StackViews;
}

/**
 * Both views of a translation: the layered model's stacks (the Transformer's, or the stand-in over the
 * LSTM encoder's states) with its tokenizers, and the LSTM's cross-attention with the LSTM's.
 */
export function shownAnalysis(
  sentence: string,
  run: CrossRun,
  lstm: Tokenizers,
  layered: { analysis: LayeredAnalysis; tokenizers: Tokenizers } | null,
): ShownAnalysis {
  const lstmCross = stackViews(lstmCrossStack(run), "target", "source", sentence, lstm);
  if (!layered) {
    return {
      encoderSelf: stackViews(lstmStatesSelfAttention(run), "source", "source", sentence, lstm),
      lstmCross,
    };
  }
  const { analysis: a, tokenizers: t } = layered;
  return {
    encoderSelf: stackViews(a.encoderSelf, "source", "source", sentence, t),
    decoderSelf: a.decoderSelf && stackViews(a.decoderSelf, "target", "target", sentence, t),
    cross: a.cross && stackViews(a.cross, "target", "source", sentence, t),
    lstmCross,
  };
}
