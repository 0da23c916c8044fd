/**
 * The fused Transformer layer kernels in plain TypeScript (the contract's `linearRows`,
 * `decoderLayerStep` and `encoderLayer`, src/kernels/contract.ts): the reference backend's, and what
 * the model runs where the active backend has none of its own (wasm). Sums in float64 JS numbers, stored as float32
 * at the same points as the native kernel (native/src/kernels.inc), which must agree with it.
 */
import type { DecoderLayerStepParams, EncoderLayerParams } from "../contract.js";
import { erf } from "./erf.js";

/** out (rows × M) = x (rows × K) · Wᵀ + b, W (M × K) as a Linear stores it. */
export function linearRows(
  x: Float32Array,
  rows: number,
  K: number,
  w: Float32Array,
  M: number,
  b: Float32Array | null,
  out: Float32Array,
): void {
  for (let n = 0; n < rows; n++) {
    const xo = n * K;
    for (let j = 0; j < M; j++) {
      const wo = j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += x[xo + k] * w[wo + k];
      out[n * M + j] = s + (b ? b[j] : 0);
    }
  }
}

/** layerNorm (nn/layer-norm.ts) of every row of src (rows × d) into dst. */
export function layerNormRows(
  src: Float32Array,
  rows: number,
  d: number,
  g: Float32Array,
  be: Float32Array,
  eps: number,
  dst: Float32Array,
): void {
  for (let n = 0; n < rows; n++) normRow(src, n, d, g, be, eps, dst);
}

/** layerNorm (nn/layer-norm.ts) of row `n` of src (… × d) into dst. */
function normRow(
  src: Float32Array,
  n: number,
  d: number,
  g: Float32Array,
  be: Float32Array,
  eps: number,
  dst: Float32Array,
): void {
  const o = n * d;
  let m = 0;
  for (let i = 0; i < d; i++) m += src[o + i];
  const mean = Math.fround(m / d);
  let v = 0;
  for (let i = 0; i < d; i++) {
    const c = Math.fround(src[o + i] - mean);
    v += Math.fround(c * c);
  }
  const sd = Math.fround(Math.sqrt(Math.fround(Math.fround(v / d) + eps)));
  for (let i = 0; i < d; i++) dst[o + i] = ((src[o + i] - mean) / sd) * g[i] + be[i];
}

/**
 * softmax(scale · q·k_j) over the n keys of K (from `ko`, `ks` apart; dh by default), then Σ_j p_j v_j
 * (V as K) into out[oo …]; the probabilities are left in p.
 */
function attendRow(
  q: Float32Array,
  qo: number,
  K: Float32Array,
  V: Float32Array,
  ko: number,
  n: number,
  dh: number,
  scale: number,
  p: Float32Array,
  out: Float32Array,
  oo: number,
  ks = dh,
  vo = ko,
): void {
  let mx = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < dh; i++) s += q[qo + i] * K[ko + j * ks + i];
    p[j] = s * scale;
    if (p[j] > mx || Number.isNaN(p[j])) mx = p[j];
  }
  let sum = 0;
  for (let j = 0; j < n; j++) {
    p[j] = Math.exp(p[j] - mx);
    sum += p[j];
  }
  for (let j = 0; j < n; j++) p[j] /= sum;
  for (let i = 0; i < dh; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += p[j] * V[vo + j * ks + i];
    out[oo + i] = s;
  }
}

