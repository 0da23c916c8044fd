import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import * as browserData from "../../src/data/index.js";
import * as node from "../../src/node.js";

/** The data API: what runs anywhere (qkv/data) plus the readers that touch the disk (qkv/node). */
const data = { ...browserData, ...node };

describe("src/data index", () => {
  it("re-exports the public API (files and paths through qkv/node)", () => {
    for (const name of [
      "packageRoot",
      "dataDir",
      "dataPath",
      "hasDataset",
      "tokenize",
      "detokenize",
      "Vocab",
      "WordTokenizer",
      "BpeTokenizer",
      "tokenizerFromJSON",
      "graphemeClusters",
      "loadScan",
      "parseScan",
      "generateScan",
      "interpretScan",
      "loadTatoeba",
      "splitBySource",
      "readParallel",
      "makeBatches",
      "mulberry32",
    ]) {
      expect(typeof (data as Record<string, unknown>)[name], name).toBe("function");
    }
    expect([data.PAD, data.UNK, data.SOS, data.EOS]).toEqual([0, 1, 2, 3]);
  });

  it("dataDir prefers an explicit path", () => {
    expect(data.dataDir("some/dir")).toBe(resolve("some/dir"));
  });
});
