/**
 * Modules written the PyTorch way, by assigning fields: submodules, arrays of submodules and
 * requiresGrad leaf tensors register themselves under the field's name (arrays as `name.0`, …), so
 * `parameters()` is not silently empty and such a module trains. Explicit registration wins and
 * nothing is listed twice: every existing model's state dict, parameter, buffer and module names are
 * pinned (test/nn/fixtures/state-dict-pins.json, made from the code before fields registered).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Adam, Dropout, Embedding, Linear, Module, mseLoss, Sequential } from "../../src/nn/index.js";
import { manualSeed, noGrad, ones, randn, type Tensor, tanh, tensor, zeros } from "../../src/tensor/index.js";
import { describeModule, PINNED_MODELS } from "./state-dict-pins.js";

/** A first PyTorch-style module: fields only, no register calls. */
class Net extends Module {
  fc1 = new Linear(2, 8);
  drop = new Dropout(0.1);
  fc2 = new Linear(8, 1);
  scale = ones([1], { requiresGrad: true });

  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.drop.forward(tanh(this.fc1.forward(x)))).mul(this.scale);
  }
}

const names = (m: Module) => m.namedParameters().map(([n]) => n);

describe("fields register themselves", () => {
  it("a fields-only module has PyTorch's names and trains with Adam", () => {
    manualSeed(1);
    const net = new Net();
    expect(names(net)).toEqual(["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
    expect(Object.keys(net.stateDict())).toEqual(names(net)); // torch: own parameters, then children's
    expect(net.namedModules().map(([n]) => n)).toEqual(["", "fc1", "drop", "fc2"]);
    expect(net.numParameters).toBe(1 + 2 * 8 + 8 + 8 + 1);
    const x = randn([32, 2]);
    const y = noGrad(() => x.sum(1, true).mul(0.5));
    const opt = new Adam(net.parameters(), { lr: 0.02 });
    const loss = () => mseLoss(net.forward(x), y);
    net.eval();
    const first = noGrad(loss).item();
    net.train();
    for (let i = 0; i < 150; i++) {
      opt.zeroGrad();
      loss().backward();
      opt.step();
    }
    net.eval();
    const last = noGrad(loss).item();
    expect(last).toBeLessThan(first / 10);
  });

  it("train() and eval() reach field modules", () => {
    const net = new Net();
    net.eval();
    expect(net.drop.training).toBe(false);
    net.train();
    expect(net.drop.training).toBe(true);
  });

  it("arrays of modules are named name.0, name.1, … and nest", () => {
    class Stack extends Module {
      layers = [new Linear(3, 3), new Linear(3, 2, { bias: false })];
      head = new Sequential(new Linear(2, 2));
      blocks = [new Net()];
    }
    const m = new Stack();
    expect(names(m)).toEqual([
      "layers.0.weight",
      "layers.0.bias",
      "layers.1.weight",
      "head.0.weight",
      "head.0.bias",
      "blocks.0.scale",
      "blocks.0.fc1.weight",
      "blocks.0.fc1.bias",
      "blocks.0.fc2.weight",
      "blocks.0.fc2.bias",
    ]);
    m.layers.push(new Linear(2, 1)); // followed on the next walk
    expect(names(m).slice(0, 5)).toEqual([
      "layers.0.weight",
      "layers.0.bias",
      "layers.1.weight",
      "layers.2.weight",
      "layers.2.bias",
    ]);
  });

  it("reassigned fields are followed; frozen field parameters stay parameters", () => {
    const net = new Net();
    const before = net.parameters().length;
    net.requiresGrad(false);
    expect(net.parameters().length).toBe(before);
    net.requiresGrad(true);
    expect(net.parameters().every((p) => p.requiresGrad)).toBe(true);
    net.fc2 = new Linear(8, 3);
    expect(net.stateDict()["fc2.weight"].shape).toEqual([3, 8]);
  });

  it("a state dict round-trips through loadStateDict", () => {
    manualSeed(2);
    const a = new Net();
    manualSeed(3);
    const b = new Net();
    b.loadStateDict(a.stateDict());
    for (const [n, t] of Object.entries(b.stateDict())) {
      expect(Array.from(t.data)).toEqual(Array.from(a.stateDict()[n].data));
    }
  });

  it("explicit registration wins and nothing is listed twice or under a second name", () => {
    class Mixed extends Module {
      readonly embed: Embedding;
      readonly alias: Embedding;
      readonly tied: Tensor;
      readonly pe: Tensor;
      readonly cache: Tensor;
      readonly computed: Tensor;
      readonly frozen = zeros([2]);
      readonly own = ones([2], { requiresGrad: true });
      readonly #hidden = new Linear(2, 2);
      readonly nested: { inner: Linear };
      extra = new Linear(3, 3);

      constructor() {
        super();
        this.embed = this.registerModule("src_embed", new Embedding(5, 3));
        this.alias = this.embed; // the same module under a second field
        this.tied = this.embed.weight; // a parameter of a registered submodule
        this.pe = this.registerBuffer("pe", zeros([4, 3]));
        this.cache = zeros([3]); // state, not a parameter
        this.computed = this.embed.weight.mul(2); // not a leaf
        this.nested = { inner: new Linear(1, 1) }; // plain objects are not searched (as PyTorch)
        this.registerModule("extra_registered", this.extra); // the field's module, registered under another name
      }

      get hidden(): Linear {
        return this.#hidden;
      }
    }
    const m = new Mixed();
    expect(names(m)).toEqual(["own", "src_embed.weight", "extra_registered.weight", "extra_registered.bias"]);
    expect(Object.keys(m.stateDict())).toEqual([
      "own",
      "pe",
      "src_embed.weight",
      "extra_registered.weight",
      "extra_registered.bias",
    ]);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(["pe"]);
    expect(m.hidden.weight.requiresGrad).toBe(true); // exists, but #private: not part of the module
  });

  it("a field module held by a registered submodule is named where it is registered", () => {
    class Inner extends Module {
      lin = this.registerModule("lin", new Linear(2, 2));
    }
    class Outer extends Module {
      direct: Linear; // the same Linear that `inner` registers
      inner = new Inner();
      constructor() {
        super();
        this.direct = this.inner.lin;
      }
    }
    expect(names(new Outer())).toEqual(["inner.lin.weight", "inner.lin.bias"]);
  });

  it("a back-reference to a parent is not a submodule", () => {
    class Child extends Module {
      parent: Module | null = null;
      lin = new Linear(1, 1);
    }
    class Parent extends Module {
      child = new Child();
      w = tensor([1, 2], [2], { requiresGrad: true });
      constructor() {
        super();
        this.child.parent = this;
      }
    }
    const p = new Parent();
    expect(names(p)).toEqual(["w", "child.lin.weight", "child.lin.bias"]);
    expect(names(p.child)).toEqual(["parent.w", "lin.weight", "lin.bias"]); // walked from the child
    p.train(); // terminates
    expect(Object.keys(p.stateDict())).toEqual(["w", "child.lin.weight", "child.lin.bias"]);
  });

  it("keeps every existing model's state-dict names, shapes and order (pinned)", () => {
    const pins = JSON.parse(
      readFileSync(new URL("./fixtures/state-dict-pins.json", import.meta.url), "utf8"),
    ) as Record<string, unknown>;
    expect(Object.keys(PINNED_MODELS)).toEqual(Object.keys(pins));
    for (const [name, make] of Object.entries(PINNED_MODELS)) {
      const m = make();
      expect(describeModule(m), name).toEqual(pins[name]);
      m.train().eval(); // walking again changes nothing
      expect(describeModule(m), name).toEqual(pins[name]);
    }
  });
});
