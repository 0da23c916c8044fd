export {
  type BeamOptions,
  beamSearch,
  beamSearchNBest,
  type DecodeOptions,
  EOS_ID,
  greedyDecode,
  type Hypothesis,
  SOS_ID,
  type StepDecoder,
} from "./search.js";
