/**
 * Decoding: greedy search, sampling and beam search (Sutskever et al. 2014; length and coverage
 * penalties of Wu et al. 2016: length-penalty.ts, coverage-penalty.ts), batched, each returning its
 * alignment history — the attention weights of every output step — for visualisation. Greedy and
 * sampling take the repetition and no-repeat-n-gram penalties (penalties.ts) on the logits; sampling
 * adds temperature, top-k and top-p (sampling.ts) — Hugging Face generate's processors, in its order.
 * Beam search applies the penalties to the log-probabilities (as HF's beam search). `onStep` sees every step as the search took it: the state
 * the model was given, everything its `step` returned (a Seq2Seq's query and context too) and the
 * log-probabilities the search ranked, so a page can show the numbers without a loop of its own.
 */
import { EOS, SOS } from "../data/vocab.js";
import { logSoftmax, noGrad, type Tensor } from "../tensor/index.js";
import { checkCoveragePenalty, coveragePenalty } from "./coverage-penalty.js";
import {
  checkLengthPenalty,
  type LengthPenalty,
  largestLengthPenalty,
  lengthPenalty as lengthPenaltyOf,
} from "./length-penalty.js";
import { checkPenaltyOptions, hasPenalties, type PenaltyOptions, processScores } from "./penalties.js";
import {
  checkSamplingOptions,
  drawToken,
  rowGenerators,
  type SamplingOptions,
  samplingDistribution,
} from "./sampling.js";

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
export interface GreedyOptions<State = unknown, Out = unknown> extends DecodeOptions<State>, PenaltyOptions {
  /**
   * Sample instead of taking the argmax (temperature, top-k, top-p, seed: sampling.ts). Row b draws
   * from the generator of sentence `sentenceIndices[b]` (default b).
   */
  sample?: SamplingOptions;
  /** Each row's index in the input, for its sampling generator (default 0 … B − 1). */
  sentenceIndices?: readonly number[];
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

/**
 * Greedy decoding (or, with `sample`, ancestral sampling) of a padded batch; one hypothesis per row.
 * The token is the argmax of the (penalised) logits, or drawn from sampling.ts's distribution of them;
 * a hypothesis' `logProb` sums the model's own log-probabilities of its tokens (before any penalty).
 */
export function greedyDecode<State, Out extends StepOutput<State>>(
  model: StepDecoder<State, Out>,
  src: Int32Array | number[],
  B: number,
  S: number,
  srcLengths: number[],
  options: GreedyOptions<State, Out> = {},
): Hypothesis[] {
  const { maxLength = 100, sos = SOS, eos = EOS, start, onStep, sample, sentenceIndices } = options;
  checkBatch(src, B, S, srcLengths);
  checkPenaltyOptions(options, "greedyDecode");
  if (sample) checkSamplingOptions(sample, "greedyDecode");
  if (sentenceIndices && sentenceIndices.length !== B)
    throw new Error(`greedyDecode: ${sentenceIndices.length} sentenceIndices for B=${B}`);
  const penalised = hasPenalties(options);
  const rngs = sample
    ? rowGenerators(sample.seed ?? 0, sentenceIndices ?? Array.from({ length: B }, (_, b) => b))
    : null;
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
        let best: number;
        if (rngs || penalised) {
          const raw = r.logits.data.subarray(i * V, (i + 1) * V);
          const z = penalised ? processScores(raw, hyps[b].tokens, options) : raw;
          if (rngs && sample) best = drawToken(samplingDistribution(z, sample), rngs[b]());
          else best = argmax(z);
        } else {
          best = argmaxRow(lp, i * V, V);
        }
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

/** The first index of the largest score (a row of all −∞ is refused: no token is allowed). */
function argmax(z: ArrayLike<number>): number {
  let best = 0;
  for (let v = 1; v < z.length; v++) if (z[v] > z[best]) best = v;
  if (z[best] === Number.NEGATIVE_INFINITY)
    throw new Error("greedyDecode: every token is banned at this step");
  return best;
}

/** Options of `beamSearch` and `beamSearchNBest`. */
export interface BeamOptions<State = unknown, Out = unknown> extends DecodeOptions<State>, PenaltyOptions {
  beamSize?: number;
  /**
   * GNMT's α (0 ranks by total log-probability; default 0.6) or "avg" (average log-probability):
   * length-penalty.ts.
   */
  lengthPenalty?: LengthPenalty;
  /** GNMT's coverage penalty β ≥ 0 (default 0: none; needs attention weights): coverage-penalty.ts. */
  coveragePenalty?: number;
  /** Called after every step with the live beams' rows, before they are ranked and cut. */
  onStep?: (step: BeamStep<State, Out>) => void;
}

interface Beam {
  tokens: number[];
  /** The model's log-probability of the tokens. */
  logProb: number;
  /** What the search ranks: the sum of the penalised log-probabilities (= logProb without penalties). */
  score: number;
  alignment: number[][];
  row: number;
}

/** A hypothesis as the search ranks it. */
interface Ranked extends Hypothesis {
  score: number;
  finished: boolean;
}

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
 * `beamSearch` ranks them (log-probability over the length penalty, plus the coverage penalty):
 * finished hypotheses, or the live ones when none finished within maxLength. The first of each list is
 * `beamSearch`'s answer.
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
  lengthPenalty: LengthPenalty;
  coveragePenalty: number;
  penalties: PenaltyOptions | null;
  maxLength: number;
  eos: number;
}

/** s(Y, X) = score / lp(Y) + cp(X; Y) (GNMT §7): what finished hypotheses are ranked by. */
function finalScore(h: Ranked, o: { lengthPenalty: LengthPenalty; coveragePenalty: number }): number {
  return (
    h.score / lengthPenaltyOf(o.lengthPenalty, h.tokens.length, h.finished) +
    coveragePenalty(h.alignment, o.coveragePenalty)
  );
}

/** Descending order that keeps −∞ scores consistent (no NaN from −∞ − −∞). */
const descending = (x: number, y: number) => (x > y ? -1 : x < y ? 1 : 0);

/** The search itself: per row, its hypotheses sorted best first. */
function searchBeams<State, Out extends StepOutput<State>>(
  model: StepDecoder<State, Out>,
  src: Int32Array | number[],
  B: number,
  S: number,
  srcLengths: number[],
  options: BeamOptions<State, Out> = {},
): Hypothesis[][] {
  const {
    beamSize = 4,
    lengthPenalty = 0.6,
    coveragePenalty: beta = 0,
    maxLength = 100,
    sos = SOS,
    eos = EOS,
    start,
    onStep,
  } = options;
  checkBatch(src, B, S, srcLengths);
  if (!Number.isInteger(beamSize) || beamSize < 1)
    throw new Error(`beamSearch: beamSize must be ≥ 1, got ${beamSize}`);
  checkLengthPenalty(lengthPenalty, "beamSearch");
  checkCoveragePenalty(beta, "beamSearch");
  checkPenaltyOptions(options, "beamSearch");
  const penalties = hasPenalties(options) ? options : null;
  return noGrad(() => {
    const encoded = start ?? model.encode(src, B, S, srcLengths);
    // One live beam per sentence to start; rows of the state are (sentence, beam) pairs.
    let beams: Beam[][] = Array.from({ length: B }, (_, b) => [
      { tokens: [], logProb: 0, score: 0, alignment: [], row: b },
    ]);
    let state = encoded;
    const finished: Ranked[][] = Array.from({ length: B }, () => []);
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
      if (beta > 0 && !r.weights)
        throw new Error(
          "beamSearch: coveragePenalty needs attention weights, and this model's step returns none",
        );
      if (onStep) {
        const rows = beams.flatMap((bs, sentence) => bs.map((h) => ({ sentence, tokens: h.tokens })));
        onStep({ t, state: given, output: r, logProbs: lp, rows });
      }
      const round: BeamRound = {
        lp,
        V,
        weights: r.weights,
        S,
        srcLengths,
        beamSize,
        lengthPenalty,
        coveragePenalty: beta,
        penalties,
        maxLength,
        eos,
      };
      beams = nextBeams(beams, finished, round);
    }
    const o = { lengthPenalty, coveragePenalty: beta };
    return finished.map((done, b) =>
      ranked(
        done.length
          ? done
          : beams[b].map(({ tokens, logProb, score, alignment }) => ({
              tokens,
              logProb,
              score,
              alignment,
              finished: false,
            })),
        o,
      ).map(({ tokens, logProb, alignment }) => ({ tokens, logProb, alignment })),
    );
  });
}

