/**
 * Evaluation metrics.
 *
 * - BLEU (Papineni et al. 2002), identical to sacreBLEU 2.x (Post 2018): `corpusBleu`, `sentenceBleu`.
 * - chrF / chrF++ (Popović 2015, 2017), identical to sacreBLEU 2.x: `corpusChrf`, `sentenceChrf`.
 * - TER (Snover et al. 2006), identical to sacreBLEU 2.x (TERCOM's shifts and limits): `corpusTer`,
 *   `sentenceTer`.
 * - Exact match, token accuracy and their breakdown by length: `exactMatch`, `tokenAccuracy`,
 *   `accuracyByLength`.
 * - Alignment precision, recall and AER (Och & Ney 2003), the Hansards gold standard and attention-to-link
 *   extraction: `alignmentErrorRate`, `alignmentScores`, `attentionToLinks` (the Hansards reader,
 *   `readHansardsGold`, is in `qkv/node`).
 */
export { accuracyByLength, exactMatch, type LengthBucket, tokenAccuracy } from "./accuracy.js";
export {
  type AlignmentLinks,
  type AlignmentScores,
  type AttentionLinkOptions,
  alignmentErrorRate,
  alignmentPrecision,
  alignmentRecall,
  alignmentScores,
  attentionToLinks,
  type HansardsSentence,
  invertLinks,
  linkKey,
  parseLink,
  toLinkSet,
} from "./alignment.js";
export {
  type BleuOptions,
  type BleuReferences,
  type BleuScore,
  type BleuTokenizer,
  bleuFromStatistics,
  bleuSegmentStatistics,
  type ComputeBleuOptions,
  closestRefLength,
  computeBleu,
  corpusBleu,
  extractNgramCounts,
  getTokenizer,
  MAX_NGRAM_ORDER,
  prepareBleuReferences,
  type ReferenceStreams,
  SMOOTH_DEFAULTS,
  type SmoothMethod,
  sentenceBleu,
  tokenize13a,
  tokenizeChar,
  tokenizeIntl,
  tokenizeNone,
} from "./bleu.js";
export {
  type ChrfOptions,
  type ChrfReferenceStreams,
  type ChrfReferences,
  type ChrfScore,
  chrfSegmentStatistics,
  chrfWords,
  corpusChrf,
  extractCharNgrams,
  extractWordNgrams,
  prepareChrfReferences,
  sentenceChrf,
} from "./chrf.js";
export {
  corpusTer,
  sentenceTer,
  type TerOptions,
  type TerScore,
  terSegmentStatistics,
  tokenizeTercom,
  translationEditRate,
} from "./ter.js";
