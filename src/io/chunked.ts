/**
 * Whole reads and writes through a file handle in bounded pieces. One `read` or `write` call must not
 * ask for more than 2³¹ − 1 bytes (Node aborts the process on a larger length: `Assertion failed:
 * args[3]->IsInt32()`), and the OS may move fewer bytes than asked; these loops ask for at most
 * `chunk` bytes a call (default 1 GiB) until everything is moved.
 */

/** Largest byte count one read or write call asks for. */
export const IO_CHUNK_BYTES = 2 ** 30;

/** The part of a file handle these loops use (so tests can hand in a fake one). */
export interface ChunkedHandle {
  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<{ bytesRead: number }>;
  write(buffer: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>;
}

/**
 * Fills `buf` from the file at `position`; returns the bytes read, fewer than `buf.length` only at
 * the end of the file.
 */
export async function readFully(
  fh: ChunkedHandle,
  buf: Uint8Array,
  position: number,
  chunk = IO_CHUNK_BYTES,
): Promise<number> {
  let done = 0;
  while (done < buf.byteLength) {
    const n = Math.min(chunk, buf.byteLength - done);
    const { bytesRead } = await fh.read(buf, done, n, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** Writes all of `bytes` at the handle's current position. */
export async function writeFully(
  fh: ChunkedHandle,
  bytes: Uint8Array,
  chunk = IO_CHUNK_BYTES,
): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const n = Math.min(chunk, bytes.byteLength - done);
    const { bytesWritten } = await fh.write(bytes, done, n);
    done += bytesWritten;
  }
}
