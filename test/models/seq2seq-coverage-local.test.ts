/**
 * The attention kinds with a state or a window — coverage (Tu et al. 2016) and Luong's local-m / local-p
 * (Luong et al. 2015 §3.2) — inside the LSTM encoder–decoder: the step-by-step decoder (as greedy and
 * beam search run it, rows reordered by selectRows) gives the teacher-forced forward's attention, the
 * coverage the model carries is Σ α, local weights are zero outside the window, finite-difference
 * gradients of the loss, and a tiny copy / reverse task learnt in 200 steps.
 */
import { describe, expect, it } from "vitest";
import { predictivePosition } from "../../src/attention/local.js";
import { beamSearch, greedyDecode } from "../../src/decode/search.js";
import { Seq2Seq, type Seq2SeqConfig } from "../../src/models/seq2seq/index.js";
import { Adam, crossEntropy } from "../../src/nn/index.js";
import { exportSeq2SeqOnnx } from "../../src/onnx/seq2seq.js";
import { manualSeed, noGrad, reshape, type Tensor } from "../../src/tensor/index.js";

const KINDS = ["coverage", "local-m", "local-p"] as const;
type Kind = (typeof KINDS)[number];

const B = 2;
const S = 5;
const T = 6;
const src = [5, 6, 7, 8, 9, 10, 4, 0, 0, 0]; // second row padded after 2 tokens
const srcLengths = [5, 2];
const tgtIn = [2, 4, 5, 6, 7, 8, 2, 8, 7, 6, 0, 0];
const tgtOut = [4, 5, 6, 7, 8, 3, 8, 7, 6, 3, 0, 0];

function build(attention: Kind, extra: Partial<Seq2SeqConfig> = {}, seed = 3): Seq2Seq {
  manualSeed(seed);
  const m = new Seq2Seq({
    srcVocabSize: 12,
    tgtVocabSize: 9,
    embedDim: 6,
    hiddenSize: 4,
    attention,
    dropout: 0,
    ...extra,
  });
  return m.eval();
}

