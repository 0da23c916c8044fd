/**
 * Optimizers, gradient clipping and learning-rate schedules; all update Float32Arrays in place, outside autograd.
 *
 * @module
 */
export { Adam, type AdamOptions, type AdamState } from "./adam.js";
export { AdamW } from "./adamw.js";
export { type ClipGradNormOptions, clipGradNorm, clipGradValue } from "./clip-grad.js";
export {
  CosineAnnealingLR,
  ExponentialLR,
  LambdaLR,
  LRScheduler,
  type LrFunction,
  NoamLR,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  type SchedulerStateDict,
  StepLR,
} from "./lr-scheduler.js";
export {
  type BaseHyper,
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupSpec,
  type StateValue,
} from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
