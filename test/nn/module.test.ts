/**
 * Module: dotted PyTorch names in registration order, parameters()/numParameters with tied weights,
 * train/eval propagation, zeroGrad, buffers, state-dict round trips and the errors of loadStateDict;
 * containers; seeded, reproducible initialisation.
 */
import { describe, expect, it } from "vitest";
import {
  Dropout,
  Embedding,
  LayerNorm,
  Linear,
  LSTM,
  Module,
  ModuleList,
  Sequential,
} from "../../src/nn/index.js";
import { manualSeed, randn, type Tensor, tanh, zeros } from "../../src/tensor/index.js";

/** A toy model with nesting, a buffer and dropout: embedding → LSTM → LayerNorm → Linear. */
class Tagger extends Module {
  readonly embed: Embedding;
  readonly lstm: LSTM;
  readonly norm: LayerNorm;
  readonly drop: Dropout;
  readonly head: Linear;

  constructor() {
    super();
    this.embed = this.registerModule("embed", new Embedding(10, 4, { paddingIdx: 0 }));
    this.lstm = this.registerModule("lstm", new LSTM({ inputSize: 4, hiddenSize: 3, bidirectional: true }));
    this.norm = this.registerModule("norm", new LayerNorm(6));
    this.drop = this.registerModule("drop", new Dropout(0.5));
    this.head = this.registerModule("head", new Linear(6, 5));
    this.registerBuffer("steps", zeros([1]));
  }

  forward(ids: number[], T: number, B: number): Tensor {
    const x = this.embed.forward(ids, [T, B]);
    const r = this.lstm.forward(x);
    return this.head.forward(this.drop.forward(this.norm.forward(r.output)));
  }
}

describe("Module names and traversal", () => {
  it("lists parameters with dotted PyTorch names in registration order", () => {
    const m = new Tagger();
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      "embed.weight",
      "lstm.weight_ih_l0",
      "lstm.weight_hh_l0",
      "lstm.bias_ih_l0",
      "lstm.bias_hh_l0",
      "lstm.weight_ih_l0_reverse",
      "lstm.weight_hh_l0_reverse",
      "lstm.bias_ih_l0_reverse",
      "lstm.bias_hh_l0_reverse",
      "norm.weight",
      "norm.bias",
      "head.weight",
      "head.bias",
    ]);
    // As PyTorch: a module's own parameters and buffers come before its children's.
    expect(Object.keys(m.stateDict())).toEqual(["steps", ...m.namedParameters().map(([n]) => n)]);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(["steps"]);
    expect(m.namedModules().map(([n]) => n)).toEqual(["", "embed", "lstm", "norm", "drop", "head"]);
    expect(m.numParameters).toBe(10 * 4 + 2 * (12 * 4 + 12 * 3 + 12 + 12) + 6 + 6 + 6 * 5 + 5);
    expect(m.parameters().every((p) => p.requiresGrad && p.isLeaf)).toBe(true);
    expect(m.toString()).toContain("lstm: LSTM (weight_ih_l0 [12, 4]");
  });

  it("lists a tied weight once but saves it under both names", () => {
    const m = new (class extends Module {
      readonly embed = this.registerModule("embed", new Embedding(7, 3));
      readonly out = this.registerModule("out", new Linear(3, 7, { bias: false }));
    })();
    m.out.weight = m.embed.weight;
    expect(m.namedParameters().map(([n]) => n)).toEqual(["embed.weight"]);
    expect(m.numParameters).toBe(21);
    expect(Object.keys(m.stateDict())).toEqual(["embed.weight", "out.weight"]);
  });

  it("propagates train/eval to every descendant and affects dropout", () => {
    manualSeed(3);
    const m = new Tagger();
    expect(m.namedModules().every(([, s]) => s.training)).toBe(true);
    m.eval();
    expect(m.namedModules().every(([, s]) => !s.training)).toBe(true);
    const ids = [1, 2, 3, 4, 5, 6];
    const a = m.forward(ids, 3, 2);
    const b = m.forward(ids, 3, 2);
    expect(Array.from(a.data)).toEqual(Array.from(b.data)); // no dropout in eval
    m.train();
    expect(m.drop.training).toBe(true);
    const c = m.forward(ids, 3, 2);
    expect(Array.from(c.data)).not.toEqual(Array.from(a.data));
  });

  it("zeroGrad clears every gradient", () => {
    const m = new Tagger().eval();
    m.forward([1, 2, 3, 4], 2, 2).sum().backward();
    expect(m.parameters().filter((p) => p.grad !== null).length).toBe(m.parameters().length);
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it("requiresGrad(false) freezes every parameter", () => {
    const m = new Linear(2, 2).requiresGrad(false);
    expect(m.parameters().every((p) => !p.requiresGrad)).toBe(true);
  });

  it("rejects bad registrations", () => {
    const m = new Linear(2, 2);
    expect(() => m.registerParameter("a.b", zeros([1]))).toThrow(/contain no "."/);
    expect(() => m.registerModule("weight", new Linear(1, 1))).toThrow(/already a parameter/);
    expect(() => m.registerParameter("x", tanh(randn([2], 1, 0, { requiresGrad: true })))).toThrow(/leaf/);
    expect(() => m.param("nope")).toThrow(/Linear: no parameter named "nope"/);
  });
});

