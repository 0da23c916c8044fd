/** Training: tasks, the loop, evaluation, checkpoints and progress. */
export {
  type CheckpointData,
  cleanCheckpointDir,
  loadCheckpoint,
  SAVE_DELAY_ENV,
  saveCheckpoint,
} from "./checkpoint.js";
export { decodeAll, type EvalOptions, type EvalResult, evaluatePairs } from "./evaluate.js";
export { createProgress, type Progress, type ProgressValues } from "./progress.js";
export {
  loadTask,
  TASK_NAMES,
  type TaskData,
  type TaskName,
  type TaskOptions,
  type TokenPair,
} from "./tasks.js";
export {
  type CheckpointMeta,
  type EpochSummary,
  loadModel,
  type TrainOptions,
  type TrainResult,
  train,
  vocabsOf,
} from "./trainer.js";
export {
  checkModelFits,
  seq2seqParameterCount,
  validateCheckpointMeta,
  validateTrainOptions,
} from "./validate.js";
