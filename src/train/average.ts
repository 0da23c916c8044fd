/**
 * Checkpoint averaging (OpenNMT-py `average_models.py`, fairseq `average_checkpoints.py`): the
 * element-wise mean of the weights of n checkpoints of one architecture and vocabulary,
 *
 *     θ̄ = (1/n) Σ_k θ_k        (summed in float64, rounded once to float32)
 *
 * written as a normal model folder (`best.json` + its weights, saved atomically by the checkpoint
 * writer) that `translate`, `eval` and `attend` load. Checkpoints of another kind, model
 * configuration, vocabulary or tokenizer, or whose tensors differ in names or shapes, are refused,
 * naming both folders and the first difference. The sources are `--models DIR…` (each folder's
 * `best`, or the checkpoint named) or the last N `epoch-<n>` checkpoints of one run trained with
 * `keepLastEpochs` (the trainer otherwise keeps only `last` and `best`).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { lockDir } from "../io/lock.js";
import { type Tensor, tensor } from "../tensor/index.js";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { validateCheckpointMetaHere } from "./load-model.js";
import { type CheckpointMeta, epochCheckpoints } from "./trainer.js";

/** One checkpoint to average: a folder and the checkpoint's name in it. */
export interface CheckpointRef {
  dir: string;
  name: string;
}

export interface AverageResult {
  /** What was averaged, in order. */
  sources: CheckpointRef[];
  out: string;
  tensors: number;
  parameters: number;
}

/** The newest `n` `epoch-<k>` checkpoints of a run folder (refused when it holds fewer). */
export function lastEpochCheckpoints(dir: string, n: number): CheckpointRef[] {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`average: --last must be an integer ≥ 1, got ${n}`);
  const found = epochCheckpoints(dir);
  if (found.length < n) {
    throw new Error(
      `average: --last ${n}: ${dir} holds ${found.length} epoch checkpoint(s)` +
        (found.length ? ` (${found.map((c) => c.name).join(", ")})` : "") +
        "; train with --keep-last-epochs N to keep them (the trainer otherwise keeps only last and best), or give folders with --models",
    );
  }
  return found.slice(-n).map((c) => ({ dir, name: c.name }));
}

const where = (r: CheckpointRef) => join(r.dir, `${r.name}.json`);

/** The model-defining fields of a checkpoint's meta that must agree (dropout only acts in training). */
function identity(m: CheckpointMeta): [string, unknown][] {
  const { dropout: _d, ...config } = (m.config ?? {}) as unknown as Record<string, unknown>;
  return [
    ["kind", m.kind ?? "seq2seq"],
    ["srcVocab", m.srcVocab],
    ["tgtVocab", m.tgtVocab],
    ["srcTokenizer", m.srcTokenizer ?? null],
    ["tgtTokenizer", m.tgtTokenizer ?? null],
    ...Object.keys({ ...config })
      .sort()
      .map((k): [string, unknown] => [`config.${k}`, config[k]]),
  ];
}

/**
 * Averages the checkpoints `sources` into `<out>/best` (see the file comment). `out` must not hold a
 * `best` checkpoint unless `overwrite`, and must not be one of the source folders.
 */
export async function averageCheckpoints(
  sources: readonly CheckpointRef[],
  out: string,
  { overwrite = false }: { overwrite?: boolean } = {},
): Promise<AverageResult> {
  if (sources.length < 2) {
    throw new Error(`average: give at least 2 checkpoints to average, got ${sources.length}`);
  }
  if (sources.some((s) => resolve(s.dir) === resolve(out))) {
    throw new Error(`average: --out ${out} is one of the --models folders; write the average elsewhere`);
  }
  const loaded = [];
  for (const s of sources) {
    const ck = await loadCheckpoint<CheckpointMeta>(s.dir, s.name);
    validateCheckpointMetaHere(ck.meta, where(s));
    loaded.push({ ref: s, ...ck });
  }
  const first = loaded[0];
  const firstId = new Map(identity(first.meta));
  const names = Object.keys(first.model).sort();
  for (const other of loaded.slice(1)) {
    const pair = `${where(first.ref)} and ${where(other.ref)}`;
    const otherId = new Map(identity(other.meta));
    for (const key of new Set([...firstId.keys(), ...otherId.keys()])) {
      if (JSON.stringify(firstId.get(key)) !== JSON.stringify(otherId.get(key))) {
        throw new Error(
          `average: ${pair} are not the same model: ${key} differs (${JSON.stringify(firstId.get(key))?.slice(0, 60)} vs ${JSON.stringify(otherId.get(key))?.slice(0, 60)}); only checkpoints of one architecture and vocabulary can be averaged`,
        );
      }
    }
    const otherNames = Object.keys(other.model).sort();
    const missing = names.find((n) => !(n in other.model)) ?? otherNames.find((n) => !(n in first.model));
    if (missing !== undefined) {
      throw new Error(`average: ${pair} differ: tensor "${missing}" is in one and not the other`);
    }
    for (const n of names) {
      const [a, b] = [first.model[n].shape, other.model[n].shape];
      if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
        throw new Error(
          `average: ${pair} differ: tensor "${n}" has shape [${a.join(", ")}] vs [${b.join(", ")}]`,
        );
      }
    }
  }
  const mean: Record<string, Tensor> = Object.create(null);
  let parameters = 0;
  for (const n of names) {
    const size = first.model[n].data.length;
    const acc = new Float64Array(size);
    for (const ck of loaded) {
      const d = ck.model[n].data;
      for (let i = 0; i < size; i++) acc[i] += d[i];
    }
    const avg = new Float32Array(size);
    for (let i = 0; i < size; i++) avg[i] = acc[i] / loaded.length;
    mean[n] = tensor(avg, [...first.model[n].shape]);
    parameters += size;
  }
  const lock = await lockDir(out, "average");
  try {
    if (existsSync(join(out, "best.json")) && !overwrite) {
      throw new Error(
        `average: ${out} already holds a checkpoint (best.json); pass --overwrite to replace it`,
      );
    }
    lock.check();
    const meta: CheckpointMeta & { averagedFrom: { checkpoint: string; epoch: number }[] } = {
      ...first.meta,
      optimizer: { paramGroups: [], scalars: {} },
      averagedFrom: loaded.map((c) => ({ checkpoint: where(c.ref), epoch: c.meta.epoch })),
    };
    await saveCheckpoint(out, "best", { model: mean, meta });
  } finally {
    await lock.release();
  }
  return { sources: [...sources], out, tensors: names.length, parameters };
}