/** One decoder layer's step (DecoderLayerStepParams), in place on x (rows × dModel). */
export function decoderLayerStep(x: Float32Array, p: DecoderLayerStepParams): void {
  const { rows: N, dModel: d, heads: H, dimFeedforward: ff, srcLength: S, capacity: cap, position: pos } = p;
  const w = p.weights;
  const dh = d / H;
  const scale = Math.fround(1 / Math.fround(Math.sqrt(dh)));
  const h = new Float32Array(N * d);
  const qkv = new Float32Array(N * 3 * d);
  const att = new Float32Array(N * d);
  const t = new Float32Array(N * d);
  const f = new Float32Array(N * ff);
  const probs = new Float32Array(Math.max(pos + 1, S));
  const norm = (g: Float32Array, be: Float32Array, src: Float32Array, dst: Float32Array) => {
    for (let n = 0; n < N; n++) normRow(src, n, d, g, be, p.eps, dst);
  };
  const residual = (g: Float32Array, be: Float32Array, sub: (input: Float32Array) => void) => {
    if (p.normFirst) {
      norm(g, be, x, h);
      sub(h);
      for (let i = 0; i < N * d; i++) x[i] += t[i];
    } else {
      sub(x);
      for (let i = 0; i < N * d; i++) t[i] += x[i];
      norm(g, be, t, x);
    }
  };
  residual(w.norm1, w.norm1Bias, (input) => {
    linearRows(input, N, d, w.selfIn, 3 * d, w.selfInBias, qkv);
    for (let n = 0; n < N; n++) {
      for (let hh = 0; hh < H; hh++) {
        const c = (p.rowMap[n] * H + hh) * cap * dh;
        const r = n * 3 * d + hh * dh;
        p.selfKey.set(qkv.subarray(r + d, r + d + dh), c + pos * dh);
        p.selfValue.set(qkv.subarray(r + 2 * d, r + 2 * d + dh), c + pos * dh);
        attendRow(qkv, r, p.selfKey, p.selfValue, c, pos + 1, dh, scale, probs, att, n * d + hh * dh);
      }
    }
    linearRows(att, N, d, w.selfOut, d, w.selfOutBias, t);
  });
  residual(w.norm2, w.norm2Bias, (input) => {
    linearRows(input, N, d, w.crossIn, d, w.crossInBias, qkv); // the queries: W_q, the first d rows
    for (let n = 0; n < N; n++) {
      const len = Math.min(p.srcLengths[n], S);
      for (let hh = 0; hh < H; hh++) {
        const c = (n * H + hh) * S;
        attendRow(
          qkv,
          n * d + hh * dh,
          p.memoryKey,
          p.memoryValue,
          (p.rowMap[n] * H + hh) * S * dh,
          len,
          dh,
          scale,
          probs,
          att,
          n * d + hh * dh,
        );
        if (p.crossProbs) for (let j = 0; j < S; j++) p.crossProbs[c + j] = j < len ? probs[j] : 0;
      }
    }
    linearRows(att, N, d, w.crossOut, d, w.crossOutBias, t);
  });
  residual(w.norm3, w.norm3Bias, (input) => {
    linearRows(input, N, d, w.linear1, ff, w.linear1Bias, f);
    activate(f, p.activation);
    linearRows(f, N, ff, w.linear2, d, w.linear2Bias, t);
  });
}

/** ReLU or the exact GELU, in place. */
function activate(f: Float32Array, activation: "relu" | "gelu"): void {
  for (let i = 0; i < f.length; i++) {
    const v = f[i];
    f[i] = activation === "gelu" ? 0.5 * v * (1 + erf(v / Math.SQRT2)) : v > 0 ? v : Number.isNaN(v) ? v : 0;
  }
}

/** One encoder layer (EncoderLayerParams), in place on x (rows × S × dModel). */
export function encoderLayer(x: Float32Array, p: EncoderLayerParams): void {
  const { rows: B, srcLength: S, dModel: d, heads: H, dimFeedforward: ff } = p;
  const w = p.weights;
  const N = B * S;
  const dh = d / H;
  const scale = Math.fround(1 / Math.fround(Math.sqrt(dh)));
  const h = new Float32Array(N * d);
  const qkv = new Float32Array(N * 3 * d);
  const att = new Float32Array(N * d);
  const t = new Float32Array(N * d);
  const f = new Float32Array(N * ff);
  const probs = new Float32Array(S);
  const residual = (g: Float32Array, be: Float32Array, sub: (input: Float32Array) => void) => {
    if (p.normFirst) {
      layerNormRows(x, N, d, g, be, p.eps, h);
      sub(h);
      for (let i = 0; i < N * d; i++) x[i] += t[i];
    } else {
      sub(x);
      for (let i = 0; i < N * d; i++) t[i] += x[i];
      layerNormRows(t, N, d, g, be, p.eps, x);
    }
  };
  residual(w.norm1, w.norm1Bias, (input) => {
    linearRows(input, N, d, w.selfIn, 3 * d, w.selfInBias, qkv);
    for (let b = 0; b < B; b++) {
      const len = Math.min(p.srcLengths[b], S);
      const row = b * S * 3 * d;
      for (let i = 0; i < S; i++) {
        for (let hh = 0; hh < H; hh++) {
          const o = (b * S + i) * d + hh * dh;
          attendRow(
            qkv,
            row + i * 3 * d + hh * dh,
            qkv,
            qkv,
            row + d + hh * dh,
            len,
            dh,
            scale,
            probs,
            att,
            o,
            3 * d,
            row + 2 * d + hh * dh,
          );
        }
      }
    }
    linearRows(att, N, d, w.selfOut, d, w.selfOutBias, t);
  });
  residual(w.norm2, w.norm2Bias, (input) => {
    linearRows(input, N, d, w.linear1, ff, w.linear1Bias, f);
    activate(f, p.activation);
    linearRows(f, N, ff, w.linear2, d, w.linear2Bias, t);
  });
}
