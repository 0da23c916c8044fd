/**
 * What the package root `qkv` exports of eval/: every metric but TER, which is in `qkv/eval`
 * (index.ts, all of eval/).
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
