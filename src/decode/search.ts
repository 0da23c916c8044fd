/**
 * Decoding: greedy search and beam search (Sutskever et al. 2014; length penalty of Wu et al. 2016,
 * lp(Y) = ((5 + |Y|) / 6)^α), batched, each returning its alignment history — the attention weights
 * of every output step — for visualisation. `onStep` sees every step as the search took it: the state
 * the model was given, everything its `step` returned (a Seq2Seq's query and context too) and the
 * log-probabilities the search ranked, so a page can show the numbers without a loop of its own.
 */
import { EOS, SOS } from "../data/vocab.js";
import { logSoftmax, noGrad, type Tensor } from "../tensor/index.js";

/** What one decoder step returns at least: logits (rows × V), the next state, the attention weights. */
export interface StepOutput<State> {
  logits: Tensor;
  state: State;
  weights: Tensor | null;
}

/** Any step-wise decoder: Seq2Seq and TransformerModel implement this (`Out`: what their step returns). */
export interface StepDecoder<State, Out extends StepOutput<State> = StepOutput<State>> {
  /** Encodes a padded batch (B, S) of source ids into the decoder's first state. */
  encode(src: Int32Array | number[], B: number, S: number, srcLengths: number[]): State;
  /** One decoding step from the previous output ids: logits and the next state. */
  step(state: State, prev: Int32Array | number[]): Out;
  /** The state of the given batch rows (beam search reorders and prunes with it). */
  selectRows(state: State, index: ArrayLike<number>): State;
}

/** A decoded output: its ids and log-probability. */
export interface Hypothesis {
  /** Output ids without SOS and EOS. */
  tokens: number[];
  /** Sum of log-probabilities (including EOS when produced). */
  logProb: number;
  /** Attention weights per output step (one row of S source weights each), empty without attention. */
  alignment: number[][];
}

/** One decoding step as `onStep` sees it; nothing in it is changed by the search afterwards. */
export interface DecodeStep<State, Out> {
  /** The step's index: 0 is the step fed <sos>. */
  t: number;
  /** The state the model's step was given (its rows: the sentences for greedy, the live beams for beam). */
  state: State;
  /** What the model's step returned: logits, next state, the weights it attended with, and the rest. */
  output: Out;
  /** log-softmax of the logits, rows × V: the numbers the search ranked. */
  logProbs: Float32Array;
}

export interface GreedyStep<State, Out> extends DecodeStep<State, Out> {
  /** Per sentence: the token chosen at this step (EOS when it ended here), −1 when it had ended before. */
  tokens: Int32Array;
}

export interface BeamStep<State, Out> extends DecodeStep<State, Out> {
  /** Per row of `state`: the sentence it belongs to and the tokens of its hypothesis so far. */
  rows: { sentence: number; tokens: readonly number[] }[];
}

/** Options shared by the decoders: length limit and the start and end ids. */
export interface DecodeOptions<State = unknown> {
  maxLength?: number;
  sos?: number;
  eos?: number;
  /**
   * The encoded batch to start from (default: `model.encode(src, B, S, srcLengths)`), e.g. one encoded
   * with options of the model's own such as the Transformer's `needWeights`.
   */
  start?: State;
}

/** Options of `greedyDecode`. */
export interface GreedyOptions<State = unknown, Out = unknown> extends DecodeOptions<State> {
  /** Called after every step, once the step's tokens are chosen. */
  onStep?: (step: GreedyStep<State, Out>) => void;
}

function checkBatch(src: Int32Array | number[], B: number, S: number, srcLengths: number[]): void {
  if (src.length !== B * S || srcLengths.length !== B) {
    throw new Error(`decode: src has ${src.length} ids for B=${B}, S=${S} and ${srcLengths.length} lengths`);
  }
}

/** One model step: what it returned, the vocabulary size and the log-softmax of its logits (rows × V). */
function runStep<State, Out extends StepOutput<State>>(
  model: StepDecoder<State, Out>,
  state: State,
  prev: Int32Array | number[],
): { output: Out; V: number; logProbs: Float32Array } {
  const output = model.step(state, prev);
  return { output, V: output.logits.shape[1], logProbs: logSoftmax(output.logits, -1).data };
}

/** The index of the largest of lp[base … base + V) (the first on ties). */
function argmaxRow(lp: Float32Array, base: number, V: number): number {
  let best = 0;
  let top = lp[base];
  for (let v = 1; v < V; v++) {
    if (lp[base + v] > top) {
      top = lp[base + v];
      best = v;
    }
  }
  return best;
}

/** Row `row` of the step's attention weights (rows × S), cut to the sentence's `length` source positions. */
function weightsRow(weights: Tensor, row: number, S: number, length: number): number[] {
  return Array.from(weights.data.subarray(row * S, row * S + length));
}

