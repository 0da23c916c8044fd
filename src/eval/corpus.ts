/**
 * Evaluation of a translation model on token pairs: decode (greedy or beam) in batches, then exact
 * match, token accuracy, accuracy by target length and corpus BLEU (sacreBLEU-identical, tokenize
 * "none" over our own word tokens, so BLEU is on the task's word tokenization — for BPE models too,
 * whose pieces `words` turns back into words); with `detokenize`, also sacreBLEU's BLEU and chrF of the
 * detokenized output against the raw reference text, as `sacrebleu` scores a system's output file.
 */
import type { Vocab } from "../data/vocab.js";
import { type DecodeAllOptions, decodeAll } from "../decode/batch.js";
import type { TranslationModel } from "../models/registry.js";
import { accuracyByLength, exactMatch, tokenAccuracy } from "./accuracy.js";
import { corpusBleu } from "./bleu.js";
import { corpusChrf } from "./chrf.js";

/** One pair to score: source and reference tokens, and optionally the raw texts (for `sacre`). */
export interface EvalPair {
  src: string[];
  tgt: string[];
  text?: { src: string; tgt: string };
}

/** What `evaluatePairs` measures. */
export interface EvalResult {
  count: number;
  exactMatch: number;
  tokenAccuracy: number;
  bleu: number;
  /**
   * With `detokenize` and pairs that carry their raw text: sacreBLEU's corpus BLEU (13a) and chrF2 of
   * the detokenized outputs against the raw references — what `sacrebleu ref < hyp` prints.
   */
  sacre?: { bleu: number; chrf: number };
  /** The detokenized outputs (with `detokenize`), in input order. */
  translations?: string[];
  byLength: { length: number; count: number; exactMatch: number; tokenAccuracy: number }[];
  /** Decoded output words per pair (`words` of the output tokens), in input order. */
  hypotheses: string[][];
  alignments: number[][][];
}

/** Options of `evaluatePairs`. */
export interface EvalOptions extends DecodeAllOptions {
  /** Output tokens → the words the metrics count (default: the tokens; `Tokenizer.words` for BPE). */
  words?: (tokens: string[]) => string[];
  /** Output tokens → text (the tokenizer's); enables `sacre` scores on pairs with raw text. */
  detokenize?: (tokens: string[]) => string;
}

/**
 * Decodes `pairs` with `model` (greedy or beam, batched) and scores them: exact match, token accuracy,
 * corpus BLEU (and chrF with `detokenize`).
 */
export function evaluatePairs(
  model: TranslationModel,
  pairs: readonly EvalPair[],
  srcVocab: Vocab,
  tgtVocab: Vocab,
  opts: EvalOptions = {},
): EvalResult {
  if (pairs.length === 0) throw new Error("evaluatePairs: no pairs to evaluate (empty data?)");
  const hyps = decodeAll(
    model,
    pairs.map((p) => srcVocab.encode(p.src)),
    opts,
  );
  const words = opts.words ?? ((t: string[]) => t);
  const hypTokens = hyps.map((h) => words(tgtVocab.decode(h.tokens)));
  const refs = pairs.map((p) => words(p.tgt));
  const bleu =
    pairs.length > 0
      ? corpusBleu(
          hypTokens.map((t) => t.join(" ")),
          [refs.map((t) => t.join(" "))],
          { tokenize: "none" },
        ).score
      : 0;
  let sacre: EvalResult["sacre"];
  let translations: string[] | undefined;
  if (opts.detokenize) {
    const detok = opts.detokenize;
    translations = hyps.map((h) => detok(tgtVocab.decode(h.tokens)));
    if (pairs.every((p) => p.text !== undefined)) {
      const raw = [pairs.map((p) => (p.text as { tgt: string }).tgt)];
      sacre = { bleu: corpusBleu(translations, raw).score, chrf: corpusChrf(translations, raw).score };
    }
  }
  return {
    count: pairs.length,
    exactMatch: exactMatch(hypTokens, refs),
    tokenAccuracy: tokenAccuracy(hypTokens, refs),
    bleu,
    sacre,
    translations,
    byLength: accuracyByLength(hypTokens, refs),
    hypotheses: hypTokens,
    alignments: hyps.map((h) => h.alignment),
  };
}
