/**
 * Backend registry: backends register under a name; ops (src/tensor/ops) dispatch through `backend()`.
 * "native" and "wasm" are registered as loaders (the addon, or the module and its binary, load on the
 * first `setBackend(name)`; the wasm code is a chunk of its own, imported then).
 *
 * Until a backend is chosen (`setBackend`, `initBackend`, `ready`), the first kernel call chooses one
 * synchronously: the backend `QKV_BACKEND` names if set (reference or native; wasm loads
 * asynchronously, so `QKV_BACKEND=wasm` needs `await ready()`), else native where the addon loads
 * (Node), else reference. `await ready()` (./index.ts) chooses the fastest that loads, wasm included:
 * native, else wasm, else reference. Code chooses paths by a backend's declared `capabilities`, never by
 * its name.
 */
import type { Backend } from "./contract.js";
import { loadNativeBackend, loadNativeBackendSync } from "./native/index.js";
import { referenceBackend } from "./reference/index.js";

const backends = new Map<string, Backend | (() => Promise<Backend>)>([["reference", referenceBackend]]);
/** The active backend; null until one is chosen (the first kernel call then chooses: `firstUse`). */
let active: Backend | null = null;

/** Registers a backend, or a loader that builds it on first `setBackend(name)`. */
export function registerBackend(name: string, b: Backend | (() => Promise<Backend>)): void {
  backends.set(name, b);
}

type WasmModule = typeof import("./wasm/index.js");
let wasmImport: Promise<WasmModule> | null = null;
let wasmLoaded: WasmModule | null = null;

/** The wasm backend's module, imported on first call (bundlers make it a chunk of its own). */
export function wasmModule(): Promise<WasmModule> {
  if (!wasmImport) {
    wasmImport = import("./wasm/index.js").then((m) => {
      wasmLoaded = m;
      return m;
    });
    wasmImport.catch(() => {
      wasmImport = null;
    });
  }
  return wasmImport;
}

/** The wasm backend's module if it was imported already, else null. */
export function loadedWasmModule(): WasmModule | null {
  return wasmLoaded;
}

registerBackend("native", async () => loadNativeBackend());
registerBackend("wasm", async () => (await wasmModule()).loadWasmBackend());

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

/** `QKV_BACKEND` where the environment has one ("auto" and "" count as unset). */
export function requestedBackend(): string | undefined {
  const v = typeof process === "undefined" ? undefined : process.env?.QKV_BACKEND?.trim();
  return v && v !== "auto" ? v : undefined;
}

/** The native backend, loaded synchronously, registered under its name; throws why not. */
function nativeNow(): Backend {
  const n = loadNativeBackendSync();
  backends.set("native", n);
  return n;
}

/** What the first kernel call runs on when no backend was chosen (see the file comment). */
function firstUse(): Backend {
  const want = requestedBackend();
  if (want === undefined) {
    try {
      return nativeNow();
    } catch {
      return referenceBackend; // `qkv backends` / nativeStatus() say why
    }
  }
  const b = backends.get(want);
  if (b && typeof b !== "function") return b;
  if (want === "native") {
    try {
      return nativeNow();
    } catch (e) {
      throw new Error(`QKV_BACKEND=native: ${(e as Error).message}`);
    }
  }
  if (b) {
    throw new Error(
      `QKV_BACKEND=${want}: the ${want} backend loads asynchronously; call \`await ready()\` (or \`await setBackend("${want}")\`) before the first kernel call`,
    );
  }
  throw new Error(`QKV_BACKEND=${want}: unknown backend (registered: ${listBackends().join(", ")})`);
}

/** Whether a backend was chosen yet (by a call, or by the first kernel call). */
export function backendChosen(): boolean {
  return active !== null;
}

/** The name of the active backend (choosing it as the first kernel call would, if none was yet). */
export function getBackend(): string {
  return backend().name;
}

/** The active backend object (for ops); the first call chooses one if none was chosen. */
export function backend(): Backend {
  if (active === null) active = firstUse();
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