/** The `k` best tokens of the row of `lp` that starts at `base`, best first. */
function topTokens(lp: ArrayLike<number>, base: number, V: number, k: number): number[] {
  const top: number[] = [];
  for (let v = 0; v < V; v++) {
    if (top.length < k) {
      top.push(v);
      top.sort((x, y) => descending(lp[base + x], lp[base + y]));
    } else if (lp[base + v] > lp[base + top[top.length - 1]]) {
      top[top.length - 1] = v;
      top.sort((x, y) => descending(lp[base + x], lp[base + y]));
    }
  }
  return top;
}

/**
 * One step of every sentence: each live hypothesis extended by its best tokens (by penalised
 * log-probability), the candidates ranked by their summed score, EOS ones moved to `finished`, the
 * best `beamSize` others kept; a sentence with `beamSize` finished hypotheses better than any live one
 * can become gets no live beams (a live one's bound: its score over the largest length penalty, and a
 * coverage penalty of at most 0).
 */
function nextBeams(beams: Beam[][], finished: Ranked[][], o: BeamRound): Beam[][] {
  const { lp, V, beamSize, maxLength } = o;
  let row = 0;
  const next: Beam[][] = [];
  for (let b = 0; b < beams.length; b++) {
    const cands: Candidate[] = [];
    for (const h of beams[b]) {
      const base = row * V;
      const z = o.penalties ? processScores(lp.subarray(base, base + V), h.tokens, o.penalties) : lp;
      const zBase = o.penalties ? 0 : base;
      // Top beamSize+1 tokens of this hypothesis (enough to fill the beam after EOS ones leave).
      for (const v of topTokens(z, zBase, V, beamSize + 1)) {
        if (z[zBase + v] === Number.NEGATIVE_INFINITY) continue; // banned
        cands.push({
          parent: h,
          row,
          tok: v,
          logProb: h.logProb + lp[base + v],
          score: h.score + z[zBase + v],
        });
      }
      row++;
    }
    cands.sort((x, y) => descending(x.score, y.score));
    const keep = keepBest(cands, finished[b], b, o);
    // Stop a sentence once it has beamSize finished hypotheses better than any live one can become.
    const bestDone = Math.max(...finished[b].map((h) => finalScore(h, o)));
    const bound = largestLengthPenalty(o.lengthPenalty, maxLength);
    const bestLive = Math.max(...keep.map((h) => h.score / bound));
    next.push(finished[b].length >= beamSize && bestDone >= bestLive ? [] : keep);
  }
  return next;
}

