/**
 * End to end: small models learn. A Linear classifier with crossEntropy and Adam reaches 100 %
 * accuracy on a linearly separable toy set while the loss falls; an LSTM with padding lengths,
 * gradient clipping, AdamW and a warmup schedule learns to classify sequences by their first token.
 */
import { describe, expect, it } from "vitest";
import {
  Adam,
  AdamW,
  clipGradNorm,
  crossEntropy,
  Embedding,
  Linear,
  LSTM,
  Module,
  NoamLR,
} from "../../src/nn/index.js";
import {
  argmax,
  createRng,
  manualSeed,
  slice,
  squeeze,
  type Tensor,
  tensor,
} from "../../src/tensor/index.js";

describe("training", () => {
  it("Linear + crossEntropy + Adam separates three Gaussian blobs", () => {
    manualSeed(0);
    const rng = createRng(1);
    const centres = [
      [2, 0],
      [-1, 1.7],
      [-1, -1.7],
    ];
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 90; i++) {
      const c = i % 3;
      xs.push(centres[c][0] + 0.4 * (rng() - 0.5), centres[c][1] + 0.4 * (rng() - 0.5));
      ys.push(c);
    }
    const X = tensor(xs, [90, 2]);
    const model = new Linear(2, 3);
    const opt = new Adam(model.parameters(), { lr: 0.05 });
    const losses: number[] = [];
    for (let step = 0; step < 60; step++) {
      opt.zeroGrad();
      const loss = crossEntropy(model.forward(X), ys);
      losses.push(loss.item());
      loss.backward();
      opt.step();
    }
    const pred = argmax(model.forward(X), -1);
    const accuracy = ys.filter((y, i) => pred[i] === y).length / ys.length;
    expect(accuracy).toBe(1);
    expect(losses[losses.length - 1]).toBeLessThan(0.25 * losses[0]);
    for (let i = 10; i < losses.length; i += 10) expect(losses[i]).toBeLessThan(losses[i - 10]);
  });

  it("Embedding + LSTM (padded batch, lengths) learns to report the first token", () => {
    manualSeed(1);
    const rng = createRng(2);
    const PAD = 0;
    class Classifier extends Module {
      readonly embed = this.registerModule("embed", new Embedding(6, 8, { paddingIdx: PAD }));
      readonly lstm = this.registerModule(
        "lstm",
        new LSTM({ inputSize: 8, hiddenSize: 12, batchFirst: true }),
      );
      readonly head = this.registerModule("head", new Linear(12, 2));
      forward(ids: number[], B: number, T: number, lengths: number[]): Tensor {
        const r = this.lstm.forward(this.embed.forward(ids, [B, T]), null, { lengths });
        return this.head.forward(squeeze(slice(r.h, 0, 0, 1), 0)); // final state (B, H) → (B, 2)
      }
    }
    // Sequences of tokens 1..5 with random lengths 2..6; class = whether the first token is 1 or 2.
    const B = 32;
    const T = 6;
    const ids: number[] = [];
    const lengths: number[] = [];
    const labels: number[] = [];
    for (let b = 0; b < B; b++) {
      const n = 2 + Math.floor(rng() * 5);
      const first = 1 + (b % 2);
      lengths.push(n);
      labels.push(first - 1);
      for (let t = 0; t < T; t++) ids.push(t === 0 ? first : t < n ? 3 + Math.floor(rng() * 3) : PAD);
    }
    const model = new Classifier();
    const opt = new AdamW(model.parameters(), { lr: 0.03, weightDecay: 0 });
    const sched = new NoamLR(opt, { warmupSteps: 5 });
    let first = 0;
    let last = 0;
    for (let step = 0; step < 40; step++) {
      opt.zeroGrad();
      const loss = crossEntropy(model.forward(ids, B, T, lengths), labels);
      if (step === 0) first = loss.item();
      last = loss.item();
      loss.backward();
      clipGradNorm(model.parameters(), 1);
      opt.step();
      sched.step();
    }
    const pred = argmax(model.eval().forward(ids, B, T, lengths), -1);
    expect(labels.filter((y, i) => pred[i] === y).length).toBe(B);
    expect(last).toBeLessThan(0.2 * first);
    expect(model.embed.weight.data.slice(0, 8).every((v) => v === 0)).toBe(true); // padding row never trained
  });
});
