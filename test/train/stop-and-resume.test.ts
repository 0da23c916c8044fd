/**
 * Stopping and resuming (issue 20): SIGTERM saves `last` as Ctrl-C (SIGINT) does (it saved nothing);
 * a folder holding only `best` (killed between the first `best` and the first `last` save) resumes
 * from the beginning — the same seed replays the first epoch and saves the same `best` — where
 * `--resume` refused and only `--overwrite` (which deletes `best`) was left; and the synthetic tasks'
 * sizes are capped with a message naming the option (10⁹ pairs aborted V8, 2⁵³ − 1 gave a bare
 * "Invalid array length").
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deleteCheckpoint, loadCheckpoint } from "../../src/train/checkpoint.js";
import { loadTask, train } from "../../src/train/index.js";
import { SYNTHETIC_LIMITS } from "../../src/train/tasks.js";

const root = new URL("../..", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "qkv-stop-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("train: SIGTERM", () => {
  it("stops like Ctrl-C: last saved, exit 0, and the run resumes", async () => {
    const out = join(dir, "term");
    const args = ["--import", "tsx", join(root, "src/cli/main.ts"), "train", "--task", "copy"];
    args.push("--synthetic-size", "20000", "--max-length", "10", "--epochs", "2", "--embed", "8");
    args.push("--hidden", "8", "--valid-limit", "20", "--out", out);
    const child = spawn(process.execPath, args, { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    let sent = false;
    child.stderr.on("data", (d) => {
      stderr += d;
      if (!sent && /epoch 1\/2 \d+\//.test(stderr)) {
        sent = true;
        child.kill("SIGTERM");
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(sent, stderr).toBe(true);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/interrupted — last checkpoint saved: \d+ steps/);
    const ck = await loadCheckpoint<{ epoch: number; batchIndex: number }>(out, "last");
    expect(ck.meta.epoch).toBe(0);
    expect(ck.meta.batchIndex).toBeGreaterThan(0);
  }, 120_000);
});

describe("train: --resume from a folder holding only best", () => {
  const opts = {
    task: "copy",
    taskOptions: { syntheticSize: 64, maxLength: 4, symbols: 6 },
    attention: "luong-general" as const,
    model: { embedDim: 4, hiddenSize: 4 },
    epochs: 1,
    validLimit: 8,
    quiet: true,
  };

  it("starts from the beginning and saves the same best, where it was refused", async () => {
    const a = join(dir, "a");
    await train({ ...opts, outDir: a });
    const best = JSON.parse(readFileSync(join(a, "best.json"), "utf8"));
    // A kill after the first best and before the first last leaves this.
    await deleteCheckpoint(a, "last");
    expect(existsSync(join(a, "last.json"))).toBe(false);
    const r = await train({ ...opts, outDir: a, resume: true });
    expect(r.interrupted).toBe(false);
    expect(r.history).toHaveLength(1);
    expect(existsSync(join(a, "last.json"))).toBe(true);
    // Bit-identical weights (same content hash) and the same meta as the uninterrupted run's best
    // (but for the options recorded: this run had resume).
    const again = JSON.parse(readFileSync(join(a, "best.json"), "utf8"));
    expect(again.sha256).toBe(best.sha256);
    expect(again.tensors).toBe(best.tensors);
    expect(again.meta.trainOptions.resume).toBe(true);
    delete again.meta.trainOptions.resume;
    // History records wall-clock speed too; the rest of each epoch's summary is the same.
    const untimed = (m: { history: Record<string, unknown>[] }) => ({
      ...m,
      history: m.history.map(({ seconds: _s, tokensPerSec: _t, ...rest }) => rest),
    });
    expect(untimed(again.meta)).toEqual(untimed(best.meta));
  }, 60_000);

  it("refuses a best of another model (it would be replaced by a foreign run)", async () => {
    const b = join(dir, "b");
    await train({ ...opts, outDir: b });
    await deleteCheckpoint(b, "last");
    await expect(
      train({ ...opts, model: { embedDim: 4, hiddenSize: 6 }, outDir: b, resume: true }),
    ).rejects.toThrow(/train: --resume: .*give the same model options/);
  }, 60_000);

  it("an empty folder still has nothing to resume", async () => {
    await expect(train({ ...opts, outDir: join(dir, "empty"), resume: true })).rejects.toThrow(
      "train: --resume needs a checkpoint at",
    );
  });
});

describe("synthetic tasks: sizes capped, naming the option", () => {
  it.each([
    [
      { syntheticSize: 1e9 },
      `syntheticSize (--synthetic-size) is 1000000000, more than the limit of ${SYNTHETIC_LIMITS.size}`,
    ],
    [
      { syntheticSize: 9007199254740991 },
      "syntheticSize (--synthetic-size) is 9007199254740991, more than the limit",
    ],
    [
      { symbols: 1e9 },
      `symbols (--symbols) is 1000000000, more than the limit of ${SYNTHETIC_LIMITS.symbols}`,
    ],
    [
      { maxLength: 1e6 },
      `maxLength (--max-length) is 1000000, more than the limit of ${SYNTHETIC_LIMITS.maxLength}`,
    ],
    [{ syntheticSize: 1e6, maxLength: 1000 }, "1000000 pairs (--synthetic-size) of 5–1000 symbols"],
  ])("%o", (o, msg) => {
    expect(() => loadTask("reverse", o)).toThrow(`loadTask: reverse: ${msg}`);
  });

  it("sizes under the caps load", () => {
    expect(loadTask("copy", { syntheticSize: 50, maxLength: SYNTHETIC_LIMITS.maxLength }).train).toHaveLength(
      50,
    );
  });
});
