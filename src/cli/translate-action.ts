/**
 * `qkv translate`: translates sentences (arguments, or one a line on stdin) and shows each one's
 * attention map, or a whole file (`--input FILE --output FILE`: src/cli/translate-file.ts).
 * The command and its options are declared in translate.ts, which loads this file only when it runs.
 */
import { readFileSync } from "node:fs";
import type { OptionValues } from "commander";
import { tokensWithWords } from "../align/words.js";
import { tokenizersOf, vocabsOf } from "../checkpoint/format.js";
import { BPE_MARKER } from "../data/bpe.js";
import * as data from "../data/index.js";
import {
  decodeAll,
  decodeReplacingUnk,
  EnsembleDecoder,
  type Hypothesis,
  type StepDecoder,
} from "../decode/index.js";
import { heatmapTerminal } from "../viz/terminal.js";
import { chooseBackend, type Loaded, load, mapWidth, printJson } from "./common.js";
import { type ShownMap, shownMap } from "./shown-map.js";
import { escapeControl } from "./terminal-text.js";
import { type Generation, generationOf } from "./translate-options.js";

/**
 * The decoder `--ensemble` asks for: --model alone, or it and the other folders' models (same
 * checkpoint name) as one EnsembleDecoder. The folders must share the source and target vocabularies
 * and tokenizers (refused otherwise, naming the folders); the longest maxTargetLength bounds decoding.
 */
export async function decoderOf(
  m: Loaded,
  model: string,
  checkpoint: string,
  ensemble: readonly string[],
): Promise<{ decoder: StepDecoder<unknown>; maxTargetLength: number }> {
  if (ensemble.length === 0)
    return { decoder: m.model as StepDecoder<unknown>, maxTargetLength: m.meta.maxTargetLength };
  const same = (x: Loaded) =>
    (["srcVocab", "tgtVocab", "srcTokenizer", "tgtTokenizer"] as const).find(
      (k) => JSON.stringify(x.meta[k]) !== JSON.stringify(m.meta[k]),
    );
  const members = [m];
  for (const dir of ensemble) {
    const other = await load(dir, checkpoint);
    const differs = same(other);
    if (differs)
      throw new Error(
        `--ensemble: ${dir} has another ${differs} than --model ${model}: ensembled models must share vocabularies and tokenizers`,
      );
    members.push(other);
  }
  return {
    decoder: new EnsembleDecoder(members.map((x) => x.model as StepDecoder<unknown>)),
    maxTargetLength: Math.max(...members.map((x) => x.meta.maxTargetLength)),
  };
}

/**
 * `--replace-unk`: what to copy for each source token of `sentence` — a word tokenizer's token itself,
 * or (BPE) the whitespace word the piece came from, as a new word ("▁" + word).
 */
export function unkSources(m: Loaded, sentence: string, tokens: string[]): string[] {
  const { srcTokenizer, tgtTokenizer } = tokenizersOf(m.meta);
  const words =
    srcTokenizer.kind === "word"
      ? tokens
      : (() => {
          const tw = tokensWithWords(sentence, srcTokenizer);
          return tw.tokenWord.map((w) => tw.words[w] ?? "");
        })();
  return tgtTokenizer.kind === "bpe" ? words.map((w) => `${BPE_MARKER}${w}`) : words;
}

/** The output tokens of `h`, with --replace-unk applied when asked. */
export function outputTokens(m: Loaded, h: Hypothesis, source: () => string[], g: Generation): string[] {
  const { tgtVocab } = vocabsOf(m.meta);
  return g.replaceUnk
    ? decodeReplacingUnk(tgtVocab, h.tokens, h.alignment, source())
    : tgtVocab.decode(h.tokens);
}

function alignmentMap(map: ShownMap, color: "truecolor" | "256" | "none"): string {
  const out = heatmapTerminal(map.weights, {
    rowLabels: map.rowLabels,
    colLabels: map.colLabels,
    color,
    domain: [0, 1],
    maxWidth: mapWidth(),
  });
  return map.caption ? `${out}\n${map.caption} (--pieces: the model's pieces)` : out;
}

