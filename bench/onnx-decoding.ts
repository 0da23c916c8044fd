/**
 * The exported Transformer's two decoders in onnxruntime-node, side by side in one run: greedy
 * decoding of N tokens with the decoder graph over the whole prefix (each call recomputes it) and with
 * the step graph fed its own KV cache (src/onnx/transformer.ts).
 *
 *   npx tsx bench/onnx-decoding.ts [-- --tokens 32,128 --threads 1 --no-write]
 *
 * Model: as bench/kv-cache.ts — src/models/transformer, dModel 128, 4 heads, 2 + 2 layers,
 * feed-forward 512, vocabularies of 1000, dropout 0, seeded (manualSeed(1)); source: 1 sentence of 20
 * random ids. The encoder runs once per mode (not timed); the timed part is the N decoder calls, argmax
 * each time, never stopping at EOS. Both modes must produce the same N tokens (checked). onnxruntime on
 * CPU with `--threads` intra-op threads; each mode runs once untimed first (warm-up), then the best of 3
 * runs is reported. Writes docs/ONNX-DECODING.md unless --no-write.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { SOS } from "../src/data/vocab.js";
import { TransformerModel } from "../src/models/transformer/index.js";
import { exportTransformerOnnx } from "../src/onnx/index.js";
import { manualSeed, random } from "../src/tensor/index.js";
import { DECODING_MODEL, DECODING_SOURCE_LENGTH, option } from "./decoding-model.js";

const HERE = dirname(fileURLToPath(import.meta.url));
/** The onnxruntime-node this run loaded (its package.json), printed in the report. */
const ORT_VERSION: string = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("onnxruntime-node/package.json"), "utf8"),
).version;
const DOC = join(HERE, "..", "docs", "ONNX-DECODING.md");
const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => option(argv, name, dflt);
const CONFIG = DECODING_MODEL;
const S = DECODING_SOURCE_LENGTH;

const int64 = (xs: number[], dims: number[]) =>
  new ort.Tensor("int64", BigInt64Array.from(xs.map(BigInt)), dims);

function argmax(data: Float32Array): number {
  let best = 0;
  for (let v = 1; v < data.length; v++) if (data[v] > data[best]) best = v;
  return best;
}

async function main(): Promise<void> {
  const tokens = opt("tokens", "32,128").split(",").map(Number);
  const threads = Number(opt("threads", "1"));
  manualSeed(1);
  const model = new TransformerModel(CONFIG).eval();
  const src = Array.from({ length: S }, () => 4 + Math.floor(random() * 996));
  const { encoder, decoder, step, signature } = await exportTransformerOnnx(model);
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  };
  const [enc, dec, stp] = await Promise.all(
    [encoder, decoder, step].map((b) => ort.InferenceSession.create(b, options)),
  );
  const lengths = int64([S], [1]);
  const e = await enc.run({ src: int64(src, [1, S]), srcLengths: lengths });

  async function prefix(N: number): Promise<number[]> {
    const out = [SOS];
    for (let t = 0; t < N; t++) {
      const o = await dec.run({ tgt: int64(out, [1, out.length]), memory: e.memory, srcLengths: lengths });
      out.push(argmax(o.logits.data as Float32Array));
    }
    return out.slice(1);
  }

  async function cached(N: number): Promise<number[]> {
    const feeds: Record<string, ort.Tensor> = { srcLengths: lengths };
    const [, H, , dH] = e.memory_key_0.dims;
    for (const name of signature.step.inputs.slice(2)) {
      feeds[name] = name.startsWith("memory")
        ? e[name]
        : new ort.Tensor("float32", new Float32Array(0), [1, H, 0, dH]);
    }
    const out: number[] = [];
    let prev = SOS;
    for (let t = 0; t < N; t++) {
      feeds.prev = int64([prev], [1]);
      const o = await stp.run(feeds);
      for (const name of signature.step.inputs) {
        if (name.startsWith("past")) feeds[name] = o[name.replace("past", "present")];
      }
      prev = argmax(o.logits.data as Float32Array);
      out.push(prev);
    }
    return out;
  }

  const time = async (f: (n: number) => Promise<number[]>, N: number) => {
    const warm = await f(N);
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      await f(N);
      best = Math.min(best, performance.now() - t0);
    }
    return { ms: best, output: warm };
  };

  const rows: string[] = [];
  for (const N of tokens) {
    const p = await time(prefix, N);
    const c = await time(cached, N);
    const same = p.output.join(",") === c.output.join(",");
    if (!same) throw new Error(`onnx-decoding: the two decoders disagree at N = ${N}`);
    rows.push(
      `| ${N} | ${p.ms.toFixed(0)} | ${c.ms.toFixed(0)} | ${(p.ms / c.ms).toFixed(1)}× | ${same ? "yes" : "no"} |`,
    );
    console.log(rows[rows.length - 1]);
  }
  const la = loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
  const doc = `# Exported Transformer: prefix decoder vs KV-cache step in onnxruntime

Generated by \`npx tsx bench/onnx-decoding.ts\` (do not edit by hand); ${new Date().toISOString()}.
CPU: ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores; onnxruntime-node ${ORT_VERSION} (CPU execution provider, graph optimisations "all"), ${threads} intra-op thread(s); load average ${la} (the machine is shared).

Model: as docs/KV-CACHE.md (src/models/transformer, dModel 128, 4 heads, 2 encoder + 2 decoder layers,
feed-forward 512, vocabularies of 1000), exported by \`exportTransformerOnnx\`; one source sentence of
20 ids. Greedy decoding of N tokens (never stopping at EOS), after the encoder (not timed); best of 3
runs after a warm-up. **prefix**: the decoder graph over the whole prefix at each call; **step**: the
step graph, its present keys and values fed back as past.

| N tokens | prefix (ms) | step (ms) | speed-up | same tokens |
| --- | --- | --- | --- | --- |
${rows.join("\n")}
`;
  if (!argv.includes("--no-write")) writeFileSync(DOC, doc);
  console.log(doc);
}

await main();
