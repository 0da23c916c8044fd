/**
 * View 6's in-page training, in Node: both models learn (loss falls), and stopping in the middle of an
 * epoch then resuming gives the same weights and history as training straight through.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_REVERSAL, ReversalRun, reversalPairs } from "../../web/src/reversal.js";
import { expectPinned, fingerprint } from "../helpers/fingerprint.js";

const tiny = { ...DEFAULT_REVERSAL, trainSize: 96, maxLength: 8, testPerLength: 2, hidden: 16, embed: 8 };
const noPause = async () => {};

describe("the reversal models trained in the page", () => {
  it("makes reversal pairs with every length equally often", () => {
    let x = 0;
    const pairs = reversalPairs(tiny, 12, () => (x = (x + 0.37) % 1));
    expect(pairs.map((p) => p.src.length)).toEqual([3, 4, 5, 6, 7, 8, 3, 4, 5, 6, 7, 8]);
    for (const p of pairs) expect(p.tgt).toEqual([...p.src].reverse());
  });

  it("one epoch gives the weights and loss pinned before it shared trainStep (commit 53771cb)", async () => {
    const r = new ReversalRun("luong-dot", tiny);
    await r.trainEpoch(() => false, noPause);
    expectPinned(fingerprint(r.model.stateDict()), [157.6335881989762, 399.515508829618], "weights");
    expectPinned([r.history[0].loss], [2.4404199918111167], "loss");
  });

  it("trains with and without attention; the loss falls; accuracy by length is reported", async () => {
    for (const kind of ["luong-dot", "none"] as const) {
      const r = new ReversalRun(kind, tiny);
      for (let e = 0; e < 3; e++) expect(await r.trainEpoch(() => false, noPause)).toBe(true);
      expect(r.epoch).toBe(3);
      expect(r.history[2].loss).toBeLessThan(r.history[0].loss);
      expect(r.history[2].eval.byLength.map((b) => b.length)).toEqual([3, 4, 5, 6, 7, 8]);
      const probe = r.decodeProbe();
      expect(probe.weights.length > 0).toBe(kind !== "none");
    }
  });

  it("stop in the middle of an epoch, resume: the same weights as training straight through", async () => {
    const straight = new ReversalRun("luong-dot", tiny);
    await straight.trainEpoch(() => false, noPause);
    await straight.trainEpoch(() => false, noPause);
    const resumed = new ReversalRun("luong-dot", tiny);
    let steps = 0;
    expect(
      await resumed.trainEpoch(
        () => steps >= 2,
        async () => void steps++,
      ),
    ).toBe(false);
    expect(resumed.progress()).toEqual({ done: 2, total: 3 });
    expect(await resumed.trainEpoch(() => false, noPause)).toBe(true);
    await resumed.trainEpoch(() => false, noPause);
    const a = straight.model.stateDict();
    const b = resumed.model.stateDict();
    for (const k of Object.keys(a)) expect([...b[k].data], k).toEqual([...a[k].data]);
    expect(resumed.history.map((h) => h.loss)).toEqual(straight.history.map((h) => h.loss));
  });
});
