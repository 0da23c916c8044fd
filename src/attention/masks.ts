/**
 * Attention masks with ONE meaning: a mask says which keys each query is ALLOWED to attend to.
 *
 * Internally every mask becomes an additive bias on the scores, e_ij + m_ij, with m_ij = 0 where
 * allowed and −∞ where not (a float bias is added as given, as in "Attention Is All You Need",
 * Vaswani et al. 2017, §3.2.3). A query whose keys are all disallowed gets zero weights, a zero
 * output and a zero gradient — never NaN (the softmax kernels guarantee it).
 *
 * Constructors: `paddingMask(lengths)`, `causalMask()`, `maskFromAllowed(allowed)`,
 * `additiveMask(bias)`, `combineMasks(...)` / `mask.and(other)`.
 * PyTorch's boolean masks mean the opposite (True = IGNORE); they enter only through the adapters
 * whose names say so: `fromTorchBoolMask`, `fromTorchKeyPaddingMask`, `fromTorchAttnMask`.
 */
import {
  add,
  isTracing,
  type NestedArray,
  record,
  reshape,
  type Shape,
  Tensor,
  tensor,
} from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";

type Part =
  | { kind: "padding"; lengths: readonly number[] }
  | { kind: "lengths"; lengths: Tensor }
  | { kind: "causal"; diagonal: number }
  | { kind: "keyBias"; bias: Tensor }
  | { kind: "bias"; bias: Tensor }
  | { kind: "torchAttn"; bias: Tensor };

const NEG_INF = Number.NEGATIVE_INFINITY;

/**
 * Which keys each query may attend to, or a float bias added to the scores; masks combine with
 * `and`. Made by `causalMask()`, `paddingMask(lengths)`, `maskFromAllowed`, `additiveMask` and the
 * `fromTorch…` converters (PyTorch's masks say what is NOT allowed).
 */
export class AttentionMask {
  private constructor(readonly parts: readonly Part[]) {}

  /** @internal */
  static of(part: Part): AttentionMask {
    return new AttentionMask([part]);
  }

  /** True when a part of the bias is a tensor that requires grad (a learned bias). */
  get isLearned(): boolean {
    return this.parts.some((p) => "bias" in p && p.bias.requiresGrad);
  }

  /** Both masks at once: a key is allowed only where both allow it (biases add). */
  and(other: AttentionMask | null | undefined): AttentionMask {
    return other ? new AttentionMask([...this.parts, ...other.parts]) : this;
  }

  /** True when the mask is purely causal (lets a fused kernel use its built-in causal path). */
  get isCausalOnly(): boolean {
    return this.parts.length === 1 && this.parts[0].kind === "causal" && this.parts[0].diagonal === 0;
  }

