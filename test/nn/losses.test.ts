/** Loss semantics beyond the PyTorch fixtures: stability, edge cases and errors. */
import { describe, expect, it } from "vitest";
import { crossEntropy, mseLoss, nllLoss } from "../../src/nn/index.js";
import { randn, tensor } from "../../src/tensor/index.js";

describe("crossEntropy", () => {
  it("is stable for huge logits (built on log-softmax)", () => {
    const logits = tensor(
      [
        [1000, 0, -1000],
        [-1e4, 1e4, 0],
      ],
      undefined,
      { requiresGrad: true },
    );
    const loss = crossEntropy(logits, [0, 0]);
    expect(loss.item()).toBeCloseTo(1e4, 0);
    loss.backward();
    expect(Array.from(logits.grad!.data).every(Number.isFinite)).toBe(true);
  });

  it("equals log C for uniform logits, with or without smoothing", () => {
    const logits = tensor(new Float32Array(12), [3, 4]);
    expect(crossEntropy(logits, [0, 1, 2]).item()).toBeCloseTo(Math.log(4), 6);
    expect(crossEntropy(logits, [0, 1, 2], { labelSmoothing: 0.3 }).item()).toBeCloseTo(Math.log(4), 6);
  });

  it("gives NaN (0/0) for mean when every target is ignored, as PyTorch; sum gives 0", () => {
    const logits = randn([2, 3]);
    expect(crossEntropy(logits, [-100, -100]).item()).toBeNaN();
    expect(crossEntropy(logits, [-100, -100], { reduction: "sum" }).item()).toBe(0);
  });

  it("returns the leading shape for reduction none, zeros where ignored", () => {
    const out = crossEntropy(randn([2, 3, 4]), [0, 1, 2, 3, -100, 0], { reduction: "none" });
    expect(out.shape).toEqual([2, 3]);
    expect(out.data[4]).toBe(0);
  });

  it("rejects bad targets and options with clear errors", () => {
    expect(() => crossEntropy(randn([2, 3]), [0])).toThrow(
      /crossEntropy: 1 targets for input \[2, 3\] \(expected 2/,
    );
    expect(() => crossEntropy(randn([2, 3]), [0, 3])).toThrow(
      /crossEntropy: target 3 at position 1 is out of range for 3 classes/,
    );
    expect(() => crossEntropy(randn([2, 3]), [0, 0.5])).toThrow(/target 0\.5/);
    expect(() => crossEntropy(randn([2, 3]), [0, 1], { labelSmoothing: 1.5 })).toThrow(/labelSmoothing/);
    expect(() => crossEntropy(randn([2, 3]), [0, 1], { reduction: "avg" as "mean" })).toThrow(
      /unknown reduction "avg"/,
    );
  });

  it("accepts Int32Array and tensor targets", () => {
    const logits = randn([3, 4]);
    const a = crossEntropy(logits, Int32Array.from([1, 2, 3])).item();
    expect(crossEntropy(logits, tensor([1, 2, 3])).item()).toBe(a);
    expect(nllLoss(logits.logSoftmax(), [1, 2, 3]).item()).toBeCloseTo(a, 6);
  });
});

describe("mseLoss", () => {
  it("requires equal shapes", () => {
    expect(() => mseLoss(randn([2, 3]), randn([3]))).toThrow(/mseLoss: input \[2, 3\] and target \[3\]/);
    expect(mseLoss(tensor([1, 2]), tensor([3, 2])).item()).toBe(2);
  });
});
