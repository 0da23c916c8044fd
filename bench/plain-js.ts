/**
 * The "plain JS" baseline: the textbook attention loop (plain-js-worker.ts) split over 2 worker_threads
 * by query rows, inputs and output in SharedArrayBuffers. What anyone could write in an afternoon;
 * forward only.
 */
import { Worker } from "node:worker_threads";
import type { ProbeResult, Workload } from "./common.js";
import type { AttentionInputs, BenchSystem, Runner } from "./systems.js";

export const PLAIN_JS_WORKERS = 2;

function shared(data: Float32Array): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(data.byteLength);
  new Float32Array(sab).set(data);
  return sab;
}

/** Resolves with the next message from the worker. */
function next(w: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      w.off("message", onMessage);
      reject(e);
    };
    const onMessage = (m: unknown) => {
      w.off("error", onError);
      resolve(m);
    };
    w.once("message", onMessage);
    w.once("error", onError);
  });
}

export function plainJs(): BenchSystem {
  const probe = async (): Promise<ProbeResult> => ({
    available: true,
    version: `node ${process.versions.node}`,
    notes: [`${PLAIN_JS_WORKERS} worker_threads`],
  });
  return {
    probe,
    async prepare(w: Workload, inputs: AttentionInputs | null): Promise<Runner | string> {
      if (w.kind !== "forward" || !inputs) return "n/a (forward-only baseline)";
      const [B, H, N, d] = w.shape;
      const out = new SharedArrayBuffer(inputs.q.byteLength);
      const init = { q: shared(inputs.q), k: shared(inputs.k), v: shared(inputs.v), out, n: N, d };
      // The worker is plain JS (worker_threads do not get the tsx loader).
      const workers = Array.from(
        { length: PLAIN_JS_WORKERS },
        () => new Worker(new URL("./plain-js-worker.js", import.meta.url)),
      );
      await Promise.all(
        workers.map((wk) => {
          const ready = next(wk);
          wk.postMessage({ init });
          return ready;
        }),
      );
      const rows = B * H * N;
      const per = Math.ceil(rows / PLAIN_JS_WORKERS);
      const result = new Float32Array(out);
      return {
        notes: (await probe()).notes,
        async run() {
          await Promise.all(
            workers.map((wk, i) => {
              const done = next(wk);
              wk.postMessage({ rows: [Math.min(i * per, rows), Math.min((i + 1) * per, rows)] });
              return done;
            }),
          );
          return result;
        },
        dispose: async () => {
          await Promise.all(workers.map((wk) => wk.terminate()));
        },
      };
    },
  };
}
