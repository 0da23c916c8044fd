/**
 * Tracing: the forward run inside `trace()` (src/tensor/tensor.ts), which hands over a `GradNode` —
 * op name, input tensors, attributes — for every op, in order; each trace runs without gradients on
 * the reference backend (the caller puts the module in evaluation mode). `traceGrown`
 * traces once more per size symbol with that axis grown by one (what the size solver compares), and
 * `checkSameOps` refuses a forward whose ops differ between traces (a loop over a dynamic axis).
 */
import { referenceBackend, withBackend } from "../kernels/index.js";
import { type GradNode, noGrad, type Tensor, trace } from "../tensor/index.js";
import { getAt, grow, type InputSlot, namedOutputs, withTensors } from "./inputs.js";
import type { SizeSymbol } from "./sizes.js";

/** What can be exported: anything with a `forward` over tensors (a Module, or a graph wrapper). */
export interface Exportable {
  // biome-ignore lint/suspicious/noExplicitAny: forwards take any arguments
  forward(...args: any[]): unknown;
  namedParameters?(): [string, Tensor][];
  namedBuffers?(): [string, Tensor][];
  training?: boolean;
  train?(on?: boolean): unknown;
}

/** One run of the forward: its nodes in order (and each node's index), inputs and named outputs. */
export interface Trace {
  nodes: GradNode[];
  index: Map<GradNode, number>;
  inputs: Tensor[];
  outputs: [string, Tensor][];
}

export function runTrace(
  module: Exportable,
  args: unknown[],
  slots: InputSlot[],
  outputNames?: string[],
): Trace {
  const nodes: GradNode[] = [];
  const result = withBackend(referenceBackend, () =>
    noGrad(() =>
      trace(
        () => module.forward(...args),
        (n) => nodes.push(n),
      ),
    ),
  );
  const index = new Map(nodes.map((n, i) => [n, i]));
  return {
    nodes,
    index,
    inputs: slots.map((s) => getAt(args, s.path)),
    outputs: namedOutputs(result, outputNames),
  };
}

/** One trace per symbol k, with every axis of symbol k grown by one (the example sizes otherwise). */
export function traceGrown(
  module: Exportable,
  args: unknown[],
  slots: InputSlot[],
  baseInputs: Tensor[],
  symbols: SizeSymbol[],
  axisSym: (number | null)[][],
  outputNames?: string[],
): Trace[] {
  return symbols.map((sym, k) => {
    const grown = baseInputs.map((t, i) => {
      let g = t;
      axisSym[i].forEach((s, a) => {
        if (s === k) g = grow(g, a);
      });
      return g;
    });
    try {
      return runTrace(module, withTensors(args, slots, grown), slots, outputNames);
    } catch (e) {
      throw new Error(
        `exportOnnx: the forward fails when ${sym.name} (axis ${sym.axis} of ${sym.input}) is ${sym.value + 1} instead of ${sym.value}: ` +
          `${(e as Error).message}. If that size is fixed, leave the axis out of dynamicAxes`,
      );
    }
  });
}

/** Every trace must run the same ops in the same order as the first (`traces[k + 1]`: symbol k grown). */
export function checkSameOps(traces: Trace[], symbols: SizeSymbol[]): void {
  const base = traces[0];
  for (const [k, t] of traces.entries()) {
    if (t.nodes.length !== base.nodes.length || t.nodes.some((n, i) => n.op !== base.nodes[i].op)) {
      const i = t.nodes.findIndex((n, j) => n.op !== base.nodes[j]?.op);
      throw new Error(
        `exportOnnx: the forward runs other ops when ${symbols[k - 1]?.name} is ${symbols[k - 1]?.value + 1} ` +
          `(${base.nodes.length} vs ${t.nodes.length} ops; first difference at op #${i}: ${base.nodes[i]?.op} vs ${t.nodes[i]?.op}). ` +
          "A loop over a dynamic axis cannot be one graph: export one step (as Seq2SeqStepGraph) instead",
      );
    }
  }
}
