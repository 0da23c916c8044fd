/**
 * The lowering table (src/onnx/lowering.ts): keyed by the typed op names, an entry per op. An op with
 * no ONNX form is an error naming it; the `@ts-expect-error` lines are the test that a misspelt key, a
 * missing entry or a lowering reading another op's attributes does not compile.
 */
import { describe, expect, it } from "vitest";
import { erf, randn, type Tensor } from "../../src/index.js";
import { exportOnnx } from "../../src/onnx/index.js";
import { LOWERINGS, type Lowering, type LoweringTable } from "../../src/onnx/lowering.js";

describe("ONNX lowering table", () => {
  it("an op without an ONNX form is an error that names it", async () => {
    expect(LOWERINGS.erf).toBeNull();
    await expect(exportOnnx({ forward: (x: Tensor) => erf(x) }, [randn([2, 3])])).rejects.toThrow(
      /exportOnnx: no ONNX mapping for op "erf" \(op #0\); add one in src\/onnx\/lowering.ts/,
    );
  });

  it("keys, entries and attributes are typed", () => {
    // @ts-expect-error: there is no op "sofmax"
    const misspelt: LoweringTable = { ...LOWERINGS, sofmax: null };
    const { add: _, ...rest } = LOWERINGS;
    // @ts-expect-error: every op needs an entry
    const missing: LoweringTable = rest;
    // @ts-expect-error: softmax records an axis, not a permutation
    const wrong: Lowering<"softmax"> = (g, n) => g.f(String(n.attrs.perm));
    expect([misspelt.add, missing.sub, typeof wrong]).toEqual([LOWERINGS.add, LOWERINGS.sub, "function"]);
  });
});
