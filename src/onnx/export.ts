/**
 * ONNX export by tracing: `exportOnnx(module, exampleInputs)` runs `module.forward(...exampleInputs)`
 * inside `trace()` (src/tensor/tensor.ts), which records a node — op name, input tensors, attributes —
 * for every op, and writes one ONNX node (or a few) per recorded op: an ONNX ModelProto, opset 17.
 *
 * Names. Graph inputs are named after the forward's parameters, in order (a tensor inside an options
 * object or a mask is `param.key`); outputs after the returned object's keys ("output" for a single
 * tensor). Parameters become initializers under their state-dict names; other constant tensors too.
 *
 * Dynamic sizes (batch and sequence axes by default: every axis but the last of an input, axis 0 of a
 * rank-1 input; equal example sizes are one symbol). The forward is traced once at the example sizes
 * and once more per symbol with that size grown by one; every integer an op recorded (a reshape's
 * target, a slice's end, a mask's size) is compared across the traces and written as a function of
 * the symbols — c·∏ sizes, or size + k — computed in the graph from `Shape` of the inputs. Anything
 * that changes in another way (different ops at another length, a constant built from input values)
 * is an error that names the op, not a silently fixed-size graph.
 *
 * Ids and lengths (what embeddings, `paddingMask(tensor)` and LSTM `lengths` read) are int64 inputs.
 * Tracing runs in evaluation mode (dropout off), without gradients, on the reference backend.
 *
 * The parts, one file each: inputs.ts (the forward's inputs, outputs and names), tracing.ts (running
 * the forward inside `trace()`), sizes.ts (size symbols and the solver), graph-builder.ts (the ONNX
 * graph: values, initializers, names), lowering.ts (each op as ONNX nodes: a table keyed by the typed
 * op names of src/tensor/op-names.ts; lower-masks.ts, lower-lstm.ts), proto.ts (the messages).
 */
import { Tensor } from "../tensor/index.js";
import { GraphBuilder } from "./graph-builder.js";
import { findInputs, getAt, type InputSlot, parameterNames, withTensors } from "./inputs.js";
import { indexTensors } from "./lowering.js";
import { encodeModel } from "./proto.js";
import { assignSymbols, type DynamicAxes, SizeSolver } from "./sizes.js";
import { checkSameOps, type Exportable, runTrace, traceGrown } from "./tracing.js";

export { parameterNames } from "./inputs.js";
export type { Exportable } from "./tracing.js";

export interface ExportOnnxOptions {
  /** Graph input names in order (default: the forward's parameter names). */
  inputNames?: string[];
  /** Graph output names in order (default: the keys of the returned object, or "output"). */
  outputNames?: string[];
  /**
   * Which axes of which inputs are dynamic, with their symbolic names: `{ query: { 0: "T", 1: "B" } }`.
   * Inputs not listed get the default (all axes but the last; every axis of ids, lengths and rank-1
   * inputs), sharing the symbol of an earlier axis of the same example size; `false` makes every
   * axis static. Symbols are named `input_axis` unless named here.
   */
  dynamicAxes?: DynamicAxes;
  /** Inputs (by name) to bake into the graph as constants instead (e.g. a fixed mask). */
  constants?: string[];
  /** Stored as the model's doc_string. */
  docString?: string;
}

/**
 * Exports `module.forward(...exampleInputs)` as an ONNX model (opset 17).
 *
 * @example
 * const mha = new MultiheadAttention({ embedDim: 16, numHeads: 4 });
 * const bytes = await exportOnnx(mha, [q, k, v]);        // inputs query, key, value; outputs output, weights
 * writeFileSync("mha.onnx", bytes);
 */
export async function exportOnnx(
  module: Exportable,
  exampleInputs: readonly unknown[],
  options: ExportOnnxOptions = {},
): Promise<Uint8Array> {
  return exportOnnxSync(module, exampleInputs, options);
}

/** `exportOnnx`, synchronously. */
export function exportOnnxSync(
  module: Exportable,
  exampleInputs: readonly unknown[],
  options: ExportOnnxOptions = {},
): Uint8Array {
  if (typeof module?.forward !== "function") throw new Error("exportOnnx: module has no forward method");
  const slots = graphInputSlots(module, exampleInputs, options);
  // One tensor passed as several arguments (self-attention x, x, x) becomes several inputs.
  const baseInputs = slots
    .map((s) => getAt([...exampleInputs], s.path))
    .map((t) => new Tensor(t.data, t.shape));
  const args = withTensors([...exampleInputs], slots, baseInputs);

  const wasTraining = module.training;
  module.train?.(false);
  try {
    const base = runTrace(module, args, slots, options.outputNames);
    const ids = indexTensors(base.nodes);
    const isIndex = (i: number) => ids.has(base.inputs[i]);
    const { symbols, axisSym } = assignSymbols(slots, baseInputs, isIndex, options.dynamicAxes);
    const grown = traceGrown(module, args, slots, baseInputs, symbols, axisSym, options.outputNames);
    const traces = [base, ...grown];
    checkSameOps(traces, symbols);
    const builder = new GraphBuilder(module, new SizeSolver(symbols), traces, slots, axisSym);
    return encodeModel(builder.build(), "0.1.0", options.docString ?? "");
  } finally {
    if (wasTraining !== undefined) module.train?.(wasTraining);
  }
}

/** The tensors among the arguments that become graph inputs (all but `constants`), checked against the options. */
function graphInputSlots(
  module: Exportable,
  args: readonly unknown[],
  options: ExportOnnxOptions,
): InputSlot[] {
  const names = options.inputNames ?? parameterNames(module.forward);
  const allSlots = findInputs([...args], names);
  const constantNames = new Set(options.constants ?? []);
  for (const c of constantNames) {
    if (!allSlots.some((s) => s.name === c)) {
      throw new Error(
        `exportOnnx: constants names "${c}", which is not an input (${allSlots.map((s) => s.name).join(", ")})`,
      );
    }
  }
  const slots = allSlots.filter((s) => !constantNames.has(s.name));
  if (options.inputNames && options.inputNames.length !== args.length) {
    throw new Error(
      `exportOnnx: inputNames has ${options.inputNames.length} names for ${args.length} arguments`,
    );
  }
  return slots;
}
