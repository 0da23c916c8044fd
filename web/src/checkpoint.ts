/**
 * Loading a qkv checkpoint in the page: `<name>.json` (configuration, vocabularies, SHA-256 of the tensor
 * file) and `<name>.safetensors` over `fetch`, the hash checked with WebCrypto, then
 * `new Seq2Seq(meta.config)` + `loadStateDict` — what `loadModel` (qkv/node) does with files.
 */
import { decodeSafetensors, detokenize, Seq2Seq, type Seq2SeqConfig, tokenize, Vocab } from "qkv";

/** The part of a checkpoint's `meta` the page reads (src/train/trainer.ts CheckpointMeta). */
export interface ModelMeta {
  kind: string;
  config: Seq2SeqConfig;
  task: string;
  srcVocab: string[];
  tgtVocab: string[];
  /** Longest training target (bounds decoding); older checkpoints lack it. */
  maxTargetLength?: number;
}

export interface CheckpointJson {
  format: string;
  version: number;
  tensors: string;
  sha256: string;
  meta: ModelMeta;
}

/** How a task's text becomes tokens (the same rules as TASKS[task].tokenizer in src/train/tasks.ts). */
export interface PageTokenizer {
  tokenize(text: string): string[];
  detokenize(tokens: string[]): string;
}

/**
 * Tatoeba tasks use lower-cased word tokens; SCAN and the synthetic tasks split on spaces. (tasks.ts is
 * Node-only because it reads data files; test/web/lesson.test.ts checks these agree with it.)
 */
export function tokenizerFor(task: string): PageTokenizer {
  if (task.startsWith("tatoeba-")) {
    return { tokenize: (s) => tokenize(s, { lowercase: true }), detokenize: (t) => detokenize(t) };
  }
  return { tokenize: (s) => s.split(/\s+/).filter(Boolean), detokenize: (t) => t.join(" ") };
}

export interface LoadedSeq2Seq {
  model: Seq2Seq;
  meta: ModelMeta;
  srcVocab: Vocab;
  tgtVocab: Vocab;
  tokenizer: PageTokenizer;
  /** Size of the tensor file in bytes. */
  bytes: number;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Builds the model a checkpoint describes from its JSON and tensor bytes (hash verified). */
export async function seq2seqFromCheckpoint(json: CheckpointJson, bytes: Uint8Array): Promise<LoadedSeq2Seq> {
  if (json.format !== "qkv-checkpoint" || json.version !== 1) {
    throw new Error(`loadCheckpoint: not a qkv checkpoint (format ${JSON.stringify(json.format)})`);
  }
  if (json.meta.kind !== "seq2seq") throw new Error(`loadCheckpoint: unknown model kind "${json.meta.kind}"`);
  const hash = await sha256Hex(bytes);
  if (hash !== json.sha256) {
    throw new Error(
      `loadCheckpoint: ${json.tensors} does not belong to its JSON (sha256 ${hash.slice(0, 12)}… ≠ ${json.sha256.slice(0, 12)}…)`,
    );
  }
  const { tensors } = decodeSafetensors(bytes);
  const model = new Seq2Seq(json.meta.config);
  model.loadStateDict(tensors);
  model.eval();
  return {
    model,
    meta: json.meta,
    srcVocab: new Vocab(json.meta.srcVocab),
    tgtVocab: new Vocab(json.meta.tgtVocab),
    tokenizer: tokenizerFor(json.meta.task),
    bytes: bytes.byteLength,
  };
}

/** Fetches `<base>/<name>.json` and the tensor file it names, and builds the model. */
export async function fetchSeq2Seq(base: string, name = "best"): Promise<LoadedSeq2Seq> {
  const get = async (url: string) => {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`fetch ${url}: HTTP ${r.status}`);
    return r;
  };
  const json = (await (await get(`${base}/${name}.json`)).json()) as CheckpointJson;
  const bytes = new Uint8Array(await (await get(`${base}/${json.tensors}`)).arrayBuffer());
  return seq2seqFromCheckpoint(json, bytes);
}
