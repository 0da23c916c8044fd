/**
 * `qkv attend`: a model's attention for one sentence — a terminal heatmap with the weights, SVG / PNG /
 * HTML files, or JSON with every decoder layer's and head's weights (a Transformer's).
 * The command and its options are declared in attend.ts, which loads this file only when it runs.
 */
import type { OptionValues } from "commander";
import {
  data,
  decodeAll,
  heatmapSvg,
  heatmapTerminal,
  isTransformer,
  type TranslationModel,
} from "../index.js";
import { modelTitle, vocabsOf, writeFileAtomic } from "../node.js";
import { chooseBackend, type Loaded, load, mapWidth, printJson } from "./common.js";
import { type ShownMap, shownMap } from "./shown-map.js";

/**
 * A transformer's cross-attention for a decoded output, every decoder layer and head: [layer][head][row]
 * [source position], rows = the output tokens then <eos> (first `rows` of them) — the teacher-forced
 * forward over <sos> + output, which equals the cached decoding step by step. Null for an LSTM model
 * (its one attention map is the alignment).
 */
function transformerLayerWeights(
  model: TranslationModel,
  srcIds: number[],
  outIds: number[],
  rows: number,
): number[][][][] | null {
  if (!isTransformer(model)) return null;
  const tgtIn = [data.SOS, ...outIds].slice(0, rows);
  const r = model.forward(srcIds, [srcIds.length], tgtIn, 1, srcIds.length, tgtIn.length, {
    needWeights: true,
  });
  const S = srcIds.length;
  const T = tgtIn.length;
  return r.layerWeights.map((w) => {
    const H = w.shape[1];
    const d = w.data;
    return Array.from({ length: H }, (_, hh) =>
      Array.from({ length: T }, (_, t) => Array.from(d.subarray((hh * T + t) * S, (hh * T + t + 1) * S))),
    );
  });
}

/** One sentence's decoded attention, as `qkv attend` shows it. */
interface Attended {
  sentence: string;
  src: string[];
  srcIds: number[];
  outIds: number[];
  out: string[];
  rowLabels: string[];
  rows: number[][];
  map: ShownMap;
}

/** Decodes `sentence` greedily and takes its attention map (an error if the model has none). */
function attendTo(m: Loaded, sentence: string, pieces: boolean): Attended {
  const { srcVocab, tgtVocab } = vocabsOf(m.meta);
  const src = m.tokenize(sentence);
  if (src.length === 0)
    throw new Error(`the sentence ${JSON.stringify(sentence)} is empty: nothing to attend to`);
  const srcIds = srcVocab.encode(src);
  const [h] = decodeAll(m.model, [srcIds], { maxTargetLength: m.meta.maxTargetLength });
  if (!h.alignment.length) throw new Error(`this model has no attention (attention "${modelTitle(m.meta)}")`);
  const out = tgtVocab.decode(h.tokens);
  const rows = h.alignment.slice(0, out.length + 1);
  const rowLabels = [...out, "<eos>"].slice(0, rows.length);
  // Words by default (sum over a source word's pieces, mean over a target word's); --pieces: tokens.
  const map = shownMap(m, sentence, src, rowLabels, rows, pieces);
  return { sentence, src, srcIds, outIds: h.tokens, out, rowLabels, rows, map };
}

/** The `--json` document. */
function attendJson(m: Loaded, a: Attended) {
  const { map } = a;
  return {
    sentence: a.sentence,
    task: m.meta.task,
    attention: "attention" in m.meta.config ? m.meta.config.attention : "transformer",
    model: modelTitle(m.meta),
    sourceTokens: a.src,
    tokens: a.out,
    translation: m.detokenize(a.out),
    rowLabels: a.rowLabels,
    weights: a.rows,
    // A transformer's: every decoder layer's cross-attention per head (null for an LSTM model).
    layers: transformerLayerWeights(m.model, a.srcIds, a.outIds, a.rows.length),
    // The same map as words (whitespace-separated): rows the target words (then <eos>), columns
    // the source words; weights summed over a source word's pieces, averaged over a target word's.
    sourceWords: map.cols.labels,
    targetWords: map.rows.labels,
    wordWeights: map.wordWeights,
    // Which word each token belongs to (sourceTokens → sourceWords, rowLabels → targetWords).
    sourceTokenWord: map.cols.tokenWord,
    targetTokenWord: map.rows.tokenWord,
  };
}

/** Output files, like everywhere in the CLI: written atomically, missing parent folders created. */
async function writeMaps(m: Loaded, a: Attended, o: OptionValues, say: (line: string) => void) {
  const { map, sentence } = a;
  const labels = { rowLabels: map.rowLabels, colLabels: map.colLabels };
  const caption = map.caption || undefined;
  if (o.svg) {
    await writeFileAtomic(o.svg, heatmapSvg(map.weights, { ...labels, title: sentence, caption }));
    say(`SVG written to ${o.svg}`);
  }
  if (o.png) {
    const { heatmapPng } = await import("../viz/png.js"); // fontkit and the fonts: only for --png
    await writeFileAtomic(
      o.png,
      heatmapPng(map.weights, { ...labels, title: sentence, caption, cellSize: 32 }),
    );
    say(`PNG written to ${o.png}`);
  }
  if (o.html) {
    const { attentionReportHtml } = await import("../viz/html.js"); // carries the Devanagari font
    const title = `${m.meta.task} (${modelTitle(m.meta)}): ${sentence}`;
    await writeFileAtomic(
      o.html,
      attentionReportHtml([{ title, weights: map.weights, ...labels }], { title, description: caption }),
    );
    say(`HTML written to ${o.html}`);
  }
}

/** The `qkv attend` action. */
export async function runAttend(sentence: string, o: OptionValues): Promise<void> {
  await chooseBackend(o.backend);
  const m = await load(o.model, o.checkpoint);
  const a = attendTo(m, sentence, o.pieces);
  const { map } = a;
  const color = o.color ?? (process.stdout.isTTY ? "truecolor" : "none");
  // With --json, stdout holds only the JSON document (files are still written when asked for).
  const say = (line: string) => {
    if (!o.json) console.log(line);
  };
  if (o.json) printJson(attendJson(m, a));
  else {
    say(`${sentence}\n→ ${m.detokenize(a.out)}`);
    say(
      heatmapTerminal(map.weights, {
        rowLabels: map.rowLabels,
        colLabels: map.colLabels,
        color,
        showValues: true,
        domain: [0, 1],
        maxWidth: mapWidth(),
      }),
    );
    if (map.caption) say(`${map.caption} (--pieces: the model's pieces)`);
  }
  await writeMaps(m, a, o, say);
}
