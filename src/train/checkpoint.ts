/**
 * Checkpoints: model (and optimizer) tensors in one safetensors file plus a JSON file with the
 * configuration, vocabularies, training state and the SHA-256 of the tensor file. Both are written
 * atomically (temp file + rename), tensors first, so a crash mid-save leaves the previous checkpoint
 * intact; on load the hash is checked, so a corrupt or mismatched pair is detected, not used.
 *
 * Layout of a run folder: `last.safetensors` + `last.json` (every save) and `best.safetensors` +
 * `best.json` (when the validation score improves).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { decodeSafetensors, encodeSafetensors } from "../io/safetensors.js";
import type { Tensor } from "../tensor/index.js";

const OPTIM_PREFIX = "__optim__.";

export interface CheckpointData<Meta> {
  model: Record<string, Tensor>;
  optimizer?: Record<string, Tensor>;
  meta: Meta;
}

interface CheckpointJson<Meta> {
  format: "qkv-checkpoint";
  version: 1;
  tensors: string;
  sha256: string;
  meta: Meta;
}

/** Saves `<dir>/<name>.safetensors` and `<dir>/<name>.json`. */
export async function saveCheckpoint<Meta>(
  dir: string,
  name: string,
  data: CheckpointData<Meta>,
): Promise<void> {
  const all: Record<string, Tensor> = { ...data.model };
  for (const [k, t] of Object.entries(data.optimizer ?? {})) all[OPTIM_PREFIX + k] = t;
  const bytes = encodeSafetensors(all, { format: "pt", producer: "qkv" });
  const tensors = `${name}.safetensors`;
  await writeFileAtomic(join(dir, tensors), bytes);
  const json: CheckpointJson<Meta> = {
    format: "qkv-checkpoint",
    version: 1,
    tensors,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    meta: data.meta,
  };
  await writeFileAtomic(join(dir, `${name}.json`), `${JSON.stringify(json, null, 1)}\n`);
}

/**
 * Loads a checkpoint from `<dir>/<name>.json` (or a path to the .json file itself), verifying the
 * tensor file's hash.
 */
export async function loadCheckpoint<Meta>(dirOrJson: string, name = "last"): Promise<CheckpointData<Meta>> {
  const jsonPath = dirOrJson.endsWith(".json") ? dirOrJson : join(dirOrJson, `${name}.json`);
  let json: CheckpointJson<Meta>;
  try {
    json = JSON.parse(await readFile(jsonPath, "utf8"));
  } catch (e) {
    throw new Error(`loadCheckpoint: cannot read ${jsonPath}: ${(e as Error).message}`);
  }
  if (json.format !== "qkv-checkpoint" || json.version !== 1) {
    throw new Error(
      `loadCheckpoint: ${jsonPath} is not a qkv checkpoint (format ${JSON.stringify(json.format)})`,
    );
  }
  const tensorPath = join(jsonPath, "..", json.tensors);
  const bytes = new Uint8Array(await readFile(tensorPath));
  const hash = createHash("sha256").update(bytes).digest("hex");
  if (hash !== json.sha256) {
    throw new Error(
      `loadCheckpoint: ${tensorPath} is corrupt or does not belong to ${jsonPath} (sha256 ${hash.slice(0, 12)}… ≠ ${json.sha256.slice(0, 12)}…)`,
    );
  }
  const { tensors } = decodeSafetensors(bytes);
  const model: Record<string, Tensor> = {};
  const optimizer: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(tensors)) {
    if (k.startsWith(OPTIM_PREFIX)) optimizer[k.slice(OPTIM_PREFIX.length)] = t;
    else model[k] = t;
  }
  return { model, optimizer, meta: json.meta };
}
