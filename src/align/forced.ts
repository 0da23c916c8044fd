/**
 * Forced alignment: run a translation model with teacher forcing on a GIVEN target and read word links
 * off its cross-attention (what fairseq's `--print-alignment` and OpenNMT's `-report_align` print).
 *
 * The source ids are the source tokenizer's ids of the whole line, with no <sos>/<eos> (exactly what
 * translate and attend feed the encoder); the decoder input is <sos> y_0 … y_{n−1} and the outputs
 * y_0 … y_{n−1} <eos>, as in training (data/batching.ts).
 *
 * Row convention: row t of `tokenWeights` is the attention used to PREDICT target token y_t — the
 * weights of the decoding step whose input is y_{t−1} (<sos> for t = 0) and whose logits score y_t:
 *   Bahdanau  a_t asked with s_{t−1}, before the LSTM reads y_{t−1} and c_t;
 *   Luong     a_t asked with s_t, after the LSTM consumed y_{t−1} (and h̃_{t−1});
 *   Transformer  decoder position t (input y_{t−1}, <sos> first) predicts y_t.
 * The last row (the one predicting <eos>) is dropped. Columns are the source tokens; the source has no
 * special tokens, so nothing is dropped there and rows are NOT renormalised: each row of an LSTM's
 * attention, of one Transformer head, or of a mean of them, sums to 1 over the source tokens.
 *
 * Word level: `aggregateToWords` (sum over a source word's pieces, mean over a target word's pieces),
 * then by default one link per target word to its highest-weight source word (`attentionToLinks`);
 * a reading with `symmetrize` reads the word matrix in both directions and combines them
 * (`bidirectionalLinks`). Links are "s-t": s the source word, t the target word, 0-based (Pharaoh order).
 *
 * Browser-safe: no Node built-ins.
 */
import type { Tokenizer } from "../data/tokenizers.js";
import { EOS, PAD, SOS } from "../data/vocab.js";
import { isTransformer } from "../models/registry.js";
import type { Seq2Seq } from "../models/seq2seq/model.js";
import type { TransformerModel } from "../models/transformer/model.js";
import { logSoftmax, noGrad, type Tensor } from "../tensor/index.js";
import { formatPharaoh } from "./pharaoh.js";
import { bidirectionalLinks, SYMMETRIZATIONS, type Symmetrization } from "./symmetrize.js";
import { aggregateToWords, type TokenWords, tokensWithWords } from "./words.js";

/**
 * Which cross-attention to read: a Transformer decoder layer (0-based) or the mean over layers, and a
 * head or the mean over heads. Defaults: the last layer, the mean over its heads (the map that
 * decoding keeps). A seq2seq model has one attention: the reading is ignored.
 */
export type AlignReading = {
  /** A decoder layer, the mean over layers, or a latentAlignment Transformer's alignment layer. */
  layer?: number | "mean" | "alignment";
  head?: number | "mean";
  /**
   * A `latentAlignment` model only (a Transformer: with layer "alignment"): instead of the attention
   * a_tj (which is asked before y_t is seen), the alignment posterior given the word, p(a_t = j | y_t) = a_tj p(y_t | v_j, s_t) / p(y_t)
   * — the model's own answer to "which source position explains y_t", as IBM Model 1's posterior is.
   */
  posterior?: boolean;
  /**
   * How links are read off the word matrix W (target words × source words): "none" (the default) links
   * each target word to its argmax source word (W's rows); the others also take each source word's
   * argmax target word (W's columns) and combine the two directions as a classical aligner's are
   * (`symmetrize`: "intersect" keeps the links both directions agree on — the "ArgMax" of SimAlign,
   * Jalili Sabet et al. 2020 — and "grow-diag…" grow from there).
   */
  symmetrize?: Symmetrization;
};

