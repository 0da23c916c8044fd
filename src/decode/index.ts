/**
 * Decoding: greedy and beam search over any step decoder (with an `onStep` hook that sees every step's
 * state, output and log-probabilities), batched decoding of many sources, and the length limits.
 * The special ids are the vocabulary's (data/vocab.ts); `SOS_ID` / `EOS_ID` are their old names here.
 */
export { EOS as EOS_ID, SOS as SOS_ID } from "../data/vocab.js";
export { type DecodeAllOptions, decodeAll } from "./batch.js";
export {
  checkSourceLength,
  decodeLength,
  MAX_DECODE_STEPS,
  MAX_SOURCE_TOKENS,
  MAX_TARGET_LENGTH,
} from "./limits.js";
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
