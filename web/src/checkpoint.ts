/**
 * Loading a qkv checkpoint in the page: `<name>.json` (configuration, vocabularies, SHA-256 of the tensor
 * file) and `<name>.safetensors` over `fetch`, the hash checked with WebCrypto, then the package's own
 * checkpoint format does the rest — the meta validated (`validateCheckpointMeta`), the model its
 * `meta.kind` names built from the registry with its weights checked, loaded and in eval mode
 * (`modelFromCheckpoint`), the tokenizers rebuilt (`tokenizersOf`): exactly what `loadModel`
 * (qkv/node) does with files. Only fetching and hashing are the page's.
 */
import {
  type data,
  decodeSafetensors,
  type ModelCheckpointMeta,
  type ModelKindName,
  modelFromCheckpoint,
  type Seq2Seq,
  type Seq2SeqConfig,
  type TransformerModel,
  type TransformerModelConfig,
  type TranslationModel,
  tokenizersOf,
  Vocab,
  type VocabSizes,
  validateCheckpointMeta,
} from "qkv";

import { widenFloat16Safetensors } from "./float16.js";

export { wordRuleOf } from "qkv";
export type { VocabSizes };

/** The part of a checkpoint's `meta` the page reads (checkpoint/format.ts ModelCheckpointMeta). */
export type ModelMeta<C extends VocabSizes = Seq2SeqConfig> = Omit<ModelCheckpointMeta, "config"> & {
  config: C;
};

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

/** The source and target tokenizers of a checkpoint (the package's `tokenizersOf`, named for the page). */
export function tokenizersOfMeta(meta: ModelMeta<VocabSizes>): { src: data.Tokenizer; tgt: data.Tokenizer } {
  const { srcTokenizer, tgtTokenizer } = tokenizersOf(meta as unknown as ModelCheckpointMeta);
  return { src: srcTokenizer, tgt: tgtTokenizer };
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

/** Checks format, kind and hash, then builds the model through the package's checkpoint format. */
async function fromCheckpoint<M extends TranslationModel, C extends VocabSizes>(
  json: CheckpointJson<C>,
  bytes: Uint8Array,
  kind: ModelKindName,
): Promise<LoadedModel<M, C>> {
  if (json.format !== "qkv-checkpoint" || json.version !== 1) {
    throw new Error(`loadCheckpoint: not a qkv checkpoint (format ${JSON.stringify(json.format)})`);
  }
  if ((json.meta.kind ?? "seq2seq") !== kind) {
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
  const file = json.tensors.replace(/\.safetensors$/, ".json");
  validateCheckpointMeta(json.meta, file);
  // float16 weights (as the site serves them, web/vite.config.ts) widened to float32 by table look-up first.
  const { tensors } = decodeSafetensors(widenFloat16Safetensors(bytes));
  const model = modelFromCheckpoint(json.meta, tensors, file) as M;
  const { src, tgt } = tokenizersOfMeta(json.meta);
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
  return fromCheckpoint(json, bytes, "seq2seq");
}

/** Builds the Transformer a "transformer" checkpoint describes from its JSON and tensor bytes (hash verified). */
export function transformerFromCheckpoint(
  json: CheckpointJson<TransformerModelConfig>,
  bytes: Uint8Array,
): Promise<LoadedTransformer> {
  return fromCheckpoint(json, bytes, "transformer");
}

/** Fetches `<base>/<name>.json` and the tensor file it names (the bytes as served, not yet checked). */
export async function fetchCheckpoint<C extends VocabSizes>(
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
