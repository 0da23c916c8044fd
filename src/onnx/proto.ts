/**
 * ONNX protobuf messages, written with protobufjs from the official schema (onnx.proto, compiled to a
 * JSON descriptor by scripts/build-onnx-proto.ts). Field names are the .proto's (snake_case).
 * Only what the exporter needs: tensors (raw little-endian data), value infos, nodes, the model.
 */
import protobuf from "protobufjs/light.js";
import { ONNX_DESCRIPTOR } from "./onnx-proto.generated.js";

const root = protobuf.Root.fromJSON(ONNX_DESCRIPTOR as protobuf.INamespace);
const ModelProto = root.lookupType("onnx.ModelProto");

/** TensorProto.DataType values used here. */
export const DType = { float: 1, int32: 6, int64: 7, bool: 9 } as const;
export type DTypeName = keyof typeof DType;

/** AttributeProto.AttributeType values. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, INTS: 7 } as const;

export interface TensorMsg {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

/** A TensorProto from float32 values. */
export function floatTensor(name: string, dims: readonly number[], data: Float32Array): TensorMsg {
  const copy = Float32Array.from(data); // little-endian on every platform JS runs on
  return { name, dims: [...dims], data_type: DType.float, raw_data: new Uint8Array(copy.buffer) };
}

/** A TensorProto from integers, as int64 (or int32). */
export function intTensor(
  name: string,
  dims: readonly number[],
  data: ArrayLike<number>,
  type: "int64" | "int32" = "int64",
): TensorMsg {
  const arr =
    type === "int64"
      ? BigInt64Array.from(Array.from(data, (v) => BigInt(v)))
      : Int32Array.from(Array.from(data));
  return { name, dims: [...dims], data_type: DType[type], raw_data: new Uint8Array(arr.buffer) };
}

/** A dimension: a size, a symbolic name (dynamic axis), or unknown. */
export type Dim = number | string | null;

export function valueInfo(name: string, type: DTypeName, dims: readonly Dim[]) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: DType[type],
        shape: {
          dim: dims.map((d) =>
            typeof d === "number" ? { dim_value: d } : d === null ? {} : { dim_param: d },
          ),
        },
      },
    },
  };
}

export type AttrValue = number | string | number[] | { float: number } | TensorMsg;

/** An AttributeProto; integers are INT, `{ float }` is FLOAT, arrays are INTS. */
function attribute(name: string, v: AttrValue) {
  if (typeof v === "number") return { name, type: AttrType.INT, i: v };
  if (typeof v === "string") return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  if ("float" in v) return { name, type: AttrType.FLOAT, f: v.float };
  return { name, type: AttrType.TENSOR, t: v };
}

/** The opset-17 operators the exporter writes (a misspelt op_type is a type error). */
export type OnnxOp =
  | "Abs"
  | "Add"
  | "Cast"
  | "Concat"
  | "ConstantOfShape"
  | "Cos"
  | "Div"
  | "Erf"
  | "Exp"
  | "Expand"
  | "Gather"
  | "Greater"
  | "GreaterOrEqual"
  | "Identity"
  | "LSTM"
  | "Log"
  | "LogSoftmax"
  | "MatMul"
  | "Max"
  | "Min"
  | "Mul"
  | "Neg"
  | "Pow"
  | "Range"
  | "ReduceMax"
  | "ReduceMin"
  | "ReduceSum"
  | "Relu"
  | "Reshape"
  | "Shape"
  | "Sigmoid"
  | "Sin"
  | "Slice"
  | "Softmax"
  | "Sqrt"
  | "Squeeze"
  | "Sub"
  | "Tanh"
  | "Transpose"
  | "Unsqueeze"
  | "Where";

export interface NodeMsg {
  op_type: string;
  input: string[];
  output: string[];
  name: string;
  attribute: ReturnType<typeof attribute>[];
}

export function node(
  opType: OnnxOp,
  inputs: string[],
  outputs: string[],
  name: string,
  attrs: Record<string, AttrValue> = {},
): NodeMsg {
  return {
    op_type: opType,
    input: inputs,
    output: outputs,
    name,
    attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  };
}

export interface GraphMsg {
  name: string;
  node: NodeMsg[];
  initializer: TensorMsg[];
  input: ReturnType<typeof valueInfo>[];
  output: ReturnType<typeof valueInfo>[];
}

/** ONNX opset of the exported models, and the IR version that goes with it. */
export const OPSET = 17;
const IR_VERSION = 8;

/** Serialises a ModelProto. */
export function encodeModel(graph: GraphMsg, producerVersion: string, docString = ""): Uint8Array {
  const model = ModelProto.fromObject({
    ir_version: IR_VERSION,
    producer_name: "qkv",
    producer_version: producerVersion,
    doc_string: docString,
    opset_import: [{ domain: "", version: OPSET }],
    graph,
  });
  const bytes = ModelProto.encode(model).finish();
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Parses a ModelProto back into a plain object (for tests and tools). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: Array, defaults: false });
}
