/**
 * `latentAlignment: true`: the attention is a latent alignment the output marginalises over,
 * p(y_t) = Σ_j a_tj softmax(W_s tanh(W_c [v_j; s_t])), and the logits are log p(y_t).
 */
import { describe, expect, it } from "vitest";
import { ATTENTION_KINDS, Seq2Seq } from "../../src/models/seq2seq/index.js";
import { Adam, crossEntropy } from "../../src/nn/index.js";
import {
  argmax,
  concat,
  manualSeed,
  noGrad,
  reshape,
  slice,
  softmax,
  squeeze,
  tanh,
} from "../../src/tensor/index.js";

const src = [5, 6, 7, 8, 9, 10, 0, 0];
const lengths = [4, 2];

function build(attention: (typeof ATTENTION_KINDS)[number], latentAlignment: boolean, seed = 3) {
  manualSeed(seed);
  return new Seq2Seq({
    srcVocabSize: 12,
    tgtVocabSize: 9,
    embedDim: 6,
    hiddenSize: 5,
    attention,
    attentionValues: "embeddings",
    latentAlignment,
    dropout: 0,
  }).eval();
}

describe("Seq2Seq latentAlignment", () => {
  // local-p's weights do not sum to 1 (its Gaussian factor), so it refuses latentAlignment (below).
  for (const attention of ATTENTION_KINDS.filter((k) => k !== "none" && k !== "local-p")) {
    it(`${attention}: p(y_t) = Σ_j a_tj softmax(W_s tanh(W_c [v_j; s_t])) over the valid positions`, () => {
      const m = build(attention, true);
      noGrad(() => {
        const st = m.encode(src, 2, 4, lengths);
        const r = m.step(st, [2, 2]);
        const p = softmax(r.logits, -1).toArray() as number[][];
        const lp = r.logits.toArray() as number[][];
        const w = r.weights!.toArray() as number[][];
        const s = r.state.h; // s_t, the state after this step's LSTM
        for (let b = 0; b < 2; b++) {
          const sb = slice(s, 0, b, b + 1); // (1, Hd)
          const want = new Array(9).fill(0);
          for (let j = 0; j < lengths[b]; j++) {
            const vj = reshape(slice(slice(st.memory, 0, b, b + 1), 1, j, j + 1), [1, st.memory.shape[2]]);
            const pj = squeeze(softmax(m.out.forward(tanh(m.combine.forward(concat([vj, sb], 1)))), -1), 0);
            const pjs = pj.toArray() as number[];
            for (let v = 0; v < 9; v++) want[v] += w[b][j] * pjs[v];
          }
          for (let v = 0; v < 9; v++) {
            expect(Math.exp(lp[b][v])).toBeCloseTo(want[v], 6); // the logits are log p, normalised
            expect(p[b][v]).toBeCloseTo(want[v], 6);
          }
          for (let j = lengths[b]; j < 4; j++) expect(w[b][j]).toBe(0);
        }
      });
    });
  }

  it("has the same parameters as the context model and changes only the output", () => {
    const lat = build("bahdanau", true);
    const ctx = build("bahdanau", false);
    const a = lat.stateDict();
    const b = ctx.stateDict();
    expect(Object.keys(a)).toEqual(Object.keys(b));
    for (const k of Object.keys(a)) expect(Array.from(a[k].data)).toEqual(Array.from(b[k].data));
    noGrad(() => {
      const ra = lat.step(lat.encode(src, 2, 4, lengths), [2, 2]);
      const rb = ctx.step(ctx.encode(src, 2, 4, lengths), [2, 2]);
      expect(ra.weights!.toArray()).toEqual(rb.weights!.toArray()); // the first step's attention
      expect(ra.logits.toArray()).not.toEqual(rb.logits.toArray());
    });
  });

  it("refuses attention none, naming the option", () => {
    expect(
      () => new Seq2Seq({ srcVocabSize: 5, tgtVocabSize: 5, attention: "none", latentAlignment: true }),
    ).toThrow(/latentAlignment needs attention/);
  });

  it("refuses local-p, whose Gaussian-scaled weights do not sum to 1", () => {
    expect(
      () => new Seq2Seq({ srcVocabSize: 5, tgtVocabSize: 5, attention: "local-p", latentAlignment: true }),
    ).toThrow(
      "Seq2Seq: latentAlignment needs weights that sum to 1; local-p's Gaussian factor scales them (use local-m)",
    );
  });

  it("learns a reordering dictionary task: its attention links each target word to its source word", () => {
    // Target = the source words translated one-to-one (w → w + 10) in REVERSED order: the diagonal is
    // wrong, the alignment is the anti-diagonal, and nothing but the attention can tell which word is next.
    manualSeed(7);
    const big = new Seq2Seq({
      srcVocabSize: 14,
      tgtVocabSize: 24,
      embedDim: 16,
      hiddenSize: 16,
      attention: "bahdanau",
      attentionValues: "embeddings",
      latentAlignment: true,
      dropout: 0,
    });
    const opt = new Adam(big.parameters(), { lr: 0.02 });
    let seed = 11;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const B = 16;
    const S = 4;
    const T = S + 1;
    const batch = () => {
      const s = new Int32Array(B * S);
      const tin = new Int32Array(B * T);
      const tout: number[] = [];
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < S; j++) s[b * S + j] = 4 + Math.floor(rand() * 10);
        tin[b * T] = 2;
        for (let t = 0; t < S; t++) {
          const y = s[b * S + (S - 1 - t)] + 10;
          tout.push(y);
          tin[b * T + t + 1] = y;
        }
        tout.push(3);
      }
      return { s, tin, tout };
    };
    big.train();
    for (let step = 0; step < 150; step++) {
      const { s, tin, tout } = batch();
      opt.zeroGrad();
      const { logits } = big.forward(s, new Array(B).fill(S), tin, B, S, T);
      const loss = crossEntropy(reshape(logits, [B * T, 24]), tout);
      loss.backward();
      opt.step();
    }
    big.eval();
    const { s, tin } = batch();
    const { weights } = noGrad(() => big.forward(s, new Array(B).fill(S), tin, B, S, T));
    // Row t predicts y_t = translation of source word S−1−t.
    let right = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < S; t++) {
        const row = slice(slice(weights!, 0, b, b + 1), 1, t, t + 1);
        if (argmax(reshape(row, [S]), -1)[0] === S - 1 - t) right++;
      }
    }
    expect(right / (B * S)).toBeGreaterThan(0.9);
  });
});
