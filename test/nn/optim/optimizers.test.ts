/**
 * SGD (momentum, dampening, Nesterov, weight decay, maximize), Adam (betas, eps, L2, AMSGrad, param
 * groups, with StepLR) and AdamW against PyTorch trajectories (scripts/make_nn_fixtures.py): a linear
 * model y = X Wᵀ + b with loss mean((y − Y)²), the parameters after every step, 1e-5 rel + 1e-6 abs.
 * Then: optimizer state dicts resume training exactly; bad hyperparameters are rejected.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  Adam,
  type AdamOptions,
  AdamW,
  clipGradNorm,
  Linear,
  mseLoss,
  type Optimizer,
  SGD,
  type SGDOptions,
  StepLR,
} from "../../../src/nn/index.js";
import { linear, manualSeed, randn, type Tensor } from "../../../src/tensor/index.js";
import { check, loadNnFixtures, type OptimCase, reportWorst, t } from "../helpers.js";

afterAll(() => reportWorst("optimizers vs PyTorch"));

// biome-ignore lint/suspicious/noExplicitAny: any optimizer
function makeOptimizer(c: OptimCase, W: Tensor, b: Tensor): Optimizer<any, any> {
  const opts = c.options as Partial<SGDOptions & AdamOptions> & { lr: number };
  const params = c.groups ? [{ params: [W] }, { params: [b], lr: opts.lr * 10 }] : [W, b];
  switch (c.optimizer) {
    case "SGD":
      return new SGD(params, opts);
    case "Adam":
      return new Adam(params, opts);
    case "AdamW":
      return new AdamW(params, opts);
  }
}

describe("optimizers vs PyTorch (parameters after each step)", () => {
  const cases = loadNnFixtures("optim").filter((c): c is OptimCase => c.op === "optim");
  for (const c of cases) {
    it(c.name, () => {
      const X = t(c.data.X);
      const Y = t(c.data.Y);
      const W = t(c.init.W, true);
      const b = t(c.init.b, true);
      const opt = makeOptimizer(c, W, b);
      const sched = c.scheduler ? new StepLR(opt, c.scheduler) : null;
      c.trajectory.forEach((after, step) => {
        opt.zeroGrad();
        const loss = mseLoss(linear(X, W, b), Y);
        expect(loss.item()).toBeCloseTo(c.losses[step], 5);
        loss.backward();
        if (c.clip !== null) {
          const norm = clipGradNorm([W, b], c.clip);
          expect(Math.abs(norm - c.clipNorms![step])).toBeLessThan(1e-5 * c.clipNorms![step]);
        }
        opt.step();
        sched?.step();
        check(`${c.name}.step${step + 1}.W`, W, after.W);
        check(`${c.name}.step${step + 1}.b`, b, after.b);
      });
    });
  }
});

/** A small regression problem and a model; returns a function that runs n training steps. */
function setup(make: (params: Tensor[]) => Optimizer<{ lr: number }>) {
  manualSeed(7);
  const X = randn([16, 5]);
  const Y = randn([16, 2]);
  const model = new Linear(5, 2);
  const opt = make(model.parameters());
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      opt.zeroGrad();
      mseLoss(model.forward(X), Y).backward();
      opt.step();
    }
  };
  return { model, opt, run };
}

describe("optimizer state dicts resume training exactly", () => {
  const makers: [string, (p: Tensor[]) => Optimizer<{ lr: number }>][] = [
    ["SGD nesterov", (p) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
    ["Adam amsgrad", (p) => new Adam(p, { lr: 0.01, amsgrad: true })],
    ["AdamW", (p) => new AdamW(p, { lr: 0.01 })],
  ];
  for (const [name, make] of makers) {
    it(name, () => {
      // Reference: 10 uninterrupted steps.
      const ref = setup(make);
      ref.run(10);
      // Interrupted: 4 steps, save, 6 more steps in a fresh model + optimizer loaded from the save.
      const a = setup(make);
      a.run(4);
      const saved = { model: a.model.stateDict(), opt: a.opt.stateDict() };
      a.run(3); // the saved copies must not change
      const b = setup(make);
      b.model.loadStateDict(saved.model);
      b.opt.loadStateDict(saved.opt);
      b.run(6);
      for (const [k, v] of Object.entries(ref.model.stateDict())) {
        expect(Array.from(b.model.stateDict()[k].data), k).toEqual(Array.from(v.data));
      }
      // Loading into an optimizer over different parameters is refused.
      const other = make([randn([3], 1, 0, { requiresGrad: true })]);
      expect(() => other.loadStateDict(saved.opt)).toThrow(/parameters/);
    });
  }
});

describe("optimizer API", () => {
  it("skips parameters without gradients and leaves them unchanged", () => {
    const p = randn([3], 1, 0, { requiresGrad: true });
    const q = randn([3], 1, 0, { requiresGrad: true });
    const before = Float32Array.from(q.data);
    const opt = new Adam([p, q], { lr: 0.1 });
    p.sum().backward();
    opt.step();
    expect(Array.from(q.data)).toEqual(Array.from(before));
    expect(opt.stateDict().state[1]).toBeUndefined();
    expect(opt.stateDict().state[0].step).toBe(1);
  });

  it("validates hyperparameters and parameter lists", () => {
    const p = randn([2], 1, 0, { requiresGrad: true });
    expect(() => new SGD([p], { lr: -1 })).toThrow(/SGD: invalid lr/);
    expect(() => new SGD([p], { lr: 0.1, nesterov: true })).toThrow(/Nesterov/);
    expect(() => new Adam([p], { betas: [1, 0.9] })).toThrow(/Adam: betas/);
    expect(() => new AdamW([p, p])).toThrow(/more than once/);
    expect(() => new SGD([], { lr: 0.1 })).toThrow(/empty/);
  });

  it("does not record autograd and keeps parameters as leaves", () => {
    const p = randn([4], 1, 0, { requiresGrad: true });
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
    p.mul(p).sum().backward();
    opt.step();
    expect(p.isLeaf).toBe(true);
    expect(p.node).toBeNull();
    opt.zeroGrad();
    expect(p.grad).toBeNull();
  });

  it("exposes and sets learning rates per group", () => {
    const p = randn([2], 1, 0, { requiresGrad: true });
    const q = randn([2], 1, 0, { requiresGrad: true });
    const opt = new AdamW([{ params: [p] }, { params: [q], lr: 0.5, weightDecay: 0 }], { lr: 0.1 });
    expect(opt.lrs).toEqual([0.1, 0.5]);
    expect(opt.paramGroups[1].weightDecay).toBe(0);
    expect(opt.paramGroups[0].weightDecay).toBe(0.01);
    opt.setLr(0.2);
    expect(opt.lrs).toEqual([0.2, 0.2]);
  });
});
