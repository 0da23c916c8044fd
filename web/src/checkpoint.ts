/**
 * Loading a qkv checkpoint in the page: `<name>.json` (configuration, vocabularies, SHA-256 of the tensor
 * file) and `<name>.safetensors` over `fetch`, the hash checked with WebCrypto, then
 * `new Seq2Seq(meta.config)` + `loadStateDict` — what `loadModel` (qkv/node) does with files.
 */
import { data, decodeSafetensors, Seq2Seq, type Seq2SeqConfig, Vocab } from "qkv";

/** The part of a checkpoint's `meta` the page reads (src/train/trainer.ts CheckpointMeta). */
export interface ModelMeta {
  kind: string;
  config: Seq2SeqConfig;
  task: string;
  srcVocab: string[];
  tgtVocab: string[];
  /** Longest training target (bounds decoding); older checkpoints lack it. */
  maxTargetLength?: number;
  /** The word or BPE tokenizers (JSON); absent in checkpoints from before BPE. */
  srcTokenizer?: unknown;
  tgtTokenizer?: unknown;
}

export interface CheckpointJson {
  format: string;
  version: number;
  tensors: string;
  sha256: string;
  meta: ModelMeta;
}

/** How a task's text becomes tokens (the page reads only `tokenize` and `detokenize`). */
export interface PageTokenizer {
  tokenize(text: string): string[];
  detokenize(tokens: readonly string[]): string;
}

/**
 * The word rule of a task, for checkpoints from before tokenizers were stored in them: Tatoeba tasks
 * cut lower-cased words, SCAN and the synthetic tasks split at spaces — TASKS[task].tokenizer in
 * src/train/tasks.ts (Node-only because it reads data files; test/web/lesson.test.ts checks they agree).
 */
export function wordRuleOf(task: string): { split: data.TextSplit; lowercase: boolean } {
  return task.startsWith("tatoeba-")
    ? { split: "words", lowercase: true }
    : { split: "space", lowercase: false };
}

/**
 * The source and target tokenizers of a checkpoint, as `tokenizersOf` (qkv/node) rebuilds them: the
 * stored word or BPE tokenizer, else the task's word rule over the stored vocabulary; sizes checked.
 */
export function tokenizersOfMeta(meta: ModelMeta): { src: data.Tokenizer; tgt: data.Tokenizer } {
  const rule = wordRuleOf(meta.task);
  const of = (side: "src" | "tgt"): data.Tokenizer => {
    const json = meta[`${side}Tokenizer`];
    const t = json
      ? data.tokenizerFromJSON(json)
      : new data.WordTokenizer(new Vocab(meta[`${side}Vocab`]), rule);
    const size = meta.config[`${side}VocabSize`];
    if (t.size !== size) {
      throw new Error(
        `checkpoint: the ${side} tokenizer has ${t.size} ids but the model's ${side}VocabSize is ${size}`,
      );
    }
    return t;
  };
  return { src: of("src"), tgt: of("tgt") };
}

export interface LoadedSeq2Seq {
  model: Seq2Seq;
  meta: ModelMeta;
  srcVocab: Vocab;
  tgtVocab: Vocab;
  /** Source text → tokens (source tokenizer); output tokens → text (target tokenizer). */
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
  const { src, tgt } = tokenizersOfMeta(json.meta);
  const model = new Seq2Seq(json.meta.config);
  model.loadStateDict(tensors);
  model.eval();
  return {
    model,
    meta: json.meta,
    srcVocab: new Vocab(json.meta.srcVocab),
    tgtVocab: new Vocab(json.meta.tgtVocab),
    tokenizer: { tokenize: (t) => src.tokenize(t), detokenize: (t) => tgt.detokenize(t) },
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
