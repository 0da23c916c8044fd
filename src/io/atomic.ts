/**
 * Atomic file writes: write to a temporary file in the same folder, fsync it, then rename over the
 * target (atomic on POSIX file systems), and fsync the folder. Readers see the old file or the new
 * one, never a torn write; a crash mid-save loses nothing that was saved before.
 *
 * Only a regular file (or a path that does not exist yet) is replaced that way. What is not a regular
 * file keeps being what it is:
 * - a symbolic link is followed (link after link): the file it points to is written, atomically,
 *   and the link stays a link;
 * - a character device (`/dev/null`, a terminal) or a FIFO is written in place, as a shell's `>`
 *   would — renaming a file over `/dev/null` would replace the device with a plain file;
 * - a folder, a socket or a block device is refused with an error naming the path.
 */
import { randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import { type FileHandle, lstat, mkdir, open, readlink, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { writeFully } from "./chunked.js";

/** An open output: bytes written with `write`, made visible by `commit` or thrown away by `abort`. */
export interface AtomicWriter {
  /** The file written: the path itself, or where its symbolic link(s) lead. */
  readonly target: string;
  /**
   * True for a character device or FIFO: written in place, so what is written is seen (or gone) at
   * once, and `abort` cannot take it back.
   */
  readonly inPlace: boolean;
  write(data: Uint8Array | string): Promise<void>;
  /** Finishes the write: fsync and rename into place (regular files), or close (in place). */
  commit(): Promise<void>;
  /** Closes and deletes the temporary file (in place: only closes). Idempotent. */
  abort(): Promise<void>;
}

/** Most symbolic links followed from one path (Linux's own limit, MAXSYMLINKS). */
const MAX_LINKS = 40;

/** Follows symbolic links from `path` to what they lead to; `st` is null when that does not exist. */
async function resolveLinks(path: string): Promise<{ path: string; st: Stats | null }> {
  let p = resolve(path);
  for (let i = 0; i <= MAX_LINKS; i++) {
    let st: Stats;
    try {
      st = await lstat(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { path: p, st: null };
      throw e;
    }
    if (!st.isSymbolicLink()) return { path: p, st };
    p = resolve(dirname(p), await readlink(p));
  }
  throw new Error(`cannot write ${path}: more than ${MAX_LINKS} symbolic links (a loop?)`);
}

/**
 * Creates `dir` and the folders missing above it. Not `mkdir(dir, { recursive: true })`: Node 20's
 * loops forever when a parent exists but refuses children with ENOENT (`/proc/x/y`).
 */
export async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = resolve(dir); ; ) {
    try {
      const st = await stat(d);
      if (!st.isDirectory()) {
        throw Object.assign(new Error(`${d} is not a folder`), { code: "ENOTDIR" });
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      missing.push(d);
      const up = dirname(d);
      if (up === d) break;
      d = up;
    }
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
}

/** Why a write failed, in words (the system's message names the temporary file, not the target). */
function reason(e: unknown, dir: string): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case "EACCES":
    case "EPERM":
      return `permission denied (is the folder ${dir} writable?)`;
    case "EROFS":
      return `the folder ${dir} is on a read-only file system`;
    case "ENOSPC":
      return "no space left on the device";
    case "EDQUOT":
      return "disk quota exceeded";
    case "ENOENT":
      return `the folder ${dir} does not exist and cannot be created`;
    case "ENOTDIR":
      return `a part of the folder ${dir} is not a folder`;
    default:
      return err.message ?? String(e);
  }
}

/** The error of a failed write, naming the file meant (`named`) and keeping the system's code. */
function writeError(named: string, dir: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  return Object.assign(new Error(`cannot write ${named}: ${reason(e, dir)}`), code ? { code } : {});
}

/** Writes all of `data` at the handle's position, in calls of at most 1 GiB (src/io/chunked.ts). */
async function writeAll(fh: FileHandle, data: Uint8Array | string): Promise<void> {
  await writeFully(fh, typeof data === "string" ? Buffer.from(data, "utf8") : data);
}

/**
 * Opens `path` for an atomic write (see the file comment): a temporary file beside the target for a
 * regular file or a new path (missing folders are created), the device or FIFO itself otherwise.
 */
export async function openAtomicWriter(path: string): Promise<AtomicWriter> {
  const { path: target, st } = await resolveLinks(path);
  const named = target === resolve(path) ? path : `${path} (→ ${target})`;
  if (st && (st.isCharacterDevice() || st.isFIFO())) {
    // In place, as `>` does: no temporary file, no rename, no fsync (a device may not support it).
    const fh = await open(target, "w").catch((e) => {
      throw writeError(named, dirname(target), e);
    }); // a FIFO: waits for its reader
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await fh.close();
    };
    const write = (d: Uint8Array | string) =>
      writeAll(fh, d).catch((e) => {
        throw writeError(named, dirname(target), e);
      });
    return { target, inPlace: true, write, commit: close, abort: close };
  }
  if (st && !st.isFile()) {
    const what = st.isDirectory() ? "a folder" : st.isSocket() ? "a socket" : "a block device";
    throw new Error(`cannot write ${named}: it is ${what}, not a file`);
  }
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let fh: FileHandle;
  try {
    await makeDirs(dir);
    fh = await open(tmp, "w");
  } catch (e) {
    throw writeError(named, dir, e);
  }
  let state: "open" | "closed" | "done" = "open";
  const abort = async () => {
    if (state === "done") return;
    if (state === "open") await fh.close().catch(() => {});
    state = "done";
    await rm(tmp, { force: true });
  };
  return {
    target,
    inPlace: false,
    // A failed write (disk full) deletes the temporary file and names the file meant.
    write: (d) =>
      writeAll(fh, d).catch(async (e) => {
        await abort();
        throw writeError(named, dir, e);
      }),
    async commit() {
      try {
        // A file replaced keeps its permissions (the temporary file has the default ones).
        if (st) await fh.chmod(st.mode & 0o7777);
        await fh.sync();
        state = "closed";
        await fh.close();
        await rename(tmp, target);
        state = "done";
      } catch (e) {
        await abort();
        throw writeError(named, dir, e);
      }
      try {
        const d = await open(dir, "r");
        await d.sync();
        await d.close();
      } catch {
        // Some file systems do not allow fsync on a directory; the rename is still atomic.
      }
    },
    abort,
  };
}

/** Writes `data` to `path` atomically (see the file comment for links, devices and FIFOs). */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const w = await openAtomicWriter(path);
  try {
    await w.write(data);
  } catch (e) {
    await w.abort();
    throw e;
  }
  await w.commit();
}
