/**
 * Disk full and unwritable folders (issue 20): a failed write names the file meant (not only the
 * system's "ENOSPC: no space left on device, write", nor the temporary file's name) and leaves no
 * temporary file — for the atomic writer and for the folder lock. The disk fills on demand: the
 * chunked writer and `writeFile` are wrapped to fail with ENOSPC while `full` is set (no real disk is
 * filled); /dev/full is a real device that always is.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

const disk = vi.hoisted(() => ({ full: false }));
const enospc = () =>
  Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28 });

vi.mock("../../src/io/chunked.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/io/chunked.js")>();
  return {
    ...real,
    writeFully: async (...args: Parameters<typeof real.writeFully>) => {
      if (disk.full) throw enospc();
      return real.writeFully(...args);
    },
  };
});

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const writeFile = async (...args: Parameters<typeof real.writeFile>) => {
    if (disk.full) {
      // As a full disk does: the file is created, its bytes are not written.
      await real.writeFile(args[0], "", args[2] as never);
      throw enospc();
    }
    return real.writeFile(...args);
  };
  return { ...real, writeFile, default: { ...real, writeFile } };
});

const { openAtomicWriter, writeFileAtomic } = await import("../../src/io/atomic.js");
const { lockDir } = await import("../../src/io/lock.js");

const dir = mkdtempSync(join(tmpdir(), "qkv-full-"));
afterAll(() => {
  disk.full = false;
  rmSync(dir, { recursive: true, force: true });
});

describe("disk full", () => {
  it("an atomic write names the file, deletes its temporary file and keeps the old content", async () => {
    const file = join(dir, "out.txt");
    writeFileSync(file, "old\n");
    disk.full = true;
    try {
      await expect(writeFileAtomic(file, "new\n")).rejects.toThrow(
        `cannot write ${file}: no space left on the device`,
      );
    } finally {
      disk.full = false;
    }
    expect(readdirSync(dir)).toEqual(["out.txt"]);
    expect(readFileSync(file, "utf8")).toBe("old\n");
    // The code stays on the error for callers that look at it.
    disk.full = true;
    const e = await writeFileAtomic(join(dir, "b.txt"), "x").catch((x: NodeJS.ErrnoException) => x);
    disk.full = false;
    expect((e as NodeJS.ErrnoException).code).toBe("ENOSPC");
    expect(existsSync(join(dir, "b.txt"))).toBe(false);
    expect(readdirSync(dir)).toEqual(["out.txt"]);
  });

  it("a streamed write that fills the disk midway names the file and leaves nothing", async () => {
    const file = join(dir, "stream.txt");
    const w = await openAtomicWriter(file);
    await w.write("line 1\n");
    disk.full = true;
    try {
      await expect(w.write("line 2\n")).rejects.toThrow(`cannot write ${file}: no space left`);
    } finally {
      disk.full = false;
    }
    await w.abort();
    expect(readdirSync(dir).filter((f) => f.includes("stream"))).toEqual([]);
  });

  it("/dev/full (a real full device, written in place) is named", async () => {
    await expect(writeFileAtomic("/dev/full", "x")).rejects.toThrow(
      "cannot write /dev/full: no space left on the device",
    );
  });

  it("the folder lock names the lock and leaves no .lock.new.*.tmp", async () => {
    const d = join(dir, "run");
    disk.full = true;
    try {
      await expect(lockDir(d, "train")).rejects.toThrow(`cannot create the lock ${join(d, ".lock")}`);
    } finally {
      disk.full = false;
    }
    expect(readdirSync(d)).toEqual([]);
    // With space again the lock is taken.
    const lock = await lockDir(d, "train");
    await lock.release();
  });
});

describe("folders that cannot be written", () => {
  it("a folder that cannot be created is named, and does not hang (Node's recursive mkdir loops on /proc)", async () => {
    await expect(writeFileAtomic("/proc/qkv-no-such/out.txt", "x")).rejects.toThrow(
      "cannot write /proc/qkv-no-such/out.txt: the folder /proc/qkv-no-such does not exist and cannot be created",
    );
    await expect(lockDir("/proc/qkv-no-such/run", "train")).rejects.toThrow(
      "train: cannot create the folder /proc/qkv-no-such/run",
    );
  });

  it("a folder where no file may be created is named with the file meant", async () => {
    // sysfs refuses new files even to root (EACCES); a chmod'ed folder would not stop root.
    await expect(writeFileAtomic("/sys/qkv-out.txt", "x")).rejects.toThrow(
      /^cannot write \/sys\/qkv-out\.txt: (permission denied \(is the folder \/sys writable\?\)|the folder \/sys is on a read-only file system)$/,
    );
  });
});
