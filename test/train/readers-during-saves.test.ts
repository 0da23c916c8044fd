/**
 * Readers never fail while a save runs: a child process saves checkpoint "last" in a loop (new weights
 * each time) while this process loads it ~2,000 times. Every load succeeds, and the weights always
 * belong to the JSON that named them (the generation in `meta` matches the values). Before the fix, a
 * save deleted the old weights right after renaming the new JSON, so a reader who had just read the
 * old JSON found no weights ("file not found").
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCheckpoint } from "../../src/train/checkpoint.js";

const root = new URL("../..", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "qkv-readers-"));
const run = join(dir, "run");
let saver: ChildProcess | undefined;
afterAll(() => {
  saver?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

const SAVER = `
import { saveCheckpoint } from ${JSON.stringify(join(root, "src/train/checkpoint.ts"))};
import { Tensor } from ${JSON.stringify(join(root, "src/tensor/index.ts"))};
const dir = process.argv[2];
for (let gen = 0; ; gen++) {
  const w = new Tensor(new Float32Array(4096).fill(gen), [64, 64]);
  await saveCheckpoint(dir, "last", { model: { w }, meta: { gen } });
  if (gen === 0) process.stdout.write("saved\\n");
}
`;

describe("checkpoints: loads while another process saves", () => {
  it("~2,000 loads during a loop of saves: 0 failures, weights always match their JSON", async () => {
    const script = join(dir, "saver.mts");
    writeFileSync(script, SAVER);
    saver = spawn(process.execPath, ["--import", "tsx", script, run], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    saver.stderr?.on("data", (d) => {
      stderr += d;
    });
    await new Promise<void>((resolve, reject) => {
      saver?.stdout?.on("data", () => resolve());
      saver?.on("exit", (c) => reject(new Error(`saver exited (${c}): ${stderr}`)));
    });
    const failures: string[] = [];
    const gens = new Set<number>();
    const t0 = Date.now();
    let loads = 0;
    // ~2,000 loads, or 20 s at most on a busy machine.
    while (loads < 2000 && Date.now() - t0 < 20_000) {
      loads++;
      try {
        const ck = await loadCheckpoint<{ gen: number }>(run, "last");
        const v = ck.model.w.data[0];
        if (v !== ck.meta.gen || ck.model.w.data[4095] !== ck.meta.gen)
          failures.push(`weights of generation ${v} under the JSON of generation ${ck.meta.gen}`);
        gens.add(ck.meta.gen);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
    saver.kill("SIGKILL");
    expect(saver.exitCode, `the saver died: ${stderr}`).toBe(null);
    expect(failures.slice(0, 3), `${failures.length} of ${loads} loads failed`).toEqual([]);
    expect(loads).toBeGreaterThanOrEqual(500);
    expect(gens.size, "the saves ran while loading").toBeGreaterThan(10);
    // At most two generations of weights on disk (the current and the one before).
    await new Promise((r) => saver?.once("exit", r));
    const weights = readdirSync(run).filter((f) => /^last\.[0-9a-f]{64}\.safetensors$/.test(f));
    expect(weights.length).toBeLessThanOrEqual(3); // + one written but not yet named, if killed then
    expect(existsSync(join(run, "last.json"))).toBe(true);
  }, 60_000);
});
