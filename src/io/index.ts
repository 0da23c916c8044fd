/** Storage that runs anywhere: the safetensors format (encode, validated decode). Files: `qkv/node`. */
export {
  decodeSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  type SafetensorsFile,
} from "./safetensors.js";
