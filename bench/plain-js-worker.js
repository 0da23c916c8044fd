/**
 * The plain-JS baseline's worker: straightforward attention over a range of query rows, reading Q, K, V
 * from shared memory and writing its rows of the output there. No tiling, no SIMD, no tricks.
 * Plain JavaScript (not TypeScript): worker_threads do not get tsx's loader.
 *
 * Messages: { init: { q, k, v, out: SharedArrayBuffer, n, d } } → "ready" (rows are (b, h, i)
 * flattened, n rows per (b, h)); { rows: [r0, r1] } → "done".
 */
import { parentPort } from "node:worker_threads";

let state = null;

/** Rows [r0, r1): out_i = Σ_j softmax_j(q_i·k_j / √d) v_j over the keys of the same (b, h). */
function attendRows(r0, r1) {
  const [q, k, v, out, scores, n, d] = [state.q, state.k, state.v, state.out, state.scores, state.n, state.d];
  const scale = 1 / Math.sqrt(d);
  for (let r = r0; r < r1; r++) {
    const base = (r - (r % n)) * d; // first key/value row of this (b, h)
    const qo = r * d;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      const ko = base + j * d;
      let s = 0;
      for (let c = 0; c < d; c++) s += q[qo + c] * k[ko + c];
      s *= scale;
      scores[j] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(scores[j] - max);
      scores[j] = e;
      sum += e;
    }
    const oo = r * d;
    for (let c = 0; c < d; c++) out[oo + c] = 0;
    for (let j = 0; j < n; j++) {
      const p = scores[j] / sum;
      const vo = base + j * d;
      for (let c = 0; c < d; c++) out[oo + c] += p * v[vo + c];
    }
  }
}

parentPort.on("message", (m) => {
  if (m.init) {
    const { n, d } = m.init;
    state = {
      q: new Float32Array(m.init.q),
      k: new Float32Array(m.init.k),
      v: new Float32Array(m.init.v),
      out: new Float32Array(m.init.out),
      scores: new Float64Array(n),
      n,
      d,
    };
    parentPort.postMessage("ready");
  } else if (m.rows) {
    attendRows(m.rows[0], m.rows[1]);
    parentPort.postMessage("done");
  }
});
