/**
 * Loading a model from a checkpoint folder on disk (Node): the files read by train/checkpoint.ts (the
 * JSON, the weights it names, checked against its SHA-256), the meta validated with this machine's
 * memory as the budget, and the model rebuilt by the checkpoint format (checkpoint/format.ts:
 * `modelFromCheckpoint`) — the same function the explorer calls on fetched bytes.
 */
import { totalmem } from "node:os";
import { join } from "node:path";
import {
  modelFromCheckpoint,
  type ValidateMetaOptions,
  validateCheckpointMeta as validateMeta,
} from "../checkpoint/format.js";
import type { TranslationModel } from "../models/registry.js";
import { loadCheckpoint } from "./checkpoint.js";
import type { CheckpointMeta } from "./trainer.js";

/** The checkpoint format's meta check, with this machine's memory (`os.totalmem()`) as the budget. */
export function validateCheckpointMetaHere(meta: unknown, file: string, o: ValidateMetaOptions = {}): void {
  validateMeta(meta, file, { memoryBytes: totalmem(), ...o });
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