/** One sentence pair aligned by a model: its words and tokens, the attention read, and the links. */
export interface ForcedAlignment {
  srcWords: string[];
  tgtWords: string[];
  /** The tokens the model saw (vocabulary strings). */
  srcTokens: string[];
  tgtTokens: string[];
  srcTokenWord: number[];
  tgtTokenWord: number[];
  /** Target tokens × source tokens: row t is the attention that predicted tgtTokens[t] (see above). */
  tokenWeights: number[][];
  /** Target words × source words (`aggregateToWords`). */
  wordWeights: number[][];
  /** "s-t" links read off `wordWeights` (each target word → its argmax source word, or `symmetrize`d). */
  links: Set<string>;
  /** The reading used, resolved ({} for a seq2seq model). */
  reading: AlignReading;
  /** log p(target tokens, <eos> | source) under teacher forcing (natural log). */
  logProb: number;
}

/** A model forced alignment can read: the LSTM seq2seq or the Transformer. */
export type AlignModel = Seq2Seq | TransformerModel;

/** A pair to align: the source line and its target line. */
export interface AlignPair {
  source: string;
  target: string;
}

/** Options of `forcedAlignAll` and `forcedAlignReadings`: batch size, the attention reading, progress. */
export interface ForcedAlignOptions {
  /** Pairs per teacher-forced batch (default 32). */
  batchSize?: number;
  reading?: AlignReading;
  /** Called after each batch with the pairs done and the total. */
  onProgress?: (done: number, total: number) => void;
}

function describeRange(n: number): string {
  return n === 1 ? "0" : `0–${n - 1}`;
}

/**
 * The reading `reading` asks for, checked against the model and with defaults filled in: {} for a
 * seq2seq model (throws if a layer or head was asked for), else { layer, head } with the last layer
 * and the mean over heads by default. Errors read "head 7: the model has 4 heads (0–3)".
 */
export function resolveReading(model: AlignModel, reading: AlignReading = {}): AlignReading {
  const { symmetrize, ...rest } = reading;
  if (symmetrize !== undefined && !SYMMETRIZATIONS.includes(symmetrize)) {
    throw new Error(
      `symmetrize: expected one of ${SYMMETRIZATIONS.join(", ")}, got ${JSON.stringify(symmetrize)}`,
    );
  }
  const resolved = resolveMatrix(model, rest);
  return symmetrize === undefined || symmetrize === "none" ? resolved : { ...resolved, symmetrize };
}

/** `resolveReading` without `symmetrize`: which attention matrix. */
function resolveMatrix(model: AlignModel, reading: AlignReading): AlignReading {
  if (reading.posterior !== undefined && typeof reading.posterior !== "boolean") {
    throw new Error(`posterior: expected true or false, got ${JSON.stringify(reading.posterior)}`);
  }
  if (!isTransformer(model)) {
    if (reading.layer !== undefined || reading.head !== undefined) {
      const what = reading.layer !== undefined ? `layer ${reading.layer}` : `head ${reading.head}`;
      throw new Error(
        `${what}: a seq2seq model has one attention (no layers or heads to choose); leave it out`,
      );
    }
    if (reading.posterior === true) {
      if (!model.config.latentAlignment) {
        throw new Error(
          "posterior: only a latentAlignment model has an alignment posterior (this model's attention feeds one context vector)",
        );
      }
      return { posterior: true };
    }
    return {};
  }
  const latent = model.config.latentAlignment;
  if (
    reading.layer === "alignment" ||
    (latent && reading.layer === undefined && reading.head === undefined)
  ) {
    if (!latent) {
      throw new Error('layer "alignment": only a latentAlignment Transformer has an alignment layer');
    }
    if (reading.head !== undefined) {
      throw new Error(`head ${reading.head}: the alignment layer has one head; leave --head out`);
    }
    return reading.posterior === true ? { layer: "alignment", posterior: true } : { layer: "alignment" };
  }
  if (reading.posterior === true) {
    throw new Error(
      'posterior: only a latentAlignment model has an alignment posterior (a Transformer: at layer "alignment")',
    );
  }
  const L = model.config.numDecoderLayers;
  const H = model.config.nhead;
  const layer = reading.layer ?? L - 1;
  const head = reading.head ?? "mean";
  if (layer !== "mean" && (!Number.isInteger(layer) || layer < 0 || layer >= L)) {
    throw new Error(
      `layer ${layer}: the model has ${L} decoder layer${L === 1 ? "" : "s"} (${describeRange(L)}), or "mean"`,
    );
  }
  if (head !== "mean" && (!Number.isInteger(head) || head < 0 || head >= H)) {
    throw new Error(
      `head ${head}: the model has ${H} head${H === 1 ? "" : "s"} (${describeRange(H)}), or "mean"`,
    );
  }
  return { layer, head };
}

