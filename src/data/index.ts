/**
 * qkv/data (runs anywhere): word and BPE tokenizers (one `Tokenizer` contract), grapheme clusters,
 * vocabulary, parsers for SCAN (Lake & Baroni, 2018) and Tatoeba text, the SCAN grammar generator,
 * seeded shuffles and padded batching. Reading the data sets from disk is Node-only and lives in
 * `qkv/node` (files.ts, lines.ts, parallel.ts, paths.ts).
 *
 * @module
 */
export * from "./batching.js";
export * from "./bpe.js";
export * from "./graphemes.js";
export * from "./random.js";
export * from "./scan.js";
export * from "./scan-generator.js";
export * from "./split-lines.js";
export * from "./tatoeba.js";
export * from "./tokenizer.js";
export * from "./tokenizers.js";
export * from "./utf8.js";
export * from "./vocab.js";
export * from "./word-tokenizer.js";
