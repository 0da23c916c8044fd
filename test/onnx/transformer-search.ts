/**
 * The greedy loops a server writes around the exported Transformer (src/onnx/transformer.ts): the
 * encoder once, then the decoder on the growing prefix (each row's argmax appended), or the step
 * graph fed its own keys and values; and the same loop on our model's KV-cache step, keeping each
 * step's logits to compare.
 */
import type * as ort from "onnxruntime-node";
import { noGrad, type Tensor, type TransformerModel, tensor } from "../../src/index.js";
import { run } from "./ort.js";

export interface GreedyTrace {
  /** Output ids per row, without <sos> and <eos>. */
  tokens: number[][];
  /** Sum of log-probabilities of each row's choices (EOS included). */
  logProb: number[];
  /** Every step's logits (N, V) and cross-attention (N, S), as run. */
  logits: { data: Float32Array; dims: readonly number[] }[];
  weights: { data: Float32Array; dims: readonly number[] }[];
}

interface Ids {
  sos: number;
  eos: number;
}

function argmaxRows(logits: ArrayLike<number>, N: number, V: number): { best: number[]; logProb: number[] } {
  const best: number[] = [];
  const logProb: number[] = [];
  for (let n = 0; n < N; n++) {
    let b = 0;
    let max = Number.NEGATIVE_INFINITY;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[n * V + v]);
    let z = 0;
    for (let v = 0; v < V; v++) {
      z += Math.exp(logits[n * V + v] - max);
      if (logits[n * V + v] > logits[n * V + b]) b = v;
    }
    best.push(b);
    logProb.push(logits[n * V + b] - max - Math.log(z));
  }
  return { best, logProb };
}

/** Greedy search of `step(prefixes)` → logits (N, V), weights (N, S), as greedyDecode runs it. */
async function greedy(
  N: number,
  maxLength: number,
  { sos, eos }: Ids,
  step: (prefixes: number[][]) => Promise<{
    logits: { data: Float32Array; dims: readonly number[] };
    weights: { data: Float32Array; dims: readonly number[] };
  }>,
): Promise<GreedyTrace> {
  const out: GreedyTrace = {
    tokens: Array.from({ length: N }, () => []),
    logProb: new Array(N).fill(0),
    logits: [],
    weights: [],
  };
  const prefixes = Array.from({ length: N }, () => [sos]);
  const done = new Array(N).fill(false);
  for (let t = 0; t < maxLength && done.includes(false); t++) {
    const r = await step(prefixes);
    out.logits.push(r.logits);
    out.weights.push(r.weights);
    const { best, logProb } = argmaxRows(r.logits.data, N, r.logits.dims[1]);
    best.forEach((b, n) => {
      prefixes[n].push(b);
      if (done[n]) return;
      out.logProb[n] += logProb[n];
      if (b === eos) done[n] = true;
      else out.tokens[n].push(b);
    });
  }
  return out;
}

const plain = (t: Tensor) => ({ data: Float32Array.from(t.data), dims: [...t.shape] });

/** Greedy decoding with onnxruntime: the encoder once, the decoder on the prefixes so far. */
export async function ortGreedy(
  graphs: { encoder: [ort.InferenceSession, Uint8Array]; decoder: [ort.InferenceSession, Uint8Array] },
  src: Tensor,
  lengths: Tensor,
  maxLength: number,
  ids: Ids,
): Promise<GreedyTrace> {
  const [enc, encBytes] = graphs.encoder;
  const [dec, decBytes] = graphs.decoder;
  const { memory } = await run(enc, encBytes, [src, lengths]);
  const mem = tensor(memory.data, [...memory.dims]);
  const N = src.shape[0];
  return greedy(N, maxLength, ids, async (prefixes) => {
    const T = prefixes[0].length;
    const o = await run(dec, decBytes, [tensor(prefixes.flat(), [N, T]), mem, lengths]);
    return { logits: o.logits, weights: o.weights };
  });
}

/** Greedy decoding with onnxruntime: the encoder once, then the step graph fed its own KV cache. */
export async function ortGreedyCached(
  graphs: { encoder: [ort.InferenceSession, Uint8Array]; step: [ort.InferenceSession, Uint8Array] },
  inputNames: string[],
  src: Tensor,
  lengths: Tensor,
  maxLength: number,
  ids: Ids,
): Promise<GreedyTrace> {
  const [enc, encBytes] = graphs.encoder;
  const [step, stepBytes] = graphs.step;
  const e = await run(enc, encBytes, [src, lengths]);
  const N = src.shape[0];
  const asT = (x: { data: Float32Array; dims: readonly number[] }) => tensor(x.data, [...x.dims]);
  const caches = new Map<string, Tensor>();
  for (const name of inputNames.slice(2)) {
    if (name.startsWith("memory")) caches.set(name, asT(e[name]));
    else {
      const [, H, , dH] = e.memory_key_0.dims;
      caches.set(name, tensor(new Float32Array(0), [N, H, 0, dH])); // P = 0: nothing decoded yet
    }
  }
  return greedy(N, maxLength, ids, async (prefixes) => {
    const prev = tensor(
      prefixes.map((p) => p[p.length - 1]),
      [N],
    );
    const o = await run(step, stepBytes, [
      prev,
      lengths,
      ...inputNames.slice(2).map((n) => caches.get(n) as Tensor),
    ]);
    for (const name of inputNames.slice(2)) {
      if (name.startsWith("past")) caches.set(name, asT(o[name.replace("past", "present")]));
    }
    return { logits: o.logits, weights: o.weights };
  });
}

/** The same greedy loop on our model's incremental (KV-cache) step. */
export async function oursGreedy(
  model: TransformerModel,
  src: Tensor,
  lengths: Tensor,
  maxLength: number,
  ids: Ids,
): Promise<GreedyTrace> {
  const [N, S] = src.shape;
  let state = noGrad(() => model.encode(Array.from(src.data), N, S, Array.from(lengths.data)));
  return greedy(N, maxLength, ids, async (prefixes) => {
    const r = noGrad(() =>
      model.step(
        state,
        prefixes.map((p) => p[p.length - 1]),
      ),
    );
    state = r.state;
    return { logits: plain(r.logits), weights: plain(r.weights) };
  });
}