  /**
   * The additive bias for scores of shape (…, T, S): a tensor broadcastable to `scoreShape`.
   * Batch-indexed parts (padding lengths) align with the FIRST score dimension; matrices align
   * with the trailing (T, S) dimensions, like NumPy broadcasting.
   */
  biasFor(op: string, scoreShape: Shape): Tensor {
    const rank = scoreShape.length;
    const T = scoreShape[rank - 2];
    const S = scoreShape[rank - 1];
    // The parts add up through autograd ops, so a learned bias (relative positions, ALiBi slopes) gets
    // its gradient; constant parts (padding, causal) are plain tensors that need none. Masks built from
    // tensors stay connected to them while tracing (masks as inputs of an exported graph).
    let total = null as Tensor | null;
    const acc = (b: Tensor) => {
      total = total ? add(total, b) : b;
    };
    for (const p of this.parts) {
      if (p.kind === "lengths") {
        const B = p.lengths.size;
        if (rank < 3 || scoreShape[0] !== B || p.lengths.rank !== 1) {
          throw new Error(
            `${op}: padding mask has lengths of shape ${fmt(p.lengths.shape)} but the scores have shape ${fmt(scoreShape)} (batch first)`,
          );
        }
        const data = new Float32Array(B * S);
        p.lengths.data.forEach((len, b) => {
          if (!Number.isInteger(len) || len < 0 || len > S) {
            throw new Error(
              `${op}: padding length ${len} (batch ${b}) is outside [0, ${S}] for keys of length ${S}`,
            );
          }
          for (let j = len; j < S; j++) data[b * S + j] = NEG_INF;
        });
        const shape = [B, ...Array(rank - 2).fill(1), S];
        acc(record(tensor(data, shape), "lengthMask", [p.lengths], () => [null], { shape }));
      } else if (p.kind === "padding") {
        const B = p.lengths.length;
        if (rank < 3 || scoreShape[0] !== B) {
          throw new Error(
            `${op}: padding mask has ${B} lengths but the scores have shape ${fmt(scoreShape)} (batch first)`,
          );
        }
        const data = new Float32Array(B * S);
        p.lengths.forEach((len, b) => {
          if (!Number.isInteger(len) || len < 0 || len > S) {
            throw new Error(
              `${op}: padding length ${len} (batch ${b}) is outside [0, ${S}] for keys of length ${S}`,
            );
          }
          for (let j = len; j < S; j++) data[b * S + j] = NEG_INF;
        });
        acc(tensor(data, [B, ...Array(rank - 2).fill(1), S]));
      } else if (p.kind === "keyBias") {
        const [B, S2] = p.bias.shape;
        if (rank < 3 || scoreShape[0] !== B || S2 !== S) {
          throw new Error(
            `${op}: key padding mask ${fmt(p.bias.shape)} does not match scores ${fmt(scoreShape)} (needs (B, S))`,
          );
        }
        acc(reshape(p.bias, [B, ...Array(rank - 2).fill(1), S]));
      } else if (p.kind === "causal") {
        const data = new Float32Array(T * S);
        for (let i = 0; i < T; i++) for (let j = i + p.diagonal + 1; j < S; j++) data[i * S + j] = NEG_INF;
        acc(
          record(tensor(data, [T, S]), "causalMask", [], () => [], { shape: [T, S], diagonal: p.diagonal }),
        );
      } else {
        let b = p.bias;
        if (
          p.kind === "torchAttn" &&
          b.rank === 3 &&
          rank === 4 &&
          b.shape[0] === scoreShape[0] * scoreShape[1]
        ) {
          b = reshape(b, scoreShape); // PyTorch's (B·H, T, S) layout → (B, H, T, S)
        }
        const ok =
          b.rank <= rank &&
          b.shape.every((d, i) => {
            const s = scoreShape[rank - b.rank + i];
            return d === s || d === 1;
          });
        if (!ok)
          throw new Error(
            `${op}: mask of shape ${fmt(b.shape)} does not broadcast to scores ${fmt(scoreShape)}`,
          );
        acc(b);
      }
    }
    return total ?? tensor(new Float32Array(1), []);
  }
}

/**
 * Keys j ≥ lengths[b] of batch element b are padding and not allowed. Broadcasts over queries and
 * heads. `lengths` may be a tensor (B) of integers, e.g. an input of an exported graph.
 */
export function paddingMask(lengths: readonly number[] | Tensor): AttentionMask {
  if (lengths instanceof Tensor) return AttentionMask.of({ kind: "lengths", lengths });
  return AttentionMask.of({ kind: "padding", lengths: [...lengths] });
}

/**
 * Query i may attend to keys j ≤ i + diagonal (top-left aligned, as `torch.tril(ones(T, S))`);
 * the default diagonal 0 is the decoder's "no peeking ahead" mask.
 */
export function causalMask(diagonal = 0): AttentionMask {
  return AttentionMask.of({ kind: "causal", diagonal });
}

function toTensor(x: Tensor | NestedArray): Tensor {
  return x instanceof Tensor ? x : tensor(x);
}

/** From a matrix of allowed flags (true/1 = may attend), shape (T, S), (B, T, S) or (B, H, T, S). */
export function maskFromAllowed(allowed: Tensor | boolean[][] | boolean[][][] | NestedArray): AttentionMask {
  const t = toTensor(mapBools(allowed));
  const bias = new Float32Array(t.size);
  for (let i = 0; i < t.size; i++) bias[i] = t.data[i] !== 0 ? 0 : NEG_INF;
  return AttentionMask.of({ kind: "bias", bias: tensor(bias, t.shape) });
}

/**
 * A float bias added to the scores as given (e.g. ALiBi, relative positions, or −1e9 style masks). The
 * bias is differentiable: a bias tensor that requires grad (a learned relative-position bias) receives
 * its gradient through `attend` (the fused kernel does not differentiate its bias, so
 * `scaledDotProductAttention` takes the three-step path for such a mask).
 */
