/**
 * Loading a qkv checkpoint in the page: `<name>.json` (configuration, vocabularies, SHA-256 of the tensor
 * file) and `<name>.safetensors` over `fetch`, the hash checked with WebCrypto, then the model its
 * `meta.kind` names — `new Seq2Seq(meta.config)` ("seq2seq") or `new TransformerModel(meta.config)`
 * ("transformer") — and `loadStateDict`: what `loadModel` (qkv/node) does with files.
 */
import {
  data,
  decodeSafetensors,
  Seq2Seq,
  type Seq2SeqConfig,
  type Tensor,
  TransformerModel,
  type TransformerModelConfig,
  Vocab,
} from "qkv";

/** The part of a checkpoint's `meta` the page reads (src/train/trainer.ts CheckpointMeta). */
export interface ModelMeta<C extends VocabSizes = Seq2SeqConfig> {
  kind: string;
  config: C;
  task: string;
  srcVocab: string[];
  tgtVocab: string[];
  /** Longest training target (bounds decoding); older checkpoints lack it. */
  maxTargetLength?: number;
  /** The word or BPE tokenizers (JSON); absent in checkpoints from before BPE. */
  srcTokenizer?: unknown;
  tgtTokenizer?: unknown;
}

/** What every model config has: the sizes of its vocabularies. */
export interface VocabSizes {
  srcVocabSize: number;
  tgtVocabSize: number;
}

export interface CheckpointJson<C extends VocabSizes = Seq2SeqConfig> {
  format: string;
  version: number;
  tensors: string;
  sha256: string;
  meta: ModelMeta<C>;
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
  if (task.startsWith("tatoeba-")) return { split: "words", lowercase: true };
  if (task === "files") return { split: "words", lowercase: false }; // a user's own text keeps its case
  return { split: "space", lowercase: false };
}

/**
 * The source and target tokenizers of a checkpoint, as `tokenizersOf` (qkv/node) rebuilds them: the
 * stored word or BPE tokenizer, else the task's word rule over the stored vocabulary; sizes checked.
 */
export function tokenizersOfMeta(meta: ModelMeta<VocabSizes>): { src: data.Tokenizer; tgt: data.Tokenizer } {
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

/** A model built from a checkpoint, with what the page needs to translate with it. */
export interface LoadedModel<M, C extends VocabSizes> {
  model: M;
  meta: ModelMeta<C>;
  srcVocab: Vocab;
  tgtVocab: Vocab;
  /** Source text → tokens (source tokenizer); output tokens → text (target tokenizer). */
  tokenizer: PageTokenizer;
  /** The two tokenizers themselves (words ↔ pieces for the maps: `sourceWordAxis`, `tokenWordAxis`). */
  srcTokenizer: data.Tokenizer;
  tgtTokenizer: data.Tokenizer;
  /** Size of the tensor file in bytes. */
  bytes: number;
}

export type LoadedSeq2Seq = LoadedModel<Seq2Seq, Seq2SeqConfig>;
export type LoadedTransformer = LoadedModel<TransformerModel, TransformerModelConfig>;

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Checks format, kind and hash, then builds the model (`make(config)`) and loads its weights. */
async function fromCheckpoint<
  M extends { loadStateDict(t: Record<string, Tensor>): unknown; eval(): unknown },
  C extends VocabSizes,
>(
  json: CheckpointJson<C>,
  bytes: Uint8Array,
  kind: string,
  make: (config: C) => M,
): Promise<LoadedModel<M, C>> {
  if (json.format !== "qkv-checkpoint" || json.version !== 1) {
    throw new Error(`loadCheckpoint: not a qkv checkpoint (format ${JSON.stringify(json.format)})`);
  }
  if (json.meta.kind !== kind) {
    throw new Error(
      `loadCheckpoint: expected a "${kind}" model, the checkpoint holds kind "${json.meta.kind}"`,
    );
  }
  const hash = await sha256Hex(bytes);
  if (hash !== json.sha256) {
    throw new Error(
      `loadCheckpoint: ${json.tensors} does not belong to its JSON (sha256 ${hash.slice(0, 12)}… ≠ ${json.sha256.slice(0, 12)}…)`,
    );
  }
  const { tensors } = decodeSafetensors(bytes);
  const { src, tgt } = tokenizersOfMeta(json.meta);
  const model = make(json.meta.config);
  model.loadStateDict(tensors);
  model.eval();
  return {
    model,
    meta: json.meta,
    srcVocab: new Vocab(json.meta.srcVocab),
    tgtVocab: new Vocab(json.meta.tgtVocab),
    tokenizer: { tokenize: (t) => src.tokenize(t), detokenize: (t) => tgt.detokenize(t) },
    srcTokenizer: src,
    tgtTokenizer: tgt,
    bytes: bytes.byteLength,
  };
}

/** Builds the LSTM encoder–decoder a "seq2seq" checkpoint describes from its JSON and tensor bytes (hash verified). */
export function seq2seqFromCheckpoint(json: CheckpointJson, bytes: Uint8Array): Promise<LoadedSeq2Seq> {
  return fromCheckpoint(json, bytes, "seq2seq", (c) => new Seq2Seq(c));
}

/** Builds the Transformer a "transformer" checkpoint describes from its JSON and tensor bytes (hash verified). */
export function transformerFromCheckpoint(
  json: CheckpointJson<TransformerModelConfig>,
  bytes: Uint8Array,
): Promise<LoadedTransformer> {
  return fromCheckpoint(json, bytes, "transformer", (c) => new TransformerModel(c));
}

/** Fetches `<base>/<name>.json` and the tensor file it names. */
async function fetchCheckpoint<C extends VocabSizes>(
  base: string,
  name: string,
): Promise<{ json: CheckpointJson<C>; bytes: Uint8Array }> {
  const get = async (url: string) => {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`fetch ${url}: HTTP ${r.status}`);
    return r;
  };
  const json = (await (await get(`${base}/${name}.json`)).json()) as CheckpointJson<C>;
  const bytes = new Uint8Array(await (await get(`${base}/${json.tensors}`)).arrayBuffer());
  return { json, bytes };
}

/** Fetches `<base>/<name>.json` and the tensor file it names, and builds the LSTM model. */
export async function fetchSeq2Seq(base: string, name = "best"): Promise<LoadedSeq2Seq> {
  const { json, bytes } = await fetchCheckpoint<Seq2SeqConfig>(base, name);
  return seq2seqFromCheckpoint(json, bytes);
}

/** Fetches `<base>/<name>.json` and the tensor file it names, and builds the Transformer. */
export async function fetchTransformer(base: string, name = "best"): Promise<LoadedTransformer> {
  const { json, bytes } = await fetchCheckpoint<TransformerModelConfig>(base, name);
  return transformerFromCheckpoint(json, bytes);
}
