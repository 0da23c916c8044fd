/**
 * A lock on a folder, so two processes never write the same checkpoint folder at once.
 *
 * The lock is the file `<dir>/.lock` holding `{ pid, host, token, started, command, boot,
 * processStart }`. It is created whole — written to a temporary file, then hard-linked to `.lock`,
 * which fails if `.lock` exists — so a reader never sees half a lock. A second taker finds it and
 * refuses, naming the folder and the holder. A lock whose process is gone (killed with SIGKILL,
 * machine crashed) is stale and taken over. A pid alone does not say the process is gone: pids are
 * reused (in a container the trainer is pid 1 on every run), so a lock names its process by pid,
 * boot id and the process's start time (Linux: /proc), and a lock with this process's pid but a token
 * this process never took is an earlier process's. A stale lock is renamed aside, and only if the
 * renamed file is still the stale lock that was judged is it deleted (two takers racing for one stale
 * lock cannot both win). A holder can `check()` that the lock is still its own before each write, and
 * releases it on `release()` or process exit.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { link, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { makeDirs } from "./atomic.js";

export const LOCK_FILE = ".lock";

interface LockInfo {
  pid: number;
  host: string;
  token: string;
  started: string;
  command: string;
  /** The kernel's boot id (Linux), when known: a lock from before a reboot is stale. */
  boot?: string;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat), when known. */
  processStart?: string;
}

/** Tokens of the locks this process holds now (its own pid in a lock with another token: stale). */
const heldTokens = new Set<string>();

/** The kernel's boot id, or undefined where there is none to read (not Linux). */
function bootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * When process `pid` started (clock ticks since boot, field 22 of /proc/<pid>/stat), or undefined
 * where that cannot be read (no /proc, or no such process). Two processes that share a pid one after
 * the other have different start times.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid …": comm may hold spaces and parentheses; the fields follow the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const start = fields[19]; // field 22 overall: 3 (state) is fields[0]
    return start && /^\d+$/.test(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why the holder of a lock on this host is gone (a reason for the stale lock), or null when it may
 * still be running: its pid is free, or taken by another process than the one that wrote the lock.
 */
function holderGone(holder: LockInfo): string | null {
  if (holder.pid === process.pid && !heldTokens.has(holder.token))
    return `written by an earlier process with this process's pid ${holder.pid}`;
  if (holder.pid === process.pid) return null; // this very process holds it
  if (!processAlive(holder.pid)) return `process ${holder.pid} is gone`;
  const boot = bootId();
  if (holder.boot && boot && holder.boot !== boot) return "written before the machine restarted";
  if (holder.processStart) {
    const now = processStartTime(holder.pid);
    if (now && now !== holder.processStart) return `pid ${holder.pid} now belongs to another process`;
  }
  return null;
}

export interface DirLock {
  readonly dir: string;
  readonly path: string;
  /** Throws if the lock is no longer this holder's (deleted or taken over by hand). */
  check(): void;
  /** Deletes the lock if it is still this holder's. Idempotent. */
  release(): Promise<void>;
}

function parseLock(text: string): LockInfo | null {
  try {
    const v = JSON.parse(text) as Partial<LockInfo> | null;
    if (v && Number.isSafeInteger(v.pid) && typeof v.token === "string" && typeof v.host === "string") {
      return v as LockInfo;
    }
  } catch {
    // not a lock we wrote
  }
  return null;
}

/** True when a process with this id exists (EPERM: it exists but belongs to another user). */
function processAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const tmpName = (dir: string, what: string) =>
  join(dir, `${LOCK_FILE}.${what}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);

/** Creates `path` with `content` only if it does not exist, never exposing a partly written file. */
async function createWhole(dir: string, path: string, content: string): Promise<boolean> {
  const tmp = tmpName(dir, "new");
  try {
    await writeFile(tmp, content, { flag: "wx" });
  } catch (e) {
    // Disk full: the file was created but not written. Remove it and name the lock meant.
    await unlink(tmp).catch(() => {});
    const code = (e as NodeJS.ErrnoException).code;
    throw Object.assign(new Error(`cannot create the lock ${path}: ${(e as Error).message}`), { code });
  }
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw e;
    // No hard links on this file system: exclusive create (a reader may briefly see it empty).
    try {
      await writeFile(path, content, { flag: "wx" });
      return true;
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw e2;
    }
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/**
 * Takes the lock on `dir` (created if missing) for this process, or throws naming the folder and the
 * process that holds it. `user` names the caller in messages (e.g. "train").
 */
export async function lockDir(dir: string, user = "qkv"): Promise<DirLock> {
  await makeDirs(dir).catch((e) => {
    throw new Error(`${user}: cannot create the folder ${dir}: ${(e as Error).message}`);
  });
  const path = join(dir, LOCK_FILE);
  const me: LockInfo = {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(12).toString("hex"),
    started: new Date().toISOString(),
    command: process.argv.slice(1).join(" ").slice(0, 300),
    boot: bootId(),
    processStart: processStartTime(process.pid),
  };
  const content = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 8; attempt++) {
    if (await createWhole(dir, path, content)) return held(dir, path, me, user);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // released meanwhile: try again
      throw e;
    }
    const holder = parseLock(text);
    if (holder && holder.host !== me.host) {
      throw new Error(
        `${user}: ${dir} is locked by process ${holder.pid} on host ${holder.host} (since ${holder.started}); ` +
          `if that process is gone, delete ${path}`,
      );
    }
    if (holder && holderGone(holder) === null) {
      const who = holder.pid === process.pid ? " (this process)" : "";
      throw new Error(
        `${user}: ${dir} is in use by process ${holder.pid}${who} since ${holder.started}` +
          `${holder.command ? ` (${holder.command})` : ""}; wait for it to finish or stop it`,
      );
    }
    // Stale (its process is gone) or unreadable: move it aside, and delete it only if what was
    // moved is the lock judged stale — otherwise another taker has just replaced it; put it back.
    const aside = tmpName(dir, "stale");
    try {
      await rename(path, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw e;
    }
    const moved = await readFile(aside, "utf8").catch(() => "");
    if (moved !== text) await link(aside, path).catch(() => {});
    await unlink(aside).catch(() => {});
  }
  throw new Error(`${user}: could not take the lock ${path} (it keeps changing hands)`);
}

function held(dir: string, path: string, me: LockInfo, user: string): DirLock {
  let released = false;
  heldTokens.add(me.token);
  const ours = (): boolean => {
    try {
      return parseLock(readFileSync(path, "utf8"))?.token === me.token;
    } catch {
      return false;
    }
  };
  const onExit = () => {
    heldTokens.delete(me.token);
    if (!released && ours()) {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
  };
  process.on("exit", onExit);
  return {
    dir,
    path,
    check() {
      if (released) throw new Error(`${user}: the lock on ${dir} was already released`);
      if (!ours()) {
        let now = "it is gone";
        try {
          const h = parseLock(readFileSync(path, "utf8"));
          if (h) now = `process ${h.pid} on ${h.host} holds it now`;
        } catch {
          // gone
        }
        throw new Error(`${user}: lost the lock on ${dir} (${now}); stopping so two writers never mix`);
      }
    },
    async release() {
      if (released) return;
      released = true;
      heldTokens.delete(me.token);
      process.removeListener("exit", onExit);
      if (ours()) await unlink(path).catch(() => {});
    },
  };
}
