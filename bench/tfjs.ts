/**
 * TensorFlow.js peers: the pure-JS "cpu" backend and the WebAssembly backend (XNNPACK, SIMD when the
 * runtime has it). Attention is written with tfjs ops the way a tfjs user would: matMul with
 * transposeB, mul by the scale, softmax, matMul; the MHA step uses `tf.variableGrads`.
 *
 * Packages are imported at run time from bench/node_modules (not dependencies of qkv), and typed here
 * only as far as this file uses them, so `npm test` type-checks bench/ without them installed.
 */
import { fileURLToPath } from "node:url";
import type { ProbeResult, Workload } from "./common.js";
import { type AttentionInputs, type BenchSystem, packageVersion, type Runner } from "./systems.js";

interface TfTensor {
  readonly shape: number[];
  dataSync(): Float32Array;
  dispose(): void;
}

type Arg = TfTensor | number;

interface Tf {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  env(): { getAsync(flag: string): Promise<unknown> };
  tensor(data: Float32Array, shape: number[]): TfTensor;
  randomUniform(shape: number[], min: number, max: number): TfTensor;
  variable(t: TfTensor): TfTensor;
  tidy<T>(f: () => T): T;
  dispose(t: TfTensor | TfTensor[]): void;
  matMul(a: TfTensor, b: TfTensor, transposeA?: boolean, transposeB?: boolean): TfTensor;
  mul(a: Arg, b: Arg): TfTensor;
  add(a: Arg, b: Arg): TfTensor;
  softmax(x: TfTensor, dim?: number): TfTensor;
  reshape(x: TfTensor, shape: number[]): TfTensor;
  transpose(x: TfTensor, perm: number[]): TfTensor;
  split(x: TfTensor, n: number, axis: number): TfTensor[];
  square(x: TfTensor): TfTensor;
  mean(x: TfTensor): TfTensor;
  variableGrads(f: () => TfTensor): { value: TfTensor; grads: Record<string, TfTensor> };
}

interface TfWasm {
  setWasmPaths(prefix: string): void;
  getThreadsCount(): number;
}

// Variables, so TypeScript does not try to resolve the packages (they live in bench/node_modules).
const TFJS = "@tensorflow/tfjs";
const TFJS_WASM = "@tensorflow/tfjs-backend-wasm";

/** Forward attention in tfjs ops: softmax(Q Kᵀ · scale) V over (B, H, N, d). */
function attention(tf: Tf, q: TfTensor, k: TfTensor, v: TfTensor, scale: number): TfTensor {
  return tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale), -1), v);
}

function tfjsSystem(backendName: "cpu" | "wasm"): BenchSystem {
  let tf: Tf | null = null;
  const notes: string[] = [];

  async function load(): Promise<ProbeResult> {
    if (tf) return { available: true, version: await packageVersion(TFJS), notes };
    try {
      tf = (await import(TFJS)) as Tf;
    } catch (e) {
      return { available: false, reason: `not installed (${(e as Error).message.split("\n")[0]})` };
    }
    let version = await packageVersion(TFJS);
    if (backendName === "wasm") {
      try {
        const wasm = (await import(TFJS_WASM)) as TfWasm;
        wasm.setWasmPaths(fileURLToPath(new URL(`./node_modules/${TFJS_WASM}/dist/`, import.meta.url)));
        if (!(await tf.setBackend("wasm")))
          return { available: false, reason: "tf.setBackend('wasm') failed" };
        await tf.ready();
        const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
        const mt = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
        notes.push(`SIMD ${simd ? "on" : "off"}`);
        notes.push(
          mt
            ? `${wasm.getThreadsCount()} threads`
            : "1 thread (threads not available in Node: the threaded build starts its pthread workers " +
                "from blob: URLs, which worker_threads rejects)",
        );
        version = `${version} (backend-wasm ${await packageVersion(TFJS_WASM)})`;
      } catch (e) {
        return {
          available: false,
          reason: `tfjs-backend-wasm failed: ${(e as Error).message.split("\n")[0]}`,
        };
      }
    } else {
      await tf.setBackend("cpu");
      await tf.ready();
      notes.push("pure-JS kernels, 1 thread");
    }
    return { available: true, version, notes };
  }

  return {
    probe: load,
    async prepare(w: Workload, inputs: AttentionInputs | null): Promise<Runner | string> {
      const p = await load();
      if (!p.available || !tf) return p.reason ?? "not available";
      const t = tf;
      if (w.kind === "mha-train") {
        const { B, T, E, heads: H } = w;
        const dH = E / H;
        const bound = 1 / Math.sqrt(E);
        const wIn = t.variable(t.randomUniform([E, 3 * E], -bound, bound));
        const bIn = t.variable(t.randomUniform([3 * E], -bound, bound));
        const wOut = t.variable(t.randomUniform([E, E], -bound, bound));
        const bOut = t.variable(t.randomUniform([E], -bound, bound));
        const x = t.tensor(inputs ? inputs.q : new Float32Array(B * T * E), [B * T, E]); // (B·T, E)
        // (B·T, E) → (B, T, H, dH) → (B, H, T, dH)
        const heads = (y: TfTensor) => t.transpose(t.reshape(y, [B, T, H, dH]), [0, 2, 1, 3]);
        const loss = () => {
          const [q, k, v] = t.split(t.add(t.matMul(x, wIn), bIn), 3, 1);
          const a = attention(t, heads(q), heads(k), heads(v), 1 / Math.sqrt(dH)); // (B, H, T, dH)
          const merged = t.reshape(t.transpose(a, [0, 2, 1, 3]), [B * T, E]);
          return t.mean(t.square(t.add(t.matMul(merged, wOut), bOut)));
        };
        return {
          notes,
          run: () =>
            t.tidy(() => {
              const { value, grads } = t.variableGrads(loss);
              for (const g of Object.values(grads)) g.dataSync();
              return value.dataSync()[0];
            }),
        };
      }
      if (w.kind !== "forward" || !inputs) return "n/a (qkv only)";
      const [q, k, v] = [inputs.q, inputs.k, inputs.v].map((d) => t.tensor(d, [...w.shape]));
      const scale = 1 / Math.sqrt(w.shape[3]);
      return {
        notes,
        run: () =>
          t.tidy(() => {
            const out = attention(t, q, k, v, scale);
            return out.dataSync();
          }),
        dispose: () => t.dispose([q, k, v]),
      };
    },
  };
}

export const tfjsCpu = (): BenchSystem => tfjsSystem("cpu");
export const tfjsWasm = (): BenchSystem => tfjsSystem("wasm");
