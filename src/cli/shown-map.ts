/**
 * The attention map as `qkv translate` and `qkv attend` show it: word axes by default, the model's
 * pieces with `--pieces`.
 */
import { tokenizersOf } from "../checkpoint/format.js";
import { sourceWordAxis, tokenWordAxis, type WordAxis, wordsCaption, wordWeights } from "../viz/words.js";
import type { Loaded } from "./common.js";

/**
 * A map's axes and weights as shown: words by default (sum over a source word's pieces, mean over a
 * target word's pieces), the model's pieces with `pieces`. `rowTokens` are the rows' output tokens
 * (then "<eos>"), `srcTokens` what the model was fed for `sentence`.
 */
export interface ShownMap {
  rowLabels: string[];
  colLabels: string[];
  weights: number[][];
  /** The word axes (also when pieces are shown: the JSON's word fields). */
  rows: WordAxis;
  cols: WordAxis;
  wordWeights: number[][];
  /** Said under the map (how words were made), or "" for pieces. */
  caption: string;
}

export function shownMap(
  m: Loaded,
  sentence: string,
  srcTokens: string[],
  rowTokens: string[],
  weights: number[][],
  pieces: boolean,
): ShownMap {
  const { srcTokenizer, tgtTokenizer } = tokenizersOf(m.meta);
  const cols = sourceWordAxis(sentence, srcTokenizer);
  if (cols.tokenWord.length !== srcTokens.length)
    throw new Error(`${cols.tokenWord.length} word-mapped tokens for ${srcTokens.length} source tokens`);
  const rows = tokenWordAxis(rowTokens, tgtTokenizer);
  const ww = wordWeights(weights, rows, cols);
  return pieces
    ? {
        rowLabels: rows.pieceLabels,
        colLabels: cols.pieceLabels,
        weights,
        rows,
        cols,
        wordWeights: ww,
        caption: "",
      }
    : {
        rowLabels: rows.labels,
        colLabels: cols.labels,
        weights: ww,
        rows,
        cols,
        wordWeights: ww,
        caption: wordsCaption("target", "source"),
      };
}
