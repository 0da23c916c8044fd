/**
 * The exporter's op coverage and its refusals. A Transformer-style encoder built from the generic ops
 * a Transformer uses (embedding gather, a positional table sliced to the input length, multi-head
 * self-attention with a padding mask, residuals, layer norm, a ReLU feed-forward, log-softmax), and a
 * module that exercises the remaining ops, run in onnxruntime at sizes other than the traced ones.
 * Forwards the graph cannot follow — a loop over a dynamic axis, a constant computed from input
 * values — are errors that say so. And the protobuf descriptor is the one onnx.proto gives.
 */
import { afterAll, describe, expect, it } from "vitest";
import { onnxDescriptor } from "../../scripts/build-onnx-proto.js";
import {
  abs,
  add,
  broadcastTo,
  concat,
  div,
  Embedding,
  exp,
  LayerNorm,
  Linear,
  log,
  logSoftmax,
  Module,
  MultiheadAttention,
  manualSeed,
  max,
  maximum,
  mean,
  minimum,
  mul,
  noGrad,
  paddingMask,
  permute,
  pow,
  randn,
  record,
  relu,
  reshape,
  sigmoid,
  slice,
  split,
  sqrt,
  square,
  squeeze,
  stack,
  sub,
  sum,
  type Tensor,
  tanh,
  tensor,
  unbind,
  unsqueeze,
} from "../../src/index.js";
import { exportOnnx, parameterNames } from "../../src/onnx/index.js";
import { ONNX_DESCRIPTOR } from "../../src/onnx/onnx-proto.generated.js";
import { graphInputs, maxDiff, reportWorst, run, session } from "./ort.js";

const TOL = 1e-4;

/** A post-norm Transformer encoder layer over token ids, with a learned positional table (≤ 16 positions). */
class TinyEncoder extends Module {
  readonly embed = this.registerModule("embed", new Embedding(20, 8, { paddingIdx: 0 }));
  readonly pos = this.registerParameter("pos", randn([16, 8]));
  readonly attn = this.registerModule(
    "attn",
    new MultiheadAttention({ embedDim: 8, numHeads: 2, batchFirst: true }),
  );
  readonly norm1 = this.registerModule("norm1", new LayerNorm(8));
  readonly ff1 = this.registerModule("ff1", new Linear(8, 12));
  readonly ff2 = this.registerModule("ff2", new Linear(12, 8));
  readonly norm2 = this.registerModule("norm2", new LayerNorm(8));
  readonly out = this.registerModule("out", new Linear(8, 20));

  forward(ids: Tensor, lengths: Tensor): Tensor {
    const T = ids.shape[1];
    const x = add(mul(this.embed.forward(ids), Math.sqrt(8)), slice(this.pos, 0, 0, T));
    const a = this.attn.forward(x, x, x, { keyPaddingMask: paddingMask(lengths), needWeights: false });
    const h = this.norm1.forward(add(x, a.output));
    const f = this.ff2.forward(relu(this.ff1.forward(h)));
    return logSoftmax(this.out.forward(this.norm2.forward(add(h, f))), -1);
  }
}

/** Every other op the exporter maps, on (B, T, 6) inputs. */
class Zoo extends Module {
  readonly lin = this.registerModule("lin", new Linear(6, 6));

  forward(x: Tensor, y: Tensor): Record<string, Tensor> {
    const [B, T] = x.shape;
    const z = sigmoid(this.lin.forward(x)); // (B, T, 6)
    const parts = split(z, [2, 4], 2);
    const joined = concat([parts[1], parts[0]], -1);
    const rows = unbind(permute(joined, [2, 0, 1])); // 6 × (B, T)
    const stacked = stack([rows[0], rows[5]], 2); // (B, T, 2)
    const flat = reshape(stacked, [B, T * 2]);
    const pooled = div(sum(z, 1), T); // mean over time by hand: T is computed in the graph
    return {
      elementwise: add(
        sub(mul(exp(tanh(x)), abs(y)), sqrt(add(square(y), 1))),
        add(maximum(x, y), minimum(log(add(abs(x), 1)), pow(abs(y), 1.5))),
      ),
      reduced: concat([max(z, 1), mean(z, 1), pooled], 1), // (B, 18)
      moved: add(
        reshape(squeeze(unsqueeze(flat, 0), 0), [B, T, 2]),
        broadcastTo(slice(slice(z, 1, -1), 2, 0, 2), [B, T, 2]),
      ),
      gathered: slice(x, 1, 1, -1), // the middle steps: bounds from the end follow T
    };
  }
}

afterAll(() => reportWorst("ONNX export, generic ops"));

