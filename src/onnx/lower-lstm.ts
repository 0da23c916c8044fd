/**
 * torch.nn.LSTM (an "lstm" composite node) as ONNX LSTM ops, one per layer. The weights are stacked
 * per direction and their gate blocks reordered from PyTorch's i, f, g, o to ONNX's i, o, f, c; the
 * two biases are concatenated (ONNX's B = [Wb; Rb]). Y (T, D, B, H) becomes the next layer's
 * (T, B, D·H) input; the initial state's rows l·D … (l+1)·D − 1 are layer l's; the final states of
 * all layers are concatenated. Batch-first inputs and outputs are transposed around it.
 */
import type { LstmModuleLike, Tensor } from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import type { GraphBuilder, Value } from "./graph-builder.js";
import type { Lowering } from "./lowering.js";
import { floatTensor } from "./proto.js";

/** Blocks of H rows: PyTorch i, f, g, o → ONNX i, o, f, c. */
function reorderGates(t: Tensor, H: number): Float32Array {
  const rowSize = t.size / (4 * H);
  const out = new Float32Array(t.size);
  [0, 3, 1, 2].forEach((src, dst) => {
    out.set(t.data.subarray(src * H * rowSize, (src + 1) * H * rowSize), dst * H * rowSize);
  });
  return out;
}

/** Layer l's W, R and (with biases) B initializers, named after the module's state-dict prefix. */
function layerWeights(g: GraphBuilder, m: LstmModuleLike, l: number): { w: string; r: string; b: string } {
  const H = m.hiddenSize;
  const D = m.bidirectional ? 2 : 1;
  const sfx = (d: number) => `_l${l}${d === 1 ? "_reverse" : ""}`;
  const stackParams = (kind: string) => {
    const ts = Array.from({ length: D }, (_, d) => m.param(`${kind}${sfx(d)}`));
    const data = new Float32Array(ts.reduce((s, t) => s + t.size, 0));
    ts.forEach((t, d) => {
      data.set(reorderGates(t, H), d * t.size);
    });
    return { data, shape: [D, ...ts[0].shape] };
  };
  const addInit = (hint: string, data: Float32Array, shape: number[]) => {
    const name = g.fresh(hint);
    g.initializers.push(floatTensor(name, shape, data));
    return name;
  };
  const prefix = g.paramName(m.param(`weight_ih${sfx(0)}`))?.replace(/weight_ih_l\d+$/, "") ?? "lstm.";
  const W = stackParams("weight_ih");
  const R = stackParams("weight_hh");
  const w = addInit(`${prefix}W_l${l}`, W.data, W.shape);
  const r = addInit(`${prefix}R_l${l}`, R.data, R.shape);
  let b = "";
  if (m.bias) {
    const bi = stackParams("bias_ih");
    const bh = stackParams("bias_hh");
    const data = new Float32Array(D * 8 * H);
    for (let d = 0; d < D; d++) {
      data.set(bi.data.subarray(d * 4 * H, (d + 1) * 4 * H), d * 8 * H);
      data.set(bh.data.subarray(d * 4 * H, (d + 1) * 4 * H), d * 8 * H + 4 * H);
    }
    b = addInit(`${prefix}B_l${l}`, data, [D, 8 * H]);
  }
  return { w, r, b };
}

export const lowerLstm: Lowering<"lstm"> = (g, n, i): Value[] => {
  const a = n.attrs;
  const m = a.lstm;
  const x0 = n.parents[0];
  if (x0.rank !== 3)
    throw new Error(`exportOnnx: LSTM export needs a batched input (rank 3), got ${fmt(x0.shape)}`);
  const H = m.hiddenSize;
  const D = m.bidirectional ? 2 : 1;
  let x = g.ref(x0, "float", { i, p: 0 });
  if (m.batchFirst) x = g.one("Transpose", [x], { perm: [1, 0, 2] });
  const h0 = a.state ? g.ref(n.parents[1], "float", { i, p: 1 }) : "";
  const c0 = a.state ? g.ref(n.parents[2], "float", { i, p: 2 }) : "";
  const lengths = a.lengths
    ? g.one("Cast", [g.ref(n.parents[n.parents.length - 1], "int64")], { to: 6 })
    : "";
  const hs: string[] = [];
  const cs: string[] = [];
  for (let l = 0; l < m.numLayers; l++) {
    const { w, r, b } = layerWeights(g, m, l);
    const rows = (s: string) =>
      s ? g.one("Slice", [s, g.constInts([l * D]), g.constInts([(l + 1) * D]), g.constInts([0])]) : "";
    const [y, yh, yc] = g.emit(
      "LSTM",
      [x, w, r, b, lengths, rows(h0), rows(c0)],
      { hidden_size: H, direction: D === 2 ? "bidirectional" : "forward" },
      3,
      `lstm_l${l}`,
    );
    // Y (T, D, B, H) → (T, B, D·H)
    x = g.one("Reshape", [g.one("Transpose", [y], { perm: [0, 2, 1, 3] }), g.constInts([0, 0, -1])]);
    hs.push(yh);
    cs.push(yc);
  }
  const output = m.batchFirst ? g.one("Transpose", [x], { perm: [1, 0, 2] }) : x;
  const cat = (xs: string[]) => (xs.length === 1 ? xs[0] : g.one("Concat", xs, { axis: 0 }));
  return [output, cat(hs), cat(cs)].map((name) => ({ name, type: "float" as const }));
};
