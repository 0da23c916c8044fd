/**
 * The explorer's tests compare the page's numbers with the library's, computed in Node on the weights
 * the page is served: float16 (web/vite.config.ts's `servedCheckpoint`). `servedModelDir(dir)` writes the
 * served best.json and its float16 tensor file to a temporary folder (once per folder and process, removed
 * when the process exits), a checkpoint `loadModel`, `loadCheckpoint` and `qkv … --model` read as any other.
 * How close float16 is to float32 is test/web/float16.test.ts's question.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { servedCheckpoint } from "../../web/vite.config.js";

const made = new Map<string, string>();

/** A folder holding the model folder `dir` as the page is served it (best.json + best.f16.safetensors). */
export function servedModelDir(dir: string): string {
  const hit = made.get(dir);
  if (hit) return hit;
  const out = mkdtempSync(join(tmpdir(), "qkv-served-"));
  if (made.size === 0)
    process.on("exit", () => {
      for (const d of made.values()) rmSync(d, { recursive: true, force: true });
    });
  for (const [name, bytes] of servedCheckpoint(dir).files) writeFileSync(join(out, name), bytes);
  made.set(dir, out);
  return out;
}
