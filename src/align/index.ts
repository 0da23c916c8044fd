/**
 * qkv align: word alignment — words ↔ model pieces, forced alignment read off a model's attention.
 */

export * from "./forced.js";
export * from "./words.js";
