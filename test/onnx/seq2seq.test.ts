/**
 * The LSTM seq2seq exported as two graphs — the encoder and one decoder step — run in onnxruntime at
 * batch and source sizes other than the traced ones, against `Seq2Seq.encode` / `step`; and a greedy
 * loop driven by onnxruntime (as a server would) gives our tokens and scores.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  ATTENTION_KIND_SPECS,
  ATTENTION_KINDS,
  type DecoderState,
  manualSeed,
  noGrad,
  Seq2Seq,
  Seq2SeqEncoderGraph,
  Seq2SeqStepGraph,
  type Tensor,
  tensor,
} from "../../src/index.js";
import { exportOnnx } from "../../src/onnx/index.js";
import { graphInputs, graphOutputs, maxDiff, reportWorst, run, session } from "./ort.js";

const TOL = 1e-4;

/** A padded batch: B rows of S ids (row b has lengths[b] tokens then padding 0). */
function batch(B: number, S: number, seed: number): { src: Tensor; lengths: Tensor } {
  const ids: number[] = [];
  const lengths: number[] = [];
  for (let b = 0; b < B; b++) {
    const len = b === 0 ? S : 1 + ((b * 7 + seed) % S); // the longest row fills S
    lengths.push(len);
    for (let s = 0; s < S; s++) ids.push(s < len ? 4 + ((b * 5 + s * 3 + seed) % 8) : 0);
  }
  return { src: tensor(ids, [B, S]), lengths: tensor(lengths, [B]) };
}

function model(attention: (typeof ATTENTION_KINDS)[number], layers: number, latent = false): Seq2Seq {
  manualSeed(11);
  return new Seq2Seq({
    ...(latent ? { attentionValues: "embeddings" as const, latentAlignment: true } : {}),
    srcVocabSize: 12,
    tgtVocabSize: 10,
    embedDim: 6,
    hiddenSize: 5,
    encoderLayers: layers,
    attention,
    attentionDim: 7,
    dropout: 0.1, // off in the export (evaluation mode)
    maxSourceLength: 12,
  }).eval();
}

afterAll(() => reportWorst("ONNX export, LSTM seq2seq"));

