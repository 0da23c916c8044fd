/**
 * Views 1–5's translation in a dedicated Web Worker, so the page's main thread never waits for it: a
 * long sentence takes seconds to translate (greedy decoding of both LSTMs and the Transformer, every
 * layer's and head's maps, the maps as words), and the page keeps answering meanwhile. The worker loads
 * the same checkpoints the page does (`checkpoint.ts`, hash checked) and runs the same code as before on
 * the main thread (`lesson.ts`, `transformer.ts`, `words.ts`), on one wasm thread — the main thread's
 * configuration, so the numbers are the same.
 *
 * View 7's forced alignment runs here too, on the same copies of the LSTM and the Transformer (`forced.ts`:
 * `readingFor` + `forcedMap`, what the main thread ran before): a 300-character pair is a forced pass of
 * both models, which would hold the page's main thread for a while.
 *
 * Protocol (structured-clone messages, plain arrays):
 *   page → worker: { type: "init", lstm, none?, transformer? } (model URLs) · { type: "translate", id, sentence }
 *                  · { type: "none", id, sentence } (view 5's model alone, once it has loaded)
 *                  · { type: "align", id, english, hindi, lstm, transformer } (view 7: each model's
 *                    alignment.json, or null, and its folder)
 *   worker → page: { type: "ready" } once the LSTM and the Transformer are loaded · { type: "result", id, … }
 *                  · { type: "none-ready" } · { type: "none", id, noneRun } · { type: "aligned", id, … }
 *                  · { type: "error", id?, message }
 */

import type { TransformerModelConfig } from "qkv";
import { initBackend, setNumThreads, tokenWordAxis, type WordAxis } from "qkv";
import {
  type CheckpointJson,
  fetchCheckpoint,
  fetchSeq2Seq,
  type LoadedSeq2Seq,
  type LoadedTransformer,
  transformerFromCheckpoint,
} from "./checkpoint.js";
import { type AlignmentDoc, type ForcedMap, forcedMap, readingFor } from "./forced.js";
import { type CrossRun, translateWithAttention } from "./lesson.js";
import { type LayeredAnalysis, type LayeredAttentionModel, lstmStatesSelfAttention } from "./stacks.js";
import { transformerLayered } from "./transformer.js";
import { type ShownAnalysis, shownAnalysis } from "./words.js";

export type ToTranslator =
  | { type: "init"; lstm: string; none?: string; transformer?: { url: string; name: string } }
  | { type: "translate"; id: number; sentence: string }
  | { type: "none"; id: number; sentence: string }
  | ({ type: "align"; id: number } & AlignRequest);

/** A model's side of view 7's request: its folder's alignment.json (null when it has none) and the folder. */
export interface AlignSide {
  doc: AlignmentDoc | null;
  folder: string;
}

/** View 7's pair and what each model is to be read at. */
export interface AlignRequest {
  english: string;
  hindi: string;
  lstm: AlignSide;
  /** Null without a Transformer. */
  transformer: AlignSide | null;
}

/** One forced map and where its reading came from (said above the map). */
export interface ForcedPanel {
  map: ForcedMap;
  from: string;
}

/** View 7's forced maps of one pair. */
export interface Alignment {
  lstm: ForcedPanel;
  transformer: ForcedPanel | null;
  /** Milliseconds the worker spent on it. */
  ms: number;
}

/** One sentence, everything views 1–5 draw of it. */
export interface Translation {
  run: CrossRun;
  noneRun: CrossRun | null;
  analysis: LayeredAnalysis;
  shown: ShownAnalysis;
  /** View 5's rows (the LSTM's decoder steps) as Hindi words. */
  contextAxis: WordAxis;
  /** Milliseconds the worker spent on it. */
  ms: number;
  /** When the worker posted it (ms since the epoch: the page measures how long the message took). */
  postedAt?: number;
}

/** What the page says of the models (views 1 and 2), sent once they are loaded. */
export interface ModelInfo {
  lstm: {
    parameters: number;
    bytes: number;
    attentionValues?: string;
    latentAlignment?: boolean;
  };
  transformer: {
    name: string;
    parameters: number;
    bytes: number;
    encoderLayers: number;
    decoderLayers: number;
    heads: number;
    dModel: number;
  } | null;
}

export type FromTranslator =
  | { type: "ready"; info: ModelInfo }
  | ({ type: "result"; id: number; sentence: string } & Translation)
  | { type: "none-ready" }
  | { type: "transformer-files"; json: CheckpointJson<TransformerModelConfig>; bytes: Uint8Array }
  | { type: "none"; id: number; sentence: string; noneRun: CrossRun }
  | ({ type: "aligned"; id: number } & Alignment)
  | { type: "error"; id?: number; message: string };

