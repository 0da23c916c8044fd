/**
 * qkv — attention, from first principles. Public exports only; no side effects.
 * Layers (each depends only on those above): tensor → kernels → attention → nn → models →
 * data, train, decode, eval → viz → cli.
 */
export * from "./attention/index.js";
export * as data from "./data/index.js";
export { detokenize, tokenize, Vocab } from "./data/index.js";
export * from "./decode/index.js";
export * from "./eval/index.js";
export * from "./io/index.js";
export type { Backend } from "./kernels/contract.js";
export {
  getBackend,
  getNumThreads,
  initBackend,
  listBackends,
  registerBackend,
  setBackend,
  setNumThreads,
} from "./kernels/index.js";
export * from "./models/seq2seq/index.js";
export * from "./models/transformer/index.js";
export * from "./nn/index.js";
export * from "./tensor/index.js";
export * from "./train/index.js";
export * from "./viz/index.js";
