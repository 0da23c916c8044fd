/**
 * The generation flags of `qkv translate` (declared here once; src/decode/ holds their meaning):
 *
 *   --sample                  sample each token instead of taking the best (greedy only)
 *   --temperature τ           τ > 0, with --sample (default 1)
 *   --top-k k                 integer ≥ 1, with --sample
 *   --top-p p                 p ∈ (0, 1], with --sample
 *   --seed n                  integer 0 … 2^32 − 1, with --sample (default 0); sentence i draws from
 *                             its own generator, so a sentence's sample does not depend on the others
 *   --repetition-penalty θ    θ > 0 (CTRL / Hugging Face; 1 = none)
 *   --no-repeat-ngram n       integer ≥ 1: never output an n-gram twice
 *   --length-penalty α|avg    GNMT α ≥ 0 (default 0.6) or "avg" (average log-probability), beam only
 *   --coverage-penalty β      GNMT β ≥ 0, beam only (needs a model with attention)
 *   --replace-unk             each output <unk> → the source word attended most at its step
 *   --ensemble DIR…           decode with --model and these models together (mean of probabilities)
 *
 * Meaningless combinations are refused, naming the flags: a sampling flag without --sample, --sample
 * with --beam > 1 or --n-best > 1, a beam penalty without a beam.
 */
import { type Command, InvalidArgumentError, Option, type OptionValues } from "commander";
import type { LengthPenalty, PenaltyOptions, SamplingOptions } from "../decode/index.js";
import { int, num } from "./options.js";

/** `--top-p`: a number in (0, 1]. */
const topP = (v: string): number => {
  const n = v.trim() === "" ? Number.NaN : Number(v);
  if (!(Number.isFinite(n) && n > 0 && n <= 1))
    throw new InvalidArgumentError(`--top-p must be a number in (0, 1], got "${v}"`);
  return n;
};

/** `--length-penalty`: GNMT's α ≥ 0 or "avg". */
const lengthPenaltyArg = (v: string): LengthPenalty => {
  if (v === "avg") return "avg";
  const n = v.trim() === "" ? Number.NaN : Number(v);
  if (!(Number.isFinite(n) && n >= 0))
    throw new InvalidArgumentError(`--length-penalty must be a number ≥ 0 (GNMT α) or "avg", got "${v}"`);
  return n;
};

/** Adds the generation flags to `cmd`: the decoding controls, --replace-unk and --ensemble (translate). */
export function withGenerationOptions(cmd: Command): Command {
  return withDecodingControls(cmd)
    .option("--replace-unk", "replace each output <unk> by the source word attended most at its step")
    .option(
      "--ensemble <dirs...>",
      "decode with --model and these checkpoint folders (up to the next flag) together: mean of probabilities",
    );
}

/** Adds the decoding controls (sampling, penalties: `qkv translate` and `qkv eval`) to `cmd`. */
export function withDecodingControls(cmd: Command): Command {
  return cmd
    .option(
      "--sample",
      "sample each token (temperature, top-k, top-p, seed) instead of the best; greedy only",
    )
    .addOption(
      new Option("--temperature <t>", "with --sample: divide the logits by t > 0").argParser(
        num("--temperature", ">0"),
      ),
    )
    .addOption(
      new Option("--top-k <k>", "with --sample: keep the k best tokens").argParser(int("--top-k", 1)),
    )
    .addOption(
      new Option("--top-p <p>", "with --sample: keep the nucleus of probability p in (0, 1]").argParser(topP),
    )
    .addOption(
      new Option("--seed <n>", "with --sample: the seed (default 0)").argParser(int("--seed", 0, 0xffffffff)),
    )
    .addOption(
      new Option(
        "--repetition-penalty <theta>",
        "penalise tokens already output (CTRL; > 1 discourages)",
      ).argParser(num("--repetition-penalty", ">0")),
    )
    .addOption(
      new Option("--no-repeat-ngram <n>", "never output the same n-gram twice").argParser(
        int("--no-repeat-ngram", 1),
      ),
    )
    .addOption(
      new Option(
        "--length-penalty <alpha>",
        'beam: GNMT length penalty α ≥ 0 (default 0.6), or "avg"',
      ).argParser(lengthPenaltyArg),
    )
    .addOption(
      new Option("--coverage-penalty <beta>", "beam: GNMT coverage penalty β ≥ 0 (default 0)").argParser(
        num("--coverage-penalty", ">=0"),
      ),
    );
}

/** What the generation flags ask of decoding. */
export interface Generation extends PenaltyOptions {
  sample?: SamplingOptions;
  lengthPenalty?: LengthPenalty;
  coveragePenalty?: number;
  replaceUnk: boolean;
  ensemble: string[];
}

/** The flags' values, the combinations checked (each message names its flags). */
export function generationOf(o: OptionValues): Generation {
  const beam = Math.max(o.beam ?? 1, o.nBest ?? 1);
  // commander reads `--no-repeat-ngram` as the negation of a `repeatNgram` (true when absent).
  const noRepeatNgram = typeof o.repeatNgram === "number" ? o.repeatNgram : undefined;
  for (const [flag, v] of [
    ["--temperature", o.temperature],
    ["--top-k", o.topK],
    ["--top-p", o.topP],
    ["--seed", o.seed],
  ] as const) {
    if (v !== undefined && !o.sample) throw new Error(`${flag} needs --sample (it only changes sampling)`);
  }
  if (o.sample && beam > 1)
    throw new Error(
      `--sample draws one translation per sentence: it cannot go with --beam ${o.beam}${o.nBest > 1 ? ` / --n-best ${o.nBest}` : ""}`,
    );
  for (const [flag, v] of [
    ["--length-penalty", o.lengthPenalty],
    ["--coverage-penalty", o.coveragePenalty],
  ] as const) {
    if (v !== undefined && beam === 1)
      throw new Error(`${flag} ranks beam search's hypotheses: give --beam N with N ≥ 2`);
  }
  return {
    ...(o.sample
      ? { sample: { temperature: o.temperature, topK: o.topK, topP: o.topP, seed: o.seed ?? 0 } }
      : {}),
    repetitionPenalty: o.repetitionPenalty,
    noRepeatNgram,
    lengthPenalty: o.lengthPenalty,
    coveragePenalty: o.coveragePenalty,
    replaceUnk: Boolean(o.replaceUnk),
    ensemble: o.ensemble ?? [],
  };
}
