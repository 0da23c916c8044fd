/**
 * qkv/align: word alignment — words ↔ model pieces, forced alignment read off a model's attention, and
 * the classical aligners (IBM Models 1 and 2, fast_align) beside it. The package root re-exports all
 * but the classical aligners (root.ts).
 */

export {
  CLASSICAL_METHODS,
  type ClassicalAligner,
  type ClassicalAlignerJSON,
  type ClassicalAlignOptions,
  type ClassicalDirectionJSON,
  type ClassicalJSONOptions,
  type ClassicalMethod,
  classicalAlignerFromJSON,
  trainClassicalAligner,
} from "./classical.js";
export {
  diagonalFeature,
  FAST_ALIGN_DEFAULTS,
  FastAlign,
  type FastAlignOptions,
  trainFastAlign,
} from "./fast-align.js";
export {
  FLOOR_PROB,
  IbmModel1,
  type IbmModel1Options,
  LexicalAligner,
  type LexicalModelName,
  type LexicalTrainOptions,
  TranslationTable,
  type TranslationTableJSON,
  trainIbmModel1,
} from "./ibm-model1.js";
export {
  type DistortionJSON,
  DistortionTable,
  IbmModel2,
  type IbmModel2Options,
  trainIbmModel2,
} from "./ibm-model2.js";
export * from "./root.js";
