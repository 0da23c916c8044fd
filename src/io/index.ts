/** Storage: safetensors files and atomic writes. */
export { writeFileAtomic } from "./atomic.js";
export { type DirLock, lockDir } from "./lock.js";
export {
  decodeSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  type ReadSafetensorsBytesOptions,
  readSafetensors,
  readSafetensorsBytes,
  type SafetensorsFile,
  writeSafetensors,
} from "./safetensors.js";
