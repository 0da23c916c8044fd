/**
 * Attention dropout outside [0, 1) is refused on every backend, in training or not (issue 20):
 * `attend` let NaN through (it only dropped when `dropout && training`), and scaledDotProductAttention
 * with dropout −1 ran the fused kernel (native, wasm) as if no dropout had been asked for.
 */
import { expect, it } from "vitest";
import { attend, scaledDotProductAttention } from "../../src/attention/index.js";
import { randn } from "../../src/tensor/index.js";
import { describeOnEveryBackend } from "../helpers/on-backend.js";

const BAD = [Number.NaN, -1, 1, 2, Number.POSITIVE_INFINITY, "0.1" as unknown as number];

describeOnEveryBackend("attention dropout", () => {
  const q = randn([1, 2, 3, 4]);
  const k = randn([1, 2, 5, 4]);
  const v = randn([1, 2, 5, 4]);

  it("attend refuses a dropout outside [0, 1), naming it", () => {
    for (const dropout of BAD) {
      for (const training of [true, false]) {
        expect(() => attend(q, k, v, { dropout, training })).toThrow(
          `attend: dropout must be a probability in [0, 1), got ${String(dropout)}`,
        );
      }
    }
  });

  it("scaledDotProductAttention refuses it before choosing the fused kernel", () => {
    for (const dropout of BAD) {
      for (const fused of [true, false, undefined]) {
        expect(() => scaledDotProductAttention(q, k, v, { dropout, training: true, fused })).toThrow(
          `scaledDotProductAttention: dropout must be a probability in [0, 1), got ${String(dropout)}`,
        );
      }
    }
  });

  it("0 and 0.5 are accepted; 0 and eval mode leave the weights alone", () => {
    const a = attend(q, k, v);
    for (const dropout of [0, 0.5]) {
      expect([...attend(q, k, v, { dropout }).weights.data]).toEqual([...a.weights.data]);
    }
    expect(attend(q, k, v, { dropout: 0.5, training: true }).output.shape).toEqual([1, 2, 3, 4]);
    expect(scaledDotProductAttention(q, k, v, { dropout: 0.5 }).output.shape).toEqual([1, 2, 3, 4]);
  });
});
