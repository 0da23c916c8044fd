/** Training: tasks, the loop, evaluation, checkpoints and progress (Node: see also src/node.ts). */
export {
  type CheckpointData,
  cleanCheckpointDir,
  loadCheckpoint,
  SAVE_DELAY_ENV,
  saveCheckpoint,
} from "./checkpoint.js";
export {
  checkSourceLength,
  decodeAll,
  decodeLength,
  type EvalOptions,
  type EvalResult,
  evaluatePairs,
  MAX_DECODE_STEPS,
  MAX_SOURCE_TOKENS,
  MAX_TARGET_LENGTH,
  type TranslationModel,
} from "./evaluate.js";
export { createProgress, type Progress, type ProgressValues } from "./progress.js";
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
  loadModel,
  modelTitle,
  type SchedulerMeta,
  type TrainOptions,
  type TrainResult,
  tokenizersOf,
  train,
  vocabsOf,
} from "./trainer.js";
export { validateTrainOptions } from "./validate.js";
