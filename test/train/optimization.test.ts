/**
 * The training conveniences of `train()`: the optimizer (adam, adamw, sgd), the schedule (constant,
 * noam, cosine, plateau), gradient accumulation and early stopping. Accumulating N micro-batches of B
 * gives the gradient of one batch of N·B (within float rounding); for each option an interrupted run +
 * `resume` equals one uninterrupted run bit for bit (weights, history, schedule state).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { makeBatches } from "../../src/data/index.js";
import { Seq2Seq } from "../../src/models/seq2seq/index.js";
import { TransformerModel } from "../../src/models/transformer/index.js";
import { SGD } from "../../src/nn/index.js";
import { manualSeed } from "../../src/tensor/index.js";
import { type TrainOptions, train, trainStep } from "../../src/train/index.js";
import { trainStepAccumulated } from "../../src/train/step.js";

const toy: TrainOptions = {
  task: "copy",
  taskOptions: { syntheticSize: 320, minLength: 2, maxLength: 4, symbols: 8 },
  attention: "luong-dot",
  model: { embedDim: 12, hiddenSize: 12, dropout: 0.2 },
  batchSize: 16,
  lr: 1e-2,
  seed: 3,
  validLimit: 20,
  epochs: 3,
  quiet: true,
};

const lastMeta = (dir: string) => JSON.parse(readFileSync(join(dir, "last.json"), "utf8")).meta;

/** Trains `opts` straight, and again stopped after `stopAt` steps then resumed; both must agree exactly. */
async function expectExactResume(opts: TrainOptions, stopAt: number) {
  const a = mkdtempSync(join(tmpdir(), "qkv-opt-a-"));
  const b = mkdtempSync(join(tmpdir(), "qkv-opt-b-"));
  const straight = await train({ ...opts, outDir: a });
  const first = await train({ ...opts, outDir: b, maxSteps: stopAt });
  expect(first.steps).toBe(stopAt);
  const resumed = await train({ ...opts, outDir: b, resume: true });
  expect(resumed.steps).toBe(straight.steps);
  const sa = straight.model.stateDict();
  const sb = resumed.model.stateDict();
  for (const name of Object.keys(sa)) expect([...sb[name].data], name).toEqual([...sa[name].data]);
  const strip = (h: typeof straight.history) =>
    h.map(({ valid, lr, trainLoss, step }) => ({ valid, lr, trainLoss, step }));
  expect(strip(resumed.history)).toEqual(strip(straight.history));
  const { scheduler: sA, optimizer: oA, evalsWithoutImprovement: eA } = lastMeta(a);
  const { scheduler: sB, optimizer: oB, evalsWithoutImprovement: eB } = lastMeta(b);
  expect(sB).toEqual(sA);
  expect(oB).toEqual(oA);
  expect(eB).toEqual(eA);
  return { straight, a };
}

