/**
 * safetensors files of 2 GiB and more: one read or write call of 2³¹ bytes or more aborts Node
 * (`Assertion failed: args[3]->IsInt32()`, not an exception), so reads and writes go in pieces of at
 * most 1 GiB (src/io/chunked.ts). Checked without 2 GiB of memory: `open` of node:fs/promises is
 * wrapped so that every read and write call's length is recorded (and refused above 2³¹ − 1, as Node
 * would abort), and calls above 1 MiB on a sparse file skip the copying (the buffer is already the
 * zeros the file holds). Sizes are checked on sparse files before anything is allocated.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";

const INT32_MAX = 2 ** 31 - 1;
const calls: { op: "read" | "write"; length: number }[] = [];

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const wrap = (fh: import("node:fs/promises").FileHandle) =>
    new Proxy(fh, {
      get(target, prop, receiver) {
        if (prop === "read" || prop === "write") {
          return async (buf: Uint8Array, offset: number, length: number, position?: number | null) => {
            if (typeof length === "number") {
              calls.push({ op: prop, length });
              if (length > INT32_MAX)
                throw new Error(`${prop} of ${length} bytes in one call: Node would abort`);
              if (length > 2 ** 20) {
                // Sparse zeros: copy only the first 4 KiB (the header), claim the rest was moved.
                if (prop === "read") await target.read(buf, offset, 4096, position);
                return prop === "read"
                  ? { bytesRead: length, buffer: buf }
                  : { bytesWritten: length, buffer: buf };
              }
            }
            return prop === "read"
              ? target.read(buf, offset, length, position)
              : target.write(buf, offset, length, position);
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  const open = async (...args: Parameters<typeof real.open>) => wrap(await real.open(...args));
  return { ...real, open, default: { ...real, open } };
});

const { readSafetensorsBytes } = await import("../../src/io/safetensors-file.js");
const { openAtomicWriter } = await import("../../src/io/atomic.js");
const { readFully, writeFully } = await import("../../src/io/chunked.js");

const dir = mkdtempSync(join(tmpdir(), "qkv-large-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  calls.length = 0;
});

/**
 * A sparse safetensors file: one U8 tensor of `bytes` bytes (zeros), `extra` bytes more or less; returns
 * its path and the size its header describes.
 */
function sparseSafetensors(name: string, bytes: number, extra = 0): { path: string; described: number } {
  let json = JSON.stringify({ big: { dtype: "U8", shape: [bytes], data_offsets: [0, bytes] } });
  while ((8 + json.length) % 8) json += " ";
  const head = Buffer.alloc(8 + json.length);
  head.writeBigUInt64LE(BigInt(json.length), 0);
  head.write(json, 8, "latin1");
  const p = join(dir, name);
  const fd = openSync(p, "w");
  writeSync(fd, head);
  ftruncateSync(fd, head.length + bytes + extra);
  closeSync(fd);
  return { path: p, described: head.length + bytes };
}

describe("safetensors files of 2 GiB and more", () => {
  it("a 2 GiB + 64 byte file is read in calls of at most 1 GiB", async () => {
    const size = 2 ** 31 + 64;
    const { path, described } = sparseSafetensors("big.safetensors", size);
    const bytes = await readSafetensorsBytes(path);
    expect(bytes.byteLength).toBe(described);
    const reads = calls.filter((c) => c.op === "read");
    expect(Math.max(...reads.map((c) => c.length))).toBeLessThanOrEqual(2 ** 30);
    expect(reads.reduce((s, c) => s + c.length, 0)).toBeGreaterThanOrEqual(size);
    expect(Buffer.from(bytes.subarray(8, 16)).toString("latin1")).toBe('{"big":{');
  });

  it("a write of 2 GiB + 64 bytes goes in calls of at most 1 GiB", async () => {
    const w = await openAtomicWriter(join(dir, "written.bin"));
    await w.write(new Uint8Array(2 ** 31 + 64)); // zero pages, never touched: no 2 GiB resident
    await w.abort();
    const writes = calls.filter((c) => c.op === "write");
    expect(Math.max(...writes.map((c) => c.length))).toBeLessThanOrEqual(2 ** 30);
    expect(writes.reduce((s, c) => s + c.length, 0)).toBe(2 ** 31 + 64);
  });

  it("sizes are checked before anything is allocated: a short file and one too big for memory", async () => {
    const short = sparseSafetensors("short.safetensors", 2 ** 31 + 64, -1);
    await expect(readSafetensorsBytes(short.path)).rejects.toThrow(
      `file is ${short.described - 1} bytes but its header describes ${short.described} (truncated`,
    );
    const huge = sparseSafetensors("huge.safetensors", 2 ** 32 + 8);
    await expect(readSafetensorsBytes(huge.path)).rejects.toThrow(
      /needs 4\.0 GiB, more than can be read into memory here/,
    );
    expect(calls.filter((c) => c.length > 2 ** 20)).toEqual([]); // only the 8-byte length and the header
  });
});

describe("readFully / writeFully (src/io/chunked.ts)", () => {
  it("move everything in calls of at most `chunk` bytes, through short reads and writes", async () => {
    const file = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    const seen: number[] = [];
    const written: number[] = [];
    const fake = {
      async read(buf: Uint8Array, offset: number, length: number, position: number | null) {
        seen.push(length);
        const n = Math.min(length, 50, file.length - (position ?? 0)); // the OS may return less
        buf.set(file.subarray(position ?? 0, (position ?? 0) + Math.max(0, n)), offset);
        return { bytesRead: Math.max(0, n) };
      },
      async write(buf: Uint8Array, offset: number, length: number) {
        seen.push(length);
        const n = Math.min(length, 30);
        written.push(...buf.subarray(offset, offset + n));
        return { bytesWritten: n };
      },
    };
    const buf = new Uint8Array(900);
    expect(await readFully(fake, buf, 100, 64)).toBe(900);
    expect([...buf]).toEqual([...file.subarray(100)]);
    expect(await readFully(fake, new Uint8Array(10), 995, 64)).toBe(5); // the end of the file
    await writeFully(fake, file, 64);
    expect(written).toEqual([...file]);
    expect(Math.max(...seen)).toBeLessThanOrEqual(64);
  });
});
