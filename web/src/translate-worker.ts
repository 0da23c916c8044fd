/**
 * Views 1–5's translation in a dedicated Web Worker, so the page's main thread never waits for it: a
 * long sentence takes seconds to translate (greedy decoding of both LSTMs and the Transformer, every
 * layer's and head's maps, the maps as words), and the page keeps answering meanwhile. The worker loads
 * the same checkpoints the page does (`checkpoint.ts`, hash checked) and runs the same code as before on
 * the main thread (`lesson.ts`, `transformer.ts`, `words.ts`), on one wasm thread — the main thread's
 * configuration, so the numbers are the same.
 *
 * Protocol (structured-clone messages, plain arrays):
 *   page → worker: { type: "init", lstm, none?, transformer? } (model URLs) · { type: "translate", id, sentence }
 *                  · { type: "none", id, sentence } (view 5's model alone, once it has loaded)
 *   worker → page: { type: "ready" } once the LSTM and the Transformer are loaded · { type: "result", id, … }
 *                  · { type: "none-ready" } · { type: "none", id, noneRun } · { type: "error", id?, message }
 */
import { initBackend, setNumThreads, tokenWordAxis, type WordAxis } from "qkv";
import { fetchSeq2Seq, fetchTransformer, type LoadedSeq2Seq } from "./checkpoint.js";
import { type CrossRun, translateWithAttention } from "./lesson.js";
import { type LayeredAnalysis, type LayeredAttentionModel, lstmStatesSelfAttention } from "./stacks.js";
import { transformerLayered } from "./transformer.js";
import { type ShownAnalysis, shownAnalysis } from "./words.js";

export type ToTranslator =
  | { type: "init"; lstm: string; none?: string; transformer?: { url: string; name: string } }
  | { type: "translate"; id: number; sentence: string }
  | { type: "none"; id: number; sentence: string };

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
  | { type: "none"; id: number; sentence: string; noneRun: CrossRun }
  | { type: "error"; id?: number; message: string };

const scope = self as unknown as {
  postMessage(m: FromTranslator): void;
  onmessage: ((e: MessageEvent<ToTranslator>) => void) | null;
};

let lstm: LoadedSeq2Seq;
let none: LoadedSeq2Seq | null = null;
let layered: LayeredAttentionModel | null = null;
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

async function boot(m: Extract<ToTranslator, { type: "init" }>): Promise<void> {
  // One thread, as on the page's main thread: the same kernels, the same numbers; no pool to start.
  await setNumThreads(1);
  await initBackend();
  const [l, t] = await Promise.all([
    fetchSeq2Seq(m.lstm),
    m.transformer ? fetchTransformer(m.transformer.url) : null,
  ]);
  lstm = l;
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
      else if (none) {
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
