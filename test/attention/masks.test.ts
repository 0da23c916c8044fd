/** The one mask convention: allowed keys; fully masked rows give zeros (values and gradients), never NaN. */
import { describe, expect, it } from "vitest";
import {
  additiveMask,
  attend,
  causalMask,
  combineMasks,
  fromTorchBoolMask,
  fromTorchKeyPaddingMask,
  maskFromAllowed,
  paddingMask,
} from "../../src/attention/index.js";
import { manualSeed, randn, sum } from "../../src/tensor/index.js";

manualSeed(11);

describe("masks", () => {
  it("padding: keys j ≥ length are not attended", () => {
    const q = randn([2, 3, 4]);
    const k = randn([2, 5, 4]);
    const { weights } = attend(q, k, k, { mask: paddingMask([5, 2]) });
    const w = weights.toArray() as number[][][];
    for (const row of w[1]) {
      expect(row.slice(2)).toEqual([0, 0, 0]);
      expect(row[0] + row[1]).toBeCloseTo(1, 6);
    }
    expect(w[0][0].every((v) => v > 0)).toBe(true);
  });

  it("causal: query i sees keys j ≤ i (top-left aligned), and a diagonal offset", () => {
    const x = randn([4, 3]);
    const w = attend(x, x, x, { mask: causalMask() }).weights.toArray() as number[][];
    w.forEach((row, i) => {
      row.forEach((v, j) => {
        expect(v > 0).toBe(j <= i);
      });
    });
    const w1 = attend(x, x, x, { mask: causalMask(1) }).weights.toArray() as number[][];
    expect(w1[0][1]).toBeGreaterThan(0);
    expect(w1[0][2]).toBe(0);
  });

  it("allowed matrix, torch bool adapter and key-padding adapter have opposite polarity and agree", () => {
    const q = randn([2, 2, 3]);
    const k = randn([2, 3, 3]);
    const allowed = [
      [true, false, true],
      [false, true, true],
    ];
    const ignore = allowed.map((r) => r.map((v) => !v));
    const a = attend(q, k, k, { mask: maskFromAllowed(allowed) }).weights;
    const b = attend(q, k, k, { mask: fromTorchBoolMask(ignore) }).weights;
    expect([...a.data]).toEqual([...b.data]);
    const p = attend(q, k, k, { mask: paddingMask([3, 1]) }).weights;
    const tp = attend(q, k, k, {
      mask: fromTorchKeyPaddingMask([
        [false, false, false],
        [false, true, true],
      ]),
    }).weights;
    expect([...p.data]).toEqual([...tp.data]);
  });

  it("a row with every key masked gives zero weights, zero output and zero gradient — never NaN", () => {
    const q = randn([2, 3, 4], 1, 0, { requiresGrad: true });
    const k = randn([2, 5, 4], 1, 0, { requiresGrad: true });
    const v = randn([2, 5, 4], 1, 0, { requiresGrad: true });
    const mask = combineMasks(paddingMask([5, 0]), causalMask());
    const { output, weights } = attend(q, k, v, { mask: mask! });
    sum(output.mul(output)).add(sum(weights)).backward();
    for (const t of [output, weights, q.grad!, k.grad!, v.grad!]) {
      expect([...t.data].every(Number.isFinite)).toBe(true);
    }
    const o = output.toArray() as number[][][];
    expect(o[1].flat().every((x) => x === 0)).toBe(true);
    const gq = q.grad!.toArray() as number[][][];
    expect(gq[1].flat().every((x) => x === 0)).toBe(true);
  });

  it("additive bias adds to the scores; a bias of equal rows changes nothing", () => {
    const q = randn([3, 4]);
    const k = randn([5, 4]);
    const plain = attend(q, k, k).weights;
    const shifted = attend(q, k, k, { mask: additiveMask([[7, 7, 7, 7, 7]]) }).weights;
    plain.data.forEach((x, i) => {
      expect(shifted.data[i]).toBeCloseTo(x, 6);
    });
  });

  it("names the function and the shapes when a mask does not fit", () => {
    const q = randn([2, 3, 4]);
    const k = randn([2, 5, 4]);
    expect(() => attend(q, k, k, { mask: paddingMask([1, 2, 3]) })).toThrow(
      "attend: padding mask has 3 lengths but the scores have shape [2, 3, 5] (batch first)",
    );
    expect(() => attend(q, k, k, { mask: paddingMask([6, 1]) })).toThrow(
      /padding length 6 \(batch 0\) is outside \[0, 5\]/,
    );
    expect(() => attend(q, k, k, { mask: additiveMask([[1, 2]]) })).toThrow(
      "attend: mask of shape [1, 2] does not broadcast to scores [2, 3, 5]",
    );
  });
});

describe("a learned additive bias is differentiable", () => {
  it("attend and scaledDotProductAttention pass the gradient to a bias that requires grad (finite differences)", async () => {
    const { gradcheck } = await import("../helpers/gradcheck.js");
    const { attend } = await import("../../src/attention/attend.js");
    const { scaledDotProductAttention } = await import("../../src/attention/scaled-dot-product.js");
    const { additiveMask, paddingMask } = await import("../../src/attention/masks.js");
    const { manualSeed, randn } = await import("../../src/tensor/index.js");
    manualSeed(5);
    const q = randn([2, 3, 4]);
    const k = randn([2, 5, 4]);
    const v = randn([2, 5, 4]);
    // A relative-position style bias (T, S), learned, combined with padding.
    gradcheck(
      "attend bias",
      (b) => attend(q, k, v, { mask: additiveMask(b).and(paddingMask([5, 3])) }).output,
      [randn([3, 5])],
    );
    for (const fused of [false, true]) {
      gradcheck(
        `sdpa bias fused=${fused}`,
        (b) => scaledDotProductAttention(q, k, v, { mask: additiveMask(b), fused }).output,
        [randn([3, 5])],
      );
    }
  });
});
