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
export * from "./root.js";
export {
  corpusTer,
  sentenceTer,
  type TerOptions,
  type TerScore,
  terSegmentStatistics,
  tokenizeTercom,
  translationEditRate,
} from "./ter.js";
