/**
 * Containers: `ModuleList` (indexed submodules named "0", "1", … as `torch.nn.ModuleList`) and
 * `Sequential` (applies its layers in order, as `torch.nn.Sequential`).
 */
import type { Tensor } from "../tensor/index.js";
import { Module } from "./module.js";

/** A module whose forward maps one tensor to one tensor (what `Sequential` chains). */
export interface TensorModule extends Module {
  /** Maps a tensor to a tensor. */
  forward(x: Tensor): Tensor;
}

export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  readonly #items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.push(m);
  }

  /** Appends a module under the next index. */
  push(m: M): this {
    this.registerModule(String(this.#items.length), m);
    this.#items.push(m);
    return this;
  }

  get length(): number {
    return this.#items.length;
  }

  /** The module at index `i` (negative counts from the end). */
  at(i: number): M {
    const j = i < 0 ? i + this.#items.length : i;
    if (!Number.isInteger(j) || j < 0 || j >= this.#items.length) {
      throw new Error(`ModuleList.at: index ${i} is out of range for ${this.#items.length} modules`);
    }
    return this.#items[j];
  }

  /** The modules, in order. */
  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }
}

export class Sequential extends ModuleList<TensorModule> implements TensorModule {
  constructor(...modules: TensorModule[]) {
    super(modules);
  }

  /** Runs the modules in order, each on the previous one's output. */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this) y = m.forward(y);
    return y;
  }
}