/** Greedy decoding of a padded batch; one hypothesis per row. */
export function greedyDecode<State, Out extends StepOutput<State>>(
  model: StepDecoder<State, Out>,
  src: Int32Array | number[],
  B: number,
  S: number,
  srcLengths: number[],
  { maxLength = 100, sos = SOS, eos = EOS, start, onStep }: GreedyOptions<State, Out> = {},
): Hypothesis[] {
  checkBatch(src, B, S, srcLengths);
  return noGrad(() => {
    let state = start ?? model.encode(src, B, S, srcLengths);
    const hyps: Hypothesis[] = Array.from({ length: B }, () => ({ tokens: [], logProb: 0, alignment: [] }));
    const done = new Array<boolean>(B).fill(false);
    // The sentence of each row of the state: finished rows leave the batch once a quarter of its
    // rows have finished (each selection copies the live rows' caches, so not at every step), and
    // not while onStep watches (it sees every sentence's row at every step).
    let rows = Array.from({ length: B }, (_, b) => b);
    let prev = new Int32Array(B).fill(sos);
    for (let t = 0; t < maxLength && done.includes(false); t++) {
      const given = state;
      const { output: r, V, logProbs: lp } = runStep(model, state, prev);
      state = r.state;
      const tokens = new Int32Array(B).fill(-1);
      rows.forEach((b, i) => {
        if (done[b]) return;
        const best = argmaxRow(lp, i * V, V);
        hyps[b].logProb += lp[i * V + best];
        if (r.weights) hyps[b].alignment.push(weightsRow(r.weights, i, S, srcLengths[b]));
        tokens[b] = best;
        if (best === eos) done[b] = true;
        else hyps[b].tokens.push(best);
        prev[i] = best;
      });
      onStep?.({ t, state: given, output: r, logProbs: lp, tokens });
      const live = rows.flatMap((b, i) => (done[b] ? [] : [i]));
      if (!onStep && live.length <= 0.75 * rows.length && live.length > 0) {
        state = model.selectRows(state, live);
        prev = Int32Array.from(live, (i) => prev[i]);
        rows = live.map((i) => rows[i]);
      }
    }
    return hyps;
  });
}

/** Options of `beamSearch` and `beamSearchNBest`. */
export interface BeamOptions<State = unknown, Out = unknown> extends DecodeOptions<State> {
  beamSize?: number;
  /** α of the length penalty; 0 ranks by total log-probability (default 0.6). */
  lengthPenalty?: number;
  /** Called after every step with the live beams' rows, before they are ranked and cut. */
  onStep?: (step: BeamStep<State, Out>) => void;
}

interface Beam {
  tokens: number[];
  logProb: number;
  alignment: number[][];
  row: number;
}

const penalty = (len: number, alpha: number) => (alpha === 0 ? 1 : ((5 + len) / 6) ** alpha);

/** Beam search over a padded batch; returns the best finished hypothesis per row. */
export function beamSearch<State, Out extends StepOutput<State>>(
  model: StepDecoder<State, Out>,
  src: Int32Array | number[],
  B: number,
  S: number,
  srcLengths: number[],
  options: BeamOptions<State, Out> = {},
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
export function beamSearchNBest<State, Out extends StepOutput<State>>(
  model: StepDecoder<State, Out>,
  src: Int32Array | number[],
  B: number,
  S: number,
  srcLengths: number[],
  n: number,
  options: BeamOptions<State, Out> = {},
): Hypothesis[][] {
  const beamSize = options.beamSize ?? 4;
  if (!Number.isInteger(n) || n < 1 || n > beamSize) {
    throw new Error(`beamSearchNBest: n must be an integer in [1, beamSize = ${beamSize}], got ${n}`);
  }
  return searchBeams(model, src, B, S, srcLengths, options).map((pool) => pool.slice(0, n));
}

/** What one step of the beam search ranks with: the step's numbers and the search's settings. */
interface BeamRound {
  /** log-probabilities, (live rows) × V. */
  lp: Float32Array;
  V: number;
  /** The step's attention weights (live rows × S), or null. */
  weights: Tensor | null;
  S: number;
  srcLengths: number[];
  beamSize: number;
  lengthPenalty: number;
  maxLength: number;
  eos: number;
}

/** The search itself: per row, its hypotheses sorted best first. */
function searchBeams<State, Out extends StepOutput<State>>(
  model: StepDecoder<State, Out>,
  src: Int32Array | number[],
  B: number,
  S: number,
  srcLengths: number[],
  {
    beamSize = 4,
    lengthPenalty = 0.6,
    maxLength = 100,
    sos = SOS,
    eos = EOS,
    start,
    onStep,
  }: BeamOptions<State, Out> = {},
): Hypothesis[][] {
  checkBatch(src, B, S, srcLengths);
  if (!Number.isInteger(beamSize) || beamSize < 1)
    throw new Error(`beamSearch: beamSize must be ≥ 1, got ${beamSize}`);
  return noGrad(() => {
    const encoded = start ?? model.encode(src, B, S, srcLengths);
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
      const given = state;
      const { output: r, V, logProbs: lp } = runStep(model, state, prev);
      state = r.state;
      if (onStep) {
        const rows = beams.flatMap((bs, sentence) => bs.map((h) => ({ sentence, tokens: h.tokens })));
        onStep({ t, state: given, output: r, logProbs: lp, rows });
      }
      const round = { lp, V, weights: r.weights, S, srcLengths, beamSize, lengthPenalty, maxLength, eos };
      beams = nextBeams(beams, finished, round);
    }
    return finished.map((done, b) =>
      ranked(
        done.length
          ? done
          : beams[b].map(({ tokens, logProb, alignment }) => ({ tokens, logProb, alignment })),
        lengthPenalty,
      ),
    );
  });
}

