/** A tiny training run that learns; checkpoints round-trip; --resume continues exactly; bad files are caught. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  evaluatePairs,
  loadCheckpoint,
  loadModel,
  type TrainOptions,
  train,
  vocabsOf,
} from "../../src/train/index.js";

const toy: TrainOptions = {
  task: "copy",
  taskOptions: { syntheticSize: 800, minLength: 2, maxLength: 4, symbols: 8 },
  attention: "luong-dot",
  model: { embedDim: 16, hiddenSize: 16, dropout: 0 },
  batchSize: 16,
  lr: 1e-2,
  seed: 2,
  validLimit: 100,
  quiet: true,
};

describe("training", () => {
  it("learns a toy copy task to 100 % exact match, loss falling, best checkpoint reloadable", async () => {
    const out = mkdtempSync(join(tmpdir(), "qkv-train-"));
    const r = await train({ ...toy, epochs: 12, outDir: out });
    const losses = r.history.map((h) => h.trainLoss);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 20);
    expect(r.best.score).toBe(1);
    const { model, meta } = await loadModel(out, "best");
    expect(meta.epoch).toBe(r.best.epoch);
    const { srcVocab, tgtVocab } = vocabsOf(meta);
    const v = evaluatePairs(model, r.task.valid.slice(0, 100), srcVocab, tgtVocab);
    expect(v.exactMatch).toBe(1);
  }, 120_000);

  it("resume continues exactly: an interrupted run + --resume equals an uninterrupted one", async () => {
    const opts = { ...toy, model: { ...toy.model, dropout: 0.2 }, epochs: 2, validLimit: 20 };
    const a = mkdtempSync(join(tmpdir(), "qkv-resume-a-"));
    const b = mkdtempSync(join(tmpdir(), "qkv-resume-b-"));
    const straight = await train({ ...opts, outDir: a });
    const first = await train({ ...opts, outDir: b, maxSteps: 30 }); // stops mid-epoch 1 of 2
    expect(first.steps).toBe(30);
    const resumed = await train({ ...opts, outDir: b, resume: true });
    expect(resumed.steps).toBe(straight.steps);
    const sa = straight.model.stateDict();
    const sb = resumed.model.stateDict();
    for (const name of Object.keys(sa)) expect([...sb[name].data], name).toEqual([...sa[name].data]);
    expect(resumed.history.map((h) => h.valid)).toEqual(straight.history.map((h) => h.valid));
  }, 120_000);

  it("detects a corrupt checkpoint and a missing one", async () => {
    const out = mkdtempSync(join(tmpdir(), "qkv-corrupt-"));
    await train({ ...toy, epochs: 1, maxSteps: 3, outDir: out });
    await expect(loadCheckpoint(out, "last")).resolves.toBeTruthy();
    const path = join(out, "last.safetensors");
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(path, bytes);
    await expect(loadCheckpoint(out, "last")).rejects.toThrow(/is corrupt or does not belong to/);
    await expect(loadCheckpoint(join(out, "nothing"), "last")).rejects.toThrow(/cannot read/);
    await expect(train({ ...toy, outDir: join(out, "fresh"), resume: true })).rejects.toThrow(
      /--resume needs a checkpoint/,
    );
  }, 60_000);
});
