/**
 * Watch attention form: a small sequence-reversal model trained in the page, epoch by epoch, with and
 * without attention (the bottleneck experiment of Bahdanau et al. 2014, Fig. 2, in miniature).
 *
 * The same step as `qkv train` (`trainStep`: teacher forcing, cross-entropy ignoring padding, Adam,
 * gradient-norm clipping; batches sorted by length), one batch at a time so the page can draw between
 * steps and stop and resume at any batch. Nothing here touches the DOM.
 */
import {
  Adam,
  type AttentionKind,
  data,
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
  /** Training pairs. */
  trainSize: number;
  /** Test pairs per length. */
  testPerLength: number;
  batchSize: number;
  embed: number;
  /** Encoder hidden size per direction (the decoder has twice this). */
  hidden: number;
  lr: number;
  seed: number;
}

export const DEFAULT_REVERSAL: ReversalConfig = {
  symbols: 8,
  minLength: 3,
  maxLength: 16,
  trainSize: 512,
  testPerLength: 4,
  batchSize: 32,
  embed: 16,
  hidden: 32,
  lr: 0.01,
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

export interface EpochReport {
  epoch: number;
  loss: number;
  seconds: number;
  eval: EvalResult;
}

/** One model being trained; `trainEpoch` may be stopped and called again to resume at the same batch. */
export class ReversalRun {
  readonly model: Seq2Seq;
  readonly vocab: Vocab;
  readonly train: Pair[];
  readonly test: Pair[];
  /** The fixed input whose alignment the page draws after each epoch. */
  readonly probe: Pair;
  readonly history: EpochReport[] = [];
  private readonly optimizer: Adam;
  private readonly examples: data.Example[];
  private batches: data.Batch[] | null = null;
  private batchIndex = 0;
  private lossSum = 0;
  private lossCount = 0;
  private seconds = 0;

  constructor(
    readonly attention: AttentionKind,
    readonly config: ReversalConfig = DEFAULT_REVERSAL,
  ) {
    const c = config;
    const letters = Array.from({ length: c.symbols }, (_, i) => String.fromCharCode(97 + i));
    this.vocab = new Vocab([...data.SPECIAL_TOKENS, ...letters]);
    const rng = data.mulberry32(c.seed);
    this.train = reversalPairs(c, c.trainSize, rng);
    this.test = reversalPairs(c, c.testPerLength * (c.maxLength - c.minLength + 1), rng);
    this.probe = reversalPairs(c, 1 + c.maxLength - c.minLength, rng).at(-1)!;
    this.examples = this.train.map((p) => ({ src: this.vocab.encode(p.src), tgt: this.vocab.encode(p.tgt) }));
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

  get epoch(): number {
    return this.history.length;
  }

  /** Steps through the rest of the current epoch; returns false when `stop()` said to stop first. */
  async trainEpoch(stop: () => boolean, pause: () => Promise<void>): Promise<boolean> {
    const c = this.config;
    this.batches ??= data.makeBatches(this.examples, {
      batchSize: c.batchSize,
      shuffle: true,
      sortByLength: true,
      seed: c.seed * 1000 + this.epoch,
    });
    this.model.train();
    while (this.batchIndex < this.batches.length) {
      if (stop()) return false;
      const t0 = performance.now();
      const b = this.batches[this.batchIndex];
      const lv = trainStep(this.model, this.optimizer, b, { clip: 1 });
      if (!Number.isFinite(lv)) throw new Error(`reversal (${this.attention}): loss became ${lv}`);
      this.lossSum += lv;
      this.lossCount++;
      this.batchIndex++;
      this.seconds += (performance.now() - t0) / 1000;
      await pause();
    }
    this.model.eval();
    const evalr = evaluatePairs(this.model, this.test, this.vocab, this.vocab, {
      maxTargetLength: c.maxLength,
    });
    this.history.push({
      epoch: this.epoch + 1,
      loss: this.lossSum / Math.max(1, this.lossCount),
      seconds: this.seconds,
      eval: evalr,
    });
    this.batches = null;
    this.batchIndex = 0;
    this.lossSum = 0;
    this.lossCount = 0;
    this.seconds = 0;
    return true;
  }

  /** Batches done in the current epoch, and how many it has. */
  progress(): { done: number; total: number } {
    const total = Math.ceil(this.examples.length / this.config.batchSize);
    return { done: this.batchIndex, total };
  }

  /** The model's output and alignment (rows: output steps, columns: input symbols) for the probe. */
  decodeProbe(): { output: string[]; weights: number[][] } {
    const ids = this.vocab.encode(this.probe.src);
    const [h] = greedyDecode(this.model, ids, 1, ids.length, [ids.length], {
      maxLength: this.config.maxLength * 2,
      eos: data.EOS,
    });
    return { output: this.vocab.decode(h.tokens), weights: h.alignment };
  }
}
