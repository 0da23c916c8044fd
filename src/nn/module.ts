/**
 * Module: the base class of every layer (as `torch.nn.Module`).
 *
 * A module owns named parameters (learnable leaf tensors), buffers (state that is saved but not
 * learned) and submodules. Names join with dots into PyTorch's state-dict keys
 * (`encoder.lstm.weight_ih_l0`), so checkpoints move both ways. Order is registration order:
 * a module's own parameters first, then each child's, depth first — the order of
 * `named_parameters()` and `state_dict()` in PyTorch when layers register in the same order.
 *
 * Register in the constructor with `registerParameter`, `registerBuffer` and `registerModule`;
 * read back with `param(name)` / `buffer(name)` (or keep the returned object in a field).
 * Or, as in PyTorch, just assign fields: an own enumerable field holding a Module, an array of
 * Modules or a leaf tensor that requires grad registers itself under the field's name (arrays as
 * `name.0`, `name.1`, … like a ModuleList) when the module tree is next walked (`parameters()`,
 * `stateDict()`, `train()`, …). Explicit registration wins: a field whose name is registered, or
 * whose value is already reachable through registrations (or an earlier field), is not listed again;
 * `#private` fields, tensors that do not require grad and non-leaf tensors are never registered.
 * Registering an existing parameter name replaces it — the way to tie weights
 * (`decoder.out.weight = embedding.weight`); shared tensors are listed once by `parameters()`.
 */
import { noGrad, Tensor, tensor } from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";

