/**
 * Luong attention (Luong, Pham & Manning 2015, "Effective Approaches to Attention-based Neural
 * Machine Translation", §3.1, eqs. 7–9): the decoder state h_t attends over encoder states h̄_s,
 *   a_t(s) = softmax_s(score(h_t, h̄_s)),  c_t = Σ_s a_t(s) h̄_s,
 * with score dot, general, concat or location. A configuration of `attend` with
 * query = decoder state(s), keys = values = encoder states — the same computation as
 * scaled-dot self-attention with Q = s, K = V = h and scale 1, but over TWO sequences.
 *
 * Shapes: decoder (B, Dq) for one step or (B, T, Dq) for T steps; encoder (B, S, Dk).
 */
import { squeeze, type Tensor, unsqueeze } from "../tensor/index.js";
import { type AttentionResult, attend } from "./attend.js";
import type { AttentionMask } from "./masks.js";
import { concat, dot, general, location, type Score } from "./scores.js";

/** The score functions of Luong et al. 2015: dot, general (sᵀ W h), concat, location. */
export type LuongScoreName = "dot" | "general" | "concat" | "location";

/** Options of `luongAttention`: the score (dot, general, concat, location), its parameters, a mask. */
export interface LuongOptions {
  score?: LuongScoreName | Score;
  /** Parameters for general (weight), concat (weight, v[, bias]) and location (weight). */
  params?: { weight?: Tensor; v?: Tensor; bias?: Tensor };
  mask?: AttentionMask | null;
}

function luongScore(opts: LuongOptions): Score {
  const s = opts.score ?? "dot";
  if (typeof s !== "string") return s;
  const p = opts.params ?? {};
  const need = (name: "weight" | "v"): Tensor => {
    const t = p[name];
    if (!t) throw new Error(`luongAttention: score "${s}" needs params.${name}`);
    return t;
  };
  switch (s) {
    case "dot":
      return dot();
    case "general":
      return general({ weight: need("weight") });
    case "concat":
      return concat({ weight: need("weight"), v: need("v"), bias: p.bias });
    case "location":
      return location({ weight: need("weight") });
  }
}

/** One decoder step (B, Dq) or a block of steps (B, T, Dq) attending over encoder states (B, S, Dk). */
export function luongAttention(
  decoderState: Tensor,
  encoderStates: Tensor,
  opts: LuongOptions = {},
): AttentionResult {
  const oneStep = decoderState.rank === encoderStates.rank - 1;
  const q = oneStep ? unsqueeze(decoderState, -2) : decoderState;
  const r = attend(q, encoderStates, encoderStates, { score: luongScore(opts), mask: opts.mask });
  return oneStep ? { output: squeeze(r.output, -2), weights: squeeze(r.weights, -2) } : r;
}
