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
 * Moves `length` bytes in calls of at most `chunk` bytes: `move(done, n)` moves up to n bytes from
 * offset `done` and says how many it moved. With `stopAtZero` a call that moves nothing ends the loop
 * (the end of a file). Returns the bytes moved.
 */
async function inChunks(
  length: number,
  chunk: number,
  stopAtZero: boolean,
  move: (done: number, n: number) => Promise<number>,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const moved = await move(done, Math.min(chunk, length - done));
    if (stopAtZero && moved === 0) break;
    done += moved;
  }
  return done;
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
  return inChunks(buf.byteLength, chunk, true, async (done, n) => {
    const { bytesRead } = await fh.read(buf, done, n, position + done);
    return bytesRead;
  });
}

/** Writes all of `bytes` at the handle's current position. */
export async function writeFully(
  fh: ChunkedHandle,
  bytes: Uint8Array,
  chunk = IO_CHUNK_BYTES,
): Promise<void> {
  await inChunks(bytes.byteLength, chunk, false, async (done, n) => {
    const { bytesWritten } = await fh.write(bytes, done, n);
    return bytesWritten;
  });
}
