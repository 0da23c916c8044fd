/**
 * Moved: batched decoding and its limits are in decode/ (batch.ts, limits.ts), corpus evaluation in
 * eval/corpus.ts. This file only keeps the two names train/validate.ts and the checkpoint loaders
 * import from it until they import from decode/ (then it goes).
 */
export type { TranslationModel } from "../decode/batch.js";
export { MAX_TARGET_LENGTH } from "../decode/limits.js";