/**
 * Every reading of a Transformer: each layer × head, each layer's mean over heads, and the mean of all;
 * with latentAlignment first its alignment layer's attention and posterior.
 */
export function transformerReadings(model: TransformerModel): AlignReading[] {
  const out: AlignReading[] = model.config.latentAlignment
    ? [{ layer: "alignment" }, { layer: "alignment", posterior: true }]
    : [];
  for (let l = 0; l < model.config.numDecoderLayers; l++) {
    for (let h = 0; h < model.config.nhead; h++) out.push({ layer: l, head: h });
    out.push({ layer: l, head: "mean" });
  }
  out.push({ layer: "mean", head: "mean" });
  return out;
}

/**
 * Every reading of a model: a Transformer's `transformerReadings`; a seq2seq model's one attention, and
 * with `latentAlignment` also its alignment posterior.
 */
export function alignReadings(model: AlignModel): AlignReading[] {
  if (isTransformer(model)) return transformerReadings(model);
  return model.config.latentAlignment ? [{}, { posterior: true }] : [{}];
}

/** The link readings scored beside the row argmax ("none"): both directions of the word matrix, combined. */
export const READING_SYMMETRIZATIONS: readonly Symmetrization[] = [
  "none",
  "intersect",
  "grow-diag",
  "grow-diag-final-and",
];

/** Each of `readings` read with each of `READING_SYMMETRIZATIONS` (what scripts/align-results.ts chooses among on dev). */
export function withSymmetrizations(readings: readonly AlignReading[]): AlignReading[] {
  return readings.flatMap((r) =>
    READING_SYMMETRIZATIONS.map((symmetrize) => (symmetrize === "none" ? { ...r } : { ...r, symmetrize })),
  );
}

/**
 * A short name of a reading: "layer 1, head 2", "mean of all layers and heads", "alignment posterior";
 * "" for seq2seq's {}; with `symmetrize`, ", both directions, intersect" after it ("its attention" when
 * there is nothing before).
 */
export function readingName(reading: AlignReading): string {
  const base = matrixName(reading);
  if (reading.symmetrize === undefined || reading.symmetrize === "none") return base;
  return `${base || "its attention"}, both directions, ${reading.symmetrize}`;
}

function matrixName(reading: AlignReading): string {
  if (reading.layer === "alignment")
    return reading.posterior === true ? "alignment layer, posterior" : "alignment layer";
  if (reading.posterior === true) return "alignment posterior";
  if (reading.layer === undefined && reading.head === undefined) return "";
  if (reading.layer === "mean" && reading.head === "mean") return "mean of all layers and heads";
  const l = reading.layer === "mean" ? "mean of layers" : `layer ${reading.layer}`;
  const h = reading.head === "mean" ? "mean of heads" : `head ${reading.head}`;
  return `${l}, ${h}`;
}

interface Prepared {
  src: TokenWords;
  tgt: TokenWords;
  srcIds: number[];
  tgtIds: number[];
}

/**
 * Teacher-forced cross-attention of a batch for one or several readings: for each reading, for each
 * pair, target tokens × source tokens (rows for y_0 … y_{n−1}; the <eos> row dropped); and each
 * pair's log-probability.
 */
