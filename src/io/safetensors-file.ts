/** safetensors files on disk (Node only); the format itself (encode, validated decode) is in safetensors.ts. */
import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { totalmem } from "node:os";
import type { Tensor } from "../tensor/index.js";
import { writeFileAtomic } from "./atomic.js";
import { IO_CHUNK_BYTES, readFully } from "./chunked.js";
import {
  checkHeaderEntries,
  decodeSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  type SafetensorsFile,
} from "./safetensors.js";

export interface ReadSafetensorsBytesOptions {
  /** Refuse a symbolic link (checkpoint folders: the weights must be a plain file inside the folder). */
  noFollow?: boolean;
  /** Most bytes one read call asks for (default 1 GiB, `IO_CHUNK_BYTES`; smaller in tests). */
  chunkBytes?: number;
}

/**
 * Reads the bytes of a .safetensors file (Node) with a size bound taken from the file's own header:
 * only a regular file is opened (never a device, FIFO or folder — `/dev/zero` is refused before one
 * byte is read), its 8-byte length and JSON header are read first, and the file must be exactly as
 * long as the header says (8 + header + the largest data offset) before the rest is read, in reads of
 * at most 1 GiB (files of 2 GiB and more: one larger read would abort Node). A file that lies about
 * its size, or would not fit in memory, is an error naming the file.
 */
export async function readSafetensorsBytes(
  path: string,
  { noFollow = false, chunkBytes: chunk = IO_CHUNK_BYTES }: ReadSafetensorsBytesOptions = {},
): Promise<Uint8Array> {
  const where = (msg: string) => new Error(`readSafetensors: ${msg} (file ${path})`);
  let fh: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat below refuses it anyway.
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | (noFollow ? constants.O_NOFOLLOW : 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ELOOP") throw where("it is a symbolic link; a checkpoint's weights must be a plain file");
    // The code stays on the error: a checkpoint load re-reads its JSON when the weights vanished.
    if (code === "ENOENT") throw Object.assign(where("file not found"), { code });
    throw where((e as Error).message);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile())
      throw where(`not a regular file (${st.isDirectory() ? "a folder" : "a device, FIFO or socket"})`);
    // Reads of at most `chunk` bytes a call: one read of 2³¹ bytes or more aborts Node.
    const readInto = async (buf: Uint8Array, position: number): Promise<Uint8Array> => {
      const done = await readFully(fh, buf, position, chunk);
      if (done < buf.byteLength)
        throw where(`ends after ${position + done} bytes, ${position + buf.byteLength} expected`);
      return buf;
    };
    const readExactly = (n: number, position: number) => readInto(new Uint8Array(n), position);
    if (st.size < 8) throw where(`file is ${st.size} bytes, too short for the 8-byte header length`);
    const n = new DataView((await readExactly(8, 0)).buffer).getBigUint64(0, true);
    if (n > BigInt(MAX_HEADER_BYTES))
      throw where(`header length ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
    const headerLen = Number(n);
    if (8 + headerLen > st.size)
      throw where(`header length ${headerLen} runs past the end of the file (${st.size} bytes)`);
    const headerBytes = await readExactly(headerLen, 8);
    try {
      checkHeaderEntries(headerBytes);
    } catch (e) {
      throw where((e as Error).message.replace(/^readSafetensors: /, ""));
    }
    let dataLen = 0;
    try {
      const header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes)) as unknown;
      if (typeof header === "object" && header !== null) {
        for (const [k, e] of Object.entries(header)) {
          const end =
            k === "__metadata__" ? 0 : (e as { data_offsets?: unknown[] } | null)?.data_offsets?.[1];
          if (Number.isSafeInteger(end)) dataLen = Math.max(dataLen, end as number);
        }
      }
    } catch {
      // decodeSafetensors below names the problem with the header
    }
    const expected = 8 + headerLen + dataLen;
    if (st.size !== expected) {
      throw where(
        `file is ${st.size} bytes but its header describes ${expected} (truncated, padded or not safetensors)`,
      );
    }
    const limit = Math.min(totalmem(), 2 ** 32);
    if (expected > limit)
      throw where(`needs ${(expected / 2 ** 30).toFixed(1)} GiB, more than can be read into memory here`);
    // The whole file straight into one buffer (no second copy of the data section).
    return await readInto(new Uint8Array(expected), 0);
  } finally {
    await fh.close();
  }
}

/** Reads and decodes a .safetensors file (Node); size-bounded as `readSafetensorsBytes`. */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  const bytes = await readSafetensorsBytes(path);
  try {
    return decodeSafetensors(bytes);
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
