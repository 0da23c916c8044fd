/** Linear, Embedding, LayerNorm and Dropout behaviour beyond the PyTorch fixtures. */
import { describe, expect, it } from "vitest";
import { Dropout, Embedding, LayerNorm, Linear } from "../../src/nn/index.js";
import { embedding, manualSeed, mean, randn, sum, tensor } from "../../src/tensor/index.js";

describe("Linear", () => {
  it("maps (…, in) to (…, out) and checks the input size", () => {
    const l = new Linear(3, 2);
    expect(l.forward(randn([4, 5, 3])).shape).toEqual([4, 5, 2]);
    expect(() => l.forward(randn([4, 2]))).toThrow(
      /Linear\.forward: input \[4, 2\] must end in inFeatures = 3/,
    );
    expect(() => new Linear(-1, 2)).toThrow(/Linear: inFeatures/);
  });

  it("fromTensors holds the given tensors and draws nothing", () => {
    const w = randn([2, 3], 1, 0, { requiresGrad: true });
    manualSeed(1);
    const l = Linear.fromTensors(w);
    const next = randn([1]).data[0];
    manualSeed(1);
    expect(randn([1]).data[0]).toBe(next);
    expect(l.weight).toBe(w);
    expect(l.bias).toBeNull();
    expect(() => Linear.fromTensors(randn([3]))).toThrow(/Linear\.fromTensors/);
  });

  it("checks the shape of a tied weight", () => {
    const l = new Linear(3, 2);
    expect(() => {
      l.weight = randn([3, 2]);
    }).toThrow(/Linear\.weight: expected shape \[2, 3\]/);
  });
});

describe("Embedding", () => {
  it("looks up rows with the ids' shape; the padding row gets no gradient", () => {
    manualSeed(2);
    const e = new Embedding(5, 3, { paddingIdx: 1 });
    expect(Array.from(e.weight.data.slice(3, 6))).toEqual([0, 0, 0]);
    const y = e.forward([1, 2, 2, 1, 4, 0], [2, 3]);
    expect(y.shape).toEqual([2, 3, 3]);
    sum(y).backward();
    const g = e.weight.grad!.toArray() as number[][];
    expect(g).toEqual([
      [1, 1, 1],
      [0, 0, 0],
      [2, 2, 2],
      [0, 0, 0],
      [1, 1, 1],
    ]);
  });

  it("accepts a tensor of ids and negative paddingIdx; rejects bad ids", () => {
    const e = new Embedding(4, 2, { paddingIdx: -1 });
    expect(e.paddingIdx).toBe(3);
    expect(e.forward(tensor([[0, 3]])).shape).toEqual([1, 2, 2]);
    expect(() => e.forward([4])).toThrow(/embedding: id 4 at position 0 is out of range for 4 embeddings/);
    expect(() => e.forward([1.5])).toThrow(/embedding: id 1\.5/);
    expect(() => new Embedding(4, 2, { paddingIdx: 4 })).toThrow(/paddingIdx 4 is out of range/);
  });

  it("fromPretrained copies the table, is frozen by default and draws nothing", () => {
    const table = randn([3, 2]);
    manualSeed(3);
    const e = Embedding.fromPretrained(table);
    const next = randn([1]).data[0];
    manualSeed(3);
    expect(randn([1]).data[0]).toBe(next);
    expect(Array.from(e.weight.data)).toEqual(Array.from(table.data));
    expect(e.weight.data).not.toBe(table.data);
    expect(e.weight.requiresGrad).toBe(false);
    expect(Embedding.fromPretrained(table, { freeze: false }).weight.requiresGrad).toBe(true);
  });

  it("functional embedding without padding passes gradient to every row looked up", () => {
    const w = randn([3, 2], 1, 0, { requiresGrad: true });
    sum(embedding(w, [2, 2, 0])).backward();
    expect(Array.from(w.grad!.data)).toEqual([1, 1, 0, 0, 2, 2]);
  });
});

describe("LayerNorm", () => {
  it("normalises to zero mean and unit (biased) variance per example, and validates shapes", () => {
    const ln = new LayerNorm(8);
    const y = ln.forward(randn([3, 8], 5, 2));
    const m = mean(y, -1);
    const v = mean(y.mul(y), -1);
    for (const x of m.data) expect(Math.abs(x)).toBeLessThan(1e-5);
    for (const x of v.data) expect(Math.abs(x - 1)).toBeLessThan(1e-3);
    expect(() => ln.forward(randn([3, 7]))).toThrow(
      /layerNorm: input \[3, 7\] does not end in normalizedShape \[8\]/,
    );
    expect(new LayerNorm(4, { elementwiseAffine: false }).parameters()).toEqual([]);
  });
});

describe("Dropout", () => {
  it("drops and rescales in training, is the identity in evaluation", () => {
    manualSeed(4);
    const d = new Dropout(0.25);
    const x = tensor(new Float32Array(4000).fill(1), [4000]);
    const y = d.forward(x);
    const kept = Array.from(y.data).filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    expect(Math.abs(kept.length / 4000 - 0.75)).toBeLessThan(0.03);
    expect(d.eval().forward(x)).toBe(x);
    expect(() => new Dropout(1)).toThrow(/Dropout: p must be in \[0, 1\)/);
  });
});
