/**
 * torch.nn.LSTM-style modules exported alone: several layers, both directions, an initial state and
 * per-example lengths as graph inputs, time-major and batch-first, at other batch and sequence sizes.
 */
import { afterAll, describe, expect, it } from "vitest";
import { LSTM, manualSeed, noGrad, randn, type Tensor, tensor } from "../../src/index.js";
import { exportOnnx } from "../../src/onnx/index.js";
import { graphInputs, maxDiff, reportWorst, run, session } from "./ort.js";

const TOL = 1e-4;

afterAll(() => reportWorst("ONNX export, LSTM"));

describe("ONNX export: LSTM", () => {
  it("2 layers, bidirectional, initial state and lengths as inputs (time-major)", async () => {
    manualSeed(21);
    const lstm = new LSTM({ inputSize: 4, hiddenSize: 3, numLayers: 2, bidirectional: true }).eval();
    const state = (B: number) => ({ h: randn([4, B, 3]), c: randn([4, B, 3]) });
    const bytes = await exportOnnx(lstm, [randn([5, 2, 4]), state(2), { lengths: tensor([5, 3], [2]) }], {
      inputNames: ["input", "state", "options"],
      // the state's first axis is layers × directions: fixed
      dynamicAxes: { "state.h": { 1: "input_1" }, "state.c": { 1: "input_1" } },
    });
    expect(graphInputs(bytes)).toEqual([
      { name: "input", int: false },
      { name: "state.h", int: false },
      { name: "state.c", int: false },
      { name: "options.lengths", int: true },
    ]);
    const s = await session(bytes);
    for (const [T, B] of [
      [7, 3],
      [2, 1],
    ]) {
      const x = randn([T, B, 4]);
      const st = state(B);
      const lengths = tensor(
        Array.from({ length: B }, (_, b) => T - (b % T)),
        [B],
      );
      const ours = noGrad(() => lstm.forward(x, st, { lengths }));
      const r = await run(s, bytes, [x, st.h, st.c, lengths]);
      for (const k of ["output", "h", "c"] as const) {
        expect(maxDiff(ours[k], r[k], `LSTM ${k} at T=${T}, B=${B}`)).toBeLessThan(TOL);
      }
    }
  });

  it("batch first, no state, no lengths, no bias", async () => {
    manualSeed(22);
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, batchFirst: true, bias: false }).eval();
    const bytes = await exportOnnx(lstm, [randn([2, 3, 3])]);
    const s = await session(bytes);
    for (const [B, T] of [
      [4, 6],
      [1, 1],
    ]) {
      const x: Tensor = randn([B, T, 3]);
      const ours = noGrad(() => lstm.forward(x));
      const r = await run(s, bytes, [x]);
      for (const k of ["output", "h", "c"] as const) {
        expect(maxDiff(ours[k], r[k], `LSTM ${k} at B=${B}, T=${T}`)).toBeLessThan(TOL);
      }
    }
  });
});