const scope = self as unknown as {
  postMessage(m: FromTranslator, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToTranslator>) => void) | null;
};

let lstm: LoadedSeq2Seq;
let none: LoadedSeq2Seq | null = null;
let layered: LayeredAttentionModel | null = null;
let transformer: LoadedTransformer | null = null;
let booted: Promise<void> | null = null;

function translate(sentence: string): Translation {
  const t0 = performance.now();
  const run = translateWithAttention(lstm, sentence);
  const noneRun = none ? translateWithAttention(none, sentence) : null;
  const analysis = layered?.analyse(sentence) ?? {
    encoderSelf: lstmStatesSelfAttention(run),
    cross: undefined,
  };
  const shown = shownAnalysis(
    sentence,
    run,
    lstm,
    layered ? { analysis, tokenizers: layered.tokenizers } : null,
  );
  const contextAxis = tokenWordAxis(run.stepLabels, lstm.tgtTokenizer);
  return { run, noneRun, analysis, shown, contextAxis, ms: performance.now() - t0 };
}

/** View 7: both models forced onto the reference, each at its documented reading (else its default). */
function align(r: AlignRequest): Alignment {
  const t0 = performance.now();
  const panel = (m: LoadedSeq2Seq | LoadedTransformer, side: AlignSide): ForcedPanel => {
    const { reading, from } = readingFor(m, side.doc, side.folder);
    return { map: forcedMap(m, r.english, r.hindi, reading), from };
  };
  const lstmPanel = panel(lstm, r.lstm);
  const trPanel = transformer && r.transformer ? panel(transformer, r.transformer) : null;
  return { lstm: lstmPanel, transformer: trPanel, ms: performance.now() - t0 };
}

async function boot(m: Extract<ToTranslator, { type: "init" }>): Promise<void> {
  // One thread, as on the page's main thread: the same kernels, the same numbers; no pool to start.
  await setNumThreads(1);
  await initBackend();
  const [l, files] = await Promise.all([
    fetchSeq2Seq(m.lstm),
    m.transformer ? fetchCheckpoint<TransformerModelConfig>(m.transformer.url, "best") : null,
  ]);
  const t = files ? await transformerFromCheckpoint(files.json, files.bytes) : null;
  // The page builds its own copy (views 3, 3b, 3c) from these bytes: fetched once, not twice. The model
  // holds its own arrays (decodeSafetensors copies), so the buffer is handed over, not copied.
  if (files) {
    scope.postMessage({ type: "transformer-files", json: files.json, bytes: files.bytes }, [
      files.bytes.buffer as ArrayBuffer,
    ]);
  }
  lstm = l;
  transformer = t;
  layered = t && m.transformer ? transformerLayered(t, m.transformer.name) : null;
  const c = l.model.config;
  const tc = t?.model.config;
  const info: ModelInfo = {
    lstm: {
      parameters: l.model.numParameters,
      bytes: l.bytes,
      attentionValues: c.attentionValues,
      latentAlignment: c.latentAlignment,
    },
    transformer:
      t && tc && m.transformer
        ? {
            name: m.transformer.name,
            parameters: t.model.numParameters,
            bytes: t.bytes,
            encoderLayers: tc.numEncoderLayers,
            decoderLayers: tc.numDecoderLayers,
            heads: tc.nhead,
            dModel: tc.dModel,
          }
        : null,
  };
  scope.postMessage({ type: "ready", info });
}

/** View 5's model is not needed to start: it loads once the others are ready, translations go on meanwhile. */
async function loadNone(url: string): Promise<void> {
  none = await fetchSeq2Seq(url);
  scope.postMessage({ type: "none-ready" });
}

scope.onmessage = (e) => {
  const m = e.data;
  const fail = (err: unknown, id?: number) =>
    scope.postMessage({ type: "error", id, message: (err as Error).message });
  if (m.type === "init") {
    booted = boot(m);
    booted.then(() => (m.none ? loadNone(m.none) : undefined)).catch(fail);
    return;
  }
  if (!booted) return;
  booted.then(() => {
    try {
      if (m.type === "translate")
        scope.postMessage({
          type: "result",
          id: m.id,
          sentence: m.sentence,
          ...translate(m.sentence),
          postedAt: performance.timeOrigin + performance.now(),
        });
      else if (m.type === "align") {
        const { type: _, id, ...request } = m;
        scope.postMessage({ type: "aligned", id, ...align(request) });
      } else if (none) {
        scope.postMessage({
          type: "none",
          id: m.id,
          sentence: m.sentence,
          noneRun: translateWithAttention(none, m.sentence),
        });
      }
    } catch (err) {
      fail(err, m.id);
    }
  }, fail);
};
