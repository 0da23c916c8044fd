/** Values and errors of the tensor core (shapes, broadcasting, reductions, softmax, autograd controls). */
import { describe, expect, it } from "vitest";
import {
  add,
  arange,
  argmax,
  broadcastTo,
  concat,
  gather,
  logSoftmax,
  matmul,
  max,
  mean,
  noGrad,
  ones,
  permute,
  reshape,
  slice,
  softmax,
  stack,
  sum,
  tensor,
  transpose,
  zeros,
} from "../../src/tensor/index.js";

describe("Tensor", () => {
  it("builds from nested arrays and flat data", () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(a.shape).toEqual([2, 3]);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect([...a.data]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tensor([1, 2, 3, 4], [2, 2]).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(tensor(5).shape).toEqual([]);
    expect(tensor(5).item()).toBe(5);
  });

  it("rejects ragged arrays and wrong sizes, naming the shapes", () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/tensor: ragged/);
    expect(() => tensor(new Float32Array(5), [2, 3])).toThrow(
      "tensor: data has 5 elements but shape [2, 3] needs 6",
    );
  });

  it("broadcasts element-wise ops and reports incompatible shapes", () => {
    const a = tensor([[1], [2]]);
    const b = tensor([10, 20, 30]);
    expect(add(a, b).toArray()).toEqual([
      [11, 21, 31],
      [12, 22, 32],
    ]);
    expect(() => add(ones([2, 3]), ones([4]))).toThrow(
      "add: shapes [2, 3] and [4] cannot be broadcast together",
    );
  });

  it("matmul: batched with broadcast, and clear errors", () => {
    const a = arange(12).reshape([2, 2, 3]);
    const b = arange(6).reshape([3, 2]);
    const c = matmul(a, b);
    expect(c.shape).toEqual([2, 2, 2]);
    expect(c.toArray()).toEqual([
      [
        [10, 13],
        [28, 40],
      ],
      [
        [46, 67],
        [64, 94],
      ],
    ]);
    expect(() => matmul(ones([2, 3]), ones([2, 3]))).toThrow(
      "matmul: inner dimensions differ: [2, 3] @ [2, 3] (3 vs 2)",
    );
  });

  it("reductions over axes", () => {
    const x = arange(24).reshape([2, 3, 4]);
    expect(sum(x).item()).toBe(276);
    expect(sum(x, [0, 2]).toArray()).toEqual([60, 92, 124]);
    expect(mean(x, -1, true).shape).toEqual([2, 3, 1]);
    expect(max(x, 1).toArray()).toEqual([
      [8, 9, 10, 11],
      [20, 21, 22, 23],
    ]);
    expect([
      ...argmax(
        tensor([
          [1, 5, 2],
          [7, 0, 7],
        ]),
        1,
      ),
    ]).toEqual([1, 0]);
    expect(() => sum(x, 3)).toThrow("sum: axis 3 is out of range for a tensor of rank 3");
  });

  it("softmax is stable for huge logits and masked lanes give zeros, not NaN", () => {
    const s = softmax(tensor([1e4, 0, -1e4]));
    expect([...s.data]).toEqual([1, 0, 0]);
    const m = softmax(
      tensor([
        [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
        [0, 0],
      ]),
    );
    expect(m.toArray()).toEqual([
      [0, 0],
      [0.5, 0.5],
    ]);
    const ls = logSoftmax(tensor([0, Math.log(3)]));
    expect(ls.data[0]).toBeCloseTo(Math.log(0.25), 6);
    const axis0 = softmax(
      tensor([
        [0, 0],
        [Math.log(3), 0],
      ]),
      0,
    );
    expect(axis0.data[0]).toBeCloseTo(0.25, 6);
  });

  it("shape ops: reshape, permute, transpose, slice, concat, stack, gather, broadcastTo", () => {
    const x = arange(6).reshape([2, 3]);
    expect(reshape(x, [3, -1]).shape).toEqual([3, 2]);
    expect(() => reshape(x, [4, 2])).toThrow("reshape: cannot reshape [2, 3] (6 elements) to [4, 2]");
    expect(transpose(x).toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(permute(arange(24).reshape([2, 3, 4]), [2, 0, 1]).shape).toEqual([4, 2, 3]);
    expect(slice(x, 1, -2).toArray()).toEqual([
      [1, 2],
      [4, 5],
    ]);
    expect(concat([x, x], 0).shape).toEqual([4, 3]);
    expect(() => concat([x, ones([3, 3])], 1)).toThrow(
      /concat: shapes \[2, 3\], \[3, 3\] differ outside axis 1/,
    );
    expect(stack([x, x], 1).shape).toEqual([2, 2, 3]);
    expect(gather(x, [1, 1, 0], [3]).toArray()).toEqual([
      [3, 4, 5],
      [3, 4, 5],
      [0, 1, 2],
    ]);
    expect(() => gather(x, [2])).toThrow(
      "indexSelect: index 2 is out of range for axis 0 of length 2 (shape [2, 3])",
    );
    expect(broadcastTo(tensor([1, 2, 3]), [2, 3]).toArray()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });
});

describe("autograd controls", () => {
  it("accumulates into leaves, respects noGrad and explains misuse", () => {
    const w = tensor([1, 2, 3], undefined, { requiresGrad: true });
    sum(w.mul(w)).backward();
    sum(w.mul(w)).backward();
    expect([...w.grad!.data]).toEqual([4, 8, 12]);
    w.zeroGrad();
    expect(w.grad).toBeNull();
    const y = noGrad(() => w.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(() => y.sum().backward()).toThrow(/backward: this tensor does not require grad/);
    expect(() => w.mul(2).backward()).toThrow(
      "backward: grad can be omitted only for one-element outputs, got shape [3]",
    );
    // A seed gradient must have the output's shape, not just its size.
    const m = tensor([1, 2, 3, 4, 5, 6], [2, 3], { requiresGrad: true });
    expect(() => m.mul(2).backward(tensor([1, 1, 1, 1, 1, 1], [3, 2]))).toThrow(
      "backward: grad of shape [3, 2] does not match output [2, 3]",
    );
  });

  it("retainGrad keeps an intermediate gradient; detach cuts the graph", () => {
    const x = tensor([1, 2], undefined, { requiresGrad: true });
    const h = x.mul(3).retainGrad();
    h.sum().backward();
    expect([...h.grad!.data]).toEqual([1, 1]);
    expect([...x.grad!.data]).toEqual([3, 3]);
    expect(x.detach().requiresGrad).toBe(false);
    expect(zeros([2]).isLeaf).toBe(true);
  });
});
