/**
 * Gradient accumulation in `backward()`: a tensor's third and later gradients are added in place into
 * the sum its first two made. The sum must never be one another tensor also holds: `add`'s backward
 * hands the same gradient to both parents, so a sum changed in place after that would change the
 * other parent's gradient too. Checked against gradients worked out by hand.
 */
import { describe, expect, it } from "vitest";
import { add, mul, sum, tensor } from "../../src/tensor/index.js";

const c = (v: number[]) => tensor(v, [v.length]);

describe("gradient accumulation", () => {
  // t = 2x + 3x is used three times (its gradient is a sum of three), then add's backward gives that
  // same sum to both of its parents p1 = 2x and p2 = 3x; each parent is also used on its own. The loss
  // adds the three terms in every order (the order decides which parent's backward runs first).
  const orders = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 1, 0],
    [2, 0, 1],
  ];
  for (const order of orders) {
    it(`a summed gradient handed to two parents stays theirs alone (terms in order ${order})`, () => {
      const x = tensor([1, -2, 0.5], [3], { requiresGrad: true });
      const p1 = mul(x, 2);
      const p2 = mul(x, 3);
      const t = add(p1, p2);
      const [c1, c2, c3, c4, c5] = [
        [1, 2, 3],
        [0.5, 0.25, -1],
        [-2, 1, 4],
        [10, 20, 30],
        [100, 200, 300],
      ].map(c);
      const terms = [
        add(add(sum(mul(t, c1)), sum(mul(t, c2))), sum(mul(t, c3))),
        sum(mul(p1, c4)),
        sum(mul(p2, c5)),
      ];
      add(add(terms[order[0]], terms[order[1]]), terms[order[2]]).backward();
      // dL/dx = (2 + 3)(c1 + c2 + c3) + 2 c4 + 3 c5
      const want = [0, 1, 2].map(
        (i) => 5 * (c1.data[i] + c2.data[i] + c3.data[i]) + 2 * c4.data[i] + 3 * c5.data[i],
      );
      expect(Array.from(x.grad!.data)).toEqual(want);
    });
  }

  it("a tensor used many times gets the sum of all its gradients", () => {
    const x = tensor([0.5, 1.5], [2], { requiresGrad: true });
    const h = mul(x, 1);
    let loss = sum(mul(h, 0));
    for (let k = 1; k <= 20; k++) loss = add(loss, sum(mul(h, k)));
    loss.backward();
    expect(Array.from(x.grad!.data)).toEqual([210, 210]);
    // Twice: the leaf's .grad accumulates across calls, and the first call's sums were not reused.
    loss.backward();
    expect(Array.from(x.grad!.data)).toEqual([420, 420]);
  });
});
