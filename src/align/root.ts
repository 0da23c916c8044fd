/**
 * What the package root `qkv` exports of align/: words ↔ model pieces, forced alignment read off a
 * model's attention, Pharaoh files, symmetrisation. The classical aligners (IBM Models 1 and 2,
 * fast_align) are in `qkv/align` (index.ts), which has all of align/.
 */

export { type AlignmentDoc, parseAlignmentDoc } from "./alignment-doc.js";
export { alignmentWords, lexicalForm, type ParallelCorpus } from "./corpus.js";
export * from "./forced.js";
export {
  formatPharaoh,
  type PharaohGold,
  type PharaohLineOptions,
  parsePharaoh,
  parsePharaohGold,
  parsePharaohLine,
  readPharaoh,
  readPharaohGold,
  writePharaoh,
} from "./pharaoh.js";
export { bidirectionalLinks, SYMMETRIZATIONS, type Symmetrization, symmetrize } from "./symmetrize.js";
export * from "./words.js";