const rows = (w: Tensor): number[][][] => w.toArray() as number[][][];

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe("coverage and local attention in Seq2Seq", () => {
  for (const attention of KINDS) {
    const window = attention === "coverage" ? {} : { attentionWindow: 1 };

    it(`${attention}: stepping (rows gathered as a beam does) gives the teacher-forced forward's weights and logits`, () => {
      const m = build(attention, window);
      noGrad(() => {
        const full = m.forward(src, srcLengths, tgtIn, B, S, T);
        const fw = rows(full.weights!);
        const fl = full.logits.toArray() as number[][][];
        // Three rows: sentence 1, sentence 0, sentence 1 again — the state (coverage included) gathered.
        const order = [1, 0, 1];
        let state = m.selectRows(m.encode(src, B, S, srcLengths), order);
        for (let t = 0; t < T; t++) {
          const r = m.step(
            state,
            order.map((b) => tgtIn[b * T + t]),
          );
          const w = r.weights!.toArray() as number[][];
          const l = r.logits.toArray() as number[][];
          order.forEach((b, i) => {
            expect(maxDiff(w[i], fw[b][t]), `t=${t} row ${i}`).toBeLessThan(1e-6);
            expect(maxDiff(l[i], fl[b][t]), `t=${t} row ${i} logits`).toBeLessThan(1e-5);
          });
          state = r.state;
        }
      });
    });

    it(`${attention}: greedy and beam search's alignments are the forward's attention on their own output`, () => {
      const m = build(attention, window);
      const check = (hyps: { tokens: number[]; alignment: number[][] }[]) => {
        hyps.forEach((h, b) => {
          const len = srcLengths[b];
          const one = src.slice(b * S, b * S + len);
          const tin = [2, ...h.tokens];
          const n = tin.length;
          const { weights } = noGrad(() => m.forward(one, [len], tin, 1, len, n));
          const fw = rows(weights!)[0];
          expect(h.alignment.length).toBeGreaterThanOrEqual(h.tokens.length);
          for (let t = 0; t < Math.min(n, h.alignment.length); t++) {
            expect(maxDiff(h.alignment[t], fw[t]), `sentence ${b} step ${t}`).toBeLessThan(1e-5);
          }
        });
      };
      check(greedyDecode(m, src, B, S, srcLengths, { maxLength: 8 }));
      check(beamSearch(m, src, B, S, srcLengths, { maxLength: 8, beamSize: 3 }));
    });

    it(`${attention}: gradients of the loss match central finite differences`, () => {
      // local-p with a window wider than the sentence: its Gaussian is differentiable everywhere, the
      // window's edges (steps) are out of reach (the window itself: test/attention/local.test.ts).
      const m = build(attention, attention === "local-p" ? { attentionWindow: 8 } : window, 4);
      const loss = () => {
        const { logits } = m.forward(src, srcLengths, tgtIn, B, S, T);
        return crossEntropy(reshape(logits, [B * T, logits.shape[2]]), tgtOut, { ignoreIndex: 0 });
      };
      loss().backward();
      const checked: string[] = [];
      for (const [name, p] of m.namedParameters()) {
        if (!name.startsWith("attn_") && name !== "decoder.weight_hh" && name !== "combine.weight") continue;
        checked.push(name);
        for (const i of [0, Math.floor(p.size / 2), p.size - 1]) {
          const old = p.data[i];
          const eps = 1e-2;
          const up = noGrad(() => {
            p.data[i] = old + eps;
            return loss().item();
          });
          const down = noGrad(() => {
            p.data[i] = old - eps;
            return loss().item();
          });
          p.data[i] = old;
          const numeric = (up - down) / (2 * eps);
          expect(Math.abs(numeric - p.grad!.data[i]), `${attention} ${name}[${i}]`).toBeLessThan(
            2e-3 + 2e-2 * Math.abs(numeric),
          );
        }
      }
      const own = { coverage: ["attn_w_cover"], "local-m": ["attn_w"], "local-p": ["attn_w_p", "attn_v_p"] };
      for (const n of own[attention]) expect(checked).toContain(n);
    });
  }

  it("coverage: the state after t steps is C_t = Σ_{k ≤ t} α_k, 0 on padding, and it changes later weights", () => {
    const m = build("coverage");
    noGrad(() => {
      let state = m.encode(src, B, S, srcLengths);
      expect(Array.from(state.attnState!.data)).toEqual(new Array(B * S).fill(0));
      const sum = new Float64Array(B * S);
      for (let t = 0; t < T; t++) {
        const r = m.step(
          state,
          [0, 1].map((b) => tgtIn[b * T + t]),
        );
        for (let k = 0; k < B * S; k++) sum[k] += r.weights!.data[k];
        state = r.state;
        expect(maxDiff(state.attnState!.data, sum), `t=${t}`).toBeLessThan(1e-5);
      }
      expect(state.attnState!.data[S + 2]).toBe(0);
      expect(state.attnState!.data[S + 4]).toBe(0);
      // The same step with the coverage zeroed gives other weights: the coverage enters the score.
      const r = m.step(state, [4, 4]);
      const zeroed = m.step({ ...state, attnState: state.attnState!.mul(0) }, [4, 4]);
      expect(maxDiff(r.weights!.data, zeroed.weights!.data)).toBeGreaterThan(1e-4);
    });
  });

  it("local-m / local-p: every weight outside the window |s − p_t| ≤ D is exactly 0", () => {
    for (const attention of ["local-m", "local-p"] as const) {
      const m = build(attention, { attentionWindow: 1 });
      noGrad(() => {
        let state = m.encode(src, B, S, srcLengths);
        let inside = 0;
        for (let t = 0; t < T; t++) {
          const r = m.step(
            state,
            [0, 1].map((b) => tgtIn[b * T + t]),
          );
          const p =
            attention === "local-m"
              ? srcLengths.map((n) => Math.min(t, n - 1))
              : Array.from(
                  predictivePosition(
                    r.query!,
                    { wP: m.param("attn_w_p"), vP: m.param("attn_v_p") },
                    srcLengths,
                  ).data,
                );
          const w = r.weights!.toArray() as number[][];
          for (let b = 0; b < B; b++) {
            for (let s = 0; s < S; s++) {
              if (Math.abs(s - p[b]) > 1 || s >= srcLengths[b])
                expect(w[b][s], `${attention} t=${t} b=${b} s=${s}`).toBe(0);
              else if (w[b][s] > 0) inside++;
            }
          }
          state = r.state;
        }
        expect(inside).toBeGreaterThan(T); // the window is not empty
      });
    }
  });

  it("refuses a bad window, and the ONNX export refuses each kind by name", async () => {
    expect(() => build("local-m", { attentionWindow: 0 })).toThrow(
      "Seq2Seq: attentionWindow must be an integer ≥ 1, got 0",
    );
    expect(() => build("local-p", { attentionWindow: 2.5 })).toThrow(
      /attentionWindow must be an integer ≥ 1/,
    );
    for (const attention of KINDS) {
      await expect(exportSeq2SeqOnnx(build(attention))).rejects.toThrow(
        `Seq2SeqEncoderGraph: attention "${attention}" has no ONNX export yet`,
      );
    }
  });
});

