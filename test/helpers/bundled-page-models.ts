/**
 * Shared by the explorer's Node tests: the bundled checkpoints loaded as the page loads them
 * (web/src/checkpoint.ts from best.json + its tensor file), and the largest entry-wise difference of
 * two matrices of the same shape (which it checks).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import {
  type CheckpointJson,
  type LoadedSeq2Seq,
  type LoadedTransformer,
  seq2seqFromCheckpoint,
  transformerFromCheckpoint,
} from "../../web/src/checkpoint.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** pretrained/<name>/best.json and the bytes of the tensor file it names. */
export function readBundled(name: string): { json: CheckpointJson; bytes: Uint8Array } {
  const d = join(ROOT, "pretrained", name);
  const json = JSON.parse(readFileSync(join(d, "best.json"), "utf8")) as CheckpointJson;
  return { json, bytes: new Uint8Array(readFileSync(join(d, json.tensors))) };
}

/** The bundled LSTM (en-hi) and Transformer (en-hi-transformer), loaded by the page's loaders. */
export async function loadBundledPageModels(): Promise<{ lstm: LoadedSeq2Seq; tr: LoadedTransformer }> {
  const a = readBundled("en-hi");
  const b = readBundled("en-hi-transformer");
  return {
    lstm: await seq2seqFromCheckpoint(a.json, a.bytes),
    tr: await transformerFromCheckpoint(b.json as never, b.bytes),
  };
}

/** max |a − b| over all entries; the shapes must agree (asserted). */
export function maxAbsDiff(a: number[][], b: number[][]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  a.forEach((row, i) => {
    expect(row.length).toBe(b[i].length);
    row.forEach((x, j) => {
      m = Math.max(m, Math.abs(x - b[i][j]));
    });
  });
  return m;
}
