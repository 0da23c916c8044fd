/**
 * Decoding: greedy search, sampling (temperature, top-k, top-p), penalties (repetition, no-repeat-n-gram,
 * length, coverage), ensembles, replace-unk, and beam search over any step decoder (with an `onStep` hook that sees every step's
 * state, output and log-probabilities), batched decoding of many sources, and the length limits.
 * The special ids are the vocabulary's (data/vocab.ts); `SOS_ID` / `EOS_ID` are their old names here.
 */
export { EOS as EOS_ID, SOS as SOS_ID } from "../data/vocab.js";
export { type DecodeAllOptions, decodeAll } from "./batch.js";
export { checkCoveragePenalty, coveragePenalty } from "./coverage-penalty.js";
export { EnsembleDecoder, type EnsembleState } from "./ensemble.js";
export {
  checkLengthPenalty,
  type LengthPenalty,
  largestLengthPenalty,
  lengthPenalty,
} from "./length-penalty.js";
export {
  checkSourceLength,
  decodeLength,
  MAX_DECODE_STEPS,
  MAX_SOURCE_TOKENS,
  MAX_TARGET_LENGTH,
} from "./limits.js";
export {
  applyNoRepeatNgram,
  applyRepetitionPenalty,
  bannedNgramTokens,
  checkPenaltyOptions,
  hasPenalties,
  type PenaltyOptions,
  processScores,
} from "./penalties.js";
export { decodeReplacingUnk, replaceUnk } from "./replace-unk.js";
export {
  applyTemperature,
  applyTopK,
  applyTopP,
  checkSamplingOptions,
  drawToken,
  rowGenerators,
  rowSeed,
  type SamplingOptions,
  samplingDistribution,
  softmaxRow,
} from "./sampling.js";
export {
  type BeamOptions,
  type BeamStep,
  beamSearch,
  beamSearchNBest,
  type DecodeOptions,
  type DecodeStep,
  type GreedyOptions,
  type GreedyStep,
  greedyDecode,
  type Hypothesis,
  type StepDecoder,
  type StepOutput,
} from "./search.js";
