/**
 * The Transformer both decoding benchmarks measure (bench/kv-cache.ts: qkv with and without its KV
 * cache; bench/onnx-decoding.ts: the exported graphs in onnxruntime), so their numbers are about the
 * same model: 2 + 2 layers, d_model 128, 4 heads, feed-forward 512, vocabularies of 1,000, and a source
 * of S = 20 tokens. Also the `--name value` option reader they share.
 */
export const DECODING_MODEL = {
  srcVocabSize: 1000,
  tgtVocabSize: 1000,
  dModel: 128,
  nhead: 4,
  numEncoderLayers: 2,
  numDecoderLayers: 2,
  dimFeedforward: 512,
  dropout: 0,
};

/** Source length of the decoding benchmarks. */
export const DECODING_SOURCE_LENGTH = 20;

/** `--name value` from argv, or `dflt`. */
export function option(argv: readonly string[], name: string, dflt: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
}