describe("gradient accumulation", () => {
  const examples = Array.from({ length: 8 }, (_, i) => ({
    src: [4 + (i % 5), 5 + (i % 3), 6, 4 + (i % 2)].slice(0, 2 + (i % 3)),
    tgt: [7, 4 + (i % 4), 5].slice(0, 1 + (i % 3)),
  }));
  const sizes = { srcVocabSize: 10, tgtVocabSize: 9 };
  const build = {
    seq2seq: () =>
      new Seq2Seq({ ...sizes, embedDim: 6, hiddenSize: 6, attention: "luong-general", dropout: 0 }),
    transformer: () =>
      new TransformerModel({
        ...sizes,
        dModel: 8,
        nhead: 2,
        numEncoderLayers: 1,
        numDecoderLayers: 1,
        dimFeedforward: 16,
        dropout: 0,
      }),
  };
  for (const kind of ["seq2seq", "transformer"] as const) {
    it(`2 × 4 accumulated equals one batch of 8: loss and update (${kind})`, () => {
      const run = (micro: number) => {
        manualSeed(5);
        const m = build[kind]();
        const opt = new SGD(m.parameters(), { lr: 1 }); // θ − g: the update is the gradient
        const batches = makeBatches(examples, { batchSize: micro });
        const before = m.parameters().map((p) => Float32Array.from(p.data));
        const loss =
          micro === 8
            ? trainStep(m, opt, batches[0], { clip: 0, labelSmoothing: 0.1 })
            : trainStepAccumulated(m, opt, batches, { clip: 0, labelSmoothing: 0.1 });
        return { loss, delta: m.parameters().map((p, i) => p.data.map((x, j) => x - before[i][j])) };
      };
      const big = run(8);
      const acc = run(4);
      // The two micro-batches hold different numbers of target tokens: plain averaging would differ.
      const parts = makeBatches(examples, { batchSize: 4 });
      const tok = parts.map((b) => b.tgtOut.filter((t) => t !== 0).length);
      expect(tok[0]).not.toBe(tok[1]);
      expect(acc.loss).toBeCloseTo(big.loss, 5);
      let maxAbs = 0;
      big.delta.forEach((d, i) => {
        d.forEach((x, j) => {
          expect(Math.abs(acc.delta[i][j] - x), `param ${i}[${j}]`).toBeLessThan(1e-5 + 1e-4 * Math.abs(x));
          maxAbs = Math.max(maxAbs, Math.abs(x));
        });
      });
      expect(maxAbs).toBeGreaterThan(1e-3); // the step moved the weights
    });
  }

  it("refuses an empty list of micro-batches", () => {
    manualSeed(1);
    const m = build.seq2seq();
    expect(() => trainStepAccumulated(m, new SGD(m.parameters(), { lr: 1 }), [])).toThrow(/no micro-batches/);
  });
});

describe("exact resume for each training option", () => {
  it("sgd with momentum and weight decay", async () => {
    const { a } = await expectExactResume(
      { ...toy, optimizer: "sgd", lr: 0.5, momentum: 0.9, weightDecay: 1e-4 },
      27,
    );
    const m = lastMeta(a);
    expect(m.optimizerKind).toBe("sgd");
    expect(m.optimizer.paramGroups[0]).toMatchObject({ momentum: 0.9, weightDecay: 1e-4 });
  }, 120_000);

  it("adamw", async () => {
    const { a } = await expectExactResume({ ...toy, optimizer: "adamw", weightDecay: 0.05 }, 27);
    expect(lastMeta(a).optimizer.paramGroups[0]).toMatchObject({ weightDecay: 0.05 });
  }, 120_000);

  it("cosine: the step counter and T_max continue", async () => {
    const { straight, a } = await expectExactResume({ ...toy, schedule: "cosine", minLr: 1e-4 }, 27);
    // 320 pairs / 16 = 20 steps an epoch, 3 epochs: the curve ends at min lr after step 60.
    expect(lastMeta(a).scheduler).toMatchObject({ kind: "cosine", tMax: 60, minLr: 1e-4, lastEpoch: 60 });
    expect(straight.history.at(-1)?.lr).toBeCloseTo(1e-4, 12);
    expect(straight.history[0].lr).toBeLessThan(1e-2);
  }, 120_000);

  it("plateau: its best score and counters continue", async () => {
    // patience 0: every evaluation that does not improve halves the lr.
    const opts: TrainOptions = { ...toy, epochs: 5, lr: 0.05, schedule: "plateau", patience: 0, factor: 0.5 };
    const { straight, a } = await expectExactResume(opts, 50);
    const lrs = straight.history.map((h) => h.lr);
    expect(lrs.some((lr) => lr < 0.05)).toBe(true); // it did reduce
    expect(lastMeta(a).scheduler).toMatchObject({ kind: "plateau", factor: 0.5, patience: 0, lastEpoch: 5 });
  }, 180_000);

  it("accumulate 3: saves between optimizer steps, resumes at a group's start", async () => {
    const opts: TrainOptions = { ...toy, accumulate: 3 };
    const { straight, a } = await expectExactResume(opts, 10);
    // 20 batches an epoch in groups of 3: 7 optimizer steps (the last of 2 batches).
    expect(straight.steps).toBe(21);
    expect(lastMeta(a).accumulate).toBe(3);
    const b = mkdtempSync(join(tmpdir(), "qkv-opt-c-"));
    await train({ ...opts, outDir: b, maxSteps: 4 });
    expect(lastMeta(b).batchIndex).toBe(12);
    await expect(train({ ...opts, accumulate: 2, outDir: b, resume: true })).rejects.toThrow(
      /used --accumulate 3, not 2/,
    );
  }, 120_000);

  it("early stop: stops after N evaluations without improvement, and a resumed run keeps counting", async () => {
    // A high lr on a tiny model: the validation score stops improving within a few epochs.
    const opts: TrainOptions = { ...toy, epochs: 12, lr: 0.05, earlyStop: 2, quiet: false };
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const a = mkdtempSync(join(tmpdir(), "qkv-opt-es-"));
      const straight = await train({ ...opts, outDir: a });
      expect(straight.stoppedEarly).toBe(true);
      const n = straight.history.length;
      expect(n).toBeLessThan(12);
      expect(n - straight.best.epoch).toBe(2);
      expect(err.mock.calls.map((c) => String(c[0])).join("")).toMatch(
        /early stop: validation exactMatch has not improved for 2 evaluation\(s\) \(--early-stop 2\)/,
      );
      // Interrupted one epoch before it stops: the resumed run stops at the same epoch, same weights.
      const b = mkdtempSync(join(tmpdir(), "qkv-opt-es-b-"));
      const stopAt = straight.history[n - 2].step + 3;
      await train({ ...opts, outDir: b, maxSteps: stopAt });
      expect(lastMeta(b).evalsWithoutImprovement).toBe(1);
      const resumed = await train({ ...opts, outDir: b, resume: true });
      expect(resumed.stoppedEarly).toBe(true);
      expect(resumed.steps).toBe(straight.steps);
      const sa = straight.model.stateDict();
      const sb = resumed.model.stateDict();
      for (const name of Object.keys(sa)) expect([...sb[name].data], name).toEqual([...sa[name].data]);
      // Resuming a run that already stopped trains nothing more.
      const again = await train({ ...opts, outDir: a, resume: true });
      expect(again.stoppedEarly).toBe(true);
      expect(again.steps).toBe(straight.steps);
    } finally {
      err.mockRestore();
    }
  }, 240_000);
});

