/**
 * Bahdanau, Cho & Bengio 2014 ("Neural Machine Translation by Jointly Learning to Align and Translate"),
 * Figure 3, reproduced: the alignment matrices of four English → French sentence pairs — the x-axis the
 * English source words, the y-axis the French words, cell (i, j) the weight a_ij of the annotation of the
 * j-th source word for the i-th target word (grey-scale, darker = more weight; the paper draws 1 as white).
 *
 * The four pairs are the paper's (its model's own French output), tokenized as in the figure. Our model
 * is an LSTM + Bahdanau encoder–decoder trained on Tatoeba English–French (short everyday sentences, not
 * WMT'14 news), so it is *forced* on the paper's French (teacher forcing, `forcedAlign`) rather than left
 * to translate; the rows are the attention that predicts each French word (s_{i−1} asks, eq. 6).
 *
 *   npx tsx scripts/bahdanau-fig3.ts --model runs/align-fra-bahdanau [--out docs/results/fig3] [--posterior]
 *
 * Writes (a)–(d) as PNG and SVG and fig3.json (the word matrices and links).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { forcedAlignAll } from "../src/align/forced.js";
import { initBackend } from "../src/kernels/index.js";
import { loadModel } from "../src/train/load-model.js";
import { tokenizersOf } from "../src/train/trainer.js";
import { heatmapSvg } from "../src/viz/heatmap-svg.js";
import { heatmapPng } from "../src/viz/png.js";

/** Bahdanau et al. 2014, Fig. 3 (a)–(d): English source, French output, as the figure's axes spell them. */
export const FIG3_PAIRS = [
  {
    id: "a",
    en: "The agreement on the European Economic Area was signed in August 1992 .",
    fr: "L' accord sur la zone économique européenne a été signé en août 1992 .",
  },
  {
    id: "b",
    en: "It should be noted that the marine environment is the least known of environments .",
    fr: "Il convient de noter que l' environnement marin est le moins connu de l' environnement .",
  },
  {
    id: "c",
    en: "Destruction of the equipment means that Syria can no longer produce new chemical weapons .",
    fr: "La destruction de l' équipement signifie que la Syrie ne peut plus produire de nouvelles armes chimiques .",
  },
  {
    id: "d",
    en: '" This will change my future with my family , " the man said .',
    fr: '" Cela va changer mon avenir avec ma famille " , a dit l\' homme .',
  },
];

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "runs/align-fra-bahdanau" },
    checkpoint: { type: "string", default: "best" },
    out: { type: "string", default: "docs/results/fig3" },
    // A latent-alignment model: draw its alignment posterior p(a_i = j | y_i) instead of a_ij.
    posterior: { type: "boolean", default: false },
  },
});
await initBackend();
const { model, meta } = await loadModel(values.model, values.checkpoint);
const { srcTokenizer, tgtTokenizer } = tokenizersOf(meta);
const aligned = forcedAlignAll(
  model,
  srcTokenizer,
  tgtTokenizer,
  FIG3_PAIRS.map((p) => ({ source: p.en, target: p.fr })),
  { reading: values.posterior ? { posterior: true } : {} },
);
mkdirSync(values.out, { recursive: true });
const caption = `${values.posterior ? "alignment posterior; " : ""}words: sum over a source word's pieces, mean over a target word's pieces (forced on the French)`;
const out: unknown[] = [];
aligned.forEach((a, k) => {
  const id = FIG3_PAIRS[k].id;
  const opts = {
    rowLabels: a.tgtWords,
    colLabels: a.srcWords,
    title: `(${id}) Bahdanau et al. 2014, Fig. 3: qkv LSTM + Bahdanau, Tatoeba English-French`,
    colormap: "greys" as const,
    cellSize: 22,
    caption,
  };
  writeFileSync(join(values.out, `fig3-${id}.svg`), heatmapSvg(a.wordWeights, opts));
  writeFileSync(join(values.out, `fig3-${id}.png`), heatmapPng(a.wordWeights, opts));
  out.push({ id, source: a.srcWords, target: a.tgtWords, weights: a.wordWeights, links: [...a.links] });
  console.error(`(${id}) ${a.srcWords.length} × ${a.tgtWords.length} words, log p = ${a.logProb.toFixed(1)}`);
});
writeFileSync(
  join(values.out, "fig3.json"),
  `${JSON.stringify({ model: values.model, pairs: out }, null, 1)}\n`,
);
console.error(`wrote ${values.out}/fig3-{a,b,c,d}.{png,svg} and fig3.json`);
