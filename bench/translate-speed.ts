/**
 * Greedy translation speed (issue 19): the first 200 sentences of the Tatoeba English–Hindi test set
 * translated greedily by the bundled Transformer (pretrained/en-hi-transformer) — qkv's own
 * `decodeAll` (what `qkv translate` runs) beside onnxruntime-node running qkv's own exported encoder
 * and KV-cache step graphs (`exportTransformerOnnx`) in a greedy loop of the same shape: the same
 * batches (sorted by length), the same maximum length, argmax of each step's logits, a batch stops
 * when every row has produced EOS. At batch > 1 onnxruntime runs twice: its loop as written (every
 * row fed until the batch ends) and with finished rows dropped (every per-row input gathered to the
 * live rows once a quarter of them have finished, as qkv's greedyDecode does; `--drop-at 1` drops
 * at every step a row finishes).
 *
 *   npx tsx bench/translate-speed.ts [-- --rounds 5 --batch 1,64 --sentences 200 --threads 1
 *     --model pretrained/en-hi-transformer --drop-at 0.75]
 *
 * The bundled checkpoint has a latent alignment layer, which the ONNX export refuses; both sides run
 * the model without it (the same encoder, decoder and tied output projection, `latentAlignment` off;
 * the alignment layer's three weights are left unread). Rounds are interleaved (qkv, onnxruntime, for
 * each batch size, per round) after one untimed warm-up of each; medians are reported with the load
 * average before and after. The tokens of the two are compared sentence by sentence.
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { tokenizersOf, vocabsOf } from "../src/checkpoint/format.js";
import { makeBatches } from "../src/data/batching.js";
import { EOS, SOS } from "../src/data/vocab.js";
import { decodeAll } from "../src/decode/index.js";
import { decodeLength } from "../src/decode/limits.js";
import { getBackend, initBackend, setNumThreads } from "../src/kernels/index.js";
import { TransformerModel } from "../src/models/transformer/index.js";
import { exportTransformerOnnx } from "../src/onnx/index.js";
import { loadCheckpoint } from "../src/train/checkpoint.js";
import type { CheckpointMeta } from "../src/train/trainer.js";
import { option } from "./decoding-model.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => option(argv, name, dflt);
const DATA = process.env.QKV_DATA_DIR ?? join(HERE, "..", "..", "shared", "data");

const int64 = (xs: ArrayLike<number>, dims: number[]) =>
  new ort.Tensor("int64", BigInt64Array.from(Array.from(xs, BigInt)), dims);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const rounds = Number(opt("rounds", "5"));
  const batchSizes = opt("batch", "1,64").split(",").map(Number);
  const nSentences = Number(opt("sentences", "200"));
  const threads = Number(opt("threads", "1"));
  const which = opt("backend", "native");
  // onnxruntime with rows dropped: once this fraction of the rows is left (qkv's rule: 0.75; 1: any).
  const dropAt = Number(opt("drop-at", "0.75"));
  await initBackend();
  if (which !== getBackend()) {
    const { setBackend } = await import("../src/kernels/index.js");
    await setBackend(which);
  }
  await setNumThreads(threads);

  const ck = await loadCheckpoint<CheckpointMeta>(
    opt("model", join(HERE, "..", "pretrained", "en-hi-transformer")),
    "best",
  );
  const meta = ck.meta;
  const model = new TransformerModel({ ...(meta.config as object), latentAlignment: false } as never);
  const { unexpectedKeys } = model.loadStateDict(ck.model, { strict: false });
  model.eval();
  const { srcTokenizer } = tokenizersOf(meta);
  const { srcVocab } = vocabsOf(meta);
  const lines = readFileSync(join(DATA, "tatoeba-test-eng-hin", "test.en"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .slice(0, nSentences);
  const ids = lines.map((l) => srcVocab.encode(srcTokenizer.tokenize(l)));
  const maxTargetLength = meta.maxTargetLength ?? 0;

  const { encoder, step, signature } = await exportTransformerOnnx(model);
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  };
  const enc = await ort.InferenceSession.create(encoder, options);
  const stp = await ort.InferenceSession.create(step, options);
  const H = model.config.nhead;
  const dH = model.config.dModel / H;

  function runQkv(batchSize: number): number[][] {
    return decodeAll(model, ids, { batchSize, maxTargetLength }).map((h) => h.tokens);
  }

  /** Rows `rows` of an ort tensor whose first axis is the batch. */
  function gather(t: ort.Tensor, rows: number[]): ort.Tensor {
    const per = t.data.length / t.dims[0];
    const dims = [rows.length, ...t.dims.slice(1)];
    const src = t.data as Float32Array | BigInt64Array;
    const out =
      t.type === "int64" ? new BigInt64Array(rows.length * per) : new Float32Array(rows.length * per);
    rows.forEach((r, i) => {
      out.set(src.subarray(r * per, (r + 1) * per) as never, i * per);
    });
    return t.type === "int64"
      ? new ort.Tensor("int64", out as BigInt64Array, dims)
      : new ort.Tensor("float32", out as Float32Array, dims);
  }

  async function runOrt(batchSize: number, drop = false): Promise<number[][]> {
    const out: number[][] = new Array(ids.length);
    for (const b of makeBatches(
      ids.map((src) => ({ src, tgt: [] })),
      { batchSize, sortByLength: true },
    )) {
      const maxLen = decodeLength(Math.max(...b.srcLengths), maxTargetLength);
      const lengths = int64(b.srcLengths, [b.B]);
      const e = await enc.run({ src: int64(b.src, [b.B, b.S]), srcLengths: lengths });
      const feeds: Record<string, ort.Tensor> = { srcLengths: lengths };
      for (const name of signature.step.inputs.slice(2)) {
        feeds[name] = name.startsWith("memory")
          ? e[name]
          : new ort.Tensor("float32", new Float32Array(0), [b.B, H, 0, dH]);
      }
      const toks: number[][] = Array.from({ length: b.B }, () => []);
      const done = new Array<boolean>(b.B).fill(false);
      let prev = new Array<number>(b.B).fill(SOS);
      let rows = Array.from({ length: b.B }, (_, r) => r); // the sentence of each row fed
      for (let t = 0; t < maxLen && done.includes(false); t++) {
        feeds.prev = int64(prev, [rows.length]);
        const o = await stp.run(feeds);
        for (const name of signature.step.inputs) {
          if (name.startsWith("past")) feeds[name] = o[name.replace("past", "present")];
        }
        const lg = o.logits.data as Float32Array;
        const V = lg.length / rows.length;
        rows.forEach((r, i) => {
          if (done[r]) return;
          let best = 0;
          for (let v = 1; v < V; v++) if (lg[i * V + v] > lg[i * V + best]) best = v;
          if (best === EOS) done[r] = true;
          else toks[r].push(best);
          prev[i] = best;
        });
        const live = rows.flatMap((r, i) => (done[r] ? [] : [i]));
        if (drop && live.length < rows.length && live.length <= dropAt * rows.length && live.length > 0) {
          for (const name of signature.step.inputs.slice(1)) feeds[name] = gather(feeds[name], live);
          prev = live.map((i) => prev[i]);
          rows = live.map((i) => rows[i]);
        }
      }
      b.indices.forEach((i, r) => {
        out[i] = toks[r];
      });
    }
    return out;
  }

  const load0 = loadavg();
  const times: Record<string, number[]> = {};
  const same: Record<string, number> = {};
  // The peers at batch B: onnxruntime's loop as it is, and (B > 1) dropping finished rows as qkv does.
  const peers = (B: number) => (B > 1 ? ["ort", "ort-drop"] : ["ort"]);
  for (const B of batchSizes) {
    const a = runQkv(B);
    times[`qkv ${B}`] = [];
    for (const p of peers(B)) {
      const o = await runOrt(B, p === "ort-drop");
      same[`${p} ${B}`] = a.filter((t, i) => t.join(",") === o[i].join(",")).length;
      times[`${p} ${B}`] = [];
    }
  }
  for (let r = 0; r < rounds; r++) {
    const line: string[] = [];
    for (const B of batchSizes) {
      let t0 = performance.now();
      runQkv(B);
      times[`qkv ${B}`].push(performance.now() - t0);
      line.push(`B=${B} qkv ${times[`qkv ${B}`][r].toFixed(0)} ms`);
      for (const p of peers(B)) {
        t0 = performance.now();
        await runOrt(B, p === "ort-drop");
        times[`${p} ${B}`].push(performance.now() - t0);
        line.push(`${p} ${times[`${p} ${B}`][r].toFixed(0)} ms`);
      }
    }
    console.log(`round ${r + 1}: ${line.join(", ")} (load ${loadavg()[0].toFixed(2)})`);
  }
  const load1 = loadavg();
  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(", ");
  console.log(
    `\n${cpus()[0]?.model ?? "?"}, ${cpus().length} cores; qkv backend ${getBackend()}, ${threads} thread(s); onnxruntime-node ${threads} intra-op thread(s); ${lines.length} sentences; ${rounds} interleaved rounds; load average before ${la(load0)}, after ${la(load1)}${unexpectedKeys.length ? `; unread weights: ${unexpectedKeys.join(", ")}` : ""}`,
  );
  console.log(
    "| batch | peer | qkv median (min–max), ms | peer median (min–max), ms | peer time / qkv time | same tokens |",
  );
  console.log("|---|---|---|---|---|---|");
  const range = (xs: number[]) =>
    `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
  for (const B of batchSizes) {
    for (const p of peers(B)) {
      const q = times[`qkv ${B}`];
      const o = times[`${p} ${B}`];
      const label = p === "ort" ? "onnxruntime" : "onnxruntime, finished rows dropped";
      console.log(
        `| ${B} | ${label} | ${range(q)} | ${range(o)} | ${(median(o) / median(q)).toFixed(2)}× | ${same[`${p} ${B}`]}/${lines.length} |`,
      );
    }
  }
}

await main();
