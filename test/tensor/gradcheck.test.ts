/** Every differentiable op's gradient against central finite differences. */
import { it } from "vitest";
import * as ops from "../../src/tensor/index.js";
import { manualSeed, rand, randn, type Tensor, tensor } from "../../src/tensor/index.js";
import { gradcheck } from "../helpers/gradcheck.js";
import { describeOnEveryBackend } from "../helpers/on-backend.js";

manualSeed(7);
const r = (...shape: number[]) => randn(shape);
/** Values bounded away from 0 (for log, sqrt, div, abs, relu). */
const pos = (...shape: number[]) => rand(shape, 0.5, 2);
const awayFromZero = (...shape: number[]) => {
  const t = randn(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = (t.data[i] >= 0 ? 0.3 : -0.3) + t.data[i];
  return t;
};

const cases: [string, (...xs: Tensor[]) => Tensor, () => Tensor[]][] = [
  ["add (broadcast)", (a, b) => ops.add(a, b), () => [r(2, 3, 4), r(3, 1)]],
  ["sub (broadcast)", (a, b) => ops.sub(a, b), () => [r(4), r(2, 3, 4)]],
  ["mul (broadcast)", (a, b) => ops.mul(a, b), () => [r(2, 1, 4), r(3, 4)]],
  ["div", (a, b) => ops.div(a, b), () => [r(2, 3), pos(2, 3)]],
  ["div (broadcast scalar tensor)", (a, b) => ops.div(a, b), () => [r(2, 3), pos(1)]],
  ["pow 3", (a) => ops.pow(a, 3), () => [r(5)]],
  ["pow 0.5", (a) => ops.pow(a, 0.5), () => [pos(5)]],
  ["maximum", (a, b) => ops.maximum(a, b), () => [r(6), ops.add(r(6), 0.5)]],
  ["minimum", (a, b) => ops.minimum(a, b), () => [r(6), ops.add(r(6), 0.5)]],
  ["neg", (a) => ops.neg(a), () => [r(3, 2)]],
  ["exp", (a) => ops.exp(a), () => [r(3, 2)]],
  ["log", (a) => ops.log(a), () => [pos(3, 2)]],
  ["tanh", (a) => ops.tanh(a), () => [r(3, 2)]],
  ["sigmoid", (a) => ops.sigmoid(a), () => [r(3, 2)]],
  ["relu", (a) => ops.relu(a), () => [awayFromZero(3, 4)]],
  ["sqrt", (a) => ops.sqrt(a), () => [pos(4)]],
  ["abs", (a) => ops.abs(a), () => [awayFromZero(4)]],
  ["square", (a) => ops.square(a), () => [r(4)]],
  ["erf", (a) => ops.erf(a), () => [r(3, 4)]],
  ["gelu (exact erf)", (a) => ops.gelu(a), () => [ops.mul(r(3, 4), 2)]],
  ["sum all", (a) => ops.sum(a), () => [r(2, 3)]],
  ["sum axes keepDims", (a) => ops.sum(a, [0, 2], true), () => [r(2, 3, 4)]],
  ["mean axis", (a) => ops.mean(a, 1), () => [r(2, 3, 4)]],
  ["max axis", (a) => ops.max(a, -1), () => [r(3, 5)]],
  ["min all", (a) => ops.min(a), () => [r(3, 5)]],
  ["softmax axis -1", (a) => ops.softmax(a, -1), () => [r(2, 3, 4)]],
  ["softmax axis 1", (a) => ops.softmax(a, 1), () => [r(2, 3, 4)]],
  ["logSoftmax axis 0", (a) => ops.logSoftmax(a, 0), () => [r(3, 4)]],
  ["matmul 2-D", (a, b) => ops.matmul(a, b), () => [r(3, 4), r(4, 5)]],
  ["matmul batched broadcast", (a, b) => ops.matmul(a, b), () => [r(2, 1, 3, 4), r(3, 4, 2)]],
  ["matmul vector-matrix", (a, b) => ops.matmul(a, b), () => [r(4), r(4, 3)]],
  ["matmul matrix-vector", (a, b) => ops.matmul(a, b), () => [r(3, 4), r(4)]],
  ["matmulT transA transB", (a, b) => ops.matmulT(a, b, true, true), () => [r(2, 4, 3), r(2, 5, 4)]],
  ["linear", (x, w, b) => ops.linear(x, w, b), () => [r(2, 3, 4), r(5, 4), r(5)]],
  ["reshape", (a) => ops.reshape(a, [6, -1]), () => [r(2, 3, 4)]],
  ["permute", (a) => ops.permute(a, [2, 0, 1]), () => [r(2, 3, 4)]],
  ["transpose", (a) => ops.transpose(a, 0, 2), () => [r(2, 3, 4)]],
  ["unsqueeze/squeeze", (a) => ops.squeeze(ops.unsqueeze(a, 1), 1), () => [r(2, 3)]],
  ["broadcastTo", (a) => ops.broadcastTo(a, [2, 3, 4]), () => [r(3, 1)]],
  ["slice", (a) => ops.slice(a, 1, 1, -1), () => [r(2, 5, 3)]],
  ["concat", (a, b) => ops.concat([a, b], 1), () => [r(2, 3), r(2, 2)]],
  ["stack", (a, b) => ops.stack([a, b], -1), () => [r(2, 3), r(2, 3)]],
  ["split", (a) => ops.mul(ops.split(a, [1, 3], 1)[1], 2), () => [r(2, 4)]],
  ["indexSelect (repeats)", (a) => ops.indexSelect(a, 1, [2, 0, 2]), () => [r(2, 3, 2)]],
  ["gather (embedding)", (a) => ops.gather(a, [1, 3, 1, 0], [2, 2]), () => [r(4, 3)]],
  ["repeatInterleave", (a) => ops.repeatInterleave(a, 2, 0), () => [r(3, 2)]],
  [
    "unbind (rows used once, twice and not at all)",
    (a) => {
      const rows = ops.unbind(a);
      return ops.add(rows[0], ops.mul(rows[2], rows[2]));
    },
    () => [r(4, 3)],
  ],
];

describeOnEveryBackend("finite-difference gradients of every op", () => {
  for (const [name, f, make] of cases) it(name, () => gradcheck(name, f, make()));

  it("dropout (fixed mask)", () => {
    const x = r(50);
    manualSeed(3);
    const y = ops.dropout(x, 0.3);
    // Same seed → same mask, so the function is deterministic for the check.
    gradcheck(
      "dropout",
      (a) => {
        manualSeed(3);
        return ops.dropout(a, 0.3);
      },
      [x],
    );
    const zeros = [...y.data].filter((v) => v === 0).length;
    if (zeros === 0 || zeros === 50) throw new Error(`dropout: ${zeros} of 50 zeros`);
  });

  it("a composite graph that reuses a tensor (accumulation)", () => {
    gradcheck("composite", (a, b) => ops.tanh(ops.add(ops.matmul(a, b), ops.mul(a, a).sum(-1, true))), [
      tensor([
        [0.1, -0.2, 0.3],
        [0.5, 0.4, -0.6],
      ]),
      r(3, 3),
    ]);
  });
});
