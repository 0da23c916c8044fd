/**
 * `qkv export --model DIR --onnx FILE` on the bundled English→Hindi model: the files it writes, run
 * by onnxruntime in a greedy loop a server would write (encoder once, then the step graph fed its own
 * state), give the same translations as `greedyDecode`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { greedyDecode, type Seq2Seq, type Tensor, tensor, tokenize } from "../../src/index.js";
import { loadModel, vocabsOf } from "../../src/node.js";
import { decodeModel } from "../../src/onnx/index.js";
import { run, session } from "./ort.js";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");

describe("qkv export", () => {
  it("writes the encoder, the step graph and a manifest that reproduce greedy translation", async () => {
    const out = mkdtempSync(join(tmpdir(), "qkv-onnx-"));
    const file = join(out, "en-hi.onnx");
    const r = spawnSync(
      tsx,
      [join(root, "src/cli/main.ts"), "export", "--model", "pretrained/en-hi", "--onnx", file],
      {
        cwd: root,
        encoding: "utf8",
        timeout: 120_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, "en-hi.json"), "utf8"));
    expect(manifest.encoder.inputs).toEqual(["src", "srcLengths"]);
    expect(manifest.step.outputs).toEqual(["logits", "h_out", "c_out", "feed_out", "weights"]);
    const encBytes = new Uint8Array(readFileSync(join(out, manifest.encoder.file)));
    type Graph = {
      input: { type: { tensor_type: { shape: { dim: { dim_param?: string; dim_value?: number }[] } } } }[];
    };
    const dims = (decodeModel(encBytes).graph as Graph).input.map((v) =>
      v.type.tensor_type.shape.dim.map((d) => d.dim_param ?? d.dim_value),
    );
    expect(dims).toEqual([["batch", "source"], ["batch"]]);
    const stepBytes = new Uint8Array(readFileSync(join(out, manifest.step.file)));

    const { model, meta } = await loadModel(join(root, "pretrained/en-hi"));
    const { srcVocab } = vocabsOf(meta);
    const sentences = ["Where is the station?", "I am happy.", "He is my friend and he lives here."];
    const ids = sentences.map((s) => srcVocab.encode(tokenize(s, { lowercase: true })));
    const B = ids.length;
    const S = Math.max(...ids.map((x) => x.length));
    const lengths = ids.map((x) => x.length);
    const flat = ids.flatMap((x) => [...x, ...new Array(S - x.length).fill(manifest.ids.pad)]);
    const maxLength = 20;
    expect(meta.kind).toBe("seq2seq");
    const ours = greedyDecode((model as Seq2Seq).eval(), flat, B, S, lengths, {
      maxLength,
      eos: manifest.ids.eos,
    });

    const [enc, step] = await Promise.all([session(encBytes), session(stepBytes)]);
    const asT = (x: { data: Float32Array; dims: readonly number[] }): Tensor => tensor(x.data, [...x.dims]);
    const src = tensor(flat, [B, S]);
    const len = tensor(lengths, [B]);
    const e = await run(enc, encBytes, [src, len]);
    let [h, c, feed] = [asT(e.h), asT(e.c), asT(e.feed)];
    let prev = new Array(B).fill(manifest.ids.sos);
    const tokens: number[][] = Array.from({ length: B }, () => []);
    const done = new Array(B).fill(false);
    for (let t = 0; t < maxLength && done.includes(false); t++) {
      const o = await run(step, stepBytes, [tensor(prev, [B]), asT(e.memory), asT(e.keys), len, h, c, feed]);
      [h, c, feed] = [asT(o.h_out), asT(o.c_out), asT(o.feed_out)];
      const V = o.logits.dims[1];
      prev = prev.map((_, b) => {
        let best = 0;
        for (let v = 1; v < V; v++) if (o.logits.data[b * V + v] > o.logits.data[b * V + best]) best = v;
        if (!done[b]) {
          if (best === manifest.ids.eos) done[b] = true;
          else tokens[b].push(best);
        }
        return best;
      });
    }
    expect(tokens).toEqual(ours.map((hyp) => hyp.tokens));
    expect(tokens.every((t) => t.length > 0)).toBe(true);
  });
});
