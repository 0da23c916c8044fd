/** The LSTM encoder–decoder with pluggable attention (none, Bahdanau, Luong dot/general/concat/location, coverage, Luong local-m/local-p). */

export {
  ATTENTION_KIND_SPECS,
  type AttentionKindSpec,
  type KindAttend,
  type KindDims,
  type KindParam,
  type KindStepInput,
  type KindStepOutput,
  type ParamReader,
  registerAttentionKind,
} from "./attention-kinds.js";
export {
  ATTENTION_KINDS,
  ATTENTION_VALUES,
  type AttentionKind,
  type AttentionValues,
  type BuiltinAttentionKind,
  DEFAULT_ATTENTION,
  resolveConfig,
  type Seq2SeqConfig,
} from "./config.js";
export { Seq2SeqEncoderGraph, Seq2SeqStepGraph } from "./graphs.js";
export { type DecoderState, Seq2Seq, type StepResult } from "./model.js";
