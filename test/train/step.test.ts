/**
 * The one training step (src/train/step.ts) and the loop around it: the weights after N steps and the
 * losses are pinned to what the step gave before it was shared (computed on the reference backend with
 * the trainer's inline step of commit 53771cb), for an LSTM and a Transformer, alone and inside `train`.
 */
import { describe, expect, it } from "vitest";
import { makeBatches } from "../../src/data/index.js";
import { Seq2Seq } from "../../src/models/seq2seq/index.js";
import { TransformerModel } from "../../src/models/transformer/index.js";
import { Adam } from "../../src/nn/index.js";
import { manualSeed } from "../../src/tensor/index.js";
import { train, trainStep } from "../../src/train/index.js";
import { expectPinned, fingerprint } from "../helpers/fingerprint.js";

function batches() {
  const examples = Array.from({ length: 24 }, (_, i) => ({
    src: [4 + (i % 5), 5 + (i % 3), 6],
    tgt: [7, 4 + (i % 4)].slice(0, 1 + (i % 2)),
  }));
  return makeBatches(examples, { batchSize: 8, shuffle: true, sortByLength: true, seed: 11 });
}

function model(kind: "seq2seq" | "transformer") {
  manualSeed(5);
  const sizes = { srcVocabSize: 10, tgtVocabSize: 9 };
  return kind === "seq2seq"
    ? new Seq2Seq({ ...sizes, embedDim: 6, hiddenSize: 6, attention: "luong-general", dropout: 0.1 })
    : new TransformerModel({
        ...sizes,
        dModel: 8,
        nhead: 2,
        numEncoderLayers: 1,
        numDecoderLayers: 1,
        dimFeedforward: 16,
        dropout: 0.1,
      });
}

const PINNED = {
  // clip 0.2: below every step's gradient norm (0.56–0.70), so clipping acts at each step.
  seq2seq: {
    fp: [18.223416073873523, 185.49129488855726],
    losses: [
      2.2466883659362793, 2.190124750137329, 2.139439105987549, 2.0552399158477783, 2.025737762451172,
      1.8957488536834717,
    ],
  },
  transformer: {
    fp: [170.9216437076725, 188.93541410590416],
    losses: [
      2.5649161338806152, 2.396052360534668, 1.8942168951034546, 1.4706475734710693, 1.77202308177948,
      1.5793732404708862,
    ],
  },
};

describe("trainStep", () => {
  for (const kind of ["seq2seq", "transformer"] as const) {
    it(`gives the pinned losses and weights after 6 steps (${kind}, dropout on)`, () => {
      const m = model(kind);
      const optimizer = new Adam(m.parameters(), { lr: 0.01 });
      m.train();
      const options = kind === "transformer" ? { labelSmoothing: 0.1, clip: 0.5 } : { clip: 0.2 };
      const losses: number[] = [];
      for (let e = 0; e < 2; e++) for (const b of batches()) losses.push(trainStep(m, optimizer, b, options));
      expectPinned(losses, PINNED[kind].losses, "losses");
      expectPinned(fingerprint(m.stateDict()), PINNED[kind].fp, "weights");
    });
  }

  it("steps the schedule once per step, after the optimizer; clips at 1 by default, not at all with 0", () => {
    const m = model("seq2seq");
    const optimizer = new Adam(m.parameters(), { lr: 0.01 });
    const order: string[] = [];
    const step = optimizer.step.bind(optimizer);
    optimizer.step = () => {
      order.push("optimizer");
      step();
    };
    const scheduler = { step: () => void order.push("scheduler") };
    const [b] = batches();
    trainStep(m, optimizer, b, { scheduler });
    trainStep(m, optimizer, b, { scheduler });
    expect(order).toEqual(["optimizer", "scheduler", "optimizer", "scheduler"]);
    // The Transformer's first gradient norm is 4.4 (dropout off): clip 1 and 2 act, differently.
    const weightsAfter = (clip?: number) => {
      const n = model("transformer");
      n.eval();
      trainStep(n, new Adam(n.parameters(), { lr: 0.01 }), b, clip === undefined ? {} : { clip });
      return fingerprint(n.stateDict());
    };
    expect(weightsAfter()).toEqual(weightsAfter(1));
    expect(weightsAfter()).not.toEqual(weightsAfter(2));
    expect(weightsAfter(0)).toEqual(weightsAfter(1e9));
    expect(weightsAfter(0)).not.toEqual(weightsAfter(2));
  });
});

describe("train (the loop around the step)", () => {
  it("gives the pinned weights and epoch summaries (LSTM, two epochs with validation)", async () => {
    const r = await train({
      task: "reverse",
      taskOptions: { syntheticSize: 200, minLength: 2, maxLength: 5, symbols: 6 },
      attention: "bahdanau",
      model: { embedDim: 8, hiddenSize: 8, dropout: 0.1 },
      batchSize: 16,
      lr: 1e-2,
      seed: 3,
      epochs: 2,
      validLimit: 10,
      quiet: true,
    });
    expectPinned(fingerprint(r.model.stateDict()), [-123.34721270005684, 349.8862814374167], "weights");
    expectPinned(
      r.history.map((h) => h.trainLoss),
      [2.0723057435109067, 1.7654408124776988],
      "train loss",
    );
    expect(r.history.map((h) => [h.step, h.valid])).toEqual([
      [13, { exactMatch: 0, tokenAccuracy: 0.09090909090909091, bleu: 0 }],
      [26, { exactMatch: 0, tokenAccuracy: 0.21212121212121213, bleu: 0 }],
    ]);
  }, 60_000);

  it("gives the pinned weights with Noam, label smoothing and a clip (Transformer, maxSteps)", async () => {
    const r = await train({
      task: "copy",
      taskOptions: { syntheticSize: 120, minLength: 2, maxLength: 4, symbols: 6 },
      arch: "transformer",
      transformer: {
        dModel: 16,
        nhead: 2,
        numEncoderLayers: 1,
        numDecoderLayers: 1,
        dimFeedforward: 32,
        dropout: 0.1,
      },
      schedule: "noam",
      warmup: 3,
      lr: 0.5,
      labelSmoothing: 0.1,
      clip: 0.5,
      batchSize: 8,
      seed: 4,
      epochs: 1,
      maxSteps: 6,
      quiet: true,
    });
    expect(r.steps).toBe(6);
    expectPinned(fingerprint(r.model.stateDict()), [285.48189036495023, 436.9069991864596], "weights");
  }, 60_000);
});
