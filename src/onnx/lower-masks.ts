/**
 * Lowerings of the tables an op builds for its own size, computed in the graph so the size can differ
 * from the traced one: the padding mask of lengths, the causal mask, the sinusoidal positions.
 */
import type { GradNodeOf } from "../tensor/index.js";
import type { GraphBuilder } from "./graph-builder.js";
import { floatTensor } from "./proto.js";

/** bias[b, 1…, j] = 0 where j < lengths[b], else −∞. */
export function lowerLengthMask(g: GraphBuilder, i: number, lengths: string): string {
  const shape = g.attrInts(i, "shape", "lengthMask");
  const S = g.scalarOf(g.intValue(shape[shape.length - 1]));
  const j = g.one("Range", [g.constInts([0], []), S, g.constInts([1], [])]); // (S)
  const len = g.one("Unsqueeze", [lengths, g.constInts([1])]); // (B, 1)
  const masked = g.one("GreaterOrEqual", [j, len]); // (B, S)
  let bias = g.whereBias(masked);
  if (shape.length > 2)
    bias = g.one("Unsqueeze", [bias, g.constInts([...Array(shape.length - 2).keys()].map((k) => k + 1))]);
  return bias;
}

/** bias[i, j] = −∞ where j > i + diagonal, else 0. */
export function lowerCausalMask(g: GraphBuilder, i: number): string {
  const [T, S] = g.attrInts(i, "shape", "causalMask");
  const diagonal = g.intValue(g.attrInt(i, ".diagonal", "causalMask"));
  const rows = g.one("Range", [g.constInts([0], []), g.scalarOf(g.intValue(T)), g.constInts([1], [])]);
  const cols = g.one("Range", [g.constInts([0], []), g.scalarOf(g.intValue(S)), g.constInts([1], [])]);
  const limit = g.one("Unsqueeze", [g.one("Add", [rows, diagonal]), g.constInts([1])]); // (T, 1)
  return g.whereBias(g.one("Greater", [cols, limit]));
}

/**
 * The (T, d) sinusoidal table at positions p = offset … offset + T − 1 (Vaswani et al. 2017, §3.5),
 * computed in the graph for its own T: PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(…).
 */
export function lowerSinusoidalEncoding(
  g: GraphBuilder,
  n: GradNodeOf<"sinusoidalEncoding">,
  i: number,
): string {
  const op = "sinusoidalEncoding";
  const d = n.attrs.shape[1];
  const T = g.scalarOf(g.intValue(g.attrInt(i, ".shape[0]", op)));
  const start = g.scalarOf(g.intValue(g.attrInt(i, ".offset", op)));
  const end = g.one("Add", [start, T]);
  const pos = g.one("Range", [start, end, g.constInts([1], [])]); // (T)
  const p = g.one("Unsqueeze", [g.one("Cast", [pos], { to: 1 }), g.constInts([1])]); // (T, 1)
  const denom = new Float32Array(d);
  const even = new Float32Array(d);
  for (let k = 0; k < d; k++) {
    denom[k] = 10000 ** ((2 * Math.floor(k / 2)) / d);
    even[k] = k % 2 === 0 ? 1 : 0;
  }
  const dn = g.fresh("pe_denominator");
  const ev = g.fresh("pe_even");
  g.initializers.push(floatTensor(dn, [d], denom), floatTensor(ev, [d], even));
  const angle = g.one("Div", [p, dn]); // (T, d)
  const isEven = g.one("Cast", [ev], { to: 9 });
  return g.one("Where", [isEven, g.one("Sin", [angle]), g.one("Cos", [angle])]);
}
