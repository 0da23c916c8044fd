/**
 * coverage, local-m and local-p against their PyTorch twins (scripts/qkv_torch.py, written from the
 * papers; fixtures by scripts/make_kinds_fixtures.py in float64 on float32-valued weights): the same
 * weights give the same teacher-forced logits and attention weights, the same loss and gradient for
 * every parameter, and the same greedy decoding — on every kernel backend.
 */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { greedyDecode } from "../../src/decode/search.js";
import { Seq2Seq, type Seq2SeqConfig } from "../../src/models/seq2seq/index.js";
import { crossEntropy } from "../../src/nn/index.js";
import { noGrad, reshape, tensor } from "../../src/tensor/index.js";
import { describeOnEveryBackend } from "../helpers/on-backend.js";

interface Stored {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  config: Seq2SeqConfig;
  params: Record<string, Stored>;
  src: Stored;
  srcLengths: number[];
  tgtIn: Stored;
  tgtOut: Stored;
  expected: { logits: Stored; weights: Stored; loss: number };
  grads: Record<string, Stored>;
  greedy: number[][];
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/models/seq2seq-kinds.json", import.meta.url), "utf8"),
) as { cases: Case[] };

/** Largest |got − want| − tol·|want| over the elements (≤ atol passes). */
function expectClose(what: string, got: ArrayLike<number>, want: Stored, rtol: number, atol: number): void {
  expect(got.length, `${what}: size`).toBe(want.data.length);
  for (let i = 0; i < got.length; i++) {
    const w = want.data[i];
    expect(
      Math.abs(got[i] - w) <= atol + rtol * Math.abs(w),
      `${what}[${i}]: ${got[i]} vs PyTorch ${w}`,
    ).toBe(true);
  }
}

describeOnEveryBackend("Seq2Seq coverage / local-m / local-p = PyTorch (float64) on the same weights", () => {
  it("has the four cases", () => {
    expect(fixture.cases.map((c) => c.name)).toEqual([
      "coverage",
      "local-m D=1",
      "local-p D=1",
      "local-p D=2",
    ]);
  });
  for (const c of fixture.cases) {
    it(`${c.name}: logits, weights, loss, every parameter's gradient, greedy decoding`, () => {
      const m = new Seq2Seq(c.config);
      m.eval();
      const sd = Object.fromEntries(Object.entries(c.params).map(([n, t]) => [n, tensor(t.data, t.shape)]));
      expect(Object.keys(m.stateDict()).sort()).toEqual(Object.keys(sd).sort());
      m.loadStateDict(sd);
      const [B, S] = c.src.shape;
      const T = c.tgtIn.shape[1];
      const { logits, weights } = m.forward(c.src.data, c.srcLengths, c.tgtIn.data, B, S, T);
      expectClose(`${c.name} weights`, weights!.data, c.expected.weights, 1e-5, 1e-6);
      expectClose(`${c.name} logits`, logits.data, c.expected.logits, 1e-5, 1e-5);
      const loss = crossEntropy(reshape(logits, [B * T, logits.shape[2]]), c.tgtOut.data, { ignoreIndex: 0 });
      expect(Math.abs(loss.item() - c.expected.loss)).toBeLessThan(1e-5);
      loss.backward();
      for (const [name, p] of m.namedParameters()) {
        expectClose(`${c.name} d loss / d ${name}`, p.grad!.data, c.grads[name], 1e-4, 1e-6);
      }
      const hyps = noGrad(() => greedyDecode(m, c.src.data, B, S, c.srcLengths, { maxLength: 8 }));
      expect(hyps.map((h) => h.tokens)).toEqual(c.greedy);
    });
  }
});
