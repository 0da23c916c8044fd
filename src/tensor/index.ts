/** The tensor layer: Tensor, constructors, ops, autograd controls, seeded randomness. */
export * from "./create.js";
export { uniformParam, xavierUniform } from "./init.js";
export { isMetaDevice, onMetaDevice } from "./meta.js";
export type {
  CompositeOpName,
  GradNodeOf,
  LstmModuleLike,
  NodeAttrs,
  OpAttrs,
  OpName,
} from "./op-names.js";
export * from "./ops/index.js";
export { createRng, getRngState, manualSeed, random, randomNormal, setRngState } from "./random.js";
export { broadcastShapes, fmt as formatShape, type Shape, sizeOf } from "./shape.js";
export {
  composite,
  type GradNode,
  isGradEnabled,
  isTracing,
  type NestedArray,
  noGrad,
  record,
  Tensor,
  trace,
} from "./tensor.js";
