/**
 * The page's side of the translation worker (./translate-worker.ts): one request at a time in the worker,
 * the newest waiting behind it (a sentence typed while another translates replaces any sentence still
 * waiting, which is answered `superseded`: only the latest is worth computing). View 7's alignments
 * queue the same way, among themselves: a pair waiting is superseded by a newer pair.
 */
import type { TransformerModelConfig } from "qkv";
import type { CheckpointJson } from "./checkpoint.js";
import type { CrossRun } from "./lesson.js";
import type {
  Alignment,
  AlignRequest,
  FromTranslator,
  ModelInfo,
  ToTranslator,
  Translation,
} from "./translate-worker.js";

export type { Alignment, AlignRequest, ModelInfo, Translation };

/** A Transformer checkpoint's files: its JSON and the tensor bytes it names. */
export interface TransformerFiles {
  json: CheckpointJson<TransformerModelConfig>;
  bytes: Uint8Array;
}

export type AlignOutcome =
  | ({ kind: "done"; id: number } & Alignment)
  | { kind: "error"; id: number; message: string }
  | { kind: "superseded"; id: number };

export type Outcome =
  | ({ kind: "done"; id: number; sentence: string } & Translation)
  | { kind: "error"; id: number; message: string }
  | { kind: "superseded"; id: number };

type Waiting =
  | { kind: "translate"; msg: Extract<ToTranslator, { type: "translate" }>; resolve: (o: Outcome) => void }
  | { kind: "none"; msg: Extract<ToTranslator, { type: "none" }>; resolve: (o: CrossRun | null) => void }
  | { kind: "align"; msg: Extract<ToTranslator, { type: "align" }>; resolve: (o: AlignOutcome) => void };

export class Translator {
  private readonly worker: Worker;
  private nextId = 0;
  private nextAlign = 0;
  private inFlight: Waiting | null = null;
  private queue: Waiting[] = [];
  /** Resolves once the worker has loaded the LSTM and the Transformer (rejects when it cannot). */
  readonly ready: Promise<ModelInfo>;
  /** Resolves once the worker has loaded view 5's model without attention (never, without one). */
  readonly none: Promise<void>;
  /**
   * The Transformer's checkpoint files as the worker fetched them (the page builds its own copy from
   * them: one download), or null without a Transformer; rejects when the worker could not start.
   */
  readonly transformerFiles: Promise<TransformerFiles | null>;

  constructor(init: Omit<Extract<ToTranslator, { type: "init" }>, "type">) {
    this.worker = new Worker(new URL("./translate-worker.ts", import.meta.url), {
      type: "module",
      name: "qkv-translator",
    });
    let ok: (info: ModelInfo) => void = () => {};
    let noneOk: () => void = () => {};
    this.none = new Promise<void>((res) => {
      noneOk = res;
    });
    let fail: (e: Error) => void = () => {};
    this.ready = new Promise<ModelInfo>((res, rej) => {
      ok = res;
      fail = rej;
    });
    let filesOk: (f: TransformerFiles | null) => void = () => {};
    let filesFail: (e: Error) => void = () => {};
    this.transformerFiles = new Promise((res, rej) => {
      filesOk = res;
      filesFail = rej;
    });
    this.ready.then(
      () => filesOk(null), // no Transformer (its files come before "ready" when there is one)
      (e: Error) => filesFail(e),
    );
    this.worker.onmessage = (e: MessageEvent<FromTranslator>) => {
      const m = e.data;
      if (m.type === "transformer-files") filesOk({ json: m.json, bytes: m.bytes });
      else if (m.type === "ready") ok(m.info);
      else if (m.type === "none-ready") noneOk();
      else if (m.type === "error" && m.id === undefined)
        fail(new Error(`the translation worker: ${m.message}`));
      else this.answer(m);
    };
    this.worker.onerror = (e) => fail(new Error(`the translation worker failed: ${e.message}`));
    this.worker.postMessage({ type: "init", ...init } satisfies ToTranslator);
  }

  /** The id the next `translate` call gets (the caller draws an answer only if it is still the latest). */
  get latest(): number {
    return this.nextId;
  }

  /** Translates `sentence` in the worker, after the request running now; a waiting one is superseded. */
  translate(sentence: string): Promise<Outcome> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.dropWaiting();
      this.queue.push({ kind: "translate", msg: { type: "translate", id, sentence }, resolve });
      this.pump();
    });
  }

  /** Nothing asked so far is to be drawn: a waiting sentence is dropped, the running one's answer is old. */
  cancel(): void {
    this.nextId++;
    this.dropWaiting();
  }

  private dropWaiting(): void {
    this.queue = this.queue.filter((w) => {
      if (w.kind !== "translate") return true;
      w.resolve({ kind: "superseded", id: w.msg.id });
      return false;
    });
  }

  /** View 7's forced maps of a pair, in the worker; a pair still waiting is superseded by this one. */
  align(request: AlignRequest): Promise<AlignOutcome> {
    const id = ++this.nextAlign;
    return new Promise((resolve) => {
      this.queue = this.queue.filter((w) => {
        if (w.kind !== "align") return true;
        w.resolve({ kind: "superseded", id: w.msg.id });
        return false;
      });
      this.queue.push({ kind: "align", msg: { type: "align", id, ...request }, resolve });
      this.pump();
    });
  }

  /** View 5's model alone on `sentence` (null if the worker could not). */
  translateNone(sentence: string): Promise<CrossRun | null> {
    return new Promise((resolve) => {
      this.queue.push({ kind: "none", msg: { type: "none", id: 0, sentence }, resolve });
      this.pump();
    });
  }

  private pump(): void {
    if (this.inFlight) return;
    const next = this.queue.shift();
    if (!next) return;
    this.inFlight = next;
    this.worker.postMessage(next.msg);
  }

  private answer(m: Exclude<FromTranslator, { type: "ready" | "none-ready" | "transformer-files" }>): void {
    const w = this.inFlight;
    this.inFlight = null;
    if (w) {
      if (w.kind === "none") w.resolve(m.type === "none" ? m.noneRun : null);
      else if (w.kind === "align") {
        if (m.type === "aligned") {
          const { type: _, ...rest } = m;
          w.resolve({ kind: "done", ...rest });
        } else
          w.resolve({ kind: "error", id: w.msg.id, message: m.type === "error" ? m.message : "no answer" });
      } else if (m.type === "result") {
        const { type: _, ...rest } = m;
        w.resolve({ kind: "done", ...rest });
      } else
        w.resolve({ kind: "error", id: w.msg.id, message: m.type === "error" ? m.message : "no answer" });
    }
    this.pump();
  }
}
