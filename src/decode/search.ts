/**
 * Decoding: greedy search and beam search (Sutskever et al. 2014; length penalty of Wu et al. 2016,
 * lp(Y) = ((5 + |Y|) / 6)^α), batched, each returning its alignment history — the attention weights
 * of every output step — for visualisation.
 */
import { logSoftmax, noGrad, type Tensor } from "../tensor/index.js";

export const SOS_ID = 2;
export const EOS_ID = 3;

/** Any step-wise decoder: the Seq2Seq model implements this. */
export interface StepDecoder<State> {
  encode(src: Int32Array | number[], B: number, S: number, srcLengths: number[]): State;
  step(state: State, prev: Int32Array | number[]): { logits: Tensor; state: State; weights: Tensor | null };
  selectRows(state: State, index: ArrayLike<number>): State;
}

export interface Hypothesis {
  /** Output ids without SOS and EOS. */
  tokens: number[];
  /** Sum of log-probabilities (including EOS when produced). */
  logProb: number;
  /** Attention weights per output step (one row of S source weights each), empty without attention. */
  alignment: number[][];
}

export interface DecodeOptions {
  maxLength?: number;
  sos?: number;
  eos?: number;
}

function checkBatch(src: Int32Array | number[], B: number, S: number, srcLengths: number[]): void {
  if (src.length !== B * S || srcLengths.length !== B) {
    throw new Error(`decode: src has ${src.length} ids for B=${B}, S=${S} and ${srcLengths.length} lengths`);
  }
}

/** Greedy decoding of a padded batch; one hypothesis per row. */
export function greedyDecode<State>(
  model: StepDecoder<State>,
  src: Int32Array | number[],
  B: number,
  S: number,
  srcLengths: number[],
  { maxLength = 100, sos = SOS_ID, eos = EOS_ID }: DecodeOptions = {},
): Hypothesis[] {
  checkBatch(src, B, S, srcLengths);
  return noGrad(() => {
    let state = model.encode(src, B, S, srcLengths);
    const hyps: Hypothesis[] = Array.from({ length: B }, () => ({ tokens: [], logProb: 0, alignment: [] }));
    const done = new Array<boolean>(B).fill(false);
    const prev = new Int32Array(B).fill(sos);
    for (let t = 0; t < maxLength && done.includes(false); t++) {
      const r = model.step(state, prev);
      state = r.state;
      const V = r.logits.shape[1];
      const lp = logSoftmax(r.logits, -1).data;
      for (let b = 0; b < B; b++) {
        if (done[b]) continue;
        let best = 0;
        for (let v = 1; v < V; v++) if (lp[b * V + v] > lp[b * V + best]) best = v;
        hyps[b].logProb += lp[b * V + best];
        if (r.weights)
          hyps[b].alignment.push(Array.from(r.weights.data.subarray(b * S, b * S + srcLengths[b])));
        if (best === eos) done[b] = true;
        else hyps[b].tokens.push(best);
        prev[b] = best;
      }
    }
    return hyps;
  });
}

export interface BeamOptions extends DecodeOptions {
  beamSize?: number;
  /** α of the length penalty; 0 ranks by total log-probability (default 0.6). */
  lengthPenalty?: number;
}

interface Beam {
  tokens: number[];
  logProb: number;
  alignment: number[][];
  row: number;
}

const penalty = (len: number, alpha: number) => (alpha === 0 ? 1 : ((5 + len) / 6) ** alpha);

/** Beam search over a padded batch; returns the best finished hypothesis per row. */
export function beamSearch<State>(
  model: StepDecoder<State>,
  src: Int32Array | number[],
  B: number,
  S: number,
  srcLengths: number[],
  options: BeamOptions = {},
): Hypothesis[] {
  return searchBeams(model, src, B, S, srcLengths, options).map(
    (pool) => pool[0] ?? { tokens: [], logProb: Number.NEGATIVE_INFINITY, alignment: [] },
  );
}

/**
 * Beam search returning the `n` best hypotheses per row (n ≤ beamSize), best first, ranked as
 * `beamSearch` ranks them (log-probability over the length penalty): finished hypotheses, or the live
 * ones when none finished within maxLength. The first of each list is `beamSearch`'s answer.
 */
