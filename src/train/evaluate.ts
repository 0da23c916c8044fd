/**
 * Evaluation of a seq2seq model on token pairs: decode (greedy or beam) in batches, then exact match,
 * token accuracy, accuracy by target length and corpus BLEU (sacreBLEU-identical, tokenize "none"
 * over our own word tokens, so BLEU is on the task's word tokenization — for BPE models too, whose
 * pieces `words` turns back into words); with `detokenize`, also sacreBLEU's BLEU and chrF of the
 * detokenized output against the raw reference text, as `sacrebleu` scores a system's output file.
 */
import { type Batch, EOS, makeBatches, type Vocab } from "../data/index.js";
import { beamSearch, greedyDecode, type Hypothesis, type StepDecoder } from "../decode/index.js";
import { accuracyByLength, corpusBleu, corpusChrf, exactMatch, tokenAccuracy } from "../eval/index.js";
/** The translation models training, decoding and evaluation accept (the registry's kinds). */
import type { TranslationModel } from "../models/registry.js";
import type { TokenPair } from "./tasks.js";

export type { TranslationModel };

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

/**
 * Longest `maxTargetLength` (the longest training target) a checkpoint may hold; decoding runs at most
 * `decodeLength`'s 2·1024 + 10 steps. A larger value in a file is refused (validateCheckpointMeta).
 */
export const MAX_TARGET_LENGTH = 1024;

/** Most decoding steps of one output: 2·MAX_TARGET_LENGTH + 10 (the length rule at its cap). */
export const MAX_DECODE_STEPS = 2 * MAX_TARGET_LENGTH + 10;

/**
 * Longest source decoded, in tokens: a longer one is refused, naming this limit (its encoder pass and
 * attention would run for minutes). 16,384 tokens is far beyond any sentence.
 */
export const MAX_SOURCE_TOKENS = 16_384;

/**
 * The decode length rule: max(2·(longest source) + 10, 2·maxTargetLength + 10) — long enough for
 * SCAN's 48-action outputs — capped at MAX_DECODE_STEPS, whatever the source or checkpoint says.
 */
export function decodeLength(longestSource: number, maxTargetLength = 0): number {
  return Math.min(MAX_DECODE_STEPS, Math.max(longestSource * 2 + 10, maxTargetLength * 2 + 10));
}

/** Throws naming `what` and the limit when a source has more than MAX_SOURCE_TOKENS tokens. */
export function checkSourceLength(what: string, tokens: number): void {
  if (tokens > MAX_SOURCE_TOKENS) {
    throw new Error(
      `${what} has ${tokens} tokens, more than the limit of ${MAX_SOURCE_TOKENS} (MAX_SOURCE_TOKENS): ` +
        "give one sentence at a time",
    );
  }
}

export interface EvalOptions {
  beamSize?: number;
  batchSize?: number;
  /**
   * Longest output to decode (1 … MAX_DECODE_STEPS). Default: `decodeLength` — the larger of
   * 2·(source length) + 10 and `maxTargetLength` (set from the training data) · 2 + 10, at most
   * MAX_DECODE_STEPS.
   */
  maxLength?: number;
  /** Longest target seen in training (checkpoints store it). */
  maxTargetLength?: number;
  /** Called after each decoded batch with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Output tokens → the words the metrics count (default: the tokens; `Tokenizer.words` for BPE). */
  words?: (tokens: string[]) => string[];
  /** Output tokens → text (the tokenizer's); enables `sacre` scores on pairs with raw text. */
  detokenize?: (tokens: string[]) => string;
}

/** Decodes padded batches of source ids; returns hypotheses in the order of `srcIds`. */
export function decodeAll(
  model: TranslationModel,
  srcIds: number[][],
  { beamSize = 1, batchSize = 64, maxLength, maxTargetLength = 0, onProgress }: EvalOptions = {},
): Hypothesis[] {
  srcIds.forEach((s, i) => {
    if (s.length === 0) throw new Error(`decodeAll: source ${i} is empty (no tokens to translate)`);
    checkSourceLength(`decodeAll: source ${i}`, s.length);
  });
  if (
    maxLength !== undefined &&
    !(Number.isInteger(maxLength) && maxLength >= 1 && maxLength <= MAX_DECODE_STEPS)
  )
    throw new Error(
      `decodeAll: maxLength must be an integer from 1 to ${MAX_DECODE_STEPS}, got ${maxLength}`,
    );
  const wasTraining = model.training;
  model.eval();
  const out: Hypothesis[] = new Array(srcIds.length);
  const batches: Batch[] = makeBatches(
    srcIds.map((src) => ({ src, tgt: [] })),
    { batchSize, sortByLength: true },
  );
  let done = 0;
  for (const b of batches) {
    const maxLen = maxLength ?? decodeLength(Math.max(...b.srcLengths), maxTargetLength);
    const opts = { maxLength: maxLen, eos: EOS };
    const decoder = model as StepDecoder<unknown>;
    const hyps =
      beamSize > 1
        ? beamSearch(decoder, b.src, b.B, b.S, b.srcLengths, { ...opts, beamSize })
        : greedyDecode(decoder, b.src, b.B, b.S, b.srcLengths, opts);
    hyps.forEach((h, i) => {
      out[b.indices[i]] = h;
    });
    done += b.B;
    onProgress?.(done, srcIds.length);
  }
  model.train(wasTraining);
  return out;
}

export function evaluatePairs(
  model: TranslationModel,
  pairs: readonly TokenPair[],
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