describe("ONNX export: LSTM seq2seq encoder and decoder step", () => {
  // Every kind, and the latent-alignment output (lexical values) with an additive and a general score.
  const variants = [
    // Kinds without an ONNX form (coverage, local-m, local-p) refuse: test/models/seq2seq-coverage-local.test.ts.
    ...ATTENTION_KINDS.filter((k) => ATTENTION_KIND_SPECS[k].noOnnx === undefined).map((k) => ({
      attention: k,
      latent: false,
    })),
    { attention: "bahdanau" as const, latent: true },
    { attention: "luong-general" as const, latent: true },
  ];
  for (const { attention: kind, latent } of variants) {
    const attention = latent ? `${kind} latentAlignment` : kind;
    const layers = kind === "bahdanau" ? 2 : 1;
    it(`${attention} (${layers}-layer bidirectional encoder): both graphs match at other batch and source sizes`, async () => {
      const m = model(kind, layers, latent);
      const traced = batch(2, 3, 0);
      const encBytes = await exportOnnx(new Seq2SeqEncoderGraph(m), [traced.src, traced.lengths]);
      expect(graphInputs(encBytes)).toEqual([
        { name: "src", int: true },
        { name: "srcLengths", int: true },
      ]);
      expect(graphOutputs(encBytes)).toEqual(["memory", "keys", "h", "c", "feed"]);
      const st = noGrad(() => m.encode(traced.src, 2, 3, traced.lengths));
      const prev0 = tensor([1, 1], [2]);
      const stepBytes = await exportOnnx(new Seq2SeqStepGraph(m), [
        prev0,
        st.memory,
        st.keys,
        traced.lengths,
        st.h,
        st.c,
        st.feed,
      ]);
      expect(graphInputs(stepBytes).map((i) => i.name)).toEqual([
        "prev",
        "memory",
        "keys",
        "srcLengths",
        "h",
        "c",
        "feed",
      ]);
      const enc = await session(encBytes);
      const step = await session(stepBytes);
      for (const [B, S] of [
        [5, 7],
        [1, 4],
      ]) {
        const { src, lengths } = batch(B, S, B + S);
        const ours = noGrad(() => m.encode(src, B, S, lengths));
        const e = await run(enc, encBytes, [src, lengths]);
        for (const k of ["memory", "keys", "h", "c", "feed"] as const) {
          expect(maxDiff(ours[k], e[k], `${attention} encoder ${k} at B=${B}, S=${S}`)).toBeLessThan(TOL);
        }
        const prev = tensor(
          Array.from({ length: B }, (_, b) => 1 + (b % 5)),
          [B],
        );
        const r = noGrad(() => m.step(ours, prev));
        const o = await run(step, stepBytes, [
          prev,
          ours.memory,
          ours.keys,
          lengths,
          ours.h,
          ours.c,
          ours.feed,
        ]);
        expect(maxDiff(r.logits, o.logits, `${attention} step logits`)).toBeLessThan(TOL);
        expect(maxDiff(r.state.h, o.h_out, `${attention} step h`)).toBeLessThan(TOL);
        expect(maxDiff(r.state.c, o.c_out, `${attention} step c`)).toBeLessThan(TOL);
        expect(maxDiff(r.state.feed, o.feed_out, `${attention} step feed`)).toBeLessThan(TOL);
        if (r.weights) expect(maxDiff(r.weights, o.weights, `${attention} step weights`)).toBeLessThan(TOL);
        else expect(o.weights).toBeUndefined();
      }
    });
  }

  it("a greedy search driven by onnxruntime gives our tokens (the server's loop)", async () => {
    const m = model("luong-general", 1);
    const traced = batch(2, 3, 0);
    const st = noGrad(() => m.encode(traced.src, 2, 3, traced.lengths));
    const encBytes = await exportOnnx(new Seq2SeqEncoderGraph(m), [traced.src, traced.lengths]);
    const stepBytes = await exportOnnx(new Seq2SeqStepGraph(m), [
      tensor([1, 1], [2]),
      st.memory,
      st.keys,
      traced.lengths,
      st.h,
      st.c,
      st.feed,
    ]);
    const [enc, step] = await Promise.all([session(encBytes), session(stepBytes)]);
    const { src, lengths } = batch(4, 6, 3);
    const argmax = (data: Float32Array, rows: number) => {
      const V = data.length / rows;
      return Array.from({ length: rows }, (_, b) => {
        let best = 0;
        for (let v = 1; v < V; v++) if (data[b * V + v] > data[b * V + best]) best = v;
        return best;
      });
    };
    // Ours.
    let state: DecoderState = noGrad(() => m.encode(src, 4, 6, lengths));
    let prev = [1, 1, 1, 1];
    const oursTokens: number[][] = [];
    for (let t = 0; t < 5; t++) {
      const r = noGrad(() => m.step(state, prev));
      state = r.state;
      prev = argmax(r.logits.data, 4);
      oursTokens.push(prev);
    }
    // onnxruntime: the encoder once, then the step graph fed its own outputs.
    const e = await run(enc, encBytes, [src, lengths]);
    const asT = (x: { data: Float32Array; dims: readonly number[] }) => tensor(x.data, [...x.dims]);
    let h = asT(e.h);
    let c = asT(e.c);
    let feed = asT(e.feed);
    let ortPrev = [1, 1, 1, 1];
    const ortTokens: number[][] = [];
    for (let t = 0; t < 5; t++) {
      const o = await run(step, stepBytes, [
        tensor(ortPrev, [4]),
        asT(e.memory),
        asT(e.keys),
        lengths,
        h,
        c,
        feed,
      ]);
      h = asT(o.h_out);
      c = asT(o.c_out);
      feed = asT(o.feed_out);
      ortPrev = argmax(o.logits.data, 4);
      ortTokens.push(ortPrev);
    }
    expect(ortTokens).toEqual(oursTokens);
  });
});
