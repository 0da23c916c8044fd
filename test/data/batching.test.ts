import { describe, expect, it } from "vitest";
import { makeBatches } from "../../src/data/batching.js";
import { mulberry32, shuffleInPlace } from "../../src/data/random.js";
import { EOS, PAD, SOS } from "../../src/data/vocab.js";

const examples = [
  { src: [4, 5, 6], tgt: [7, 8] },
  { src: [9], tgt: [10, 11, 12] },
  { src: [4, 4], tgt: [5] },
  { src: [6, 7, 8, 9], tgt: [10, 11] },
  { src: [5], tgt: [6] },
];

describe("makeBatches", () => {
  it("pads source and shifted target rows with PAD, row-major", () => {
    const [b] = makeBatches(examples.slice(0, 2), { batchSize: 2 });
    expect([b.B, b.S, b.T]).toEqual([2, 3, 4]);
    expect([...b.src]).toEqual([4, 5, 6, 9, PAD, PAD]);
    expect(b.srcLengths).toEqual([3, 1]);
    expect([...b.tgtIn]).toEqual([SOS, 7, 8, PAD, SOS, 10, 11, 12]);
    expect([...b.tgtOut]).toEqual([7, 8, EOS, PAD, 10, 11, 12, EOS]);
    expect(b.tgtLengths).toEqual([3, 4]);
    expect(b.indices).toEqual([0, 1]);
    expect(b.src).toBeInstanceOf(Int32Array);
  });

  it("cuts batches in order with a smaller last batch", () => {
    const bs = makeBatches(examples, { batchSize: 2 });
    expect(bs.map((b) => b.indices)).toEqual([[0, 1], [2, 3], [4]]);
    expect(bs.map((b) => [b.B, b.S, b.T])).toEqual([
      [2, 3, 4],
      [2, 4, 3],
      [1, 1, 2],
    ]);
    for (const b of bs) {
      expect(b.src.length).toBe(b.B * b.S);
      expect(b.tgtIn.length).toBe(b.B * b.T);
      expect(b.tgtOut.length).toBe(b.B * b.T);
    }
  });

  it("sorts by length to reduce padding", () => {
    const bs = makeBatches(examples, { batchSize: 2, sortByLength: true });
    expect(bs.map((b) => b.indices)).toEqual([[4, 1], [2, 0], [3]]);
    expect(bs.map((b) => b.S)).toEqual([1, 3, 4]);
  });

  it("shuffles deterministically given the seed, covering every example once", () => {
    const a = makeBatches(examples, { batchSize: 2, shuffle: true, seed: 5 });
    const b = makeBatches(examples, { batchSize: 2, shuffle: true, seed: 5 });
    expect(a.map((x) => x.indices)).toEqual(b.map((x) => x.indices));
    expect(a.map((x) => [...x.src])).toEqual(b.map((x) => [...x.src]));
    expect(
      a
        .flatMap((x) => x.indices)
        .slice()
        .sort(),
    ).toEqual([0, 1, 2, 3, 4]);
    const orders = new Set(
      [1, 2, 3, 4, 5, 6].map((seed) =>
        makeBatches(examples, { batchSize: 5, shuffle: true, seed })[0].indices.join(),
      ),
    );
    expect(orders.size).toBeGreaterThan(1);
    const sorted = makeBatches(examples, { batchSize: 2, shuffle: true, sortByLength: true, seed: 1 });
    expect(sorted.map((x) => x.indices).sort()).toEqual([[2, 0], [3], [4, 1]]);
  });

  it("validates its inputs", () => {
    expect(() => makeBatches(examples, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => makeBatches([{ src: [1.5], tgt: [] }], { batchSize: 1 })).toThrow(/invalid id/);
    expect(makeBatches([], { batchSize: 4 })).toEqual([]);
  });
});

describe("mulberry32", () => {
  it("is a deterministic uniform generator in [0, 1)", () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    // reference value of mulberry32(0)'s first output
    expect(mulberry32(0)()).toBeCloseTo(0.26642920868471265, 15);
  });

  it("shuffles a permutation", () => {
    const xs = shuffleInPlace([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], mulberry32(1));
    expect([...xs].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