/** The `k` best tokens of the row of `lp` that starts at `base`, best first. */
function topTokens(lp: Float32Array, base: number, V: number, k: number): number[] {
  const top: number[] = [];
  for (let v = 0; v < V; v++) {
    if (top.length < k) {
      top.push(v);
      top.sort((x, y) => lp[base + y] - lp[base + x]);
    } else if (lp[base + v] > lp[base + top[top.length - 1]]) {
      top[top.length - 1] = v;
      top.sort((x, y) => lp[base + y] - lp[base + x]);
    }
  }
  return top;
}

/**
 * One step of every sentence: each live hypothesis extended by its best tokens, the candidates ranked,
 * EOS ones moved to `finished`, the best `beamSize` others kept; a sentence with `beamSize` finished
 * hypotheses better than any live one can become gets no live beams.
 */
function nextBeams(beams: Beam[][], finished: Hypothesis[][], o: BeamRound): Beam[][] {
  const { lp, V, beamSize, lengthPenalty, maxLength } = o;
  let row = 0;
  const next: Beam[][] = [];
  for (let b = 0; b < beams.length; b++) {
    const cands: Candidate[] = [];
    for (const h of beams[b]) {
      // Top beamSize+1 tokens of this hypothesis (enough to fill the beam after EOS ones leave).
      const base = row * V;
      for (const v of topTokens(lp, base, V, beamSize + 1)) {
        cands.push({ parent: h, row, tok: v, score: h.logProb + lp[base + v] });
      }
      row++;
    }
    cands.sort((x, y) => y.score - x.score);
    const keep = keepBest(cands, finished[b], b, o);
    // Stop a sentence once it has beamSize finished hypotheses better than any live one can become.
    const bestDone = Math.max(...finished[b].map((h) => h.logProb / penalty(h.tokens.length, lengthPenalty)));
    const bestLive = Math.max(...keep.map((h) => h.logProb / penalty(maxLength, lengthPenalty)));
    next.push(finished[b].length >= beamSize && bestDone >= bestLive ? [] : keep);
  }
  return next;
}

interface Candidate {
  parent: Beam;
  row: number;
  tok: number;
  score: number;
}

/**
 * Sentence b's candidates (ranked) in order until `beamSize` are kept: an EOS one finishes (while
 * fewer than `beamSize` have), any other becomes a live beam. Returns the live beams.
 */
function keepBest(cands: Candidate[], finished: Hypothesis[], b: number, o: BeamRound): Beam[] {
  const keep: Beam[] = [];
  for (const c of cands) {
    if (keep.length >= o.beamSize) break;
    const alignment = o.weights
      ? [...c.parent.alignment, weightsRow(o.weights, c.row, o.S, o.srcLengths[b])]
      : c.parent.alignment;
    if (c.tok === o.eos) {
      if (finished.length < o.beamSize)
        finished.push({ tokens: c.parent.tokens, logProb: c.score, alignment });
    } else {
      keep.push({ tokens: [...c.parent.tokens, c.tok], logProb: c.score, alignment, row: c.row });
    }
  }
  return keep;
}

/** `pool` sorted best first by log-probability over the length penalty. */
function ranked(pool: Hypothesis[], lengthPenalty: number): Hypothesis[] {
  pool.sort(
    (x, y) =>
      y.logProb / penalty(y.tokens.length, lengthPenalty) -
      x.logProb / penalty(x.tokens.length, lengthPenalty),
  );
  return pool;
}
