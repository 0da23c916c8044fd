/**
 * What every benchmarked system provides to worker.ts: a probe (is it installed, which version, which
 * threads) and, per workload, a prepared runner whose `run()` does one forward (returning the output)
 * or one training step. Inputs are made outside so every JS system sees the same numbers.
 */
import type { ProbeResult, Workload } from "./common.js";

/** q, k, v (B, H, N, d) for attention; for the MHA step, q holds x (B, T, E) and k, v are empty. */
export interface AttentionInputs {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
}

export interface Runner {
  /** One forward (resolves to the output (B, H, N, d)) or one training step. */
  run(): unknown;
  dispose?(): void | Promise<void>;
  notes?: string[];
}

export interface BenchSystem {
  probe(): Promise<ProbeResult>;
  /** A runner, or a string saying why the workload does not apply to this system. */
  prepare(w: Workload, inputs: AttentionInputs | null): Promise<Runner | string>;
}

/** `import(spec)` that yields null when the module is absent (any other load error propagates). */
export async function importOptional(spec: string): Promise<Record<string, unknown> | null> {
  try {
    return (await import(spec)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return null;
    throw e;
  }
}

/** Reads the version from an installed package's package.json (resolved from bench/). */
export async function packageVersion(name: string): Promise<string | undefined> {
  const { readFile } = await import("node:fs/promises");
  try {
    const url = new URL(`./node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(await readFile(url, "utf8")) as { version: string }).version;
  } catch {
    return undefined;
  }
}
