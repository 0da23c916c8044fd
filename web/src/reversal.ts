/**
 * Watch attention form: a small sequence-reversal model trained in the page, step by step, with and
 * without attention (the bottleneck experiment of Bahdanau et al. 2014, Fig. 2, in miniature).
 *
 * The same step as `qkv train` (`trainStep`: teacher forcing, cross-entropy ignoring padding, Adam,
 * gradient-norm clipping), one batch at a time so the page can draw between steps and stop, step and
 * resume at any batch. The recipe (`DEFAULT_REVERSAL`, shown in the page) was found in Node on the wasm
 * backend, one thread, as the page trains: each batch holds strings of one length (no padding),
 * lengths drawn in proportion to their length (the long strings are the hard ones and hold the most
 * tokens), batches of 64, Adam at 0.02 halved every 150 steps. Both models draw the same batches in the
 * same order and start from the same random draw. Nothing here touches the DOM.
 */
import {
  Adam,
  type AttentionKind,
  data,
  decodeLength,
  type EvalResult,
  evaluatePairs,
  greedyDecode,
  manualSeed,
  Seq2Seq,
  trainStep,
  Vocab,
} from "qkv";

export interface ReversalConfig {
  /** Distinct symbols (letters a, b, c, …). */
  symbols: number;
  minLength: number;
  maxLength: number;
  /** Training pairs (lengths cycling evenly over [minLength, maxLength]). */
  trainSize: number;
  /** Test pairs per length. */
  testPerLength: number;
  batchSize: number;
  embed: number;
  /** Encoder hidden size per direction (the decoder has twice this). */
  hidden: number;
  /** Adam's learning rate at step 0. */
  lr: number;
  /** The learning rate halves every this many steps (0: constant). */
  lrHalfLife: number;
  /** Evaluate (test set and probe) every this many steps while training. */
  evalEvery: number;
  seed: number;
}

export const DEFAULT_REVERSAL: ReversalConfig = {
  symbols: 8,
  minLength: 3,
  maxLength: 16,
  trainSize: 8192,
  testPerLength: 8,
  batchSize: 64,
  embed: 16,
  hidden: 32,
  lr: 0.02,
  lrHalfLife: 150,
  evalEvery: 20,
  seed: 1,
};

export interface Pair {
  src: string[];
  tgt: string[];
}

/** Reversal pairs with lengths cycling evenly over [minLength, maxLength]. */
export function reversalPairs(c: ReversalConfig, n: number, rng: () => number): Pair[] {
  const letters = Array.from({ length: c.symbols }, (_, i) => String.fromCharCode(97 + i));
  const span = c.maxLength - c.minLength + 1;
  return Array.from({ length: n }, (_, i) => {
    const len = c.minLength + (i % span);
    const src = Array.from({ length: len }, () => letters[Math.floor(rng() * letters.length)]);
    return { src, tgt: [...src].reverse() };
  });
}

/**
 * Rows of an alignment (output steps × input positions) whose largest weight is on the anti-diagonal:
 * output t of a reversal of n symbols attends to input n − 1 − t. Counts the first n rows (the <eos>
 * row apart).
 */
export function antiDiagonalRows(weights: number[][], n: number): number {
  let k = 0;
  for (let t = 0; t < Math.min(n, weights.length); t++) {
    const row = weights[t];
    let best = 0;
    for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
    if (best === n - 1 - t) k++;
  }
  return k;
}

/** The learning rate at a step: `lr` halved every `lrHalfLife` steps. */
export function lrAt(c: Pick<ReversalConfig, "lr" | "lrHalfLife">, step: number): number {
  return c.lrHalfLife > 0 ? c.lr * 0.5 ** (step / c.lrHalfLife) : c.lr;
}

export interface EvalReport {
  /** Steps done when evaluated. */
  step: number;
  /** Mean training loss over the steps since the previous report. */
  loss: number;
  /** Seconds of training (batches only) since the previous report. */
  seconds: number;
  eval: EvalResult;
  /** Exact match over the test strings of length ≥ 10. */
  longExactMatch: number;
  /** Probe rows peaking on the anti-diagonal (of `probe.src.length`). */
  probeDiagonal: number;
}

/** One model being trained; steps may be taken one at a time and stopped anywhere. */
export class ReversalRun {
  readonly model: Seq2Seq;
  readonly vocab: Vocab;
  readonly train: Pair[];
  readonly test: Pair[];
  /** The fixed input whose alignment the page draws: a string of the longest length, not a training one. */
  readonly probe: Pair;
  readonly history: EvalReport[] = [];
  /** Training loss of every step. */
  readonly losses: number[] = [];
  /** Milliseconds of every step (forward, backward, update). */
  readonly stepMs: number[] = [];
  private readonly optimizer: Adam;
  /** Training examples by length (ids), each list in a seeded shuffled order, taken in turn. */
  private readonly byLength = new Map<number, data.Example[]>();
  private readonly cursor = new Map<number, number>();
  private readonly batchRng: () => number;
  private lossSum = 0;
  private lossCount = 0;
  private seconds = 0;

