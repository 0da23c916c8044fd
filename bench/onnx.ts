/**
 * A minimal ONNX writer/reader: the protobuf wire format by hand (varints and length-delimited
 * fields), enough to build the attention graph for onnxruntime and to list the op types of the graph
 * it optimised. Field numbers are from onnx/onnx.proto (ModelProto, GraphProto, NodeProto, ...).
 *
 *   Q (B,H,N,d), K (B,H,N,d), V (B,H,N,d)
 *   Kt = Transpose(K, perm=[0,1,3,2])      (B,H,d,N)
 *   S  = MatMul(Q, Kt)                     (B,H,N,N)
 *   Ss = Mul(S, scale)                     scale = 1/√d, a scalar initializer
 *   P  = Softmax(Ss, axis=-1)
 *   O  = MatMul(P, V)                      (B,H,N,d)
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

/** Appends protobuf fields to a growing byte list. */
class Writer {
  private readonly bytes: number[] = [];

  private varint(v: number): void {
    let n = BigInt.asUintN(64, BigInt(v));
    while (n >= 0x80n) {
      this.bytes.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.bytes.push(Number(n));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number): this {
    this.tag(field, WIRE_VARINT);
    this.varint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(new Float32Array([v]).buffer);
    this.bytes.push(...b);
    return this;
  }

  bytesField(field: number, data: Uint8Array): this {
    this.tag(field, WIRE_BYTES);
    this.varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }

  message(field: number, m: Writer): this {
    return this.bytesField(field, m.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const ONNX_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

/** ValueInfoProto for a float tensor of fixed shape. */
function valueInfo(name: string, shape: readonly number[]): Writer {
  const dims = new Writer();
  for (const d of shape) dims.message(1, new Writer().int(1, d)); // TensorShapeProto.dim.dim_value
  const tensorType = new Writer().int(1, ONNX_FLOAT).message(2, dims); // TypeProto.Tensor
  return new Writer().string(1, name).message(2, new Writer().message(1, tensorType));
}

function node(op: string, inputs: string[], outputs: string[], attrs: Writer[] = []): Writer {
  const n = new Writer();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, `${op.toLowerCase()}_${outputs[0]}`).string(4, op);
  for (const a of attrs) n.message(5, a);
  return n;
}

const intAttr = (name: string, v: number) => new Writer().string(1, name).int(3, v).int(20, ATTR_INT);

function intsAttr(name: string, vs: number[]): Writer {
  const a = new Writer().string(1, name);
  for (const v of vs) a.int(8, v);
  return a.int(20, ATTR_INTS);
}

/** The attention graph above as ModelProto bytes (IR 8, opset 17), for a fixed (B, H, N, d). */
export function attentionModel(shape: readonly [number, number, number, number]): Uint8Array {
  const [B, H, N, d] = shape;
  const scale = new Writer()
    .int(2, ONNX_FLOAT) // TensorProto.data_type (a scalar: no dims)
    .float(4, 1 / Math.sqrt(d)) // float_data
    .string(8, "scale");
  const graph = new Writer()
    .message(1, node("Transpose", ["K"], ["Kt"], [intsAttr("perm", [0, 1, 3, 2])]))
    .message(1, node("MatMul", ["Q", "Kt"], ["S"]))
    .message(1, node("Mul", ["S", "scale"], ["Ss"]))
    .message(1, node("Softmax", ["Ss"], ["P"], [intAttr("axis", -1)]))
    .message(1, node("MatMul", ["P", "V"], ["O"]))
    .string(2, "attention")
    .message(5, scale)
    .message(11, valueInfo("Q", [B, H, N, d]))
    .message(11, valueInfo("K", [B, H, N, d]))
    .message(11, valueInfo("V", [B, H, N, d]))
    .message(12, valueInfo("O", [B, H, N, d]));
  return new Writer()
    .int(1, 8) // ir_version
    .string(2, "qkv-bench")
    .message(7, graph)
    .message(8, new Writer().string(1, "").int(2, 17)) // opset_import
    .finish();
}

/** Fields of one protobuf message: field number → raw values (numbers, or bytes for wire type 2). */
function readFields(buf: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const out = new Map<number, (number | Uint8Array)[]>();
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = buf[pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    let value: number | Uint8Array;
    if (wire === WIRE_VARINT) value = varint();
    else if (wire === WIRE_FIXED64) {
      value = 0;
      pos += 8;
    } else if (wire === WIRE_FIXED32) {
      value = 0;
      pos += 4;
    } else if (wire === WIRE_BYTES) {
      const len = varint();
      value = buf.subarray(pos, pos + len);
      pos += len;
    } else throw new Error(`readFields: unsupported wire type ${wire}`);
    const list = out.get(field) ?? [];
    list.push(value);
    out.set(field, list);
  }
  return out;
}

/** The op types of a serialized model's graph, in order, as "domain:Op" for non-default domains. */
export function modelOpTypes(model: Uint8Array): string[] {
  const graph = readFields(model).get(7)?.[0];
  if (!(graph instanceof Uint8Array)) return [];
  const dec = new TextDecoder();
  return (readFields(graph).get(1) ?? []).map((n) => {
    const f = readFields(n as Uint8Array);
    const op = dec.decode(f.get(4)?.[0] as Uint8Array);
    const domain = f.get(7)?.[0];
    return domain instanceof Uint8Array && domain.length ? `${dec.decode(domain)}:${op}` : op;
  });
}