describe("training options are checked", () => {
  const bad: [Partial<TrainOptions>, RegExp][] = [
    [
      { optimizer: "rmsprop" as never },
      /optimizer \(--optimizer\) must be one of "adam", "adamw", "sgd", got "rmsprop"/,
    ],
    [
      { schedule: "linear" as never },
      /schedule \(--scheduler\) must be one of "constant", "noam", "cosine", "plateau"/,
    ],
    [{ momentum: 0.9 }, /momentum \(--momentum\) is for --optimizer sgd, not adam/],
    [{ optimizer: "sgd", momentum: 1 }, /momentum \(--momentum\) must be a number in \[0, 1\), got 1/],
    [{ weightDecay: -1 }, /weightDecay \(--weight-decay\) must be a number ≥ 0, got -1/],
    [{ minLr: 1e-5 }, /minLr \(--min-lr\) is for --scheduler cosine or plateau, not constant/],
    [{ patience: 2, schedule: "cosine" }, /patience \(--patience\) is for --scheduler plateau, not cosine/],
    [{ schedule: "plateau", factor: 1 }, /factor \(--factor\) must be a number in \(0, 1\), got 1/],
    [{ schedule: "cosine", lr: 0.01, minLr: 0.01 }, /minLr \(--min-lr\) 0.01 must be below lr \(--lr\) 0.01/],
    [{ accumulate: 0 }, /accumulate \(--accumulate\) must be an integer ≥ 1, got 0/],
    [{ earlyStop: 1.5 }, /earlyStop \(--early-stop\) must be an integer ≥ 1, got 1.5/],
  ];
  for (const [o, re] of bad) {
    it(`refuses ${JSON.stringify(o)}`, async () => {
      await expect(train({ ...toy, ...o })).rejects.toThrow(re);
    });
  }

  it("refuses to resume with another optimizer", async () => {
    const out = mkdtempSync(join(tmpdir(), "qkv-opt-r-"));
    await train({ ...toy, optimizer: "sgd", maxSteps: 2, outDir: out });
    await expect(train({ ...toy, outDir: out, resume: true })).rejects.toThrow(
      /used --optimizer sgd, not adam/,
    );
  }, 60_000);
});
