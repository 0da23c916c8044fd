/**
 * Score functions — step 1 of attention, e_ij = score(q_i, k_j).
 *
 * Every score maps queries (…, T, Dq) and keys (…, S, Dk) to scores (…, T, S):
 *   dot        e = qᵀk                                   Luong et al. 2015, eq. 8 ("dot")
 *   scaledDot  e = qᵀk · scale, scale = 1/√d_k           Vaswani et al. 2017, eq. 1
 *   general    e = qᵀ W k,            W (Dq, Dk)         Luong et al. 2015, eq. 8 ("general")
 *   concat     e = vᵀ tanh(W [q; k]),  W (A, Dq+Dk)      Luong et al. 2015, eq. 8 ("concat")
 *   additive   e = vᵀ tanh(W₁ q + W₂ k + b)             Bahdanau et al. 2014, eq. 6 / App. A.1.2
 *   location   e = (W q)_j,            W (S_max, Dq)     Luong et al. 2015, eq. 9 ("location")
 * Leading dimensions broadcast, so the same functions serve (T, D), (B, T, D) and (B, H, T, D).
 *
 * @module
 */
import { add, linear, matmul, matmulT, mul, slice, type Tensor, tanh, unsqueeze } from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";

/** A score function e(q, k) and its parameters: what `attend` combines with softmax and the values. */
export interface Score {
  /** The paper's name of the score ("dot", "general", …; a score defined elsewhere names itself). */
  readonly name: "dot" | "scaledDot" | "general" | "concat" | "additive" | "location" | (string & {});
  /** Learnable parameters of the score (empty for dot and scaled dot). */
  readonly params: Readonly<Record<string, Tensor>>;
  /** Scores (…, T, S) for queries (…, T, Dq) and keys (…, S, Dk). */
  compute(query: Tensor, keys: Tensor): Tensor;
}

function lastDim(t: Tensor): number {
  return t.shape[t.rank - 1];
}

function checkDims(name: string, query: Tensor, keys: Tensor, dq: number, dk: number): void {
  if (lastDim(query) !== dq || lastDim(keys) !== dk) {
    throw new Error(
      `${name} score: expected query (…, T, ${dq}) and keys (…, S, ${dk}), got ${fmt(query.shape)} and ${fmt(keys.shape)}`,
    );
  }
}

/** e = qᵀk (Luong "dot"). Query and key dimensions must agree. */
export function dot(): Score {
  return {
    name: "dot",
    params: {},
    compute(query, keys) {
      checkDims("dot", query, keys, lastDim(query), lastDim(query));
      return matmulT(query, keys, false, true);
    },
  };
}

/** e = qᵀk · scale, scale defaults to 1/√d_k (Vaswani et al. 2017). */
export function scaledDot(scale?: number): Score {
  return {
    name: "scaledDot",
    params: {},
    compute(query, keys) {
      checkDims("scaledDot", query, keys, lastDim(query), lastDim(query));
      const s = scale ?? 1 / Math.sqrt(lastDim(keys));
      return mul(matmulT(query, keys, false, true), s);
    },
  };
}

/** e = qᵀ W k with W of shape (Dq, Dk) (Luong "general"). */
export function general(params: { weight: Tensor }): Score {
  const { weight } = params;
  return {
    name: "general",
    params: { weight },
    compute(query, keys) {
      checkDims("general", query, keys, weight.shape[0], weight.shape[1]);
      const wk = linear(keys, weight); // (…, S, Dq) = k Wᵀ
      return matmulT(query, wk, false, true); // (…, T, S)
    },
  };
}

/** Shared by concat and additive: vᵀ tanh(qa_i + ka_j), qa (…, T, A), ka (…, S, A) → (…, T, S). */
function tanhMlp(qa: Tensor, ka: Tensor, v: Tensor): Tensor {
  const h = tanh(add(unsqueeze(qa, -2), unsqueeze(ka, -3))); // (…, T, S, A)
  return matmul(h, v); // (…, T, S)
}

/**
 * e = vᵀ tanh(W [q; k] + b) with W (A, Dq+Dk) (Luong "concat"). Computed as W_q q + W_k k with
 * W = [W_q | W_k], which is the same number without building the (T·S, Dq+Dk) concatenation.
 */
export function concat(params: { weight: Tensor; v: Tensor; bias?: Tensor }): Score {
  const { weight, v, bias } = params;
  return {
    name: "concat",
    params: bias ? { weight, v, bias } : { weight, v },
    compute(query, keys) {
      const dq = lastDim(query);
      const dk = lastDim(keys);
      if (weight.shape[1] !== dq + dk) {
        throw new Error(
          `concat score: W ${fmt(weight.shape)} needs Dq + Dk = ${weight.shape[1]} columns, got query ${fmt(query.shape)} and keys ${fmt(keys.shape)}`,
        );
      }
      const wq = slice(weight, 1, 0, dq);
      const wk = slice(weight, 1, dq);
      return tanhMlp(linear(query, wq), linear(keys, wk, bias), v);
    },
  };
}

/** e = vᵀ tanh(W₁ q + W₂ k + b) (Bahdanau "additive"); W₁ (A, Dq), W₂ (A, Dk), v (A). */
export function additive(params: { wQuery: Tensor; wKey: Tensor; v: Tensor; bias?: Tensor }): Score {
  const { wQuery, wKey, v, bias } = params;
  return {
    name: "additive",
    params: bias ? { wQuery, wKey, v, bias } : { wQuery, wKey, v },
    compute(query, keys) {
      checkDims("additive", query, keys, wQuery.shape[1], wKey.shape[1]);
      return tanhMlp(linear(query, wQuery), linear(keys, wKey, bias), v);
    },
  };
}

/**
 * e_ij = (W q_i)_j with W (S_max, Dq) (Luong "location"): scores from the query alone, one per
 * source position; keys only fix S ≤ S_max.
 */
export function location(params: { weight: Tensor }): Score {
  const { weight } = params;
  return {
    name: "location",
    params: { weight },
    compute(query, keys) {
      const S = keys.shape[keys.rank - 2];
      if (lastDim(query) !== weight.shape[1] || S > weight.shape[0]) {
        throw new Error(
          `location score: W ${fmt(weight.shape)} needs query (…, T, ${weight.shape[1]}) and at most ${weight.shape[0]} keys, got ${fmt(query.shape)} and ${fmt(keys.shape)}`,
        );
      }
      return slice(linear(query, weight), -1, 0, S);
    },
  };
}

/**
 * The additive score with its key half computed once per source sequence:
 *   e = vᵀ tanh(W₁ q + k′),  k′ = W₂ k + b  (the caller passes k′ as the keys).
 * The same number as `additive` (and, with W = [W₁ | W₂], as `concat`), grouped so that a decoder
 * pays for W₂ k once per sentence instead of once per output step (Bahdanau et al. 2014, App. A.1.2
 * note this precomputation).
 */
export function additiveProjected(params: { wQuery: Tensor; v: Tensor }): Score {
  const { wQuery, v } = params;
  return {
    name: "additive",
    params: { wQuery, v },
    compute(query, projectedKeys) {
      checkDims("additive (projected keys)", query, projectedKeys, wQuery.shape[1], wQuery.shape[0]);
      return tanhMlp(linear(query, wQuery), projectedKeys, v);
    },
  };
}
