/**
 * Loading a model from a checkpoint folder on disk (Node): the files read by train/checkpoint.ts (the
 * JSON, the weights it names, checked against its SHA-256), the meta validated with this machine's
 * memory as the budget, and the model rebuilt by the checkpoint format (checkpoint/format.ts:
 * `modelFromCheckpoint`) — the same function the explorer calls on fetched bytes.
 */
import { createHash } from "node:crypto";
import { totalmem } from "node:os";
import { join } from "node:path";
import {
  modelFromCheckpoint,
  type ValidateMetaOptions,
  validateCheckpointMeta as validateMeta,
  vocabChecksumText,
} from "../checkpoint/format.js";
import type { TranslationModel } from "../models/registry.js";
import { loadCheckpoint } from "./checkpoint.js";
import type { CheckpointMeta } from "./trainer.js";

/** SHA-256 (hex) of a meta's vocabularies and tokenizers (`meta.vocabSha256`, see `vocabChecksumText`). */
export function vocabSha256(meta: Parameters<typeof vocabChecksumText>[0]): string {
  return createHash("sha256").update(vocabChecksumText(meta)).digest("hex");
}

/**
 * The checkpoint format's meta check, with this machine's memory (`os.totalmem()`) as the budget, and
 * `meta.vocabSha256` (when present: older checkpoints lack it) against the stored vocabularies and
 * tokenizers — swapped entries would load and translate into the wrong words.
 */
export function validateCheckpointMetaHere(meta: unknown, file: string, o: ValidateMetaOptions = {}): void {
  validateMeta(meta, file, { memoryBytes: totalmem(), ...o });
  const want = meta.vocabSha256;
  if (want === undefined) return;
  if (typeof want !== "string" || !/^[0-9a-f]{64}$/.test(want)) {
    throw new Error(
      `checkpoint ${file}: meta.vocabSha256 must be 64 lowercase hex digits, got ${JSON.stringify(want).slice(0, 80)}`,
    );
  }
  const got = vocabSha256(meta);
  if (got !== want) {
    throw new Error(
      `checkpoint ${file}: the vocabularies or tokenizers were changed after saving (sha256 ${got.slice(0, 12)}… ≠ meta.vocabSha256 ${want.slice(0, 12)}…)`,
    );
  }
}

/** Builds the model a checkpoint describes and loads its weights (everything validated first). */
export async function loadModel(
  path: string,
  name = "best",
): Promise<{ model: TranslationModel; meta: CheckpointMeta }> {
  const ck = await loadCheckpoint<CheckpointMeta>(path, name);
  const file = path.endsWith(".json") ? path : join(path, `${name}.json`);
  validateCheckpointMetaHere(ck.meta, file);
  return { model: modelFromCheckpoint(ck.meta, ck.model, file), meta: ck.meta };
}