export function additiveMask(bias: Tensor | NestedArray): AttentionMask {
  return AttentionMask.of({ kind: "bias", bias: toTensor(bias) });
}

/** All masks at once (a key is allowed only where every mask allows it). */
export function combineMasks(...masks: (AttentionMask | null | undefined)[]): AttentionMask | null {
  let out: AttentionMask | null = null;
  for (const m of masks) if (m) out = out ? out.and(m) : m;
  return out;
}

function mapBools(x: unknown): Tensor | NestedArray {
  if (x instanceof Tensor) return x;
  if (typeof x === "boolean") return x ? 1 : 0;
  if (Array.isArray(x)) return x.map(mapBools) as NestedArray;
  return x as NestedArray;
}

/** ADAPTER for PyTorch boolean masks, where True (non-zero) means IGNORE this key. */
export function fromTorchBoolMask(ignore: Tensor | boolean[][] | boolean[][][] | NestedArray): AttentionMask {
  const t = toTensor(mapBools(ignore));
  const bias = new Float32Array(t.size);
  for (let i = 0; i < t.size; i++) bias[i] = t.data[i] !== 0 ? NEG_INF : 0;
  return AttentionMask.of({ kind: "torchAttn", bias: tensor(bias, t.shape) });
}

/**
 * ADAPTER for PyTorch's `key_padding_mask` (B, S), True = IGNORE (a padded key). Broadcasts over
 * queries and heads.
 */
export function fromTorchKeyPaddingMask(ignore: Tensor | boolean[][] | NestedArray): AttentionMask {
  const t = toTensor(mapBools(ignore));
  if (t.rank !== 2) throw new Error(`fromTorchKeyPaddingMask: expected shape (B, S), got ${fmt(t.shape)}`);
  const bias = new Float32Array(t.size);
  for (let i = 0; i < t.size; i++) bias[i] = t.data[i] !== 0 ? NEG_INF : 0;
  return AttentionMask.of({ kind: "keyBias", bias: tensor(bias, t.shape) });
}

/**
 * ADAPTER for PyTorch's `attn_mask`: a boolean mask (True = IGNORE) or a float mask (added), of shape
 * (T, S) or (B·H, T, S) as `nn.MultiheadAttention` takes it.
 */
export function fromTorchAttnMask(mask: Tensor, dtype: "bool" | "float"): AttentionMask {
  if (dtype === "bool") return fromTorchBoolMask(mask);
  return AttentionMask.of({ kind: "torchAttn", bias: mask });
}

/**
 * Sliding-window attention (Beltagy et al. 2020, "Longformer"; Mistral 7B, Jiang et al. 2023): query i,
 * at absolute position p_i = offset + i, sees only the keys j within `window` positions of it,
 *   causal:  p_i − window < j ≤ p_i   (a decoder: the last `window` positions, itself included)
 *   band:    |p_i − j| < window       (an encoder: a symmetric band of 2·window − 1 positions)
 * Keys are at positions 0 … S − 1 and the queries, by default, are the last T of them (offset = S − T),
 * as in incremental decoding where the keys include the cached past. Shape (T, S).
 */
export function slidingWindowMask(
  window: number,
  queryLength: number,
  keyLength: number,
  { causal = true, offset = keyLength - queryLength }: { causal?: boolean; offset?: number } = {},
): AttentionMask {
  const T = queryLength;
  const S = keyLength;
  if (!Number.isInteger(window) || window < 1) {
    throw new Error(`slidingWindowMask: window must be an integer ≥ 1, got ${window}`);
  }
  if (!Number.isInteger(T) || !Number.isInteger(S) || T < 0 || S < 0 || !Number.isInteger(offset)) {
    throw new Error(
      `slidingWindowMask: queryLength (${T}), keyLength (${S}) and offset (${offset}) must be integers ≥ 0`,
    );
  }
  const bias = new Float32Array(T * S);
  for (let i = 0; i < T; i++) {
    const p = offset + i;
    for (let j = 0; j < S; j++) {
      const inside = causal ? j <= p && j > p - window : Math.abs(p - j) < window;
      if (!inside) bias[i * S + j] = NEG_INF;
    }
  }
  return AttentionMask.of({ kind: "bias", bias: tensor(bias, [T, S]) });
}
