/**
 * qkv — attention, from first principles. Public exports only; no side effects; runs in Node and in
 * browsers (no Node built-ins: checkpoint files and the training loop live in `qkv/node`).
 * Layers (each depends only on those before it): kernels → tensor → attention → nn → models (and
 * their registry) → data, checkpoint (the format: meta schema, `modelFromCheckpoint`), decode, eval →
 * viz (terminal, SVG); of train/ only the one training step (`trainStep`), which the explorer runs in the
 * page. Kept lean for browser bundles (test/browser/root-bundle.test.ts holds it under 250 kB minified):
 * ONNX export (protobufjs) is `qkv/onnx`, PNG pictures (fontkit and the embedded fonts) `qkv/png`, the
 * self-contained HTML report (which bundles the Devanagari font) `qkv/html`.
 */
export * from "./align/root.js"; // the classical aligners: qkv/align
export * from "./attention/index.js";
export * from "./checkpoint/format.js";
export * as data from "./data/index.js";
export { detokenize, tokenize, Vocab } from "./data/index.js";
export * from "./decode/index.js";
export {
  type EvalOptions,
  type EvalPair,
  type EvalResult,
  evaluatePairs,
} from "./eval/corpus.js";
export * from "./eval/root.js"; // TER: qkv/eval
export * from "./io/index.js";
export type { Backend, BackendCapabilities } from "./kernels/contract.js";
export {
  getBackend,
  getNumThreads,
  getThreadSupport,
  initBackend,
  listBackends,
  outputPoolStats,
  ready,
  registerBackend,
  setBackend,
  setNumThreads,
  setOutputPool,
  type WasmThreadSupport,
} from "./kernels/index.js";
export * from "./models/registry.js";
export * from "./models/seq2seq/index.js";
export * from "./models/transformer/index.js";
export * from "./nn/index.js";
export * from "./tensor/index.js";
export {
  type StepOptimizer,
  type TeacherForced,
  type TrainBatch,
  type TrainStepOptions,
  trainStep,
} from "./train/step.js";
export { VERSION } from "./version.js";
export * from "./viz/root.js";
