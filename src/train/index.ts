/** Training: tasks, the loop, evaluation, checkpoints and progress (Node: see also src/node.ts). */
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
  type EpochSummary,
  loadModel,
  type TrainOptions,
  type TrainResult,
  tokenizersOf,
  train,
  vocabsOf,
} from "./trainer.js";
export {
  checkModelFits,
  seq2seqParameterCount,
  validateCheckpointMeta,
  validateTrainOptions,
} from "./validate.js";
