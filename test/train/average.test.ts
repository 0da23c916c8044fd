/**
 * Checkpoint averaging (src/train/average.ts, `qkv average`): the average is the element-wise mean of
 * the state dicts (float64 sum, one float32 rounding), a model folder that loads and translates;
 * `keepLastEpochs` keeps the last N epochs for `--last N`; other models, vocabularies or tensors are
 * refused, naming the folders and the first difference.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  averageCheckpoints,
  type CheckpointMeta,
  evaluatePairs,
  lastEpochCheckpoints,
  loadCheckpoint,
  loadModel,
  saveCheckpoint,
  type TrainOptions,
  train,
  vocabsOf,
} from "../../src/train/index.js";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const qkv = (...args: string[]) =>
  spawnSync(tsx, [join(root, "src/cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });

const toy: TrainOptions = {
  task: "copy",
  taskOptions: { syntheticSize: 320, minLength: 2, maxLength: 4, symbols: 8 },
  attention: "luong-dot",
  model: { embedDim: 12, hiddenSize: 12, dropout: 0 },
  batchSize: 16,
  lr: 1e-2,
  seed: 3,
  validLimit: 20,
  quiet: true,
};

describe("checkpoint averaging", () => {
  const run = mkdtempSync(join(tmpdir(), "qkv-avg-run-"));
  const trained = train({ ...toy, epochs: 4, keepLastEpochs: 3, outDir: run });

  it("keepLastEpochs keeps the last N epochs; --last N averages them into their exact mean", async () => {
    await trained;
    expect(existsSync(join(run, "epoch-1.json"))).toBe(false);
    const refs = lastEpochCheckpoints(run, 3);
    expect(refs.map((r) => r.name)).toEqual(["epoch-2", "epoch-3", "epoch-4"]);
    const out = mkdtempSync(join(tmpdir(), "qkv-avg-out-"));
    const r = await averageCheckpoints(refs, out);
    expect(r.sources).toHaveLength(3);
    const src = await Promise.all(refs.map((s) => loadCheckpoint(s.dir, s.name)));
    const avg = await loadCheckpoint<CheckpointMeta & { averagedFrom: unknown[] }>(out, "best");
    expect(Object.keys(avg.model).sort()).toEqual(Object.keys(src[0].model).sort());
    let differsFromEach = 0;
    for (const [name, t] of Object.entries(avg.model)) {
      const want = t.data.map((_, i) =>
        Math.fround(
          (src[0].model[name].data[i] + src[1].model[name].data[i] + src[2].model[name].data[i]) / 3,
        ),
      );
      expect([...t.data], name).toEqual([...want]);
      if (src.every((s) => s.model[name].data.some((x, i) => x !== t.data[i]))) differsFromEach++;
    }
    expect(differsFromEach).toBeGreaterThan(0); // the epochs' weights differ: not a copy of one
    expect(avg.meta.averagedFrom).toHaveLength(3);
    // A normal model folder: it loads and translates.
    const { model, meta } = await loadModel(out, "best");
    const { srcVocab, tgtVocab } = vocabsOf(meta);
    const v = evaluatePairs(model, (await trained).task.valid.slice(0, 20), srcVocab, tgtVocab);
    expect(v.tokenAccuracy).toBeGreaterThan(0);
    await expect(averageCheckpoints(refs, out)).rejects.toThrow(
      /already holds a checkpoint \(best\.json\); pass --overwrite/,
    );
    await expect(averageCheckpoints(refs, out, { overwrite: true })).resolves.toBeTruthy();
    expect(() => lastEpochCheckpoints(run, 4)).toThrow(
      /holds 3 epoch checkpoint\(s\) \(epoch-2, epoch-3, epoch-4\); train with --keep-last-epochs/,
    );
  }, 120_000);

  it("refuses another architecture, naming both folders and the field; a differing tensor, naming it", async () => {
    await trained;
    const other = mkdtempSync(join(tmpdir(), "qkv-avg-other-"));
    await train({ ...toy, model: { ...toy.model, hiddenSize: 10 }, epochs: 1, maxSteps: 2, outDir: other });
    const out = mkdtempSync(join(tmpdir(), "qkv-avg-x-"));
    await expect(
      averageCheckpoints(
        [
          { dir: run, name: "best" },
          { dir: other, name: "last" },
        ],
        out,
      ),
    ).rejects.toThrow(
      new RegExp(
        `${run}/best\\.json and ${other}/last\\.json are not the same model: config\\.hiddenSize differs \\(12 vs 10\\)`,
      ),
    );
    // Same meta, one tensor missing.
    const ck = await loadCheckpoint<CheckpointMeta>(run, "epoch-4");
    const { "out.bias": _drop, ...rest } = ck.model;
    expect(_drop).toBeDefined();
    const broken = mkdtempSync(join(tmpdir(), "qkv-avg-broken-"));
    await saveCheckpoint(broken, "best", { model: rest, meta: ck.meta });
    await expect(
      averageCheckpoints(
        [
          { dir: run, name: "epoch-4" },
          { dir: broken, name: "best" },
        ],
        out,
      ),
    ).rejects.toThrow(/differ: tensor "out\.bias" is in one and not the other/);
    await expect(averageCheckpoints([{ dir: run, name: "best" }], out)).rejects.toThrow(
      /at least 2 checkpoints/,
    );
    await expect(
      averageCheckpoints(
        [
          { dir: run, name: "best" },
          { dir: run, name: "last" },
        ],
        run,
      ),
    ).rejects.toThrow(/is one of the --models folders/);
  }, 120_000);

  it("qkv average --models A B --out C writes a folder qkv translate loads", async () => {
    await trained;
    const b = mkdtempSync(join(tmpdir(), "qkv-avg-b-"));
    await train({ ...toy, epochs: 1, outDir: b });
    const out = join(mkdtempSync(join(tmpdir(), "qkv-avg-cli-")), "avg");
    const r = qkv("average", "--models", run, b, "--checkpoint", "last", "--out", out, "--json");
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).sources).toEqual([
      { dir: run, name: "last" },
      { dir: b, name: "last" },
    ]);
    const tr = qkv("translate", "--model", out, "--json", "s1 s2 s3");
    expect(tr.status, tr.stderr).toBe(0);
    const last = qkv("average", "--models", run, b, "--last", "2", "--out", out);
    expect(last.status).not.toBe(0);
    expect(last.stderr).toMatch(/--last takes one --models folder \(a run's\), got 2/);
  }, 120_000);
});