  constructor(
    readonly attention: AttentionKind,
    public config: ReversalConfig = DEFAULT_REVERSAL,
  ) {
    const c = config;
    const letters = Array.from({ length: c.symbols }, (_, i) => String.fromCharCode(97 + i));
    this.vocab = new Vocab([...data.SPECIAL_TOKENS, ...letters]);
    const rng = data.mulberry32(c.seed);
    this.train = reversalPairs(c, c.trainSize, rng);
    this.test = reversalPairs(c, c.testPerLength * (c.maxLength - c.minLength + 1), rng);
    // The probe: a string of the longest length, not a training one, in which no letter repeats within
    // 3 positions — where two neighbours are the same letter, attending to either gives the right output,
    // so the anti-diagonal is not the only right answer and a row could not be judged by it.
    const seen = new Set(this.train.map((p) => p.src.join("")));
    const clear = (s: string[]) => s.every((x, i) => s.slice(Math.max(0, i - 3), i).every((y) => y !== x));
    let probe: Pair;
    let tries = 0;
    do probe = reversalPairs({ ...c, minLength: c.maxLength }, 1, rng)[0];
    while (++tries < 10_000 && (seen.has(probe.src.join("")) || (c.symbols > 3 && !clear(probe.src))));
    this.probe = probe;
    for (const p of this.train) {
      const list = this.byLength.get(p.src.length) ?? [];
      list.push({ src: this.vocab.encode(p.src), tgt: this.vocab.encode(p.tgt) });
      this.byLength.set(p.src.length, list);
    }
    const shuffle = data.mulberry32(c.seed * 1000 + 1);
    for (const [len, list] of this.byLength) {
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(shuffle() * (i + 1));
        [list[i], list[j]] = [list[j], list[i]];
      }
      this.cursor.set(len, 0);
    }
    this.batchRng = data.mulberry32(c.seed * 1000 + 2);
    manualSeed(c.seed); // both models start from the same draw of the random generator
    this.model = new Seq2Seq({
      srcVocabSize: this.vocab.size,
      tgtVocabSize: this.vocab.size,
      embedDim: c.embed,
      hiddenSize: c.hidden,
      attention,
      dropout: 0,
    });
    this.optimizer = new Adam(this.model.parameters(), { lr: c.lr });
  }

  /** Steps taken. */
  get steps(): number {
    return this.losses.length;
  }

  /** Whole passes' worth of training examples seen (steps × batch ÷ training pairs). */
  get epoch(): number {
    return Math.floor((this.steps * this.config.batchSize) / this.config.trainSize);
  }

  /** The learning rate of the next step. */
  get lr(): number {
    return lrAt(this.config, this.steps);
  }

  /** A new starting learning rate from the next step on (the halving schedule goes on by step). */
  setLr(lr: number): void {
    this.config = { ...this.config, lr };
  }

  /** The next batch: a length drawn ∝ length, then the next `batchSize` training strings of it. */
  private nextBatch(): data.Batch {
    const c = this.config;
    const lengths = [...this.byLength.keys()].sort((a, b) => a - b);
    const total = lengths.reduce((s, l) => s + l, 0);
    let u = this.batchRng() * total;
    let len = lengths[lengths.length - 1];
    for (const l of lengths) {
      u -= l;
      if (u < 0) {
        len = l;
        break;
      }
    }
    const list = this.byLength.get(len)!;
    const at = this.cursor.get(len)!;
    const rows = Array.from({ length: c.batchSize }, (_, i) => list[(at + i) % list.length]);
    this.cursor.set(len, (at + c.batchSize) % list.length);
    return data.collate(
      rows,
      rows.map((_, i) => i),
    );
  }

  /** One optimizer step on the next batch; returns its loss. */
  step(): number {
    this.optimizer.setLr(this.lr);
    const b = this.nextBatch();
    const t0 = performance.now();
    this.model.train();
    const lv = trainStep(this.model, this.optimizer, b, { clip: 1 });
    const ms = performance.now() - t0;
    if (!Number.isFinite(lv)) throw new Error(`reversal (${this.attention}): loss became ${lv}`);
    this.losses.push(lv);
    this.stepMs.push(ms);
    this.lossSum += lv;
    this.lossCount++;
    this.seconds += ms / 1000;
    return lv;
  }

  /**
   * Takes `n` steps, calling `pause` after each; returns false when `stop()` said to stop first
   * (resuming later continues at the same batch).
   */
  async trainSteps(n: number, stop: () => boolean, pause: () => Promise<void>): Promise<boolean> {
    for (let i = 0; i < n; i++) {
      if (stop()) return false;
      this.step();
      await pause();
    }
    return true;
  }

  /** Exact match on the test set (and by length), the probe's anti-diagonal; kept in `history`. */
  evaluate(): EvalReport {
    const c = this.config;
    this.model.eval();
    const evalr = evaluatePairs(this.model, this.test, this.vocab, this.vocab, {
      maxTargetLength: c.maxLength,
      batchSize: this.test.length, // one batch: fewer, larger kernels
    });
    const long = evalr.byLength.filter((b) => b.length >= 10);
    const longCount = long.reduce((s, b) => s + b.count, 0);
    const report: EvalReport = {
      step: this.steps,
      loss: this.lossSum / Math.max(1, this.lossCount),
      seconds: this.seconds,
      eval: evalr,
      longExactMatch: long.reduce((s, b) => s + b.exactMatch * b.count, 0) / Math.max(1, longCount),
      probeDiagonal: antiDiagonalRows(this.decodeProbe().weights, this.probe.src.length),
    };
    this.history.push(report);
    this.lossSum = 0;
    this.lossCount = 0;
    this.seconds = 0;
    return report;
  }

  /** The model's output and alignment (rows: output steps, columns: input symbols) for the probe. */
  decodeProbe(): { output: string[]; weights: number[][] } {
    const ids = this.vocab.encode(this.probe.src);
    this.model.eval();
    const [h] = greedyDecode(this.model, ids, 1, ids.length, [ids.length], {
      // The library's length rule (decode/limits.ts), as evaluatePairs uses for the test strings.
      maxLength: decodeLength(ids.length, this.config.maxLength),
      eos: data.EOS,
    });
    return { output: this.vocab.decode(h.tokens), weights: h.alignment };
  }
}
