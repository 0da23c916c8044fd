/**
 * Optimizer: the base of SGD, Adam and AdamW (as `torch.optim.Optimizer`).
 *
 * An optimizer holds parameter groups — parameters plus their hyperparameters (lr, …) — and a
 * per-parameter state (moment buffers, step counts). `step()` reads each parameter's `.grad` and
 * updates `.data` (a Float32Array) in place, outside autograd; parameters without a gradient are
 * skipped, as PyTorch. Schedulers change `paramGroups[i].lr` between steps.
 *
 * `stateDict()` / `loadStateDict()` save and restore the hyperparameters and every state buffer
 * (copies, with parameters referred to by their index across groups, as PyTorch), so training
 * resumes exactly.
 */
import type { Tensor } from "../../tensor/index.js";
import { checkOptions } from "../options.js";

/** Hyperparameters every optimizer has. */
export interface BaseHyper {
  lr: number;
}

/** A parameter group: its parameters and its hyperparameters (as `optimizer.param_groups[i]`). */
export type ParamGroup<H> = H & { params: Tensor[] };

/** A group as passed to a constructor: its parameters and any hyperparameters that differ from the defaults. */
export type ParamGroupSpec<H> = Partial<H> & { params: Iterable<Tensor> };

/** One entry of a parameter's optimizer state: a step count or a moment buffer. */
export type StateValue = number | Float32Array;

/** What `Optimizer.stateDict()` returns (as `optimizer.state_dict()`: state and param groups). */
export interface OptimizerStateDict {
  /** Per-parameter state keyed by the parameter's index (counting through the groups in order). */
  state: Record<number, Record<string, StateValue>>;
  /** Hyperparameters per group, with `params` as indices. */
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

function copyValue<T>(v: T): T {
  if (v instanceof Float32Array) return Float32Array.from(v) as T;
  if (Array.isArray(v)) return [...v] as T;
  return v;
}

/**
 * The base of the optimizers (SGD, Adam, AdamW), as `torch.optim.Optimizer`: parameter groups,
 * per-parameter state, `step()`, `zeroGrad()`, `stateDict()` / `loadStateDict()`.
 */
export abstract class Optimizer<
  H extends BaseHyper,
  S extends Record<string, StateValue> = Record<string, StateValue>,
> {
  readonly paramGroups: ParamGroup<H>[];
  readonly defaults: Readonly<H>;
  /** Per-parameter state, created lazily on a parameter's first update. */
  protected readonly state = new Map<Tensor, S>();

  constructor(params: Iterable<Tensor> | readonly ParamGroupSpec<H>[], defaults: H) {
    const name = this.constructor.name;
    // PyTorch's spellings (weight_decay) would be dropped silently: refused, naming ours.
    const known = Object.keys(defaults).filter((k) => !k.includes("_"));
    checkOptions(name, defaults, { supported: known });
    this.defaults = Object.freeze({ ...defaults });
    const list = [...(params as Iterable<Tensor | ParamGroupSpec<H>>)];
    const isGroups =
      list.length > 0 && list.every((g) => typeof g === "object" && "params" in g && !("data" in g));
    const specs: ParamGroupSpec<H>[] = isGroups
      ? (list as ParamGroupSpec<H>[])
      : [{ params: list as Tensor[] } as unknown as ParamGroupSpec<H>];
    const seen = new Set<Tensor>();
    this.paramGroups = specs.map((spec, gi) => {
      checkOptions(`${name} (group ${gi})`, spec, { supported: [...known, "params"] });
      const ps = [...spec.params];
      for (const p of ps) {
        if (seen.has(p)) throw new Error(`${name}: a parameter appears more than once (group ${gi})`);
        seen.add(p);
      }
      const group = { ...defaults, ...spec, params: ps } as ParamGroup<H>;
      this.validate(group, gi);
      return group;
    });
    if (seen.size === 0) throw new Error(`${name}: got an empty parameter list`);
  }

  /** Checks one group's hyperparameters (throws with the optimizer's name). */
  protected validate(group: ParamGroup<H>, index: number): void {
    if (!(group.lr >= 0))
      throw new Error(`${this.constructor.name}: invalid lr ${group.lr} in group ${index}`);
  }

  /** One update of every parameter that has a gradient. */
  abstract step(): void;

  /**
   * Clears every parameter's gradient, as `torch.optim.Optimizer.zero_grad(set_to_none)`: by default
   * `.grad` becomes null (PyTorch 2's default); with `setToNone: false` an existing `.grad` is filled
   * with zeros and kept (PyTorch 1's default), so the next backward adds into the same arrays — a
   * weight's gradient product is then written straight into its `.grad`, with no array per step. The
   * difference shows only for a parameter that gets no gradient in a step: null is skipped by `step()`,
   * zeros are an update with a zero gradient (Adam's moments decay).
   */
  zeroGrad({ setToNone = true }: { setToNone?: boolean } = {}): void {
    for (const g of this.paramGroups)
      for (const p of g.params) {
        if (setToNone || !p.grad) p.zeroGrad();
        else p.grad.data.fill(0);
      }
  }

  /** The learning rate of each group. */
  get lrs(): number[] {
    return this.paramGroups.map((g) => g.lr);
  }

  /** Sets the learning rate of every group. */
  setLr(lr: number): void {
    for (const g of this.paramGroups) g.lr = lr;
  }

  /** Hyperparameters and state as plain data (copies). */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const out: Record<string, unknown> & { params: number[] } = { params: [] };
      for (const [k, v] of Object.entries(g)) if (k !== "params") out[k] = copyValue(v);
      for (const p of g.params) {
        index.set(p, index.size);
        out.params.push(index.size - 1);
      }
      return out;
    });
    const state: OptimizerStateDict["state"] = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      state[i] = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, copyValue(v)]));
    }
    return { state, paramGroups };
  }

  /** Restores hyperparameters and state saved by `stateDict()` of an optimizer over the same parameters. */
  loadStateDict(sd: OptimizerStateDict): void {
    const where = `${this.constructor.name}.loadStateDict`;
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new Error(
        `${where}: the state dict has ${sd.paramGroups.length} parameter groups, the optimizer ${this.paramGroups.length}`,
      );
    }
    const params: Tensor[] = [];
    this.paramGroups.forEach((g, gi) => {
      if (sd.paramGroups[gi].params.length !== g.params.length) {
        throw new Error(
          `${where}: group ${gi} has ${sd.paramGroups[gi].params.length} parameters in the state dict, ${g.params.length} in the optimizer`,
        );
      }
      params.push(...g.params);
    });
    const state = new Map<Tensor, S>();
    for (const [key, s] of Object.entries(sd.state)) {
      const p = params[Number(key)];
      if (!p) throw new Error(`${where}: state for parameter ${key}, but there are only ${params.length}`);
      for (const [k, v] of Object.entries(s)) {
        if (v instanceof Float32Array && v.length !== p.size) {
          throw new Error(
            `${where}: state "${k}" of parameter ${key} has ${v.length} values, the parameter ${p.size}`,
          );
        }
      }
      state.set(p, Object.fromEntries(Object.entries(s).map(([k, v]) => [k, copyValue(v)])) as S);
    }
    this.paramGroups.forEach((g, gi) => {
      for (const [k, v] of Object.entries(sd.paramGroups[gi])) {
        if (k !== "params") (g as unknown as Record<string, unknown>)[k] = copyValue(v);
      }
    });
    this.state.clear();
    for (const [p, s] of state) this.state.set(p, s);
  }
}
