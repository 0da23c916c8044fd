import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import * as data from "../../src/data/index.js";

describe("src/data index", () => {
  it("re-exports the public API", () => {
    for (const name of [
      "packageRoot",
      "dataDir",
      "dataPath",
      "hasDataset",
      "tokenize",
      "detokenize",
      "Vocab",
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