/** Sequences of 3–6 symbols (ids 4…11); the target is the source copied or reversed. */
function task(reverse: boolean, seed: number) {
  let x = seed;
  const rand = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  return (n: number) => {
    const Smax = 6;
    const T1 = Smax + 1;
    const s = new Int32Array(n * Smax);
    const tin = new Int32Array(n * T1);
    const tout: number[] = [];
    const lengths: number[] = [];
    const sources: number[][] = [];
    for (let b = 0; b < n; b++) {
      const len = 3 + Math.floor(rand() * 4);
      lengths.push(len);
      const w = Array.from({ length: len }, () => 4 + Math.floor(rand() * 8));
      sources.push(w);
      w.forEach((id, j) => {
        s[b * Smax + j] = id;
      });
      const y = reverse ? [...w].reverse() : w;
      tin[b * T1] = 2;
      for (let t = 0; t < T1; t++) {
        if (t < len) {
          tin[b * T1 + t + 1] = y[t];
          tout.push(y[t]);
        } else tout.push(t === len ? 3 : 0);
      }
    }
    return { s, tin, tout, lengths, sources, Smax, T1 };
  };
}

describe("coverage and local attention learn a tiny task", () => {
  const cases: { attention: Kind; reverse: boolean; window?: number }[] = [
    { attention: "coverage", reverse: true },
    { attention: "local-m", reverse: false, window: 1 },
    { attention: "local-p", reverse: true, window: 2 },
  ];
  for (const { attention, reverse, window } of cases) {
    it(`${attention} (${window === undefined ? "" : `D = ${window}, `}${reverse ? "reverse" : "copy"}): the loss falls and greedy decoding is mostly exact`, () => {
      manualSeed(5);
      const m = new Seq2Seq({
        srcVocabSize: 12,
        tgtVocabSize: 12,
        embedDim: 16,
        hiddenSize: 16,
        attentionDim: 16,
        attention,
        dropout: 0,
        ...(window === undefined ? {} : { attentionWindow: window }),
      });
      const opt = new Adam(m.parameters(), { lr: 0.01 });
      const data = task(reverse, 17);
      const N = 16;
      const losses: number[] = [];
      m.train();
      for (let step = 0; step < 200; step++) {
        const { s, tin, tout, lengths, Smax, T1 } = data(N);
        opt.zeroGrad();
        const { logits } = m.forward(s, lengths, tin, N, Smax, T1);
        const loss = crossEntropy(reshape(logits, [N * T1, 12]), tout, { ignoreIndex: 0 });
        loss.backward();
        opt.step();
        losses.push(loss.item());
      }
      m.eval();
      const first = losses.slice(0, 10).reduce((a, b) => a + b, 0) / 10;
      const last = losses.slice(-10).reduce((a, b) => a + b, 0) / 10;
      expect(last).toBeLessThan(first / 4);
      const test = data(64);
      const hyps = greedyDecode(m, test.s, 64, test.Smax, test.lengths, { maxLength: 10 });
      let exact = 0;
      hyps.forEach((h, b) => {
        const want = reverse ? [...test.sources[b]].reverse() : test.sources[b];
        if (h.tokens.join(" ") === want.join(" ")) exact++;
      });
      expect(
        exact / 64,
        `${attention}: first loss ${first.toFixed(3)}, last ${last.toFixed(3)}`,
      ).toBeGreaterThan(0.8);
    });
  }
});
