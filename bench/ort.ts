/**
 * onnxruntime-node (CPU execution provider, 2 intra-op threads, all graph optimisations) running the
 * attention graph built in onnx.ts. ORT writes the graph it actually runs to a file, and the op types
 * in it say whether it fused anything. Inference only: no training step.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProbeResult, Workload } from "./common.js";
import { attentionModel, modelOpTypes } from "./onnx.js";
import { type AttentionInputs, type BenchSystem, packageVersion, type Runner } from "./systems.js";

interface OrtTensor {
  readonly data: Float32Array;
}

interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

interface Ort {
  InferenceSession: {
    create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession>;
  };
  Tensor: new (type: "float32", data: Float32Array, dims: readonly number[]) => OrtTensor;
}

const ORT = "onnxruntime-node";
export const ORT_THREADS = 2;

/** onnxruntime-node with `threads` intra-op threads (the full run's row: ORT_THREADS; 1: the 1-thread row). */
export function onnxruntime(threads = ORT_THREADS): BenchSystem {
  let ort: Ort | null = null;

  async function load(): Promise<ProbeResult> {
    try {
      ort ??= (await import(ORT)) as Ort;
    } catch (e) {
      return { available: false, reason: `not installed (${(e as Error).message.split("\n")[0]})` };
    }
    return {
      available: true,
      version: await packageVersion(ORT),
      notes: [`intra-op threads ${threads}`],
    };
  }

  return {
    probe: load,
    async prepare(w: Workload, inputs: AttentionInputs | null): Promise<Runner | string> {
      const p = await load();
      if (!p.available || !ort) return p.reason ?? "not available";
      if (w.kind !== "forward" || !inputs) return "n/a (inference-only runtime)";
      const dir = await mkdtemp(join(tmpdir(), "qkv-bench-ort-"));
      const optimized = join(dir, "optimized.onnx");
      const model = attentionModel(w.shape);
      const session = await ort.InferenceSession.create(model, {
        executionProviders: ["cpu"],
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: "sequential",
        graphOptimizationLevel: "all",
        logSeverityLevel: 3, // errors only: ORT warns when it writes the optimised model
        optimizedModelFilePath: optimized,
      });
      const before = modelOpTypes(model);
      let after: string[] = [];
      try {
        after = modelOpTypes(new Uint8Array(await readFile(optimized)));
      } catch {
        // the optimised model is a diagnostic only
      }
      await rm(dir, { recursive: true, force: true });
      const fused = after.length > 0 && after.join(",") !== before.join(",");
      // With Softmax still a node of its own, the (N, N) scores are materialised: no attention kernel.
      const whole = after.length > 0 && !after.includes("Softmax");
      const notes = [
        ...(p.notes ?? []),
        after.length
          ? `graph ${before.join("→")} ${fused ? `fused to ${after.join("→")}` : "not fused"}` +
            (whole ? " (one attention kernel)" : " (no attention kernel: the N×N scores are materialised)")
          : "optimised graph not readable",
      ];
      const T = ort.Tensor;
      const feeds = {
        Q: new T("float32", inputs.q, w.shape),
        K: new T("float32", inputs.k, w.shape),
        V: new T("float32", inputs.v, w.shape),
      };
      return {
        notes,
        run: async () => (await session.run(feeds)).O.data,
        dispose: () => session.release(),
      };
    },
  };
}
