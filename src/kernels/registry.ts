/**
 * Backend registry: backends register under a name; ops (src/tensor/ops) dispatch through `backend()`.
 * The reference backend is always there and active by default; "native" and "wasm" are registered as
 * loaders (the addon, or the module and its binary, load on the first `setBackend(name)`).
 * `initBackend()` (./index.ts) makes the fastest backend that loads the active one: native, else wasm.
 * Code chooses paths by a backend's declared `capabilities`, never by its name.
 */
import type { Backend } from "./contract.js";
import { referenceBackend } from "./reference/index.js";

const backends = new Map<string, Backend | (() => Promise<Backend>)>([["reference", referenceBackend]]);
let active: Backend = referenceBackend;

/** Registers a backend, or a loader that builds it on first `setBackend(name)`. */
export function registerBackend(name: string, b: Backend | (() => Promise<Backend>)): void {
  backends.set(name, b);
}

registerBackend("native", async () => (await import("./native/index.js")).loadNativeBackend());
registerBackend("wasm", async () => (await import("./wasm/index.js")).loadWasmBackend());

/** Names of the registered backends. */
export function listBackends(): string[] {
  return [...backends.keys()];
}

/** Makes `name` the active backend (loading it if registered as a loader). */
export async function setBackend(name: string): Promise<void> {
  const b = backends.get(name);
  if (!b) throw new Error(`setBackend: unknown backend "${name}" (registered: ${listBackends().join(", ")})`);
  if (typeof b === "function") {
    const loaded = await b();
    backends.set(name, loaded);
    active = loaded;
  } else {
    active = b;
  }
}

/** The name of the active backend. */
export function getBackend(): string {
  return active.name;
}

/** The active backend object (for ops). */
export function backend(): Backend {
  return active;
}

/** Runs `fn` with a given backend active, restoring the previous one afterwards (tests, benchmarks). */
export function withBackend<T>(b: Backend, fn: () => T): T {
  const prev = active;
  active = b;
  try {
    return fn();
  } finally {
    active = prev;
  }
}
