/**
 * qkv/node — the parts of qkv that need Node.js: files and folders (data sets on disk, safetensors files,
 * atomic writes, checkpoints), the training loop with its terminal progress bar, and task loading.
 * Everything else (tensors, attention, models, decoding, metrics, pictures) is in the root entry `qkv`,
 * which runs in browsers too.
 *
 * @example
 * import { Seq2Seq } from "qkv";
 * import { loadModel, train } from "qkv/node";
 */

export { loadScan, loadTatoeba, readScanFile, readTatoebaFile, scanPath, tatoebaPath } from "./data/files.js";
export { readTextFile } from "./data/lines.js";
export { checkAligned, type ParallelPair, readParallel, readParallelTsv } from "./data/parallel.js";
export { dataDir, dataPath, hasDataset, packageRoot } from "./data/paths.js";
export { readHansardsGold } from "./eval/hansards.js";
export { type AtomicWriter, openAtomicWriter, writeFileAtomic } from "./io/atomic.js";
export { type DirLock, lockDir } from "./io/lock.js";
export {
  type ReadSafetensorsBytesOptions,
  readSafetensors,
  readSafetensorsBytes,
  writeSafetensors,
} from "./io/safetensors-file.js";
export * from "./train/index.js";
