/** Training: tasks, the loop, evaluation, checkpoints and progress (Node: see also src/node.ts). */

// Decoding and evaluation live in decode/ and eval/; qkv/node keeps their names here.
export {
  checkSourceLength,
  decodeAll,
  decodeLength,
  MAX_DECODE_STEPS,
  MAX_SOURCE_TOKENS,
  MAX_TARGET_LENGTH,
} from "../decode/index.js";
export { type EvalOptions, type EvalResult, evaluatePairs } from "../eval/corpus.js";
export type { TranslationModel } from "../models/registry.js";
export {
  type AverageResult,
  averageCheckpoints,
  type CheckpointRef,
  lastEpochCheckpoints,
} from "./average.js";
export {
  type CheckpointData,
  cleanCheckpointDir,
  loadCheckpoint,
  SAVE_DELAY_ENV,
  saveCheckpoint,
} from "./checkpoint.js";
export { loadModel } from "./load-model.js";
export { createProgress, type Progress, type ProgressValues } from "./progress.js";
export { type TrainStepOptions, trainStep } from "./step.js";
export {
  loadTask,
  TASK_NAMES,
  TASKS,
  type TaskData,
  type TaskName,
  type TaskOptions,
  type TaskSpec,
  type TextTokenizer,
  type TokenPair,
  taskSpec,
} from "./tasks.js";
export {
  type CheckpointMeta,
  type CheckpointModelMeta,
  type EpochSummary,
  modelTitle,
  type SchedulerMeta,
  type TrainOptions,
  type TrainResult,
  tokenizersOf,
  train,
  vocabsOf,
} from "./trainer.js";
export { validateTrainOptions } from "./validate.js";
