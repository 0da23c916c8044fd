/**
 * LSTM semantics beyond the PyTorch fixtures: per-example lengths equal running each example alone
 * on its own prefix; layouts agree; LSTM equals a loop of LSTMCell; dropout between layers only in
 * training; clear errors; unbind's gradient.
 */
import { describe, expect, it } from "vitest";
import { LSTM, LSTMCell } from "../../src/nn/index.js";
import {
  manualSeed,
  mul,
  randn,
  slice,
  stack,
  sum,
  type Tensor,
  tensor,
  transpose,
  unbind,
} from "../../src/tensor/index.js";

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    expect(Math.abs(a[i] - b[i]), `index ${i}: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(tol);
}

describe("LSTM with per-example lengths", () => {
  it("equals running each example alone on its valid prefix (2 layers, bidirectional, initial state)", () => {
    manualSeed(1);
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true });
    const [T, B, H] = [6, 4, 4];
    const x = randn([T, B, 3]);
    const h0 = randn([4, B, H]);
    const c0 = randn([4, B, H]);
    const lengths = [6, 1, 0, 3];
    const r = lstm.forward(x, { h: h0, c: c0 }, { lengths });
    expect(r.output.shape).toEqual([T, B, 2 * H]);
    expect(r.h.shape).toEqual([4, B, H]);
    for (let b = 0; b < B; b++) {
      const n = lengths[b];
      const hb = slice(h0, 1, b, b + 1);
      const cb = slice(c0, 1, b, b + 1);
      const out = r.output.toArray() as number[][][];
      if (n > 0) {
        const alone = lstm.forward(slice(slice(x, 1, b, b + 1), 0, 0, n), { h: hb, c: cb });
        for (let t = 0; t < n; t++) close(out[t][b], (alone.output.toArray() as number[][][])[t][0]);
        close(slice(r.h, 1, b, b + 1).data, alone.h.data);
        close(slice(r.c, 1, b, b + 1).data, alone.c.data);
      } else {
        close(slice(r.h, 1, b, b + 1).data, hb.data, 0); // nothing to read: the state is the initial one
        close(slice(r.c, 1, b, b + 1).data, cb.data, 0);
      }
      for (let t = n; t < T; t++) expect(out[t][b].every((v) => v === 0)).toBe(true);
    }
  });

  it("padded inputs get zero gradient; full lengths equal no lengths", () => {
    manualSeed(2);
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, bidirectional: true, batchFirst: true });
    const x = randn([2, 5, 2], 1, 0, { requiresGrad: true });
    const r = lstm.forward(x, null, { lengths: [5, 2] });
    sum(r.output).add(sum(r.h)).add(sum(r.c)).backward();
    const g = x.grad!.toArray() as number[][][];
    for (let t = 2; t < 5; t++) expect(g[1][t]).toEqual([0, 0]);
    expect(g[1][1].some((v) => v !== 0)).toBe(true);
    const full = lstm.forward(x, null, { lengths: [5, 5] });
    const none = lstm.forward(x);
    expect(Array.from(full.output.data)).toEqual(Array.from(none.output.data));
    expect(Array.from(full.h.data)).toEqual(Array.from(none.h.data));
  });
});

describe("LSTM layouts and consistency", () => {
  it("batchFirst gives the transposed result of the sequence-first layout", () => {
    manualSeed(3);
    const a = new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2 });
    const b = new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2, batchFirst: true });
    b.loadStateDict(a.stateDict());
    const x = randn([4, 3, 3]);
    const ra = a.forward(x);
    const rb = b.forward(transpose(x, 0, 1));
    close(transpose(rb.output, 0, 1).data, ra.output.data, 0);
    close(rb.h.data, ra.h.data, 0);
  });

  it("a 1-layer LSTM equals a loop of LSTMCell with the same parameters", () => {
    manualSeed(4);
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 5 });
    const cell = new LSTMCell({ inputSize: 3, hiddenSize: 5 });
    const sd = lstm.stateDict();
    cell.loadStateDict({
      weight_ih: sd.weight_ih_l0,
      weight_hh: sd.weight_hh_l0,
      bias_ih: sd.bias_ih_l0,
      bias_hh: sd.bias_hh_l0,
    });
    const x = randn([4, 2, 3]);
    const r = lstm.forward(x);
    let state = null as { h: Tensor; c: Tensor } | null;
    const outs: Tensor[] = [];
    for (const xt of unbind(x)) {
      state = cell.forward(xt, state);
      outs.push(state.h);
    }
    close(stack(outs, 0).data, r.output.data, 1e-6);
    close(state!.c.data, r.c.data, 1e-6);
  });

  it("applies dropout between layers only in training mode, reproducibly under a seed", () => {
    manualSeed(5);
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 8, numLayers: 2, dropout: 0.5 });
    const x = randn([3, 2, 2]);
    lstm.eval();
    const e1 = lstm.forward(x).output.data;
    const e2 = lstm.forward(x).output.data;
    expect(Array.from(e1)).toEqual(Array.from(e2));
    lstm.train();
    manualSeed(9);
    const t1 = lstm.forward(x).output.data;
    manualSeed(9);
    const t2 = lstm.forward(x).output.data;
    expect(Array.from(t1)).toEqual(Array.from(t2));
    expect(Array.from(t1)).not.toEqual(Array.from(e1));
    // One layer: dropout has nothing to act on.
    const single = new LSTM({ inputSize: 2, hiddenSize: 3, dropout: 0.5 });
    const s1 = single.forward(x).output.data;
    expect(Array.from(single.eval().forward(x).output.data)).toEqual(Array.from(s1));
  });
});

describe("LSTM errors", () => {
  const lstm = new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2 });
  it("names the function and prints the shapes", () => {
    expect(() => lstm.forward(randn([4, 2, 5]))).toThrow(
      /LSTM\.forward: input must be \(T, B, I\) .*I = 3, got \[4, 2, 5\]/,
    );
    expect(() => lstm.forward(randn([4, 2, 3]), { h: randn([1, 2, 2]), c: randn([2, 2, 2]) })).toThrow(
      /LSTM\.forward: initial state h must be \[2, 2, 2\].*got \[1, 2, 2\]/,
    );
    expect(() => lstm.forward(randn([4, 2, 3]), null, { lengths: [4] })).toThrow(
      /lengths has 1 entries but the batch has 2/,
    );
    expect(() => lstm.forward(randn([4, 2, 3]), null, { lengths: [4, 5] })).toThrow(
      /lengths\[1\] = 5 must be an integer in \[0, 4\]/,
    );
    expect(() => new LSTM({ inputSize: 3, hiddenSize: 0 })).toThrow(
      /LSTM: hiddenSize must be a positive integer/,
    );
    expect(() => new LSTMCell({ inputSize: 3, hiddenSize: 2 }).forward(randn([2, 4]))).toThrow(
      /LSTMCell\.forward/,
    );
  });
});

describe("unbind", () => {
  it("gives views whose gradients add into the source, across repeated backward passes", () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [3, 2], { requiresGrad: true });
    const rows = unbind(x);
    expect(rows.map((r) => Array.from(r.data))).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    // rows 0 and 2 used (row 2 twice), row 1 not at all
    const loss = sum(mul(rows[0], 2)).add(sum(mul(rows[2], rows[2])));
    loss.backward();
    expect(Array.from(x.grad!.data)).toEqual([2, 2, 0, 0, 10, 12]);
    loss.backward(); // gradients accumulate, the shared buffer is fresh each pass
    expect(Array.from(x.grad!.data)).toEqual([4, 4, 0, 0, 20, 24]);
  });

  it("records nothing for tensors without gradients", () => {
    const rows = unbind(randn([2, 3]));
    expect(rows.every((r) => r.node === null && !r.requiresGrad)).toBe(true);
  });
});
