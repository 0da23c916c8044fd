/**
 * zeroGrad({ setToNone }) as torch.optim.Optimizer.zero_grad: null by default; with setToNone false the
 * gradient arrays are zeroed and kept, and the next backward adds into the same arrays (a weight's
 * gradient product written straight into its .grad) with the numbers a fresh backward gives. On every
 * registered backend.
 */
import { expect, it, vi } from "vitest";
import type { Backend } from "../../../src/kernels/contract.js";
import { backend } from "../../../src/kernels/registry.js";
import { Adam, Linear, SGD } from "../../../src/nn/index.js";
import { add, manualSeed, mean, mul, randn, square, type Tensor } from "../../../src/tensor/index.js";
import { describeOnEveryBackend } from "../../helpers/on-backend.js";

function loss(lin: Linear, x: Tensor): Tensor {
  // The weight is used three times (its first, second and later gradients take different paths into
  // .grad); x has 300 rows, so each weight product is summed over two 256-deep slices.
  const x2 = square(x);
  return mean(square(add(add(lin.forward(x), lin.forward(x2)), lin.forward(mul(x2, x)))));
}

describeOnEveryBackend("zeroGrad", () => {
  it("setToNone (default) clears .grad to null; an unused parameter keeps null", () => {
    manualSeed(1);
    const lin = new Linear(40, 30);
    const opt = new SGD(lin.parameters(), { lr: 0.1 });
    loss(lin, randn([5, 40])).backward();
    expect(lin.weight.grad).not.toBeNull();
    opt.zeroGrad();
    for (const p of lin.parameters()) expect(p.grad).toBeNull();
  });

  it("setToNone false: the same arrays, zeroed, then the same numbers as a fresh backward", () => {
    manualSeed(2);
    const lin = new Linear(300, 70);
    const x1 = randn([300, 300], 0.3);
    const x2 = randn([300, 300], 0.3);
    const opt = new Adam(lin.parameters(), { lr: 1e-3 });
    loss(lin, x1).backward();
    const arrays = lin.parameters().map((p) => p.grad!.data);
    const objects = lin.parameters().map((p) => p.grad);
    opt.zeroGrad({ setToNone: false });
    lin.parameters().forEach((p, i) => {
      expect(p.grad).toBe(objects[i]);
      expect(p.grad!.data.every((v) => v === 0)).toBe(true);
    });
    // Where the backend adds a product into an array, the weight's first gradient product is written
    // straight into its .grad, the second computed alone and added (as a fresh first + second sum), the
    // third added into it: two of the three products need no array of their own.
    const be = backend();
    const spy = be.matmulAccumulate
      ? vi.spyOn(be as Required<Pick<Backend, "matmulAccumulate">>, "matmulAccumulate")
      : null;
    loss(lin, x2).backward();
    if (spy) {
      const intoWeight = spy.mock.calls.filter((c) => c[3] === lin.weight.grad!.data).length;
      spy.mockRestore();
      expect(intoWeight).toBe(2);
    }
    const kept = lin.parameters().map((p) => Float32Array.from(p.grad!.data));
    lin.parameters().forEach((p, i) => {
      expect(p.grad!.data).toBe(arrays[i]);
    });
    // The same step from null gradients (a resumed run's first step): the same numbers, bit for bit.
    opt.zeroGrad();
    loss(lin, x2).backward();
    lin.parameters().forEach((p, i) => {
      expect([...p.grad!.data]).toEqual([...kept[i]]);
    });
    // And a second backward without zeroing accumulates in place: twice the gradient.
    opt.zeroGrad({ setToNone: false });
    loss(lin, x2).backward();
    loss(lin, x2).backward();
    lin.parameters().forEach((p, i) => {
      const g = p.grad!.data;
      for (let j = 0; j < g.length; j++) expect(g[j]).toBeCloseTo(2 * kept[i][j], 6);
    });
  });

  it("setToNone false leaves a parameter without a gradient at null", () => {
    const used = new Linear(4, 3);
    const unused = new Linear(4, 3);
    const opt = new SGD([...used.parameters(), ...unused.parameters()], { lr: 0.1 });
    mean(used.forward(randn([2, 4]))).backward();
    opt.zeroGrad({ setToNone: false });
    for (const p of unused.parameters()) expect(p.grad).toBeNull();
    for (const p of used.parameters()) expect(p.grad!.data.every((v) => v === 0)).toBe(true);
  });
});
