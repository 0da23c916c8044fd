/**
 * Padded mini-batches for encoder-decoder training with teacher forcing, as plain typed arrays.
 *
 * For a target y_1..y_n the decoder input is `<sos> y_1 .. y_n` (tgtIn) and the expected output is
 * `y_1 .. y_n <eos>` (tgtOut), both of length n + 1 (the standard shift of Sutskever et al., 2014,
 * "Sequence to sequence learning with neural networks"). Targets are given WITHOUT <sos>/<eos>; sources
 * are used as given (add <eos> with `Vocab.encode(..., { addEos: true })` if the model wants one).
 * Every matrix is row-major with one row per example and padded with PAD = 0 to the longest row.
 */
import { mulberry32, shuffleInPlace } from "./random.js";
import { EOS, PAD, SOS } from "./vocab.js";

/** One training pair as ids: source and target. */
export interface Example {
  src: readonly number[];
  tgt: readonly number[];
}

/** A padded batch made by `makeBatches`: sizes, ids and lengths. */
export interface Batch {
  /** Number of examples in the batch. */
  B: number;
  /** Padded source length (longest source in the batch, at least 1). */
  S: number;
  /** Padded target length (longest target + 1). */
  T: number;
  /** B×S source ids, row-major, PAD after each row's length. */
  src: Int32Array;
  srcLengths: number[];
  /** B×T decoder inputs: SOS then the target, PAD after. */
  tgtIn: Int32Array;
  /** B×T decoder outputs: the target then EOS, PAD after. */
  tgtOut: Int32Array;
  /** Lengths of tgtIn / tgtOut rows (target length + 1). */
  tgtLengths: number[];
  /** Index of each row's example in the input array. */
  indices: number[];
}

/** Options of `makeBatches`. */
export interface BatchOptions {
  batchSize: number;
  /** Shuffle (default false): the examples before batching, or with `sortByLength` the batch order. */
  shuffle?: boolean;
  /** Seed of the mulberry32 PRNG used for shuffling (default 0). */
  seed?: number;
  /**
   * Sort examples by (source length, target length, index) before cutting batches, so each batch holds
   * similar lengths and little padding (default false).
   */
  sortByLength?: boolean;
}

function checkIds(ids: readonly number[], what: string): void {
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff)
      throw new Error(`makeBatches: ${what} has invalid id ${id}`);
  }
}

/** Builds one padded batch from the examples at `indices`. */
export function collate(examples: readonly Example[], indices: readonly number[]): Batch {
  const B = indices.length;
  const rows = indices.map((i) => examples[i]);
  const srcLengths = rows.map((e) => e.src.length);
  const tgtLengths = rows.map((e) => e.tgt.length + 1);
  const S = Math.max(1, ...srcLengths);
  const T = Math.max(1, ...tgtLengths);
  const src = new Int32Array(B * S).fill(PAD);
  const tgtIn = new Int32Array(B * T).fill(PAD);
  const tgtOut = new Int32Array(B * T).fill(PAD);
  rows.forEach((e, b) => {
    checkIds(e.src, `example ${indices[b]} src`);
    checkIds(e.tgt, `example ${indices[b]} tgt`);
    src.set(e.src, b * S);
    tgtIn[b * T] = SOS;
    tgtIn.set(e.tgt, b * T + 1);
    tgtOut.set(e.tgt, b * T);
    tgtOut[b * T + e.tgt.length] = EOS;
  });
  return { B, S, T, src, srcLengths, tgtIn, tgtOut, tgtLengths, indices: [...indices] };
}

/**
 * Cuts `examples` into padded batches of `batchSize` (the last may be smaller). Deterministic: the same
 * examples, options and seed give the same batches.
 */
export function makeBatches(examples: readonly Example[], options: BatchOptions): Batch[] {
  const { batchSize, shuffle = false, seed = 0, sortByLength = false } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`makeBatches: batchSize must be a positive integer, got ${batchSize}`);
  }
  const rng = mulberry32(seed);
  const order = examples.map((_, i) => i);
  if (sortByLength) {
    order.sort(
      (a, b) =>
        examples[a].src.length - examples[b].src.length ||
        examples[a].tgt.length - examples[b].tgt.length ||
        a - b,
    );
  } else if (shuffle) {
    shuffleInPlace(order, rng);
  }
  const chunks: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) chunks.push(order.slice(i, i + batchSize));
  if (sortByLength && shuffle) shuffleInPlace(chunks, rng);
  return chunks.map((idx) => collate(examples, idx));
}
