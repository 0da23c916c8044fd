/**
 * Learning-rate schedules against PyTorch (StepLR, ExponentialLR, CosineAnnealingLR past T_max,
 * the Noam warmup/inverse-sqrt rate as LambdaLR, ReduceLROnPlateau in min/rel and max/abs modes),
 * and scheduler state dicts.
 */
import { describe, expect, it } from "vitest";
import {
  CosineAnnealingLR,
  ExponentialLR,
  LambdaLR,
  type LRScheduler,
  NoamLR,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  SGD,
  StepLR,
} from "../../../src/nn/index.js";
import { zeros } from "../../../src/tensor/index.js";
import { loadNnFixtures, type ScheduleCase } from "../helpers.js";

const sgd = (lr: number) => new SGD([zeros([1], { requiresGrad: true })], { lr });

function closeRel(a: number, e: number): boolean {
  return Math.abs(a - e) <= 1e-12 + 1e-9 * Math.abs(e);
}

describe("schedules vs PyTorch (lr during each epoch)", () => {
  const cases = loadNnFixtures("optim").filter((c): c is ScheduleCase => c.op === "schedule");
  for (const c of cases) {
    it(c.name, () => {
      const opt = sgd(c.lr);
      // biome-ignore lint/suspicious/noExplicitAny: options as stored in the fixture
      const o = c.options as any;
      const lrs: number[] = [];
      if (c.scheduler === "ReduceLROnPlateau") {
        const s = new ReduceLROnPlateau(opt, o as ReduceLROnPlateauOptions);
        for (const m of c.metrics!) {
          lrs.push(opt.lrs[0]);
          s.step(m);
        }
      } else {
        let s: LRScheduler;
        if (c.scheduler === "StepLR") s = new StepLR(opt, o);
        else if (c.scheduler === "ExponentialLR") s = new ExponentialLR(opt, o);
        else if (c.scheduler === "CosineAnnealingLR") s = new CosineAnnealingLR(opt, o);
        else s = new NoamLR(opt, o);
        for (let e = 0; e < c.lrs.length; e++) {
          lrs.push(opt.lrs[0]);
          s.step();
        }
      }
      lrs.forEach((lr, e) => {
        expect(closeRel(lr, c.lrs[e]), `${c.name} epoch ${e}: ${lr} vs ${c.lrs[e]}`).toBe(true);
      });
    });
  }
});

describe("scheduler behaviour", () => {
  it("NoamLR without dModel warms up linearly to the base lr, then decays as 1/√step", () => {
    const opt = sgd(1e-3);
    const s = new NoamLR(opt, { warmupSteps: 10 });
    const lrs = [opt.lrs[0]];
    for (let i = 0; i < 40; i++) {
      s.step();
      lrs.push(opt.lrs[0]);
    }
    expect(lrs[0]).toBeCloseTo(1e-4, 12); // step 0 counts as step 1
    expect(lrs[5]).toBeCloseTo(5e-4, 12);
    expect(lrs[10]).toBeCloseTo(1e-3, 12);
    expect(lrs[40]).toBeCloseTo(1e-3 * Math.sqrt(10 / 40), 12);
    expect(Math.max(...lrs)).toBeCloseTo(1e-3, 12);
  });

  it("LambdaLR scales every group's base lr", () => {
    const opt = new SGD(
      [
        { params: [zeros([1], { requiresGrad: true })] },
        { params: [zeros([1], { requiresGrad: true })], lr: 1 },
      ],
      { lr: 0.1 },
    );
    const s = new LambdaLR(opt, (e) => 1 / (e + 1));
    s.step();
    expect(s.getLastLr()).toEqual([0.05, 0.5]);
  });

  it("state dicts restore the schedule position", () => {
    const a = sgd(0.1);
    const sa = new CosineAnnealingLR(a, { tMax: 20 });
    for (let i = 0; i < 7; i++) sa.step();
    const saved = sa.stateDict();
    const b = sgd(0.1);
    const sb = new CosineAnnealingLR(b, { tMax: 20 });
    sb.loadStateDict(saved);
    expect(b.lrs).toEqual(a.lrs);
    sa.step();
    sb.step();
    expect(b.lrs).toEqual(a.lrs);

    const pa = sgd(0.1);
    const ra = new ReduceLROnPlateau(pa, { patience: 0 });
    ra.step(1);
    ra.step(2);
    const pb = sgd(0.1);
    const rb = new ReduceLROnPlateau(pb, { patience: 0 });
    rb.loadStateDict(ra.stateDict());
    rb.step(3);
    ra.step(3);
    expect(rb.stateDict()).toEqual(ra.stateDict());
  });

  it("rejects bad settings", () => {
    expect(() => new StepLR(sgd(0.1), { stepSize: 0 })).toThrow(/StepLR: stepSize/);
    expect(() => new NoamLR(sgd(0.1), { warmupSteps: 0 })).toThrow(/NoamLR/);
    expect(() => new ReduceLROnPlateau(sgd(0.1), { factor: 1 })).toThrow(/factor/);
  });
});