describe("ONNX export: generic ops", () => {
  it("a Transformer-style encoder layer (ids and lengths int64) matches at other batch and sequence sizes", async () => {
    manualSeed(7);
    const m = new TinyEncoder().eval();
    const ids = tensor([3, 4, 5, 6, 7, 0, 0, 0], [2, 4]);
    const bytes = await exportOnnx(m, [ids, tensor([4, 1], [2])]);
    expect(graphInputs(bytes)).toEqual([
      { name: "ids", int: true },
      { name: "lengths", int: true },
    ]);
    const s = await session(bytes);
    for (const [B, T] of [
      [3, 7],
      [1, 2],
    ]) {
      const data = Array.from({ length: B * T }, (_, i) => 1 + ((i * 7) % 19));
      const lengths = tensor(
        Array.from({ length: B }, (_, b) => T - (b % T)),
        [B],
      );
      const x = tensor(data, [B, T]);
      const ours = noGrad(() => m.forward(x, lengths));
      const r = await run(s, bytes, [x, lengths]);
      expect(maxDiff(ours, r.output, `encoder at B=${B}, T=${T}`)).toBeLessThan(TOL);
    }
  });

  it("element-wise, reductions, layout ops, unbind/stack/split and slices from the end", async () => {
    manualSeed(8);
    const m = new Zoo();
    const bytes = await exportOnnx(m, [randn([2, 3, 6]), randn([2, 3, 6])]);
    const s = await session(bytes);
    for (const [B, T] of [
      [4, 5],
      [1, 2],
    ]) {
      const x = randn([B, T, 6]);
      const y = randn([B, T, 6]);
      const ours = noGrad(() => m.forward(x, y));
      const r = await run(s, bytes, [x, y]);
      for (const [k, v] of Object.entries(ours))
        expect(maxDiff(v, r[k], `${k} at B=${B}, T=${T}`)).toBeLessThan(TOL);
    }
  });

  it("gelu nodes, erf and tanh forms (the op the Transformer adds, recorded as its node will be)", async () => {
    // erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), for the exact form's expected values.
    const erf = (v: number) => {
      const t = 1 / (1 + 0.3275911 * Math.abs(v));
      const y =
        1 -
        ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
          t *
          Math.exp(-v * v);
      return v >= 0 ? y : -y;
    };
    const forms = {
      none: (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
      tanh: (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
    };
    for (const [approximate, f] of Object.entries(forms)) {
      const gelu = (x: Tensor) =>
        record(tensor(Array.from(x.data, f), [...x.shape]), "gelu", [x], () => [null], {
          approximate: approximate as "none" | "tanh",
        });
      const m = { forward: (x: Tensor) => gelu(x) };
      const bytes = await exportOnnx(m, [randn([2, 3])]);
      const s = await session(bytes);
      const x = mul(randn([5, 3]), 3); // another batch size; wide enough to reach both tails
      const r = await run(s, bytes, [x]);
      expect(maxDiff(m.forward(x), r.output, `gelu (${approximate})`)).toBeLessThan(TOL);
    }
  });

  it("refuses a loop over a dynamic axis, and a constant computed from input values", async () => {
    const loop = {
      forward(x: Tensor): Tensor {
        let acc = slice(x, 1, 0, 1);
        for (let t = 1; t < x.shape[1]; t++) acc = add(acc, slice(x, 1, t, t + 1));
        return acc;
      },
    };
    await expect(exportOnnx(loop, [randn([2, 3, 4])])).rejects.toThrow(
      /exportOnnx: the forward runs other ops when .* A loop over a dynamic axis/,
    );
    const peek = {
      forward: (x: Tensor) =>
        add(
          x,
          tensor(
            Array.from(x.data, (v) => (v > 0 ? 1 : 0)),
            [...x.shape],
          ),
        ),
    };
    await expect(exportOnnx(peek, [randn([2, 3])], { dynamicAxes: false })).resolves.toBeInstanceOf(
      Uint8Array,
    );
    await expect(exportOnnx(peek, [randn([2, 3])])).rejects.toThrow(
      /exportOnnx: a constant \[2, 3\] read by op #0 \(add\)/,
    );
  });

  it("names inputs after the forward's parameters", () => {
    expect(
      parameterNames(function f(query: unknown, key: unknown, opts = {}) {
        return [query, key, opts];
      }),
    ).toEqual(["query", "key", "opts"]);
    expect(parameterNames((a: unknown, { b }: { b: number } = { b: 1 }) => [a, b])).toEqual(["a", "input1"]);
  });

  it("the committed protobuf descriptor is onnx.proto's", () => {
    expect(JSON.parse(JSON.stringify(ONNX_DESCRIPTOR))).toEqual(onnxDescriptor());
  });
});