function alignBatch(
  model: AlignModel,
  batch: Prepared[],
  readings: AlignReading[],
): { weights: number[][][][]; logProbs: number[] } {
  const B = batch.length;
  const S = Math.max(...batch.map((p) => p.srcIds.length));
  const T = Math.max(...batch.map((p) => p.tgtIds.length)) + 1;
  const src = new Int32Array(B * S).fill(PAD);
  const tgtIn = new Int32Array(B * T).fill(PAD);
  const srcLengths = batch.map((p) => p.srcIds.length);
  batch.forEach((p, b) => {
    src.set(p.srcIds, b * S);
    tgtIn[b * T] = SOS;
    tgtIn.set(p.tgtIds, b * T + 1);
  });
  let logits: Tensor;
  // readers[r](b, t, s): the weight of reading r for pair b, target row t, source token s.
  let readers: ((b: number, t: number, s: number) => number)[];
  if (isTransformer(model)) {
    const out = model.forward(src, srcLengths, tgtIn, B, S, T, { needWeights: true });
    logits = out.logits;
    const layers = out.layerWeights.map((w) => w.data); // each (B, H, T, S)
    const H = model.config.nhead;
    const L = layers.length;
    const align = model.config.latentAlignment ? out.weights!.data : null; // (B, T, S)
    const post = readings.some((r) => r.posterior === true)
      ? posteriorOf(align!, out.positionProbs!, batch, B, T, S)
      : null;
    readers = readings.map((r) => {
      if (r.layer === "alignment") {
        const from = r.posterior === true ? post! : align!;
        return (b, t, s) => from[(b * T + t) * S + s];
      }
      const ls = r.layer === "mean" ? [...Array(L).keys()] : [r.layer as number];
      const hs = r.head === "mean" ? [...Array(H).keys()] : [r.head as number];
      const n = ls.length * hs.length;
      return (b, t, s) => {
        let sum = 0;
        for (const l of ls) for (const h of hs) sum += layers[l][((b * H + h) * T + t) * S + s];
        return sum / n;
      };
    });
  } else {
    if (model.config.attention === "none") {
      throw new Error('forcedAlign: this model has no attention (attention "none"): nothing to align with');
    }
    const wantPosterior = readings.some((r) => r.posterior === true);
    const out = model.forward(src, srcLengths, tgtIn, B, S, T, { needPositionProbs: wantPosterior });
    logits = out.logits;
    const w = out.weights!.data; // (B, T, S)
    const post = wantPosterior ? posteriorOf(w, out.positionProbs!, batch, B, T, S) : w;
    readers = readings.map((r) => {
      const from = r.posterior === true ? post : w;
      return (b, t, s) => from[(b * T + t) * S + s];
    });
  }
  const V = logits.shape[2];
  const lp = logSoftmax(logits, -1).data; // (B, T, V)
  const logProbs = batch.map((p, b) => {
    let sum = 0;
    const n = p.tgtIds.length;
    for (let t = 0; t <= n; t++) sum += lp[(b * T + t) * V + (t < n ? p.tgtIds[t] : EOS)];
    return sum;
  });
  const weights = readers.map((read) =>
    batch.map((p, b) =>
      Array.from({ length: p.tgtIds.length }, (_, t) =>
        Array.from({ length: p.srcIds.length }, (_, s) => read(b, t, s)),
      ),
    ),
  );
  return { weights, logProbs };
}

/**
 * The alignment posterior of a latentAlignment model, p(a_t = j | y_t) = a_tj P_tj[y_t] / Σ_k a_tk P_tk[y_t],
 * from its attention `a` (B, T, S) and each position's prediction P (B, T, S, V), y_t the pair's
 * target token at row t (<eos> after the last). Rows where every position gives y_t probability 0 keep a.
 */
function posteriorOf(
  a: Float32Array,
  P: Tensor,
  batch: Prepared[],
  B: number,
  T: number,
  S: number,
): Float32Array {
  const V = P.shape[3];
  const p = P.data;
  const out = new Float32Array(B * T * S);
  for (let b = 0; b < B; b++) {
    const n = batch[b].tgtIds.length;
    for (let t = 0; t < T; t++) {
      const y = t < n ? batch[b].tgtIds[t] : EOS;
      const row = (b * T + t) * S;
      let z = 0;
      for (let s = 0; s < S; s++) z += a[row + s] * p[(row + s) * V + y];
      for (let s = 0; s < S; s++) out[row + s] = z > 0 ? (a[row + s] * p[(row + s) * V + y]) / z : a[row + s];
    }
  }
  return out;
}

