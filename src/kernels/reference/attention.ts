/**
 * Fused scaled-dot-product attention, reference version: the same numbers as the three steps
 * (score → softmax → weighted sum) but one query row at a time, so only a row of S scores is ever
 * held, and the log-sum-exp of each row is kept for the backward pass (Dao et al. 2022, FlashAttention;
 * Dao 2023, FlashAttention-2). Written to be read; the tiled, vectorised version is in
 * wasm/assembly/attention.ts. Arithmetic in float64, rounded to float32 where the three-step path
 * stores a tensor (scores, weights), so the forward output equals the three steps' exactly.
 *
 *   forward   s_ij = scale · q_i·k_j + bias_ij      (−∞ where masked)
 *             lse_i = log Σ_j exp(s_ij);  o_i = Σ_j exp(s_ij − lse_i) v_j
 *   backward  p_ij = exp(s_ij − lse_i)              (recomputed, never stored)
 *             D_i = dO_i · o_i;  dS_ij = p_ij (dO_i · v_j − D_i)
 *             dq_i = scale Σ_j dS_ij k_j;  dk_j = scale Σ_i dS_ij q_i;  dv_j = Σ_i p_ij dO_i
 * A row whose keys are all masked has lse = −∞, a zero output and zero gradients.
 */
import type { AttentionGrads, FusedAttentionParams } from "../contract.js";

const NEG_INF = Number.NEGATIVE_INFINITY;

/** Scores of query i of slice h against every key, into `row` (length s). */
function scoreRow(
  q: Float32Array,
  k: Float32Array,
  p: FusedAttentionParams,
  h: number,
  i: number,
  row: Float64Array,
): void {
  const { t, s, d, scale, causal, bias } = p;
  const qi = (h * t + i) * d;
  for (let j = 0; j < s; j++) {
    if (causal && j > i) {
      row[j] = NEG_INF;
      continue;
    }
    const kj = (h * s + j) * d;
    let dot = 0;
    for (let c = 0; c < d; c++) dot += q[qi + c] * k[kj + c];
    // Rounded to float32 like the three-step path's stored scores.
    let e = Math.fround(Math.fround(dot) * scale);
    if (bias) e = Math.fround(e + bias.data[bias.offsets[h] + i * bias.strides[0] + j * bias.strides[1]]);
    row[j] = e;
  }
}

export function attentionForward(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  p: FusedAttentionParams,
): { output: Float32Array; lse: Float32Array } {
  const { bh, t, s, dv } = p;
  const output = new Float32Array(bh * t * dv);
  const lse = new Float32Array(bh * t);
  const row = new Float64Array(s);
  const acc = new Float64Array(dv);
  for (let h = 0; h < bh; h++) {
    for (let i = 0; i < t; i++) {
      // 1. scores of query i
      scoreRow(q, k, p, h, i, row);
      let max = NEG_INF;
      for (let j = 0; j < s; j++) max = Math.max(max, row[j]);
      if (max === NEG_INF) {
        lse[h * t + i] = NEG_INF; // every key masked: zero output
        continue;
      }
      // 2. the softmax normaliser, kept as a log-sum-exp for the backward pass
      let sum = 0;
      for (let j = 0; j < s; j++) sum += Math.exp(row[j] - max);
      lse[h * t + i] = max + Math.log(sum);
      // 3. weighted sum of the values (weights rounded to float32, as the three steps store them)
      acc.fill(0);
      for (let j = 0; j < s; j++) {
        const w = Math.fround(Math.exp(row[j] - max) / sum);
        if (w === 0) continue;
        const vj = (h * s + j) * dv;
        for (let c = 0; c < dv; c++) acc[c] += w * v[vj + c];
      }
      output.set(acc, (h * t + i) * dv);
    }
  }
  return { output, lse };
}

export function attentionBackward(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  output: Float32Array,
  lse: Float32Array,
  dOutput: Float32Array,
  p: FusedAttentionParams,
): AttentionGrads {
  const { bh, t, s, d, dv, scale } = p;
  const dq = new Float64Array(bh * t * d);
  const dk = new Float64Array(bh * s * d);
  const dvAcc = new Float64Array(bh * s * dv);
  const row = new Float64Array(s);
  for (let h = 0; h < bh; h++) {
    for (let i = 0; i < t; i++) {
      const l = lse[h * t + i];
      if (l === NEG_INF) continue; // fully masked: no gradient
      const oi = (h * t + i) * dv;
      const qi = (h * t + i) * d;
      let D = 0;
      for (let c = 0; c < dv; c++) D += dOutput[oi + c] * output[oi + c];
      scoreRow(q, k, p, h, i, row);
      for (let j = 0; j < s; j++) {
        const pij = Math.exp(row[j] - l);
        if (pij === 0) continue;
        const kj = (h * s + j) * d;
        const vj = (h * s + j) * dv;
        let dP = 0;
        for (let c = 0; c < dv; c++) {
          dP += dOutput[oi + c] * v[vj + c];
          dvAcc[vj + c] += pij * dOutput[oi + c];
        }
        const dS = scale * pij * (dP - D);
        for (let c = 0; c < d; c++) {
          dq[qi + c] += dS * k[kj + c];
          dk[kj + c] += dS * q[qi + c];
        }
      }
    }
  }
  return { dq: Float32Array.from(dq), dk: Float32Array.from(dk), dv: Float32Array.from(dvAcc) };
}
