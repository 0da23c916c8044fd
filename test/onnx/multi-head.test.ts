/**
 * MultiheadAttention exported by tracing and run in onnxruntime, at batch and sequence sizes other
 * than the traced ones: self- and cross-attention (kdim/vdim), batch-first, per-head weights, and
 * masks — key padding lengths and an additive mask as graph inputs, a causal mask built in the graph,
 * and a fixed mask baked in as a constant.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  additiveMask,
  type MultiHeadForwardOptions,
  MultiheadAttention,
  manualSeed,
  noGrad,
  paddingMask,
  randn,
  type Tensor,
  tensor,
} from "../../src/index.js";
import { decodeModel, exportOnnx } from "../../src/onnx/index.js";
import { graphInputs, graphOutputs, maxDiff, reportWorst, run, session } from "./ort.js";

const TOL = 1e-4;

/** Runs `m` and the exported model on the same inputs; checks every output. */
async function compare(
  m: MultiheadAttention,
  bytes: Uint8Array,
  cases: { inputs: Tensor[]; opts?: MultiHeadForwardOptions }[],
): Promise<number> {
  const s = await session(bytes);
  let worst = 0;
  for (const { inputs, opts } of cases) {
    const [q, k, v, ...rest] = inputs;
    const ours = noGrad(() => m.forward(q, k, v, opts ?? {}));
    const r = await run(s, bytes, [q, k, v, ...rest]);
    worst = Math.max(worst, maxDiff(ours.output, r.output, `output for query ${q.shape}`));
    if (ours.weights)
      worst = Math.max(worst, maxDiff(ours.weights, r.weights, `weights for query ${q.shape}`));
  }
  expect(worst).toBeLessThan(TOL);
  return worst;
}

/** Additive bias (T, S): 0 where allowed, −∞ where not, never a whole row. */
function banded(T: number, S: number): Tensor {
  const d = new Float32Array(T * S);
  for (let i = 0; i < T; i++)
    for (let j = 0; j < S; j++) if (j > 0 && (i + j) % 3 === 0) d[i * S + j] = -Infinity;
  return tensor(d, [T, S]);
}

afterAll(() => reportWorst("ONNX export, MultiheadAttention"));

describe("ONNX export: MultiheadAttention", () => {
  it("self-attention (T, B, E): inputs named query, key, value; output and averaged weights at other T and B", async () => {
    manualSeed(1);
    const m = new MultiheadAttention({ embedDim: 8, numHeads: 2 }).eval();
    const x = randn([3, 2, 8]);
    const bytes = await exportOnnx(m, [x, x, x]);
    expect(graphInputs(bytes).map((i) => i.name)).toEqual(["query", "key", "value"]);
    expect(graphOutputs(bytes)).toEqual(["output", "weights"]);
    const model = decodeModel(bytes) as {
      opset_import: { version: number }[];
      graph: { initializer: { name: string }[] };
    };
    expect(model.opset_import[0].version).toBe(17);
    expect(model.graph.initializer.map((t) => t.name)).toEqual(
      expect.arrayContaining(["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]),
    );
    const cases = [
      [5, 4],
      [2, 1],
    ].map(([T, B]) => {
      const y = randn([T, B, 8]);
      return { inputs: [y, y, y] };
    });
    await compare(m, bytes, cases);
  });

  it("cross-attention with kdim/vdim, batch first, per-head weights", async () => {
    manualSeed(2);
    const m = new MultiheadAttention({ embedDim: 8, numHeads: 4, kdim: 5, vdim: 3, batchFirst: true }).eval();
    const opts = { averageWeights: false };
    const bytes = await exportOnnx(m, [randn([2, 3, 8]), randn([2, 4, 5]), randn([2, 4, 3]), opts]);
    const cases = [
      [3, 5, 2],
      [1, 1, 6],
    ].map(([B, T, S]) => ({ inputs: [randn([B, T, 8]), randn([B, S, 5]), randn([B, S, 3])], opts }));
    await compare(m, bytes, cases);
  });

  it("masks as inputs: key padding lengths (int64) and an additive (T, S) mask", async () => {
    manualSeed(3);
    const m = new MultiheadAttention({ embedDim: 6, numHeads: 3 }).eval();
    const example = {
      keyPaddingMask: paddingMask(tensor([4, 2], [2])),
      attnMask: additiveMask(banded(3, 4)),
    };
    const bytes = await exportOnnx(m, [randn([3, 2, 6]), randn([4, 2, 6]), randn([4, 2, 6]), example], {
      dynamicAxes: {
        query: { 0: "T", 1: "B" },
        key: { 0: "S", 1: "B" },
        value: { 0: "S", 1: "B" },
        "opts.keyPaddingMask": { 0: "B" },
        "opts.attnMask": { 0: "T", 1: "S" },
      },
    });
    expect(graphInputs(bytes)).toEqual([
      { name: "query", int: false },
      { name: "key", int: false },
      { name: "value", int: false },
      { name: "opts.keyPaddingMask", int: true },
      { name: "opts.attnMask", int: false },
    ]);
    const cases = [
      [5, 6, 3, [6, 1, 4]],
      [2, 3, 1, [2]],
    ].map(([T, S, B, lengths]) => {
      const len = tensor(lengths as number[], [B as number]);
      const mask = banded(T as number, S as number);
      const kv = randn([S as number, B as number, 6]);
      return {
        inputs: [randn([T as number, B as number, 6]), kv, kv, len, mask],
        opts: { keyPaddingMask: paddingMask(len), attnMask: additiveMask(mask) },
      };
    });
    await compare(m, bytes, cases);
  });

  it("a causal mask is computed in the graph, so it follows the sequence length", async () => {
    manualSeed(4);
    const m = new MultiheadAttention({ embedDim: 8, numHeads: 2, batchFirst: true }).eval();
    const x = randn([2, 3, 8]);
    const opts = { isCausal: true };
    const bytes = await exportOnnx(m, [x, x, x, opts]);
    const cases = [
      [4, 6],
      [1, 2],
    ].map(([B, T]) => {
      const y = randn([B, T, 8]);
      return { inputs: [y, y, y], opts };
    });
    await compare(m, bytes, cases);
  });

  it("a fixed mask as a constant of the graph (sequence sizes fixed, batch dynamic)", async () => {
    manualSeed(5);
    const m = new MultiheadAttention({ embedDim: 4, numHeads: 2 }).eval();
    const opts = { attnMask: additiveMask(banded(3, 3)) };
    const x = randn([3, 2, 4]);
    const batchOnly = { 1: "batch" };
    const bytes = await exportOnnx(m, [x, x, x, opts], {
      constants: ["opts.attnMask"],
      dynamicAxes: { query: batchOnly, key: batchOnly, value: batchOnly },
    });
    expect(graphInputs(bytes).map((i) => i.name)).toEqual(["query", "key", "value"]);
    const cases = [5, 1].map((B) => {
      const y = randn([3, B, 4]);
      return { inputs: [y, y, y], opts };
    });
    await compare(m, bytes, cases);
  });
});
