/**
 * Training the Transformer through train(): it learns a toy task, resumes exactly with the Noam
 * schedule, and its checkpoints are validated as strictly as the seq2seq ones.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateCheckpointMeta } from "../../src/checkpoint/format.js";
import { checkWeights, parameterCount } from "../../src/models/registry.js";
import { TransformerModel } from "../../src/models/transformer/index.js";
import { tensor } from "../../src/tensor/index.js";
import { evaluatePairs, loadModel, type TrainOptions, train, vocabsOf } from "../../src/train/index.js";

const toy: TrainOptions = {
  task: "copy",
  taskOptions: { syntheticSize: 600, minLength: 2, maxLength: 4, symbols: 8 },
  arch: "transformer",
  transformer: {
    dModel: 16,
    nhead: 2,
    numEncoderLayers: 1,
    numDecoderLayers: 1,
    dimFeedforward: 32,
    dropout: 0,
  },
  schedule: "noam",
  warmup: 20,
  lr: 0.2,
  labelSmoothing: 0.1,
  batchSize: 16,
  seed: 3,
  validLimit: 40,
  quiet: true,
};

describe("training a Transformer", () => {
  it("learns a toy copy task; the best checkpoint reloads as a TransformerModel and decodes the same", async () => {
    const out = mkdtempSync(join(tmpdir(), "qkv-tr-"));
    const r = await train({ ...toy, epochs: 12, outDir: out });
    expect(r.model).toBeInstanceOf(TransformerModel);
    const losses = r.history.map((h) => h.trainLoss);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 3); // label smoothing 0.1 floors it
    expect(r.best.score).toBeGreaterThanOrEqual(0.9);
    const { model, meta } = await loadModel(out, "best");
    expect(meta.kind).toBe("transformer");
    expect(model).toBeInstanceOf(TransformerModel);
    expect(model.numParameters).toBe(parameterCount({ kind: "transformer", config: meta.config }));
    const { srcVocab, tgtVocab } = vocabsOf(meta);
    const v = evaluatePairs(model, r.task.valid.slice(0, 40), srcVocab, tgtVocab);
    expect(v.exactMatch).toBe(r.best.score);
    // The schedule's state is in last.json: warmup and the step counter.
    const last = JSON.parse(readFileSync(join(out, "last.json"), "utf8")).meta;
    expect(last.scheduler).toMatchObject({ kind: "noam", warmup: 20, lastEpoch: r.steps, baseLrs: [0.2] });
  }, 120_000);

  it("resumes exactly (Noam schedule, dropout): interrupted + --resume equals one uninterrupted run", async () => {
    const opts = { ...toy, transformer: { ...toy.transformer, dropout: 0.2 }, epochs: 2, validLimit: 10 };
    const a = mkdtempSync(join(tmpdir(), "qkv-tr-a-"));
    const b = mkdtempSync(join(tmpdir(), "qkv-tr-b-"));
    const straight = await train({ ...opts, outDir: a });
    const first = await train({ ...opts, outDir: b, maxSteps: 25 }); // mid-epoch 1 of 2
    expect(first.steps).toBe(25);
    const resumed = await train({ ...opts, outDir: b, resume: true });
    expect(resumed.steps).toBe(straight.steps);
    const sa = straight.model.stateDict();
    const sb = resumed.model.stateDict();
    for (const name of Object.keys(sa)) expect([...sb[name].data], name).toEqual([...sa[name].data]);
    expect(resumed.history.map((h) => h.valid)).toEqual(straight.history.map((h) => h.valid));
    // Weights and optimizer moments bit for bit: the same tensor file.
    const sha = (d: string) => JSON.parse(readFileSync(join(d, "last.json"), "utf8")).sha256;
    expect(sha(b)).toBe(sha(a));
    await expect(train({ ...opts, arch: "seq2seq", outDir: b, resume: true })).rejects.toThrow(
      /holds a transformer model, not a seq2seq/,
    );
    await expect(train({ ...opts, schedule: "constant", outDir: b, resume: true })).rejects.toThrow(
      /used --schedule noam, not constant/,
    );
  }, 120_000);

  it("refuses transformer checkpoints whose config and weights disagree", async () => {
    const out = mkdtempSync(join(tmpdir(), "qkv-tr-bad-"));
    await train({ ...toy, epochs: 1, maxSteps: 2, outDir: out });
    const file = join(out, "last.json");
    const json = JSON.parse(readFileSync(file, "utf8"));
    const bad = (patch: Record<string, unknown>) => ({
      ...json.meta,
      config: { ...json.meta.config, ...patch },
    });
    expect(() => validateCheckpointMeta(bad({ nhead: 3 }), file)).toThrow(/config\.nhead must be a divisor/);
    expect(() => validateCheckpointMeta(bad({ activation: "tanh" }), file)).toThrow(/config\.activation/);
    expect(() => validateCheckpointMeta(bad({ dModel: 0 }), file)).toThrow(
      /config\.dModel must be an integer/,
    );
    expect(() => validateCheckpointMeta({ ...json.meta, kind: "rnn" }, file)).toThrow(/meta\.kind/);
    expect(() =>
      validateCheckpointMeta(
        { ...json.meta, scheduler: { kind: "noam", warmup: 0, lastEpoch: 1, baseLrs: [1] } },
        file,
      ),
    ).toThrow(/meta\.scheduler/);
    const m = new TransformerModel(json.meta.config);
    const sd = m.stateDict();
    expect(() => checkWeights({ kind: "transformer", config: json.meta.config }, sd, file)).not.toThrow();
    expect(() =>
      checkWeights({ kind: "transformer", config: { ...json.meta.config, numDecoderLayers: 2 } }, sd, file),
    ).toThrow(/numDecoderLayers is 2 but the weights hold 1 decoder layers/);
    expect(() =>
      checkWeights({ kind: "transformer", config: { ...json.meta.config, dimFeedforward: 33 } }, sd, file),
    ).toThrow(/linear1\.weight" has shape \[32, 16\], the config needs \[33, 16\]/);
    const untied = {
      ...sd,
      "out.weight": tensor(
        sd["out.weight"].data.map((x) => x + 1),
        sd["out.weight"].shape,
      ),
    };
    expect(() => checkWeights({ kind: "transformer", config: json.meta.config }, untied, file)).toThrow(
      /tieOutput is true but "out.weight" differs/,
    );
    const extra = { ...sd, "pos_embed.weight": tensor(new Float32Array(16), [1, 16]) };
    expect(() => checkWeights({ kind: "transformer", config: json.meta.config }, extra, file)).toThrow(
      /unexpected weights/,
    );
    // A damaged file is refused by loadModel with the checkpoint named.
    writeFileSync(file, JSON.stringify({ ...json, meta: bad({ numEncoderLayers: 2 }) }));
    await expect(loadModel(out, "last")).rejects.toThrow(/numEncoderLayers is 2 but the weights hold 1/);
  }, 60_000);

  it("refuses bad transformer options with the flag named", async () => {
    await expect(train({ ...toy, transformer: { dModel: 10, nhead: 4 } })).rejects.toThrow(
      /dModel \(--d-model\) 10 must be a multiple of transformer\.nhead \(--heads\) 4/,
    );
    await expect(train({ ...toy, warmup: 0 })).rejects.toThrow(/warmup \(--warmup\) must be an integer ≥ 1/);
    await expect(train({ ...toy, arch: "rnn" as never })).rejects.toThrow(/arch \(--arch\)/);
  });
});
