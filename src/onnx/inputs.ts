/**
 * The forward's inputs and outputs, as the exporter sees them: graph input names from the forward's
 * parameter names (`parameterNames`), the tensors among its arguments — top level, in plain objects,
 * inside attention masks — and where each sits (`findInputs`, an `InputSlot` path), copies of the
 * arguments with other tensors in those places (`withTensors`), the returned tensors with their names
 * (`namedOutputs`), and an input grown by one along an axis (`grow`, to trace a size once more).
 */
import { Tensor } from "../tensor/index.js";

/** The forward's parameter names, from its source (`input${i}` where it has no plain name). */
export function parameterNames(fn: (...args: never[]) => unknown): string[] {
  const src = Function.prototype.toString.call(fn);
  const open = src.indexOf("(");
  if (open < 0) return [];
  let depth = 0;
  let cur = "";
  const parts: string[] = [];
  for (let i = open + 1; i < src.length; i++) {
    const ch = src[i];
    if (ch === "(" || ch === "{" || ch === "[") depth++;
    if (ch === ")" || ch === "}" || ch === "]") {
      if (depth === 0) {
        parts.push(cur);
        break;
      }
      depth--;
    }
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  return parts
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p, i) => {
      const m = /^(?:\.\.\.)?([A-Za-z_$][\w$]*)/.exec(p);
      return m ? m[1] : `input${i}`;
    });
}

export interface InputSlot {
  name: string;
  /** Where the tensor sits in the arguments: argument index, then keys. */
  path: (number | string)[];
}

/** Tensors among the arguments: top-level, in plain objects, and inside attention masks. */
export function findInputs(args: unknown[], names: string[]): InputSlot[] {
  const out: InputSlot[] = [];
  const visit = (v: unknown, name: string, path: (number | string)[]) => {
    if (v instanceof Tensor) {
      out.push({ name, path });
    } else if (isMask(v)) {
      v.parts.forEach((p, i) => {
        const t = "bias" in p ? p.bias : "lengths" in p && p.lengths instanceof Tensor ? p.lengths : null;
        if (t) out.push({ name: v.parts.length > 1 ? `${name}.${i}` : name, path: [...path, "parts", i] });
      });
    } else if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      for (const [k, x] of Object.entries(v)) visit(x, `${name}.${k}`, [...path, k]);
    }
  };
  args.forEach((a, i) => {
    visit(a, names[i] ?? `input${i}`, [i]);
  });
  return out;
}

interface MaskLike {
  parts: readonly ({ bias: Tensor } | { lengths: unknown } | object)[];
}

function isMask(v: unknown): v is MaskLike {
  return !!v && typeof v === "object" && v.constructor?.name === "AttentionMask" && "parts" in v;
}

export function getAt(args: unknown[], path: (number | string)[]): Tensor {
  let v: unknown = args;
  for (const k of path) v = (v as Record<string | number, unknown>)[k];
  if (isMaskPart(v)) return v.bias ?? (v.lengths as Tensor);
  return v as Tensor;
}

function isMaskPart(v: unknown): v is { bias?: Tensor; lengths?: unknown } {
  return !!v && typeof v === "object" && "kind" in v && !(v instanceof Tensor);
}

/** A copy of `args` with the tensors at `slots` replaced. */
export function withTensors(args: unknown[], slots: InputSlot[], tensors: Tensor[]): unknown[] {
  const clone = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(clone);
    if (isMask(v)) {
      const m = Object.create(Object.getPrototypeOf(v));
      Object.assign(m, v, { parts: v.parts.map((p) => ({ ...p })) });
      return m;
    }
    if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
    }
    return v;
  };
  const out = clone(args) as unknown[];
  slots.forEach((s, i) => {
    let parent: unknown = out;
    for (const k of s.path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[k];
    const last = s.path[s.path.length - 1];
    const holder = parent as Record<string | number, unknown>;
    const cur = holder[last];
    if (isMaskPart(cur)) {
      if ("bias" in cur) holder[last] = { ...cur, bias: tensors[i] };
      else holder[last] = { ...cur, lengths: tensors[i] };
    } else holder[last] = tensors[i];
  });
  return out;
}

/** The returned tensors with their names. */
export function namedOutputs(result: unknown, names?: string[]): [string, Tensor][] {
  let list: [string, Tensor][];
  if (result instanceof Tensor) list = [["output", result]];
  else if (Array.isArray(result)) list = result.map((t, i) => [`output${i}`, t as Tensor]);
  else if (result && typeof result === "object")
    list = Object.entries(result).filter((e): e is [string, Tensor] => e[1] instanceof Tensor);
  else
    throw new Error("exportOnnx: forward must return a tensor, an array of tensors or an object of tensors");
  if (names) {
    if (names.length !== list.length) {
      throw new Error(`exportOnnx: outputNames has ${names.length} names for ${list.length} outputs`);
    }
    list = list.map(([, t], i) => [names[i], t]);
  }
  return list;
}

/** Grows `t` by one along `axis`, repeating its last slice (ids and lengths stay valid). */
export function grow(t: Tensor, axis: number): Tensor {
  const shape = [...t.shape];
  const n = shape[axis];
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  shape[axis] = n + 1;
  const out = new Float32Array(outer * (n + 1) * inner);
  for (let o = 0; o < outer; o++) {
    out.set(t.data.subarray(o * n * inner, (o + 1) * n * inner), o * (n + 1) * inner);
    const last = t.data.subarray(o * n * inner + (n - 1) * inner, o * n * inner + n * inner);
    out.set(last, o * (n + 1) * inner + n * inner);
  }
  return new Tensor(out, shape);
}
