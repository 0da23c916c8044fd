/**
 * `writeFileAtomic` / `openAtomicWriter` (src/io/atomic.ts) on what is not a regular file: a FIFO and
 * a character device are written in place (never replaced by a plain file), a symbolic link is
 * followed (the link stays a link, its target gets the content, atomically), a folder is refused.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  createReadStream,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openAtomicWriter, writeFileAtomic } from "../../src/io/atomic.js";

const dir = mkdtempSync(join(tmpdir(), "qkv-atomic-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A character device of our own (the null device's numbers), where this user may make one. */
function privateNullDevice(name: string): string | null {
  const p = join(dir, name);
  return spawnSync("mknod", [p, "c", "1", "3"]).status === 0 ? p : null;
}

/** Reads a FIFO to its end (opening it for reading lets the writer's open return). */
function drain(fifo: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = "";
    createReadStream(fifo, "utf8")
      .on("data", (d) => {
        s += d;
      })
      .on("end", () => resolve(s))
      .on("error", reject);
  });
}

describe("writeFileAtomic: special files keep being what they are", () => {
  it("a FIFO is written in place (the reader gets the bytes; it is still a FIFO after)", async () => {
    const fifo = join(dir, "out.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const [got] = await Promise.all([drain(fifo), writeFileAtomic(fifo, "through the fifo\n")]);
    expect(got).toBe("through the fifo\n");
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("a character device of its own (mknod) is still a character device after", async (ctx) => {
    const dev = privateNullDevice("null-copy");
    if (!dev) return ctx.skip(); // no mknod for this user
    await writeFileAtomic(dev, "discarded\n");
    expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    const w = await openAtomicWriter(dev);
    expect(w.inPlace).toBe(true);
    await w.write("more");
    await w.commit();
    expect(lstatSync(dev).isCharacterDevice()).toBe(true);
  });

  it("/dev/null is still a character device after", async () => {
    const before = statSync("/dev/null");
    await writeFileAtomic("/dev/null", "discarded\n");
    const after = lstatSync("/dev/null");
    expect(after.isCharacterDevice()).toBe(true);
    expect(after.rdev).toBe(before.rdev);
    expect(after.ino).toBe(before.ino);
  });

  it("a symbolic link to /dev/null stays a link; the device stays a device", async () => {
    const link = join(dir, "to-null");
    symlinkSync("/dev/null", link);
    await writeFileAtomic(link, "discarded\n");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe("/dev/null");
    expect(lstatSync("/dev/null").isCharacterDevice()).toBe(true);
  });

  it("a symbolic link (and a chain of them) stays a link; the target gets the content", async () => {
    const real = join(dir, "sub", "real.txt");
    mkdirSync(join(dir, "sub"), { recursive: true });
    writeFileSync(real, "old");
    chmodSync(real, 0o640);
    const link = join(dir, "link.txt");
    symlinkSync("sub/real.txt", link); // relative: resolved against the link's folder
    const link2 = join(dir, "link2.txt");
    symlinkSync(link, link2);
    await writeFileAtomic(link2, "new content");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(lstatSync(link2).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe("sub/real.txt");
    expect(readFileSync(real, "utf8")).toBe("new content");
    expect(lstatSync(real).isFile()).toBe(true);
    expect(statSync(real).mode & 0o777).toBe(0o640); // the replaced file keeps its permissions
    expect(readdirSync(join(dir, "sub"))).toEqual(["real.txt"]); // no temporary file left
  });

  it("a dangling link creates its target (and the target's folder); the link stays", async () => {
    const link = join(dir, "dangling");
    symlinkSync(join(dir, "made", "here.txt"), link);
    await writeFileAtomic(link, "created");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, "made", "here.txt"), "utf8")).toBe("created");
  });

  it("a folder and a link loop are refused with the path", async () => {
    mkdirSync(join(dir, "a-folder"));
    await expect(writeFileAtomic(join(dir, "a-folder"), "x")).rejects.toThrow(/a-folder: it is a folder/);
    symlinkSync(join(dir, "loop-b"), join(dir, "loop-a"));
    symlinkSync(join(dir, "loop-a"), join(dir, "loop-b"));
    await expect(writeFileAtomic(join(dir, "loop-a"), "x")).rejects.toThrow(/symbolic links \(a loop\?\)/);
  });

  it("a regular file is still replaced atomically; abort leaves the old content and no temporary file", async () => {
    const f = join(dir, "plain.txt");
    writeFileSync(f, "v1");
    const ino = statSync(f).ino;
    await writeFileAtomic(f, "v2");
    expect(readFileSync(f, "utf8")).toBe("v2");
    expect(statSync(f).ino).not.toBe(ino); // renamed over, not rewritten
    const w = await openAtomicWriter(f);
    await w.write("half of v3");
    await w.abort();
    expect(readFileSync(f, "utf8")).toBe("v2");
    expect(readdirSync(dir).filter((x) => x.startsWith(".plain.txt"))).toEqual([]);
  });
});
