/** Storage: safetensors files and atomic writes. */
export { writeFileAtomic } from "./atomic.js";
export {
  decodeSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  readSafetensors,
  type SafetensorsFile,
  writeSafetensors,
} from "./safetensors.js";
