/** All tensor ops, one import. */
export { dropout } from "./dropout.js";
export {
  abs,
  add,
  div,
  eq,
  erf,
  exp,
  gelu,
  gt,
  log,
  maximum,
  minimum,
  mul,
  neg,
  pow,
  relu,
  sigmoid,
  sqrt,
  square,
  sub,
  sumTo,
  type TensorLike,
  tanh,
} from "./elementwise.js";
export { embedding, normPaddingIdx } from "./embedding.js";
export {
  checkFusedShapes,
  type FlashAttentionOptions,
  flashAttention,
  fusedShapesOk,
  hasFusedAttention,
  prefersFusedAttention,
  softmaxFromLse,
} from "./fused-attention.js";
export {
  broadcastTo,
  concat,
  gather,
  indexSelect,
  permute,
  repeatInterleave,
  reshape,
  slice,
  split,
  squeeze,
  stack,
  transpose,
  unsqueeze,
} from "./layout.js";
export { linear, matmul, matmulT } from "./matmul.js";
export { argmax, max, mean, min, sum } from "./reduce.js";
export { logSoftmax, softmax } from "./softmax.js";
export { unbind } from "./unbind.js";