export function beamSearchNBest<State>(
  model: StepDecoder<State>,
  src: Int32Array | number[],
  B: number,
  S: number,
  srcLengths: number[],
  n: number,
  options: BeamOptions = {},
): Hypothesis[][] {
  const beamSize = options.beamSize ?? 4;
  if (!Number.isInteger(n) || n < 1 || n > beamSize) {
    throw new Error(`beamSearchNBest: n must be an integer in [1, beamSize = ${beamSize}], got ${n}`);
  }
  return searchBeams(model, src, B, S, srcLengths, options).map((pool) => pool.slice(0, n));
}

/** The search itself: per row, its hypotheses sorted best first. */
function searchBeams<State>(
  model: StepDecoder<State>,
  src: Int32Array | number[],
  B: number,
  S: number,
  srcLengths: number[],
  { beamSize = 4, lengthPenalty = 0.6, maxLength = 100, sos = SOS_ID, eos = EOS_ID }: BeamOptions = {},
): Hypothesis[][] {
  checkBatch(src, B, S, srcLengths);
  if (!Number.isInteger(beamSize) || beamSize < 1)
    throw new Error(`beamSearch: beamSize must be ≥ 1, got ${beamSize}`);
  return noGrad(() => {
    const encoded = model.encode(src, B, S, srcLengths);
    // One live beam per sentence to start; rows of the state are (sentence, beam) pairs.
    let beams: Beam[][] = Array.from({ length: B }, (_, b) => [
      { tokens: [], logProb: 0, alignment: [], row: b },
    ]);
    let state = encoded;
    const finished: Hypothesis[][] = Array.from({ length: B }, () => []);
    for (let t = 0; t < maxLength; t++) {
      const live = beams.flat();
      if (live.length === 0) break;
      state = model.selectRows(
        state,
        live.map((h) => h.row),
      );
      const prev = live.map((h) => (h.tokens.length ? h.tokens[h.tokens.length - 1] : sos));
      const r = model.step(state, prev);
      state = r.state;
      const V = r.logits.shape[1];
      const lp = logSoftmax(r.logits, -1).data;
      let row = 0;
      const next: Beam[][] = [];
      for (let b = 0; b < B; b++) {
        const cands: { parent: Beam; row: number; tok: number; score: number }[] = [];
        for (const h of beams[b]) {
          // Top beamSize+1 tokens of this hypothesis (enough to fill the beam after EOS ones leave).
          const base = row * V;
          const top: number[] = [];
          for (let v = 0; v < V; v++) {
            if (top.length < beamSize + 1) {
              top.push(v);
              top.sort((x, y) => lp[base + y] - lp[base + x]);
            } else if (lp[base + v] > lp[base + top[top.length - 1]]) {
              top[top.length - 1] = v;
              top.sort((x, y) => lp[base + y] - lp[base + x]);
            }
          }
          for (const v of top) cands.push({ parent: h, row, tok: v, score: h.logProb + lp[base + v] });
          row++;
        }
        cands.sort((x, y) => y.score - x.score);
        const keep: Beam[] = [];
        for (const c of cands) {
          if (keep.length >= beamSize) break;
          const alignment = r.weights
            ? [
                ...c.parent.alignment,
                Array.from(r.weights.data.subarray(c.row * S, c.row * S + srcLengths[b])),
              ]
            : c.parent.alignment;
          if (c.tok === eos) {
            if (finished[b].length < beamSize)
              finished[b].push({ tokens: c.parent.tokens, logProb: c.score, alignment });
          } else {
            keep.push({ tokens: [...c.parent.tokens, c.tok], logProb: c.score, alignment, row: c.row });
          }
        }
        // Stop a sentence once it has beamSize finished hypotheses better than any live one can become.
        const bestDone = Math.max(
          ...finished[b].map((h) => h.logProb / penalty(h.tokens.length, lengthPenalty)),
        );
        const bestLive = Math.max(...keep.map((h) => h.logProb / penalty(maxLength, lengthPenalty)));
        next.push(finished[b].length >= beamSize && bestDone >= bestLive ? [] : keep);
      }
      beams = next;
    }
    return finished.map((done, b) => {
      const pool = done.length
        ? done
        : beams[b].map(({ tokens, logProb, alignment }) => ({ tokens, logProb, alignment }));
      pool.sort(
        (x, y) =>
          y.logProb / penalty(y.tokens.length, lengthPenalty) -
          x.logProb / penalty(x.tokens.length, lengthPenalty),
      );
      return pool;
    });
  });
}
