/**
 * Runs an exported model in onnxruntime-node (CPU) and compares it with our forward. Input types come
 * from the model itself (int64 for ids and lengths, float otherwise).
 */
import * as ort from "onnxruntime-node";
import { expect } from "vitest";
import { decodeModel } from "../../src/onnx/index.js";
import type { Tensor } from "../../src/tensor/index.js";

interface ValueInfo {
  name: string;
  type: { tensor_type: { elem_type: number } };
}

export function graphInputs(bytes: Uint8Array): { name: string; int: boolean }[] {
  const graph = decodeModel(bytes).graph as { input: ValueInfo[] };
  return graph.input.map((v) => ({ name: v.name, int: v.type.tensor_type.elem_type === 7 }));
}

export function graphOutputs(bytes: Uint8Array): string[] {
  return (decodeModel(bytes).graph as { output: ValueInfo[] }).output.map((v) => v.name);
}

export async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { executionProviders: ["cpu"], graphOptimizationLevel: "all" });
}

/** Runs `s` on our tensors (in graph-input order); returns the outputs by name. */
export async function run(
  s: ort.InferenceSession,
  bytes: Uint8Array,
  inputs: Tensor[],
): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const infos = graphInputs(bytes);
  expect(infos.length).toBe(inputs.length);
  const feeds: Record<string, ort.Tensor> = {};
  infos.forEach((info, i) => {
    const t = inputs[i];
    feeds[info.name] = info.int
      ? new ort.Tensor("int64", BigInt64Array.from(Array.from(t.data, (v) => BigInt(v))), [...t.shape])
      : new ort.Tensor("float32", Float32Array.from(t.data), [...t.shape]);
  });
  const out = await s.run(feeds);
  return Object.fromEntries(
    Object.entries(out).map(([k, v]) => [k, { data: v.data as Float32Array, dims: v.dims }]),
  );
}

const worst = { abs: 0, where: "" };

/** Prints the largest difference seen by `maxDiff` in this file (as the PyTorch parity tests do). */
export function reportWorst(what: string): void {
  console.log(`${what}: largest abs error vs onnxruntime ${worst.abs.toExponential(2)} (${worst.where})`);
}

/** Largest |a − b| over matching shapes (fails on a shape mismatch or a NaN). */
export function maxDiff(
  ours: Tensor,
  theirs: { data: Float32Array; dims: readonly number[] },
  what: string,
): number {
  expect([...theirs.dims], `${what}: shape`).toEqual([...ours.shape]);
  let m = 0;
  for (let i = 0; i < ours.size; i++) {
    const a = ours.data[i];
    const b = theirs.data[i];
    if (a === b) continue; // equal infinities too
    const d = Math.abs(a - b);
    expect(Number.isNaN(d), `${what}[${i}]: ${a} vs ${b}`).toBe(false);
    m = Math.max(m, d);
  }
  if (m >= worst.abs) Object.assign(worst, { abs: m, where: what });
  return m;
}
