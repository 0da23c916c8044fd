/**
 * Typed op identity (src/tensor/op-names.ts): recorded nodes carry their op's name and the attributes
 * typed for that op. The `@ts-expect-error` lines are the test that a misspelt name, a missing
 * attribute or a wrong one does not compile (`npm run typecheck` fails if any of them compiles).
 */
import { describe, expect, it } from "vitest";
import {
  composite,
  type GradNode,
  type OpAttrs,
  record,
  reshape,
  slice,
  softmax,
  sum,
  tensor,
  trace,
} from "../../src/index.js";

describe("op names and attributes", () => {
  it("a trace hands over each op's name with its attributes", () => {
    const nodes: GradNode[] = [];
    const x = tensor([1, 2, 3, 4, 5, 6], [6]);
    trace(
      () => sum(softmax(slice(reshape(x, [2, 3]), 1, 0, -1), -1), 0, true),
      (n) => nodes.push(n),
    );
    expect(nodes.map((n) => n.op)).toEqual(["reshape", "slice", "softmax", "sum"]);
    const [r, s, sm, su] = nodes;
    if (r.op !== "reshape" || s.op !== "slice" || sm.op !== "softmax" || su.op !== "sum")
      throw new Error("unexpected ops");
    expect(r.attrs.shape).toEqual([2, 3]);
    expect([s.attrs.axis, s.attrs.start, s.attrs.end, s.attrs.output]).toEqual([1, 0, -1, 0]);
    expect(s.attrs.call).toEqual({ axis: 1, start: 0, end: -1, outputs: 1 });
    expect(sm.attrs.axis).toBe(1); // normalised
    expect(su.attrs).toEqual({ axes: [0], keepDims: true });
  });

  it("misspelt names and wrong attributes are type errors", () => {
    const x = tensor([1, 2], [2]);
    const none: () => null[] = () => [];
    // @ts-expect-error: there is no op "sofmax"
    record(x, "sofmax", [], none);
    // @ts-expect-error: softmax records its axis
    record(x, "softmax", [], none);
    // @ts-expect-error: the axis is a number
    record(x, "softmax", [], none, { axis: "1" });
    // @ts-expect-error: add records no attributes
    record(x, "add", [], none, { axis: 1 });
    // @ts-expect-error: "add" is not traced as a composite
    composite("add", [x], undefined, () => x);
    const axis: OpAttrs["softmax"]["axis"] = 1;
    // Outside a trace, with no input requiring gradients, nothing is recorded.
    expect(record(x, "softmax", [], none, { axis }).node).toBeNull();
  });
});
