/**
 * Nothing is lost on kill -9: a training is SIGKILLed inside the save window (a test-only pause between
 * the writes, `QKV_TEST_CHECKPOINT_DELAY_MS`) and at random moments, each run resuming the previous
 * one. After every kill the folder must hold a loadable `last` (and `best`, when there is one): never
 * a JSON naming weights it does not belong to. The chain ends with a clean resumed run, after which
 * no temporary file, unreferenced weight file or lock is left.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../src/data/index.js";
import { loadCheckpoint, loadModel, SAVE_DELAY_ENV } from "../../src/train/index.js";

const root = new URL("../..", import.meta.url).pathname;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
  markers: string[];
}

/**
 * Trains the tiny copy task into `dir` (resuming when it holds `last.json`), and SIGKILLs it when
 * `killWhen(marker, index)` says so for a save marker, or `killAfterMs` after the first marker.
 */
function runTraining(
  dir: string,
  opts: {
    delayMs: number;
    killOnMarker?: (m: string, i: number) => boolean;
    killAfterMs?: number;
    maxSteps?: number;
  },
): Promise<Run> {
  // As a user would: resume when there is a checkpoint — a lone `best` too (a first run killed
  // between its first best and last saves starts from the beginning and keeps it).
  const resume = existsSync(join(dir, "last.json")) || existsSync(join(dir, "best.json"));
  const args = [
    "--import",
    "tsx",
    join(root, "src/cli/main.ts"),
    "train",
    "--task",
    "copy",
    "--synthetic-size",
    "48",
    "--max-length",
    "3",
    "--epochs",
    "100000",
    "--batch-size",
    "16",
    "--embed",
    "4",
    "--hidden",
    "4",
    "--valid-limit",
    "4",
    "--backend",
    "reference",
    "--quiet",
    "--out",
    dir,
    ...(resume ? ["--resume"] : []),
    ...(opts.maxSteps ? ["--max-steps", String(opts.maxSteps)] : []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, [SAVE_DELAY_ENV]: String(opts.delayMs) },
  });
  const run: Run = { code: null, signal: null, stderr: "", stdout: "", markers: [] };
  let timer: NodeJS.Timeout | undefined;
  let pending = "";
  child.stdout.on("data", (d) => {
    run.stdout += d;
  });
  child.stderr.on("data", (d) => {
    run.stderr += d;
    pending += d;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const m = /^qkv-test: checkpoint (\w+) ([\w-]+)$/.exec(line);
      if (!m) continue;
      const marker = `${m[1]} ${m[2]}`;
      run.markers.push(marker);
      if (opts.killOnMarker?.(marker, run.markers.length - 1)) child.kill("SIGKILL");
      if (opts.killAfterMs !== undefined && run.markers.length === 1) {
        timer = setTimeout(() => child.kill("SIGKILL"), opts.killAfterMs);
      }
    }
  });
  return new Promise((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      run.code = code;
      run.signal = signal;
      resolve(run);
    }),
  );
}

/** Loads every checkpoint of `dir` as inference and --resume would; returns last's step (0 if none). */
async function checkFolder(dir: string, context: string): Promise<number> {
  if (!existsSync(join(dir, "last.json"))) {
    if (existsSync(join(dir, "best.json"))) await loadModel(dir, "best");
    return 0;
  }
  const last = await loadCheckpoint<{ step: number }>(dir, "last").catch((e: Error) => {
    throw new Error(`${context}: last does not load: ${e.message}`);
  });
  await loadModel(dir, "last");
  if (existsSync(join(dir, "best.json"))) await loadModel(dir, "best");
  return last.meta.step;
}

describe("checkpoints survive SIGKILL", () => {
  it("killed inside the save window and at random moments (24 kills, --resume chained): every folder loads and resumes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qkv-kill-"));
    const steps: number[] = [];

    // 1. Inside the save window: the process is paused right after the new weights are written (old
    //    JSON still in place) or right after the JSON rename (before the link and the clean-up).
    //    `best` is saved first, when the score improves — always at a fresh run's first epoch, so its
    //    window is hit in fresh folders; `last` is hit at its second save, replacing a checkpoint.
    for (const target of ["best weights-written", "best json-renamed"]) {
      const fresh = mkdtempSync(join(tmpdir(), "qkv-kill-best-"));
      const r = await runTraining(fresh, { delayMs: 300, killOnMarker: (m) => m === target });
      expect(r.signal, `${target}: ${r.stderr}`).toBe("SIGKILL");
      expect(r.markers[r.markers.length - 1]).toBe(target);
      expect(r.markers.filter((m) => m.startsWith("last"))).toEqual([]); // killed in its first save
      await checkFolder(fresh, `after kill at ${target}`);
      expect(existsSync(join(fresh, "best.json"))).toBe(target === "best json-renamed");
      const again = await runTraining(fresh, { delayMs: 0, maxSteps: 5 }); // from the beginning (--resume)
      expect(again.code, again.stderr).toBe(0);
      expect(await checkFolder(fresh, `rerun after kill at ${target}`)).toBe(5);
    }
    for (const target of ["last weights-written", "last json-renamed"]) {
      const before = await checkFolder(dir, `before kill at ${target}`);
      let seen = 0;
      const r = await runTraining(dir, { delayMs: 300, killOnMarker: (m) => m === target && ++seen === 2 });
      expect(r.signal, `${target}: ${r.stderr}`).toBe("SIGKILL");
      const after = await checkFolder(dir, `after kill at ${target}`);
      expect(after).toBeGreaterThan(before);
      steps.push(after);
    }

    // 2. At random moments (seeded): some while starting up, most while training and saving.
    const rng = mulberry32(8);
    for (let k = 0; k < 20; k++) {
      const ms = Math.floor(rng() * 900);
      const r = await runTraining(dir, { delayMs: 1, killAfterMs: ms });
      expect(r.signal, `random kill ${k} after ${ms} ms: ${r.stderr}`).toBe("SIGKILL");
      steps.push(await checkFolder(dir, `after random kill ${k} (${ms} ms)`));
    }
    // The chain made progress: resumed runs continued from where the killed ones stopped.
    for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeGreaterThanOrEqual(steps[i - 1]);
    expect(steps[steps.length - 1]).toBeGreaterThan(steps[0]);

    // 3. A last resumed run finishes cleanly and leaves a tidy folder.
    const lastStep = steps[steps.length - 1];
    const fin = await runTraining(dir, { delayMs: 0, maxSteps: lastStep + 3 });
    expect(fin.code, fin.stderr).toBe(0);
    expect(await checkFolder(dir, "after the final run")).toBe(lastStep + 3);
    const files = readdirSync(dir).sort();
    // Each JSON's weights, and the generation before (`previous`, kept for readers mid-load).
    const named = ["last", "best"]
      .filter((n) => existsSync(join(dir, `${n}.json`)))
      .flatMap((n) => {
        const j = JSON.parse(readFileSync(join(dir, `${n}.json`), "utf8"));
        return [j.tensors as string, ...(j.previous ? [j.previous as string] : [])];
      });
    const weights = files.filter((f) => /\.[0-9a-f]{64}\.safetensors$/.test(f));
    expect(weights.sort()).toEqual([...new Set(named)].sort());
    expect(files.filter((f) => f.startsWith("."))).toEqual([]); // no .tmp files, no .lock
  }, 400_000);
});
