/**
 * Every attention kind reads its parameters where it uses them: a value changed through `loadStateDict`
 * (as an optimizer step or a reloaded checkpoint changes it) moves the step's weights exactly as the
 * stand-alone `luongAttention` / `bahdanauAttention` formula with the new values says.
 * (Regression: luong-concat once scored with a copy of W_s sliced at construction.)
 */
import { describe, expect, it } from "vitest";
import { bahdanauAttention } from "../../src/attention/bahdanau.js";
import { coverageAttention } from "../../src/attention/coverage.js";
import { localAttention, monotonicPosition, predictivePosition } from "../../src/attention/local.js";
import { luongAttention } from "../../src/attention/luong.js";
import { general } from "../../src/attention/scores.js";
import { ATTENTION_KINDS, type AttentionKind, Seq2Seq } from "../../src/models/seq2seq/index.js";
import { manualSeed, noGrad, type Tensor, tensor } from "../../src/tensor/index.js";

const B = 2;
const S = 4;
const src = [5, 6, 7, 8, 9, 10, 0, 0];
const srcLengths = [4, 2];
const prev = [2, 3];

function model(attention: AttentionKind): Seq2Seq {
  manualSeed(11);
  const m = new Seq2Seq({
    srcVocabSize: 12,
    tgtVocabSize: 9,
    embedDim: 6,
    hiddenSize: 5,
    attention,
    dropout: 0,
  });
  return m.eval();
}

/** The step's weights and what the stand-alone formula gives with the model's current parameters. */
function stepAndFormula(m: Seq2Seq, attention: AttentionKind): { got: Tensor | null; want: Tensor | null } {
  return noGrad(() => {
    const st = m.encode(src, B, S, srcLengths);
    const r = m.step(st, prev);
    const p = (n: string) => m.param(n);
    const opts = { mask: st.mask };
    switch (attention) {
      case "none":
        expect(r.query).toBeNull();
        return { got: r.weights, want: null };
      case "bahdanau":
        expect(r.query).toBe(st.h); // s_{t−1} asks
        return {
          got: r.weights,
          want: bahdanauAttention(
            st.h,
            st.memory,
            { wQuery: p("attn_w_query"), wKey: p("attn_w_key"), v: p("attn_v") },
            opts,
          ).weights,
        };
      case "coverage": {
        // A second step, so that the coverage C_1 = α_1 (and V) enter the score.
        const r2 = m.step(r.state, prev);
        expect(r2.query).toBe(r.state.h); // s_{t−1} asks
        const params = {
          wQuery: p("attn_w_query"),
          wKey: p("attn_w_key"),
          v: p("attn_v"),
          wCover: p("attn_w_cover"),
        };
        return {
          got: r2.weights,
          want: coverageAttention(r.state.h, st.memory, r.weights!, params, opts).weights,
        };
      }
      case "local-m":
      case "local-p": {
        expect(r.query).toBe(r.state.h); // s_t asks
        const predictive = attention === "local-p";
        const positions = predictive
          ? predictivePosition(r.state.h, { wP: p("attn_w_p"), vP: p("attn_v_p") }, srcLengths)
          : monotonicPosition(0, srcLengths);
        const local = localAttention(r.state.h, st.memory, st.memory, {
          score: general({ weight: p("attn_w") }),
          positions,
          window: m.config.attentionWindow,
          gaussian: predictive,
          ...opts,
        });
        return { got: r.weights, want: local.weights };
      }
      default: {
        expect(r.query).toBe(r.state.h); // s_t asks
        const score = attention.slice("luong-".length) as "dot" | "general" | "concat" | "location";
        const params =
          score === "dot"
            ? {}
            : score === "concat"
              ? { weight: p("attn_w"), v: p("attn_v") }
              : { weight: p("attn_w") };
        return {
          got: r.weights,
          want: luongAttention(r.state.h, st.memory, { score, params, ...opts }).weights,
        };
      }
    }
  });
}

function maxDiff(a: Tensor, b: Tensor): number {
  let d = 0;
  for (let i = 0; i < a.size; i++) d = Math.max(d, Math.abs(a.data[i] - b.data[i]));
  return d;
}

/** Adds a deterministic pattern to `data[from, to)` of one state-dict entry and loads the result. */
function perturb(m: Seq2Seq, name: string, from = 0, to?: number): void {
  const sd = m.stateDict();
  const t = sd[name];
  const data = Float32Array.from(t.data);
  for (let i = from; i < (to ?? data.length); i++) data[i] += 0.5 * Math.sin(1 + 3 * i);
  sd[name] = tensor(data, t.shape);
  m.loadStateDict(sd);
}

describe("Seq2Seq: every attention kind scores with its parameters' current values", () => {
  for (const attention of ATTENTION_KINDS) {
    it(`${attention}: perturbing each attention parameter through loadStateDict moves the weights as the formula says`, () => {
      const m = model(attention);
      const names = m
        .namedParameters()
        .map(([n]) => n)
        .filter((n) => n.startsWith("attn_"));
      const base = stepAndFormula(m, attention);
      if (attention === "none") {
        expect(base.got).toBeNull();
        expect(names).toEqual([]);
        return;
      }
      if (attention === "luong-dot") expect(names).toEqual([]); // dot has no parameters of its own
      expect(maxDiff(base.got!, base.want!)).toBeLessThan(1e-6);
      for (const name of names) {
        const before = stepAndFormula(m, attention).got!;
        perturb(m, name);
        const after = stepAndFormula(m, attention);
        expect(maxDiff(after.got!, after.want!), `${attention} ${name}: step vs formula`).toBeLessThan(1e-6);
        expect(maxDiff(after.got!, before), `${attention} ${name}: weights did not move`).toBeGreaterThan(
          1e-4,
        );
      }
    });
  }

  it("luong-concat: changing only the query half W_s of W = [W_s | W_h] moves the weights", () => {
    const m = model("luong-concat");
    const [A, cols] = m.param("attn_w").shape;
    const Hd = m.config.decoderHiddenSize;
    expect(cols).toBe(Hd + 2 * m.config.hiddenSize);
    const before = stepAndFormula(m, "luong-concat").got!;
    // Perturb W_s only: columns [0, Hd) of every row.
    const sd = m.stateDict();
    const w = Float32Array.from(sd.attn_w.data);
    for (let a = 0; a < A; a++) for (let j = 0; j < Hd; j++) w[a * cols + j] += 0.5 * Math.cos(a + 7 * j);
    sd.attn_w = tensor(w, [A, cols]);
    m.loadStateDict(sd);
    const after = stepAndFormula(m, "luong-concat");
    expect(maxDiff(after.got!, before)).toBeGreaterThan(1e-4);
    expect(maxDiff(after.got!, after.want!)).toBeLessThan(1e-6);
  });
});
