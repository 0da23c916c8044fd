/**
 * qkv itself, on a named kernel backend: the reference backend (plain TypeScript, the oracle), and the
 * wasm backend with 1 thread or all cores when it is there. The wasm backend is looked for at run
 * time (it registers itself as "wasm" when its module loads; the thread setter is expected to be
 * `setNumThreads(n)` exported from src/kernels/index.ts or src/kernels/wasm/index.ts), so this file
 * builds and runs whether or not it exists yet.
 */
import { availableParallelism } from "node:os";
import { scaledDotProductAttention } from "../src/attention/index.js";
import { getBackend, listBackends, setBackend } from "../src/kernels/registry.js";
import { MultiHeadAttention } from "../src/nn/index.js";
import { mean, noGrad, square, type Tensor, tensor } from "../src/tensor/index.js";
import type { ProbeResult, Workload } from "./common.js";
import { type AttentionInputs, type BenchSystem, importOptional, type Runner } from "./systems.js";

/** Modules that may register the wasm backend and export its thread setter, in the order tried. */
const WASM_MODULES = ["../src/kernels/index.js", "../src/kernels/wasm/index.js", "../src/index.js"];

type ThreadSetter = (n: number) => void | Promise<void>;

/** Loads whatever registers "wasm"; returns its thread setter if one is exported, or why it is missing. */
async function findWasm(): Promise<{ ok: boolean; reason?: string; setThreads?: ThreadSetter }> {
  let setThreads: ThreadSetter | undefined;
  const errors: string[] = [];
  for (const spec of WASM_MODULES) {
    if (listBackends().includes("wasm") && setThreads) break;
    try {
      const mod = await importOptional(spec);
      const f = mod?.setNumThreads ?? mod?.setThreads;
      if (typeof f === "function") setThreads ??= f as ThreadSetter;
    } catch (e) {
      errors.push(`${spec}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  if (!listBackends().includes("wasm")) {
    const why = errors.length ? `loading failed (${errors.join("; ")})` : 'no backend registered as "wasm"';
    return { ok: false, reason: `not available: ${why}` };
  }
  return { ok: true, setThreads };
}

/** sgemm rate of the native backend (n³, all threads): the kernel's own ceiling, for the report. */
async function nativeSgemmNote(): Promise<string> {
  const k = await import("../src/kernels/index.js");
  const b = await k.loadNativeBackend();
  const n = 1024;
  const a = new Float32Array(n * n).fill(0.5);
  const p = {
    batch: 1,
    m: n,
    k: n,
    n,
    transA: false,
    transB: false,
    aOffsets: new Int32Array(1),
    bOffsets: new Int32Array(1),
  };
  b.matmul(a, a, p);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    b.matmul(a, a, p);
    best = Math.min(best, performance.now() - t0);
  }
  return `sgemm ${n}³ ${((2 * n ** 3) / best / 1e6).toFixed(0)} GFLOP/s (best of 5, ${b.isa})`;
}

function qkvSystem(backendName: "reference" | "wasm" | "native", threads: "1" | "all" | null): BenchSystem {
  let setThreads: ThreadSetter | undefined;
  const notes: string[] = [];
  let activation: Promise<ProbeResult> | null = null;

  async function activateOnce(): Promise<ProbeResult> {
    if (backendName === "wasm") {
      const found = await findWasm();
      if (!found.ok) return { available: false, reason: found.reason };
      setThreads = found.setThreads;
      if (!setThreads && threads === "all") {
        return {
          available: false,
          reason:
            "not available: the wasm backend exports no setNumThreads (its default is timed as 1 thread)",
        };
      }
    }
    if (backendName === "native") {
      const k = await import("../src/kernels/index.js");
      try {
        await k.loadNativeBackend();
      } catch (e) {
        return { available: false, reason: `not available: ${(e as Error).message}` };
      }
      setThreads = k.setNumThreads;
    }
    await setBackend(backendName);
    if (backendName === "native") {
      const st = (await import("../src/kernels/index.js")).nativeStatus();
      notes.push(`${st.isas?.[0]} kernels (CPU has ${st.isas?.join(", ")})`);
    }
    if (setThreads && threads) {
      const n = threads === "1" ? 1 : availableParallelism();
      await setThreads(n);
      notes.push(`${n} thread${n > 1 ? "s" : ""}`);
    } else if (backendName === "wasm") {
      notes.push("threads: backend default (no setNumThreads found)");
    } else {
      notes.push("plain TypeScript kernels, 1 thread");
    }
    if (backendName === "native" && threads === "all") notes.push(await nativeSgemmNote());
    return { available: true, version: `backend ${getBackend()}`, notes };
  }
  const activate = (): Promise<ProbeResult> => {
    activation ??= activateOnce();
    return activation;
  };

  return {
    probe: activate,
    async prepare(w: Workload, inputs: AttentionInputs | null): Promise<Runner | string> {
      const probe = await activate();
      if (!probe.available) return probe.reason ?? "not available";
      if (w.kind === "mha-train") {
        const { B, T, E, heads } = w;
        const mha = new MultiHeadAttention({ embedDim: E, numHeads: heads, batchFirst: true });
        const x = tensor(inputs ? inputs.q : new Float32Array(B * T * E), [B, T, E]); // (B, T, E)
        return {
          notes,
          run() {
            for (const p of mha.parameters()) p.zeroGrad();
            const { output } = mha.forward(x, x, x, { needWeights: false });
            mean(square(output)).backward();
          },
        };
      }
      if (!inputs) throw new Error("qkv: attention workloads need inputs");
      const shape = w.shape;
      const withGrad = w.kind === "forward-backward";
      const make = (d: Float32Array): Tensor => tensor(d, shape, { requiresGrad: withGrad });
      const q = make(inputs.q);
      const k = make(inputs.k);
      const v = make(inputs.v);
      if (!withGrad) {
        return { notes, run: () => noGrad(() => scaledDotProductAttention(q, k, v).output.data) };
      }
      const seed = tensor(new Float32Array(q.size).fill(1), shape);
      return {
        notes,
        run() {
          for (const t of [q, k, v]) t.zeroGrad();
          scaledDotProductAttention(q, k, v).output.backward(seed);
        },
      };
    },
  };
}

export const qkvReference = (): BenchSystem => qkvSystem("reference", null);
export const qkvWasm1 = (): BenchSystem => qkvSystem("wasm", "1");
export const qkvWasmAll = (): BenchSystem => qkvSystem("wasm", "all");
export const qkvNative1 = (): BenchSystem => qkvSystem("native", "1");
export const qkvNativeAll = (): BenchSystem => qkvSystem("native", "all");