interface Candidate {
  parent: Beam;
  row: number;
  tok: number;
  logProb: number;
  score: number;
}

/**
 * Sentence b's candidates (ranked) in order until `beamSize` are kept: an EOS one finishes (while
 * fewer than `beamSize` have), any other becomes a live beam. Returns the live beams.
 */
function keepBest(cands: Candidate[], finished: Ranked[], b: number, o: BeamRound): Beam[] {
  const keep: Beam[] = [];
  for (const c of cands) {
    if (keep.length >= o.beamSize) break;
    const alignment = o.weights
      ? [...c.parent.alignment, weightsRow(o.weights, c.row, o.S, o.srcLengths[b])]
      : c.parent.alignment;
    if (c.tok === o.eos) {
      if (finished.length < o.beamSize)
        finished.push({
          tokens: c.parent.tokens,
          logProb: c.logProb,
          score: c.score,
          alignment,
          finished: true,
        });
    } else {
      keep.push({
        tokens: [...c.parent.tokens, c.tok],
        logProb: c.logProb,
        score: c.score,
        alignment,
        row: c.row,
      });
    }
  }
  return keep;
}

/** `pool` sorted best first by its final score (finalScore). */
function ranked(pool: Ranked[], o: { lengthPenalty: LengthPenalty; coveragePenalty: number }): Ranked[] {
  const s = new Map(pool.map((h) => [h, finalScore(h, o)]));
  pool.sort((x, y) => descending(s.get(x) ?? 0, s.get(y) ?? 0));
  return pool;
}
