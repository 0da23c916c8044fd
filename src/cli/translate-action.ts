/**
 * `qkv translate`: translates sentences (arguments, or one a line on stdin) and shows each one's
 * attention map, or a whole file (`--input FILE --output FILE`: src/cli/translate-file.ts).
 * The command and its options are declared in translate.ts, which loads this file only when it runs.
 */
import { readFileSync } from "node:fs";
import type { OptionValues } from "commander";
import { vocabsOf } from "../checkpoint/format.js";
import * as data from "../data/index.js";
import { decodeAll, type StepDecoder } from "../decode/index.js";
import { heatmapTerminal } from "../viz/terminal.js";
import { chooseBackend, type Loaded, load, mapWidth, printJson } from "./common.js";
import { type ShownMap, shownMap } from "./shown-map.js";
import { escapeControl } from "./terminal-text.js";

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
async function translateToFile(m: Loaded, sentences: string[], o: OptionValues): Promise<void> {
  if (!o.input || !o.output) throw new Error("--input FILE and --output FILE go together");
  if (sentences.length) throw new Error("give sentences as arguments or --input FILE, not both");
  const { srcVocab, tgtVocab } = vocabsOf(m.meta);
  const { translateFile } = await import("./translate-file.js"); // the progress bar: only for files
  const n = await translateFile(
    {
      ...m,
      model: m.model as StepDecoder<unknown>,
      srcVocab,
      tgtVocab,
      maxTargetLength: m.meta.maxTargetLength,
    },
    {
      input: o.input,
      output: o.output,
      beam: o.beam,
      nBest: o.nBest,
      format: o.format,
      quiet: o.quiet || o.json,
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
  await chooseBackend(o.backend);
  const m = await load(o.model, o.checkpoint);
  if (o.input !== undefined || o.output !== undefined) return translateToFile(m, sentences, o);
  if (o.nBest !== 1 || o.format !== "text")
    throw new Error("--n-best and --format need --input FILE --output FILE");
  const input = inputSentences(sentences);
  const { srcVocab, tgtVocab } = vocabsOf(m.meta);
  const toks = input.map(m.tokenize);
  toks.forEach((t, i) => {
    if (t.length === 0) {
      throw new Error(`sentence ${i + 1} (${JSON.stringify(input[i])}) is empty: nothing to translate`);
    }
  });
  const hyps = decodeAll(
    m.model,
    toks.map((t) => srcVocab.encode(t)),
    { beamSize: o.beam, maxTargetLength: m.meta.maxTargetLength },
  );
  const color = o.color ?? (process.stdout.isTTY ? "truecolor" : "none");
  const results = hyps.map((h, i) => {
    const out = tgtVocab.decode(h.tokens);
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