function prepare(pairs: readonly AlignPair[], srcTokenizer: Tokenizer, tgtTokenizer: Tokenizer): Prepared[] {
  return pairs.map((p, i) => {
    const src = tokensWithWords(p.source, srcTokenizer);
    const tgt = tokensWithWords(p.target, tgtTokenizer);
    if (src.tokens.length === 0) {
      throw new Error(
        `forcedAlign: pair ${i + 1}: the source ${JSON.stringify(p.source)} has no tokens (nothing to attend to)`,
      );
    }
    return {
      src,
      tgt,
      srcIds: srcTokenizer.vocab.encode(src.tokens),
      tgtIds: tgtTokenizer.vocab.encode(tgt.tokens),
    };
  });
}

/**
 * Forced alignments of many pairs for several readings at once (one teacher-forced pass per batch
 * serves every reading): result[r][i] is pair i read with readings[r]. Pairs are batched by source
 * length (order of the result = order of `pairs`). Runs under `noGrad`, in eval mode (no dropout);
 * the model's training mode is restored afterwards.
 */
export function forcedAlignReadings(
  model: AlignModel,
  srcTokenizer: Tokenizer,
  tgtTokenizer: Tokenizer,
  pairs: readonly AlignPair[],
  readings: readonly AlignReading[],
  { batchSize = 32, onProgress }: Omit<ForcedAlignOptions, "reading"> = {},
): ForcedAlignment[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`forcedAlign: batchSize must be a positive integer, got ${batchSize}`);
  }
  const resolved = readings.map((r) => resolveReading(model, r));
  const prepared = prepare(pairs, srcTokenizer, tgtTokenizer);
  const order = [...prepared.keys()].sort(
    (a, b) => prepared[a].srcIds.length - prepared[b].srcIds.length || a - b,
  );
  const out: ForcedAlignment[][] = resolved.map(() => new Array<ForcedAlignment>(pairs.length));
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => {
      for (let i = 0; i < order.length; i += batchSize) {
        const idx = order.slice(i, i + batchSize);
        const batch = idx.map((k) => prepared[k]);
        const { weights, logProbs } = alignBatch(model, batch, resolved);
        resolved.forEach((reading, r) => {
          batch.forEach((p, b) => {
            const tokenWeights = weights[r][b];
            const wordWeights = aggregateToWords(
              tokenWeights,
              p.tgt.tokenWord,
              p.src.tokenWord,
              p.tgt.words.length,
              p.src.words.length,
            );
            out[r][idx[b]] = {
              srcWords: p.src.words,
              tgtWords: p.tgt.words,
              srcTokens: p.src.tokens,
              tgtTokens: p.tgt.tokens,
              srcTokenWord: p.src.tokenWord,
              tgtTokenWord: p.tgt.tokenWord,
              tokenWeights,
              wordWeights,
              links: bidirectionalLinks(wordWeights, reading.symmetrize ?? "none"),
              reading: { ...reading },
              logProb: logProbs[b],
            };
          });
        });
        onProgress?.(Math.min(i + batchSize, order.length), order.length);
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return out;
}

/** Forced alignments of many pairs with one reading (batched teacher forcing; see `forcedAlignReadings`). */
export function forcedAlignAll(
  model: AlignModel,
  srcTokenizer: Tokenizer,
  tgtTokenizer: Tokenizer,
  pairs: readonly AlignPair[],
  { reading, ...options }: ForcedAlignOptions = {},
): ForcedAlignment[] {
  return forcedAlignReadings(model, srcTokenizer, tgtTokenizer, pairs, [reading ?? {}], options)[0];
}

/** The forced alignment of one sentence pair (see the module comment for the conventions). */
export function forcedAlign(
  model: AlignModel,
  srcTokenizer: Tokenizer,
  tgtTokenizer: Tokenizer,
  src: string,
  tgt: string,
  reading?: AlignReading,
): ForcedAlignment {
  return forcedAlignAll(model, srcTokenizer, tgtTokenizer, [{ source: src, target: tgt }], { reading })[0];
}

/** One Pharaoh line of links: sorted by source word, then target word, space-separated (`formatPharaoh`). */
export function pharaoh(links: ReadonlySet<string> | Iterable<string>): string {
  return formatPharaoh(links);
}
