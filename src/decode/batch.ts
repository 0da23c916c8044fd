/**
 * Decoding many sources: padded batches sorted by length, greedy or beam search on each, the
 * hypotheses back in input order; the length rule of limits.ts unless told otherwise.
 */
import { type Batch, makeBatches } from "../data/batching.js";
import { EOS } from "../data/vocab.js";
import type { TranslationModel } from "../models/registry.js";
import type { LengthPenalty } from "./length-penalty.js";
import { checkSourceLength, decodeLength, MAX_DECODE_STEPS } from "./limits.js";
import type { PenaltyOptions } from "./penalties.js";
import type { SamplingOptions } from "./sampling.js";
import { beamSearch, greedyDecode, type Hypothesis, type StepDecoder } from "./search.js";

/** Options of `decodeAll`. */
export interface DecodeAllOptions extends PenaltyOptions {
  /** Sample (greedy only): sentence i draws from its own generator (sampling.ts), whatever the batch. */
  sample?: SamplingOptions;
  /** Beam search's length penalty (GNMT α or "avg"; default 0.6). */
  lengthPenalty?: LengthPenalty;
  /** Beam search's coverage penalty β (default 0). */
  coveragePenalty?: number;
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

/**
 * Decodes padded batches of source ids; returns hypotheses in the order of `srcIds`. `model` is a
 * translation model (put in eval mode while decoding) or any step decoder, e.g. an EnsembleDecoder.
 */
export function decodeAll(
  model: TranslationModel | StepDecoder<unknown>,
  srcIds: number[][],
  options: DecodeAllOptions = {},
): Hypothesis[] {
  const { beamSize = 1, batchSize = 64, maxLength, maxTargetLength = 0, onProgress } = options;
  const { sample, lengthPenalty, coveragePenalty, repetitionPenalty, noRepeatNgram } = options;
  if (sample && beamSize > 1) throw new Error("decodeAll: sampling is greedy: beamSize must be 1");
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
  const module = "training" in model ? model : null;
  const wasTraining = module?.training ?? false;
  module?.eval();
  const out: Hypothesis[] = new Array(srcIds.length);
  const batches: Batch[] = makeBatches(
    srcIds.map((src) => ({ src, tgt: [] })),
    { batchSize, sortByLength: true },
  );
  let done = 0;
  for (const b of batches) {
    const maxLen = maxLength ?? decodeLength(Math.max(...b.srcLengths), maxTargetLength);
    const opts = { maxLength: maxLen, eos: EOS, repetitionPenalty, noRepeatNgram };
    const decoder = model as StepDecoder<unknown>;
    const hyps =
      beamSize > 1
        ? beamSearch(decoder, b.src, b.B, b.S, b.srcLengths, {
            ...opts,
            beamSize,
            lengthPenalty,
            coveragePenalty,
          })
        : greedyDecode(decoder, b.src, b.B, b.S, b.srcLengths, {
            ...opts,
            sample,
            sentenceIndices: b.indices,
          });
    hyps.forEach((h, i) => {
      out[b.indices[i]] = h;
    });
    done += b.B;
    onProgress?.(done, srcIds.length);
  }
  module?.train(wasTraining);
  return out;
}
