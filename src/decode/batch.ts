/**
 * Decoding many sources: padded batches sorted by length, greedy or beam search on each, the
 * hypotheses back in input order; the length rule of limits.ts unless told otherwise.
 */
import { type Batch, makeBatches } from "../data/batching.js";
import { EOS } from "../data/vocab.js";
import type { TranslationModel } from "../models/registry.js";
import { checkSourceLength, decodeLength, MAX_DECODE_STEPS } from "./limits.js";
import { beamSearch, greedyDecode, type Hypothesis, type StepDecoder } from "./search.js";

/** Options of `decodeAll`. */
export interface DecodeAllOptions {
  /** 1 (default): greedy; more: beam search of that width. */
  beamSize?: number;
  batchSize?: number;
  /**
   * Longest output to decode (1 … MAX_DECODE_STEPS). Default: `decodeLength` — the larger of
   * 2·(source length) + 10 and `maxTargetLength` (set from the training data) · 2 + 10, at most
   * MAX_DECODE_STEPS.
   */
  maxLength?: number;
  /** Longest target seen in training (checkpoints store it). */
  maxTargetLength?: number;
  /** Called after each decoded batch with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** Decodes padded batches of source ids; returns hypotheses in the order of `srcIds`. */
export function decodeAll(
  model: TranslationModel,
  srcIds: number[][],
  { beamSize = 1, batchSize = 64, maxLength, maxTargetLength = 0, onProgress }: DecodeAllOptions = {},
): Hypothesis[] {
  srcIds.forEach((s, i) => {
    if (s.length === 0) throw new Error(`decodeAll: source ${i} is empty (no tokens to translate)`);
    checkSourceLength(`decodeAll: source ${i}`, s.length);
  });
  if (
    maxLength !== undefined &&
    !(Number.isInteger(maxLength) && maxLength >= 1 && maxLength <= MAX_DECODE_STEPS)
  )
    throw new Error(
      `decodeAll: maxLength must be an integer from 1 to ${MAX_DECODE_STEPS}, got ${maxLength}`,
    );
  const wasTraining = model.training;
  model.eval();
  const out: Hypothesis[] = new Array(srcIds.length);
  const batches: Batch[] = makeBatches(
    srcIds.map((src) => ({ src, tgt: [] })),
    { batchSize, sortByLength: true },
  );
  let done = 0;
  for (const b of batches) {
    const maxLen = maxLength ?? decodeLength(Math.max(...b.srcLengths), maxTargetLength);
    const opts = { maxLength: maxLen, eos: EOS };
    const decoder = model as StepDecoder<unknown>;
    const hyps =
      beamSize > 1
        ? beamSearch(decoder, b.src, b.B, b.S, b.srcLengths, { ...opts, beamSize })
        : greedyDecode(decoder, b.src, b.B, b.S, b.srcLengths, opts);
    hyps.forEach((h, i) => {
      out[b.indices[i]] = h;
    });
    done += b.B;
    onProgress?.(done, srcIds.length);
  }
  model.train(wasTraining);
  return out;
}