describe("state dicts", () => {
  it("round-trips: a differently seeded model loaded from a state dict computes the same", () => {
    manualSeed(1);
    const a = new Tagger().eval();
    manualSeed(2);
    const b = new Tagger().eval();
    const ids = [0, 3, 9, 2, 0, 5];
    expect(Array.from(b.forward(ids, 3, 2).data)).not.toEqual(Array.from(a.forward(ids, 3, 2).data));
    const r = b.loadStateDict(a.stateDict());
    expect(r).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(Array.from(b.forward(ids, 3, 2).data)).toEqual(Array.from(a.forward(ids, 3, 2).data));
  });

  it("saves copies: later changes to the parameters do not alter a saved state dict", () => {
    const m = new Linear(2, 2);
    const saved = m.stateDict();
    const before = Array.from(saved.weight.data);
    m.weight.data[0] += 1;
    expect(Array.from(saved.weight.data)).toEqual(before);
    expect(saved.weight.requiresGrad).toBe(false);
  });

  it("loads in place, so tensors held elsewhere (optimizers) see the new values", () => {
    const m = new Linear(2, 2);
    const w = m.weight;
    m.loadStateDict({ weight: zeros([2, 2]), bias: zeros([2]) });
    expect(m.weight).toBe(w);
    expect(Array.from(w.data)).toEqual([0, 0, 0, 0]);
  });

  it("accepts plain {shape, data} objects (e.g. read from a checkpoint file)", () => {
    const m = new Linear(2, 1);
    m.loadStateDict({ weight: { shape: [1, 2], data: [1, 2] }, bias: { shape: [1], data: [3] } });
    expect(Array.from(m.weight.data)).toEqual([1, 2]);
  });

  it("names the key and both shapes on a size mismatch, strict or not", () => {
    const m = new Tagger();
    const sd = m.stateDict();
    sd["lstm.weight_hh_l0"] = zeros([12, 4]);
    const msg =
      /Tagger\.loadStateDict: size mismatch for "lstm\.weight_hh_l0": the state dict has shape \[12, 4\], the model \[12, 3\]/;
    expect(() => m.loadStateDict(sd)).toThrow(msg);
    expect(() => m.loadStateDict(sd, { strict: false })).toThrow(msg);
  });

  it("reports missing and unexpected keys (errors when strict)", () => {
    const m = new Tagger();
    const sd = m.stateDict();
    delete sd["head.bias"];
    sd["head.extra"] = zeros([1]);
    expect(() => m.loadStateDict(sd)).toThrow(/missing keys: "head\.bias"; unexpected keys: "head\.extra"/);
    const before = Array.from(m.head.weight.data);
    sd["head.weight"] = zeros([5, 6]);
    const r = m.loadStateDict(sd, { strict: false });
    expect(r).toEqual({ missingKeys: ["head.bias"], unexpectedKeys: ["head.extra"] });
    expect(Array.from(m.head.weight.data)).not.toEqual(before);
    expect(Array.from(m.head.weight.data).every((v) => v === 0)).toBe(true);
  });

  it("refuses a state dict that is not an object of tensors, naming the module and the key", () => {
    const m = new Linear(2, 2);
    for (const [bad, got] of [
      [null, "null"],
      [undefined, "undefined"],
      [[], "an array"],
      ["w", "string"],
    ] as const) {
      expect(() => m.loadStateDict(bad as never)).toThrow(
        `Linear.loadStateDict: the state dict must be an object mapping names to tensors, got ${got}`,
      );
    }
    expect(() => m.loadStateDict({ weight: null, bias: zeros([2]) } as never)).toThrow(
      'Linear.loadStateDict: "weight" is not a tensor (no shape and data)',
    );
  });

  it("lists at most 20 unexpected keys and counts the rest (10⁶ names made a 10.9 MB message)", () => {
    const m = new Linear(2, 2);
    const sd: Record<string, Tensor> = m.stateDict();
    const empty = zeros([0]);
    for (let i = 0; i < 100_000; i++) sd[`extra.${i}`] = empty;
    let msg = "";
    try {
      m.loadStateDict(sd);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(
      /^Linear\.loadStateDict: unexpected keys: "extra\.0", "extra\.1", .*"extra\.19" and 99980 more$/,
    );
    expect(msg.length).toBeLessThan(500);
  });

  it("a failed strict load changes nothing", () => {
    const m = new Linear(2, 2);
    const before = Array.from(m.weight.data);
    expect(() => m.loadStateDict({ weight: zeros([2, 2]) })).toThrow(/missing keys: "bias"/);
    expect(Array.from(m.weight.data)).toEqual(before);
  });
});

describe("containers", () => {
  it("ModuleList and Sequential name children by index", () => {
    const seq = new Sequential(new Linear(3, 4), new Dropout(0.1), new Linear(4, 2));
    expect(seq.namedParameters().map(([n]) => n)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect(seq.forward(randn([5, 3])).shape).toEqual([5, 2]);
    const list = new ModuleList([new Linear(1, 1)]).push(new Linear(1, 2));
    expect(list.length).toBe(2);
    expect(list.at(-1)).toBeInstanceOf(Linear);
    expect(() => list.at(2)).toThrow(/out of range/);
    expect([...list].length).toBe(2);
  });
});

describe("seeded initialisation", () => {
  const build = () => new Tagger();

  it("the same seed gives the same parameters; another seed different ones", () => {
    manualSeed(42);
    const a = build().stateDict();
    manualSeed(42);
    const b = build().stateDict();
    manualSeed(43);
    const c = build().stateDict();
    for (const k of Object.keys(a)) expect(Array.from(b[k].data), k).toEqual(Array.from(a[k].data));
    expect(Array.from(c["lstm.weight_ih_l0"].data)).not.toEqual(Array.from(a["lstm.weight_ih_l0"].data));
  });

  it("uses PyTorch's distributions: Linear U(±1/√in), LSTM U(±1/√H), Embedding N(0, 1) with a zero padding row", () => {
    manualSeed(5);
    const lin = new Linear(16, 400);
    const bound = 1 / 4;
    for (const p of lin.parameters()) {
      const v = Array.from(p.data);
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    }
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 25, numLayers: 2 });
    for (const [name, p] of lstm.namedParameters()) {
      const v = Array.from(p.data).map(Math.abs);
      expect(Math.max(...v), name).toBeLessThanOrEqual(0.2);
      expect(Math.max(...v), name).toBeGreaterThan(0.18);
    }
    const emb = new Embedding(500, 20, { paddingIdx: 3 });
    const w = Array.from(emb.weight.data);
    expect(w.slice(60, 80).every((v) => v === 0)).toBe(true);
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const std = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(std - 1)).toBeLessThan(0.03);
  });
});
