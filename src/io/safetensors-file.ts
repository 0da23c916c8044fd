/** safetensors files on disk (Node only); the format itself (encode, validated decode) is in safetensors.ts. */
import { readFile } from "node:fs/promises";
import type { Tensor } from "../tensor/index.js";
import { writeFileAtomic } from "./atomic.js";
import { decodeSafetensors, encodeSafetensors, type SafetensorsFile } from "./safetensors.js";

/** Reads a .safetensors file (Node). */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  const bytes = await readFile(path);
  try {
    return decodeSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new Error(`${(e as Error).message} (file ${path})`);
  }
}

/** Writes a .safetensors file atomically (temp file + fsync + rename): a crash never leaves half a file. */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
