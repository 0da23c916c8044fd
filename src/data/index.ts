/**
 * qkv data: paths to the shared data sets, tokenizer, vocabulary, readers for SCAN (Lake & Baroni,
 * 2018), Tatoeba and plain parallel text, the SCAN grammar generator, and padded batching.
 */
export * from "./batching.js";
export * from "./lines.js";
export * from "./parallel.js";
export * from "./paths.js";
export * from "./random.js";
export * from "./scan.js";
export * from "./scan-generator.js";
export * from "./tatoeba.js";
export * from "./tokenizer.js";
export * from "./vocab.js";