/** `--input FILE --output FILE`: a file in, a file out (src/cli/translate-file.ts). */
async function translateToFile(
  m: Loaded,
  sentences: string[],
  o: OptionValues,
  g: Generation,
  decoder: StepDecoder<unknown>,
  maxTargetLength: number,
): Promise<void> {
  if (!o.input || !o.output) throw new Error("--input FILE and --output FILE go together");
  if (sentences.length) throw new Error("give sentences as arguments or --input FILE, not both");
  const { srcVocab, tgtVocab } = vocabsOf(m.meta);
  const { translateFile } = await import("./translate-file.js"); // the progress bar: only for files
  const n = await translateFile(
    {
      ...m,
      model: decoder,
      srcVocab,
      tgtVocab,
      maxTargetLength,
      unkSources: g.replaceUnk ? (line, toks) => unkSources(m, line, toks) : undefined,
    },
    {
      input: o.input,
      output: o.output,
      beam: o.beam,
      nBest: o.nBest,
      format: o.format,
      quiet: o.quiet || o.json,
      generation: g,
    },
  );
  if (o.json) console.log(JSON.stringify({ input: o.input, output: o.output, lines: n }));
  else process.stderr.write(`translated ${n} lines of ${o.input} into ${o.output}\n`);
}

/** The sentences to translate: the arguments, else the non-blank lines of stdin. */
function inputSentences(sentences: string[]): string[] {
  if (sentences.length > 0) return sentences;
  const input = data.splitLines(data.decodeUtf8(readFileSync(0), "<stdin>")).filter((l) => l.trim());
  if (input.length === 0) throw new Error("no sentences (give them as arguments or one per line on stdin)");
  return input;
}

/** The `qkv translate` action. */
export async function runTranslate(sentences: string[], o: OptionValues): Promise<void> {
  const g = generationOf(o); // the flags' combinations, before anything loads
  await chooseBackend(o.backend);
  const m = await load(o.model, o.checkpoint);
  const { decoder, maxTargetLength } = await decoderOf(m, o.model, o.checkpoint, g.ensemble);
  if (o.input !== undefined || o.output !== undefined)
    return translateToFile(m, sentences, o, g, decoder, maxTargetLength);
  if (o.nBest !== 1 || o.format !== "text")
    throw new Error("--n-best and --format need --input FILE --output FILE");
  const input = inputSentences(sentences);
  const { srcVocab } = vocabsOf(m.meta);
  const toks = input.map(m.tokenize);
  toks.forEach((t, i) => {
    if (t.length === 0) {
      throw new Error(`sentence ${i + 1} (${JSON.stringify(input[i])}) is empty: nothing to translate`);
    }
  });
  const hyps = decodeAll(
    decoder,
    toks.map((t) => srcVocab.encode(t)),
    {
      beamSize: o.beam,
      maxTargetLength,
      sample: g.sample,
      repetitionPenalty: g.repetitionPenalty,
      noRepeatNgram: g.noRepeatNgram,
      lengthPenalty: g.lengthPenalty,
      coveragePenalty: g.coveragePenalty,
    },
  );
  const color = o.color ?? (process.stdout.isTTY ? "truecolor" : "none");
  const results = hyps.map((h, i) => {
    const out = outputTokens(m, h, () => unkSources(m, input[i], toks[i]), g);
    // The map's rows: the output tokens, then <eos> when the alignment has its row.
    const rows = h.alignment.slice(0, out.length + 1);
    const map = rows.length
      ? shownMap(m, input[i], toks[i], [...out, "<eos>"].slice(0, rows.length), rows, o.pieces)
      : null;
    return {
      source: input[i],
      sourceTokens: toks[i],
      translation: m.detokenize(out),
      tokens: out,
      alignment: h.alignment,
      // Words (whitespace-separated): the map's rows and columns, weights summed over a source
      // word's pieces and averaged over a target word's pieces.
      sourceWords: map?.cols.labels ?? [],
      targetWords: map?.rows.labels ?? [],
      wordWeights: map?.wordWeights ?? [],
      map,
    };
  });
  if (o.json) {
    printJson(results.map(({ map: _, ...r }) => r));
    return;
  }
  for (const r of results) {
    // On a terminal, the echoed source (and the translation) cannot carry escape sequences.
    const shown = process.stdout.isTTY ? escapeControl : (t: string) => t;
    console.log(`${shown(r.source)}\n→ ${shown(r.translation)}`);
    if (o.map && r.map) console.log(alignmentMap(r.map, color));
    console.log();
  }
}
