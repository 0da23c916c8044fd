/**
 * The Transformer and its encoder and decoder exported by tracing and run in onnxruntime at batch and
 * sequence sizes other than the traced ones: both activations (GELU through erf), both norm placements,
 * and the decoder's causal mask built in the graph.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  causalMask,
  manualSeed,
  noGrad,
  randn,
  type Tensor,
  Transformer,
  TransformerDecoder,
  TransformerEncoder,
} from "../../src/index.js";
import { exportOnnx } from "../../src/onnx/index.js";
import { maxDiff, reportWorst, run, session } from "./ort.js";

const TOL = 1e-4;
const base = { dModel: 8, nhead: 2, dimFeedforward: 16, dropout: 0, batchFirst: true };

afterAll(() => reportWorst("ONNX export, Transformer"));

/** Exports `forward` traced on `traced`, then compares ours and onnxruntime's on each of `cases`. */
async function check(
  m: { forward: (...a: never[]) => Tensor },
  traced: Tensor[],
  cases: Tensor[][],
  call: (xs: Tensor[]) => Tensor,
): Promise<void> {
  const bytes = await exportOnnx(m as never, traced);
  const s = await session(bytes);
  for (const xs of cases) {
    const ours = noGrad(() => call(xs));
    const r = await run(s, bytes, xs);
    const out = (r.output ?? Object.values(r)[0]) as Parameters<typeof maxDiff>[1];
    expect(maxDiff(ours, out, `output for ${xs.map((x) => x.shape.join("×")).join(", ")}`)).toBeLessThan(TOL);
  }
}

describe("ONNX export: Transformer", () => {
  for (const activation of ["relu", "gelu"] as const) {
    for (const normFirst of [false, true]) {
      it(`TransformerEncoder (${activation}, normFirst=${normFirst}) at other batch and sequence sizes`, async () => {
        manualSeed(1);
        const m = new TransformerEncoder({ ...base, numLayers: 2, activation, normFirst }).eval();
        await check(m, [randn([2, 3, 8])], [[randn([3, 5, 8])], [randn([1, 7, 8])]], ([x]) => m.forward(x));
      });
    }
  }

  it("TransformerDecoder with a causal mask made in the graph", async () => {
    manualSeed(2);
    const m = new TransformerDecoder({ ...base, numLayers: 2 }).eval();
    const fwd = (tgt: Tensor, memory: Tensor) => m.forward(tgt, memory, { tgtMask: causalMask() });
    const wrapper = { forward: fwd, namedParameters: () => m.namedParameters() };
    await check(
      wrapper as never,
      [randn([2, 3, 8]), randn([2, 4, 8])],
      [
        [randn([3, 5, 8]), randn([3, 2, 8])],
        [randn([1, 6, 8]), randn([1, 7, 8])],
      ],
      ([t, mem]) => fwd(t, mem),
    );
  });

  it("Transformer (encoder + decoder) at other sizes", async () => {
    manualSeed(3);
    const m = new Transformer({
      ...base,
      numEncoderLayers: 1,
      numDecoderLayers: 2,
      activation: "gelu",
    }).eval();
    await check(
      m,
      [randn([2, 3, 8]), randn([2, 4, 8])],
      [
        [randn([3, 5, 8]), randn([3, 2, 8])],
        [randn([1, 2, 8]), randn([1, 6, 8])],
      ],
      ([a, b]) => m.forward(a, b),
    );
  });
});
