/**
 * The folder lock (src/io/lock.ts) when pids are reused: a lock left by an earlier process with this
 * process's pid (in a container every run is pid 1), or by a pid that now belongs to another process,
 * is stale and taken over; a lock whose process still runs — another process, or this one — is
 * refused.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lockDir, processStartTime } from "../../src/io/lock.js";

const dir = mkdtempSync(join(tmpdir(), "qkv-lock-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** A fresh folder holding `.lock` with these fields (what an earlier process left). */
function folderWithLock(fields: Record<string, unknown>): string {
  const d = join(dir, `f${n++}`);
  const lock = {
    host: hostname(),
    token: "earlier-process-token",
    started: "2020-01-01T00:00:00Z",
    command: "qkv train",
    ...fields,
  };
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, ".lock"), `${JSON.stringify(lock)}\n`);
  return d;
}

/** A live process that is not this one (a sleeping child). */
function liveChild(): ChildProcess {
  const c = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  children.push(c);
  return c;
}

describe("lockDir: stale locks of reused pids", () => {
  it("a lock with this process's pid written by an earlier process is stale (the container pid-1 case)", async () => {
    for (const extra of [{}, { processStart: "1", boot: "some-other-boot" }]) {
      const d = folderWithLock({ pid: process.pid, ...extra });
      const lock = await lockDir(d, "train");
      expect(JSON.parse(readFileSync(join(d, ".lock"), "utf8")).token).not.toBe("earlier-process-token");
      await lock.release();
    }
  });

  it("a lock whose pid now belongs to another process (start time differs) is stale", async () => {
    const c = liveChild();
    const pid = c.pid as number;
    await new Promise((r) => setTimeout(r, 50));
    const start = processStartTime(pid);
    if (start === undefined) return; // no /proc here: only the pid can be checked
    const reused = folderWithLock({ pid, processStart: String(Number(start) + 12345) });
    const lock = await lockDir(reused, "train");
    await lock.release();
    // The same pid with its real start time: that process still runs, the lock is refused.
    const live = folderWithLock({ pid, processStart: start });
    await expect(lockDir(live, "train")).rejects.toThrow(new RegExp(`in use by process ${pid} since`));
    // An old lock (pid only) of a live process is refused as before.
    const old = folderWithLock({ pid });
    await expect(lockDir(old, "train")).rejects.toThrow(new RegExp(`in use by process ${pid} since`));
  });

  it("a lock this process holds is still refused to a second taker in this process", async () => {
    const d = join(dir, "mine");
    const lock = await lockDir(d, "train");
    await expect(lockDir(d, "train")).rejects.toThrow(
      new RegExp(`in use by process ${process.pid} \\(this process\\)`),
    );
    const info = JSON.parse(readFileSync(join(d, ".lock"), "utf8"));
    expect(info.pid).toBe(process.pid);
    if (processStartTime(process.pid) !== undefined) {
      expect(info.processStart).toBe(processStartTime(process.pid));
      expect(typeof info.boot).toBe("string");
    }
    await lock.release();
    const again = await lockDir(d, "train"); // released: free again
    await again.release();
  });
});
