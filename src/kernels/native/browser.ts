/**
 * The native backend as a browser bundle sees it: package.json's "browser" field maps
 * ./native/index (the addon's loader and its kernel wrappers, Node-only) to this file, so bundlers for
 * the web (Vite, esbuild, webpack, Rollup's node-resolve with `browser: true`) leave that code out of
 * the root. Nothing loads here: every loader rejects with the reason, `nativeStatus()` says it, and
 * the registry falls back to wasm or reference as it does in Node without the addon.
 */
import { checkThreadCount } from "../shared.js";
import type { NativeBackend, NativeStatus } from "./index.js";

export type { NativeBackend, NativeStats, NativeStatus } from "./index.js";

const REASON = "the native backend runs in Node only (this is a browser bundle: no addon to load)";

/** Always unavailable here, with the reason. */
export function nativeStatus(): NativeStatus {
  return { available: false, reason: REASON };
}

/** Rejects: there is no addon in a browser. */
export async function loadNativeBackend(): Promise<NativeBackend> {
  throw new Error(`native backend: ${REASON}`);
}

/** Throws: there is no addon in a browser. */
export function loadNativeBackendSync(): NativeBackend {
  throw new Error(`native backend: ${REASON}`);
}

/** Rejects: there is no addon in a browser. */
export async function loadNativeBackends(): Promise<NativeBackend[]> {
  throw new Error(`native backend: ${REASON}`);
}

/** Checks the count as Node does; there is no native pool to set. */
export async function setNativeThreads(n: number): Promise<void> {
  checkThreadCount(n);
}