/** Anything with a shape and flat row-major data: a Tensor, or a tensor read from a checkpoint. */
export interface TensorLikeData {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/** Options of `Module.loadStateDict`. */
export interface LoadStateDictOptions {
  /** Missing or unexpected keys are errors (default true). Shape mismatches are always errors. */
  strict?: boolean;
}

/** What `Module.loadStateDict` did not match (empty lists under `strict`). */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

function checkName(kind: string, name: string): void {
  if (name.length === 0 || name.includes(".")) {
    throw new Error(`Module.${kind}: name must be non-empty and contain no ".", got "${name}"`);
  }
}

/** Most keys an error lists (a state dict of 10⁶ names made a 10.9 MB message); the rest are counted. */
const LISTED_KEYS = 20;

function listKeys(keys: string[]): string {
  const shown = keys
    .slice(0, LISTED_KEYS)
    .map((k) => JSON.stringify(k.length > 100 ? `${k.slice(0, 100)}…` : k));
  return keys.length > LISTED_KEYS
    ? `${shown.join(", ")} and ${keys.length - LISTED_KEYS} more`
    : shown.join(", ");
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * The base class of every layer, as `torch.nn.Module`: named parameters, buffers and submodules
 * (fields that are Modules, Parameters or arrays of Modules register themselves), `parameters()`,
 * `namedParameters()`, `stateDict()` / `loadStateDict()` with PyTorch's keys, `train()` / `eval()`.
 * Subclasses implement `forward`.
 */
export abstract class Module {
  /** Training mode (dropout active) or evaluation mode; set with `train()` / `eval()`. */
  training = true;
  readonly #params = new Map<string, Tensor>();
  readonly #buffers = new Map<string, { tensor: Tensor; persistent: boolean }>();
  readonly #modules = new Map<string, Module>();
  /** The entries of #modules and #params that came from fields (redone on every walk). */
  readonly #fieldModules = new Map<string, Module>();
  readonly #fieldParams = new Map<string, Tensor>();

  /** Forgets a field registration under `name`, so an explicit registration takes its place. */
  #dropField(name: string): void {
    if (this.#fieldModules.delete(name)) this.#modules.delete(name);
    if (this.#fieldParams.delete(name)) this.#params.delete(name);
  }

  /** Adds (or replaces) a learnable parameter; it is marked `requiresGrad` unless `requiresGrad: false`. */
  registerParameter(name: string, t: Tensor, { requiresGrad = true } = {}): Tensor {
    checkName("registerParameter", name);
    this.#dropField(name);
    if (this.#buffers.has(name) || this.#modules.has(name)) {
      throw new Error(`Module.registerParameter: "${name}" is already a buffer or submodule`);
    }
    if (!t.isLeaf)
      throw new Error(`Module.registerParameter: "${name}" must be a leaf tensor (detach it first)`);
    t.requiresGrad = requiresGrad;
    this.#params.set(name, t);
    return t;
  }

  /** Adds (or replaces) a buffer: saved in the state dict when `persistent` (default), never trained. */
  registerBuffer(name: string, t: Tensor, { persistent = true } = {}): Tensor {
    checkName("registerBuffer", name);
    this.#dropField(name);
    if (this.#params.has(name) || this.#modules.has(name)) {
      throw new Error(`Module.registerBuffer: "${name}" is already a parameter or submodule`);
    }
    this.#buffers.set(name, { tensor: t, persistent });
    return t;
  }

  /** Adds (or replaces) a submodule; its parameters appear under `name.`. */
  registerModule<M extends Module>(name: string, m: M): M {
    checkName("registerModule", name);
    this.#dropField(name);
    if (this.#params.has(name) || this.#buffers.has(name)) {
      throw new Error(`Module.registerModule: "${name}" is already a parameter or buffer`);
    }
    if (m === (this as Module)) throw new Error(`Module.registerModule: a module cannot contain itself`);
    this.#modules.set(name, m);
    return m;
  }

  /** This module's own parameter `name` (throws when absent). */
  param(name: string): Tensor {
    const t = this.#params.get(name);
    if (!t) throw new Error(`${this.constructor.name}: no parameter named "${name}"`);
    return t;
  }

  /** This module's own parameter `name`, or undefined. */
  maybeParam(name: string): Tensor | undefined {
    return this.#params.get(name);
  }

  /** This module's own buffer `name` (throws when absent). */
  buffer(name: string): Tensor {
    const b = this.#buffers.get(name);
    if (!b) throw new Error(`${this.constructor.name}: no buffer named "${name}"`);
    return b.tensor;
  }

  /** Direct submodules with their names (registered, then from fields). */
  namedChildren(): [string, Module][] {
    this.#registerFields();
    return [...this.#modules.entries()];
  }

  /** The direct submodules (`torch.nn.Module.children()`), in registration order. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * Registers the fields of every module in this tree that hold Modules, arrays of Modules or
   * requiresGrad leaf tensors not reachable otherwise (see the file header), after forgetting the
   * field registrations of the last walk, so reassigned fields are followed. Submodules first (the
   * whole tree), then parameters, so a tensor any module registers is never listed twice. Returns
   * the modules of the tree.
   */
  #registerFields(): Set<Module> {
    // Forget the last walk's field registrations (kept to reuse arrays and frozen parameters).
    const lastModules = new Map<Module, Map<string, Module>>();
    const lastParams = new Map<Module, Map<string, Tensor>>();
    const forget = (m: Module) => {
      if (lastModules.has(m)) return;
      lastModules.set(m, new Map(m.#fieldModules));
      lastParams.set(m, new Map(m.#fieldParams));
      const subs = [...m.#modules.values()];
      for (const n of m.#fieldModules.keys()) m.#modules.delete(n);
      for (const n of m.#fieldParams.keys()) m.#params.delete(n);
      m.#fieldModules.clear();
      m.#fieldParams.clear();
      for (const sub of subs) forget(sub);
    };
    forget(this);
    // Every module reached so far: explicit registrations, then each module a field adds.
    const reached = new Set<Module>();
    const add = (m: Module) => {
      if (reached.has(m)) return;
      reached.add(m);
      for (const sub of m.#modules.values()) add(sub);
    };
    add(this);
    const reaches = (from: Module, targets: ReadonlySet<Module>): boolean => {
      const seen = new Set<Module>();
      const go = (m: Module): boolean => {
        if (targets.has(m)) return true;
        if (seen.has(m)) return false;
        seen.add(m);
        for (const sub of m.#modules.values()) if (go(sub)) return true;
        return false;
      };
      return go(from);
    };
    const below = (m: Module, into: Set<Module>) => {
      if (into.has(m)) return;
      into.add(m);
      for (const sub of m.#modules.values()) below(sub, into);
    };
    const taken = (m: Module, name: string) =>
      name.length === 0 ||
      name.includes(".") ||
      m.#params.has(name) ||
      m.#buffers.has(name) ||
      m.#modules.has(name);
    // Submodules from fields, module by module in tree order; never one that contains its parent.
    const order = new Set<Module>();
    const path = new Set<Module>();
    const visit = (m: Module) => {
      if (order.has(m)) return;
      order.add(m);
      path.add(m);
      const fresh = (v: unknown): v is Module => v instanceof Module && !reached.has(v) && !reaches(v, path);
      const found: [string, Module | Module[]][] = [];
      for (const [name, v] of Object.entries(m)) {
        if (taken(m, name)) continue;
        // A module first met here may hold field registrations of a walk rooted elsewhere.
        if (v instanceof Module) {
          forget(v);
          if (fresh(v)) found.push([name, v]);
        } else if (Array.isArray(v) && v.length > 0 && v.every((x) => x instanceof Module)) {
          for (const x of v) forget(x);
          if (v.some(fresh)) found.push([name, v]);
        }
      }
      // A module that another field's module registers is named there, not twice.
      const inside = new Set<Module>();
      for (const [, v] of found) {
        for (const top of Array.isArray(v) ? v : [v])
          for (const sub of top.#modules.values()) below(sub, inside);
      }
      for (const [name, v] of found) {
        let sub: Module;
        if (Array.isArray(v)) {
          const items = v
            .map((x, i) => [String(i), x] as const)
            .filter(([, x]) => fresh(x) && !inside.has(x));
          if (items.length === 0) continue;
          const last = lastModules.get(m)?.get(name);
          sub = last instanceof ModuleArray && last.holds(items) ? last : new ModuleArray(items);
        } else {
          if (inside.has(v) || !fresh(v)) continue;
          sub = v;
        }
        m.#modules.set(name, sub);
        m.#fieldModules.set(name, sub);
        add(sub);
      }
      for (const sub of m.#modules.values()) visit(sub);
      path.delete(m);
    };
    visit(this);
    // Parameters from fields: a tensor some module registers is taken.
    const tensors = new Set<Tensor>();
    for (const m of order) {
      for (const t of m.#params.values()) tensors.add(t);
      for (const b of m.#buffers.values()) tensors.add(b.tensor);
    }
    for (const m of order) {
      const last = lastParams.get(m);
      for (const [name, v] of Object.entries(m)) {
        if (!(v instanceof Tensor) || !v.isLeaf || tensors.has(v) || taken(m, name)) continue;
        // Once registered, a field's tensor stays a parameter when frozen (requiresGrad(false)).
        if (!v.requiresGrad && last?.get(name) !== v) continue;
        m.#params.set(name, v);
        m.#fieldParams.set(name, v);
        tensors.add(v);
      }
    }
    return order;
  }

  /** This module ("" or `prefix`) and every descendant, depth first, each listed once. */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    this.#registerFields();
    const visit = (m: Module, name: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [child, sub] of m.#modules) visit(sub, name ? `${name}.${child}` : child);
    };
    visit(this, prefix);
    return out;
  }

  /**
   * Parameters with dotted PyTorch names, in registration order (own first, then children). A tensor
   * shared by several names (tied weights) is listed once, under its first name.
   */
  namedParameters(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [modName, m] of this.namedModules(prefix)) {
      for (const [name, t] of m.#params) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([modName ? `${modName}.${name}` : name, t]);
      }
    }
    return out;
  }

  /** The learnable tensors (each once): what an optimizer is given. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Buffers with dotted names (persistent and not). */
  namedBuffers(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [modName, m] of this.namedModules(prefix)) {
      for (const [name, b] of m.#buffers) out.push([modName ? `${modName}.${name}` : name, b.tensor]);
    }
    return out;
  }

  /**
   * Sets training mode on this module and, through their own `train`, every descendant (dropout is
   * active only in training). Override to reach state outside the module tree, calling super.
   */
  train(on = true): this {
    // One field walk for the whole tree: a descendant's train (or an override reaching a module
    // outside the tree) walks only modules this walk has not.
    const outer = inTrain === null;
    if (outer) inTrain = this.#registerFields();
    else if (!inTrain?.has(this)) for (const m of this.#registerFields()) inTrain?.add(m);
    try {
      this.training = on;
      for (const m of this.#modules.values()) m.train(on);
    } finally {
      if (outer) inTrain = null;
    }
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Clears `.grad` of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Calls `fn` on every module (children first, then this one), as `torch.nn.Module.apply`. */
  apply(fn: (m: Module) => void): this {
    const mods = this.namedModules().map(([, m]) => m);
    for (let i = mods.length - 1; i >= 0; i--) fn(mods[i]);
    return this;
  }

  /** Freezes (false) or unfreezes (true) every parameter. */
  requiresGrad(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad = flag;
    return this;
  }

  /** Number of scalar parameters (shared tensors counted once). */
  get numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /**
   * Parameters and persistent buffers under their dotted names, every name of a shared tensor
   * included (as PyTorch). Unlike PyTorch the tensors are **copies**, so a saved state dict does
   * not change as training goes on.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [key, t] of this.#stateEntries()) out[key] = tensor(Float32Array.from(t.data), t.shape);
    return out;
  }

  /**
   * Copies values from a state dict into this module's parameters and persistent buffers (in place,
   * so optimizers holding the tensors keep working). A shape mismatch is always an error naming the
   * key and both shapes; missing and unexpected keys are errors when `strict` (default) and are
   * returned otherwise.
   */
  loadStateDict(
    dict: Record<string, TensorLikeData>,
    { strict = true }: LoadStateDictOptions = {},
  ): LoadStateDictResult {
    const own = new Map(this.#stateEntries());
    const where = `${this.constructor.name}.loadStateDict`;
    if (typeof dict !== "object" || dict === null || Array.isArray(dict)) {
      const got = dict === null ? "null" : Array.isArray(dict) ? "an array" : typeof dict;
      throw new Error(`${where}: the state dict must be an object mapping names to tensors, got ${got}`);
    }
    for (const [key, t] of Object.entries(dict)) {
      const d = (t as { data?: unknown } | null)?.data;
      if (
        typeof t !== "object" ||
        t === null ||
        !Array.isArray(t.shape) ||
        !(ArrayBuffer.isView(d) || Array.isArray(d))
      ) {
        throw new Error(`${where}: "${key.slice(0, 200)}" is not a tensor (no shape and data)`);
      }
    }
    const unexpectedKeys = Object.keys(dict).filter((k) => !own.has(k));
    const missingKeys = [...own.keys()].filter((k) => !(k in dict));
    for (const [key, dst] of own) {
      const src = dict[key];
      if (!src) continue;
      if (!sameShape(src.shape, dst.shape)) {
        throw new Error(
          `${where}: size mismatch for "${key}": the state dict has shape ${fmt(src.shape)}, the model ${fmt(dst.shape)}`,
        );
      }
      if (src.data.length !== dst.size) {
        throw new Error(
          `${where}: "${key}" has ${src.data.length} values for shape ${fmt(src.shape)} (${dst.size} expected)`,
        );
      }
    }
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      const parts: string[] = [];
      if (missingKeys.length) parts.push(`missing keys: ${listKeys(missingKeys)}`);
      if (unexpectedKeys.length) parts.push(`unexpected keys: ${listKeys(unexpectedKeys)}`);
      throw new Error(`${where}: ${parts.join("; ")}`);
    }
    noGrad(() => {
      for (const [key, dst] of own) {
        const src = dict[key];
        if (src) dst.data.set(src.data);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Every state-dict key with its tensor: shared tensors and modules under each of their names. */
  #stateEntries(): [string, Tensor][] {
    this.#registerFields();
    const out: [string, Tensor][] = [];
    const path = new Set<Module>();
    const walk = (m: Module, prefix: string) => {
      if (path.has(m)) throw new Error(`${this.constructor.name}: module graph has a cycle at "${prefix}"`);
      path.add(m);
      for (const [name, t] of m.#params) out.push([prefix + name, t]);
      for (const [name, b] of m.#buffers) if (b.persistent) out.push([prefix + name, b.tensor]);
      for (const [name, sub] of m.#modules) walk(sub, `${prefix}${name}.`);
      path.delete(m);
    };
    walk(this, "");
    return out;
  }

  /** A one-line-per-module summary: names, types and parameter shapes. */
  toString(): string {
    const lines: string[] = [];
    this.#registerFields();
    for (const [name, m] of this.namedModules()) {
      const depth = name ? name.split(".").length : 0;
      const shapes = [...m.#params].map(([n, t]) => `${n} ${fmt(t.shape)}`).join(", ");
      lines.push(
        `${"  ".repeat(depth)}${name || "(root)"}: ${m.constructor.name}${shapes ? ` (${shapes})` : ""}`,
      );
    }
    return lines.join("\n");
  }
}

/** The modules whose fields the outermost `train()` in progress has registered, or null. */
let inTrain: Set<Module> | null = null;

/** What an array field of Modules registers as: its elements under "0", "1", … (as a ModuleList). */
class ModuleArray extends Module {
  readonly #items: readonly (readonly [string, Module])[];

  constructor(items: readonly (readonly [string, Module])[]) {
    super();
    this.#items = items;
    for (const [i, m] of items) this.registerModule(i, m);
  }

  /** Whether this array registers exactly `items`. */
  holds(items: readonly (readonly [string, Module])[]): boolean {
    return (
      items.length === this.#items.length &&
      items.every(([i, m], k) => this.#items[k][0] === i && this.#items[k][1] === m)
    );
  }
}
