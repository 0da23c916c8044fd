/** The tensor layer: Tensor, constructors, ops, autograd controls, seeded randomness. */
export * from "./create.js";
export { uniformParam, xavierUniform } from "./init.js";
export * from "./ops/index.js";
export { createRng, getRngState, manualSeed, random, randomNormal, setRngState } from "./random.js";
export { broadcastShapes, fmt as formatShape, type Shape, sizeOf } from "./shape.js";
export { type GradNode, isGradEnabled, type NestedArray, noGrad, record, Tensor } from "./tensor.js";
