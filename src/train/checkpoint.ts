/**
 * Checkpoints: model (and optimizer) tensors in one safetensors file plus a JSON file with the
 * configuration, vocabularies, training state and the SHA-256 of the tensor file.
 *
 * A save is atomic as a whole. The tensors go to a content-addressed file `<name>.<sha256>.safetensors`
 * (a new name for new weights, so the file the current JSON names is never touched); then
 * `<name>.json` — which names that file and its hash — is renamed into place. That rename is the one
 * commit point: a kill before it leaves the old JSON naming the old, untouched weights; a kill after it
 * leaves the new pair. Then `<name>.safetensors` is pointed at the new weights (a hard link: a stable
 * name for tools that want "the weights", never read by `loadCheckpoint`), and weight files no JSON
 * names any more, and temporary files of an interrupted save, are deleted — by this save or, after a
 * kill, by `cleanCheckpointDir` on the next run.
 *
 * Readers never fail because a save runs (another process loading `last` while training saves): the
 * new JSON also names, as `previous`, the weights of the JSON it replaced, and those are kept until the
 * next save — so a reader who read the old JSON just before the rename still finds its weights. Only
 * the generation before that is deleted; a reader slower than two saves finds its file gone
 * (ENOENT) and reads the JSON again (a few times at most), which now names weights that exist.
 *
 * On load nothing in the JSON is trusted: it is read with a size bound, checked field by field, its
 * `tensors` must name a plain file inside the folder (no path, no symbolic link, no device), that file
 * is read with a size bound from its own header, and its hash must match before it is decoded.
 *
 * Layout of a run folder: `last.json` (every save, with optimizer state) and `best.json` (when the
 * validation score improves), each with its `<name>.<sha256>.safetensors` and `<name>.safetensors`.
 */
import { createHash, randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { link, open, readdir, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import {
  decodeSafetensors,
  encodeSafetensors,
  FLOAT_DTYPES,
  type SafetensorsFile,
} from "../io/safetensors.js";
import { readSafetensorsBytes } from "../io/safetensors-file.js";
import type { Tensor } from "../tensor/index.js";

const OPTIM_PREFIX = "__optim__.";

/** Largest checkpoint JSON read (vocabularies and history; far above any real one). */
export const MAX_CHECKPOINT_JSON_BYTES = 256 * 2 ** 20;

/**
 * For tests only: milliseconds to pause at each step of a save (after the weights are written, after
 * the JSON is renamed), announcing each pause on stderr as `qkv-test: checkpoint <name> <step>` — so a
 * test can SIGKILL a training inside the save window.
 */
export const SAVE_DELAY_ENV = "QKV_TEST_CHECKPOINT_DELAY_MS";

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
  /**
   * The weights file the JSON this one replaced named (housekeeping only, never read by a load): kept
   * on disk for one more generation, so a reader who read the old JSON still finds its weights.
   */
  previous?: string;
  meta: Meta;
}

const NAME_RE = /^[A-Za-z0-9_-]+$/;
const WEIGHTS_RE = /^([A-Za-z0-9_-]+)\.[0-9a-f]{64}\.safetensors$/;
/** Temporary files of writeFileAtomic (`.<file>.<pid>.<hex>.tmp`) and of the folder lock. */
const TMP_RE = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** True when a process with this id exists (EPERM: it exists but belongs to another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function checkName(fn: string, name: string): void {
  if (!NAME_RE.test(name)) {
    throw new Error(
      `${fn}: checkpoint name must be letters, digits, "_" or "-" (e.g. best, last), got ${JSON.stringify(name)}`,
    );
  }
}

async function testPause(name: string, step: string): Promise<void> {
  const ms = Number(process.env[SAVE_DELAY_ENV]);
  if (!(ms > 0)) return;
  process.stderr.write(`qkv-test: checkpoint ${name} ${step}\n`);
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Saves checkpoint `name` in `dir`: `<name>.<sha256>.safetensors`, then `<name>.json` (the commit
 * point), then the `<name>.safetensors` link and the removal of weights no checkpoint names.
 */
export async function saveCheckpoint<Meta>(
  dir: string,
  name: string,
  data: CheckpointData<Meta>,
): Promise<void> {
  checkName("saveCheckpoint", name);
  const all: Record<string, Tensor> = Object.create(null);
  for (const [k, t] of Object.entries(data.model)) all[k] = t;
  for (const [k, t] of Object.entries(data.optimizer ?? {})) all[OPTIM_PREFIX + k] = t;
  const bytes = encodeSafetensors(all, { format: "pt", producer: "qkv" });
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const tensors = `${name}.${sha256}.safetensors`;
  // What the JSON about to be replaced names: kept one more generation (see the file comment).
  const before = (await referencedWeights(dir, [`${name}.json`]).catch(() => new Map())).get(name);
  await writeFileAtomic(join(dir, tensors), bytes);
  await testPause(name, "weights-written");
  const json: CheckpointJson<Meta> = {
    format: "qkv-checkpoint",
    version: 1,
    tensors,
    sha256,
    ...(before?.tensors && before.tensors !== tensors ? { previous: before.tensors } : {}),
    meta: data.meta,
  };
  await writeFileAtomic(join(dir, `${name}.json`), `${JSON.stringify(json, null, 1)}\n`);
  await testPause(name, "json-renamed");
  await linkAlias(dir, name, tensors);
  await removeUnreferenced(dir);
}

/** Points `<name>.safetensors` at `target` (same folder) by a hard link renamed into place. */
async function linkAlias(dir: string, name: string, target: string): Promise<void> {
  const alias = join(dir, `${name}.safetensors`);
  if (target === `${name}.safetensors`) return;
  const tmp = join(dir, `.${name}.safetensors.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await link(join(dir, target), tmp);
    await rename(tmp, alias);
  } catch {
    // No hard links here: drop the alias rather than leave one naming other weights.
    await rm(tmp, { force: true });
    await rm(alias, { force: true });
  }
}

/**
 * Reads the `tensors` (and `previous`) fields of every checkpoint JSON in `dir` (lenient: for
 * housekeeping only).
 */
async function referencedWeights(
  dir: string,
  entries: string[],
): Promise<Map<string, { tensors: string; previous?: string }>> {
  const refs = new Map<string, { tensors: string; previous?: string }>(); // checkpoint name → files
  for (const f of entries) {
    if (!f.endsWith(".json") || !NAME_RE.test(f.slice(0, -5))) continue;
    try {
      const st = await stat(join(dir, f));
      if (!st.isFile() || st.size > MAX_CHECKPOINT_JSON_BYTES) continue;
      const j = JSON.parse(await readFile(join(dir, f), "utf8")) as {
        format?: unknown;
        tensors?: unknown;
        previous?: unknown;
      };
      if (j?.format === "qkv-checkpoint" && typeof j.tensors === "string") {
        const previous = typeof j.previous === "string" ? j.previous : undefined;
        refs.set(f.slice(0, -5), { tensors: j.tensors, previous });
      }
    } catch {
      // not a checkpoint JSON
    }
  }
  return refs;
}

/**
 * Deletes content-addressed weights that no checkpoint JSON names — neither as its `tensors` nor as
 * its `previous` (the generation before, kept for readers who read the JSON before it was replaced).
 */
async function removeUnreferenced(dir: string): Promise<string[]> {
  const entries = await readdir(dir);
  const refs = new Set<string>();
  for (const { tensors, previous } of (await referencedWeights(dir, entries)).values()) {
    refs.add(tensors);
    if (previous) refs.add(previous);
  }
  const removed: string[] = [];
  for (const f of entries) {
    if (WEIGHTS_RE.test(f) && !refs.has(f)) {
      await unlink(join(dir, f)).catch(() => {});
      removed.push(f);
    }
  }
  return removed;
}

/**
 * Tidies a checkpoint folder after an interrupted run (call it holding the folder's lock): deletes
 * temporary files of unfinished writes, content-addressed weights no checkpoint JSON names, and
 * re-points each `<name>.safetensors` link at the weights its JSON names. Returns the removed files.
 */
export async function cleanCheckpointDir(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const f of entries) {
    const m = TMP_RE.exec(f);
    // A temporary file of a process still running (a lock being taken) is not a leftover.
    if (m && (Number(m[1]) === process.pid || !processAlive(Number(m[1])))) {
      await rm(join(dir, f), { force: true });
      removed.push(f);
    }
  }
  for (const [name, { tensors: target }] of await referencedWeights(dir, entries)) {
    if (!WEIGHTS_RE.test(target)) continue;
    try {
      const [a, b] = await Promise.all([stat(join(dir, `${name}.safetensors`)), stat(join(dir, target))]);
      if (a.ino === b.ino && a.dev === b.dev) continue;
    } catch {
      // alias missing (or weights missing: linkAlias then drops the alias)
    }
    await linkAlias(dir, name, target);
  }
  removed.push(...(await removeUnreferenced(dir)));
  return removed;
}

/** Deletes checkpoint `name` (its JSON first, so no JSON ever names missing weights). */
export async function deleteCheckpoint(dir: string, name: string): Promise<void> {
  checkName("deleteCheckpoint", name);
  await rm(join(dir, `${name}.json`), { force: true });
  await rm(join(dir, `${name}.safetensors`), { force: true });
  await removeUnreferenced(dir).catch(() => {});
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "missing";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v).slice(0, 80)}`;
}

/**
 * Reads a checkpoint JSON with a size bound; only a regular file, never a symbolic link (its weights
 * are looked up beside it, so a `best.json` linking out of the folder would pair a foreign JSON with
 * whatever weights sit here). `__proto__` keys are refused.
 */
async function readJsonBounded(fn: string, path: string): Promise<unknown> {
  let text: string;
  try {
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ELOOP") {
        throw new Error("it is a symbolic link; a checkpoint's JSON must be a plain file in its folder");
      }
      throw e;
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new Error(st.isDirectory() ? "it is a folder" : "not a regular file");
      if (st.size > MAX_CHECKPOINT_JSON_BYTES) {
        throw new Error(`${st.size} bytes, more than the limit of ${MAX_CHECKPOINT_JSON_BYTES}`);
      }
      text = new TextDecoder("utf-8", { fatal: true }).decode(await fh.readFile());
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new Error(`${fn}: cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text, (k, v) => {
      if (k === "__proto__") throw new Error(`the key "__proto__" is not allowed`);
      return v;
    });
  } catch (e) {
    throw new Error(`${fn}: ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Loads a checkpoint from `<dir>/<name>.json` (or a path to the .json file itself), verifying
 * everything the JSON says before it is used: see the file comment.
 */
export async function loadCheckpoint<Meta>(dirOrJson: string, name = "last"): Promise<CheckpointData<Meta>> {
  const fn = "loadCheckpoint";
  checkName(fn, name);
  const jsonPath = dirOrJson.endsWith(".json") ? dirOrJson : join(dirOrJson, `${name}.json`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await loadCheckpointOnce<Meta>(fn, jsonPath);
    } catch (e) {
      // The weights the JSON named are gone: saves replaced the JSON twice since it was read (each
      // save keeps one generation back). The JSON now names newer weights: read it again (a few
      // times at most: saves in a tight loop can outpace one read).
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= LOAD_ATTEMPTS) throw e;
    }
  }
}

/** Loads tried when the weights a JSON names vanish under the reader (see `loadCheckpoint`). */
const LOAD_ATTEMPTS = 5;

async function loadCheckpointOnce<Meta>(fn: string, jsonPath: string): Promise<CheckpointData<Meta>> {
  const json = (await readJsonBounded(fn, jsonPath)) as Partial<CheckpointJson<Meta>> | null;
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error(
      `${fn}: ${jsonPath} is not a qkv checkpoint (the JSON is ${describe(json)}, not an object)`,
    );
  }
  if (json.format !== "qkv-checkpoint" || json.version !== 1) {
    throw new Error(
      `${fn}: ${jsonPath} is not a qkv checkpoint (format ${JSON.stringify(json.format)}, version ${JSON.stringify(json.version)})`,
    );
  }
  const bad = (field: string, want: string, got: unknown) =>
    new Error(`${fn}: ${jsonPath}: "${field}" must be ${want}, got ${describe(got)}`);
  const t = json.tensors;
  if (
    typeof t !== "string" ||
    t === "." ||
    t === ".." ||
    t !== basename(t) ||
    /[/\\\0]/.test(t) ||
    !t.endsWith(".safetensors")
  ) {
    throw bad("tensors", "the name of a .safetensors file in the checkpoint's folder (no path)", t);
  }
  if (typeof json.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(json.sha256)) {
    throw bad("sha256", "64 lowercase hex digits", json.sha256);
  }
  if (typeof json.meta !== "object" || json.meta === null || Array.isArray(json.meta)) {
    throw bad("meta", "an object", json.meta);
  }
  const tensorPath = join(dirname(jsonPath), t);
  const bytes = await readSafetensorsBytes(tensorPath, { noFollow: true }).catch(
    (e: NodeJS.ErrnoException) => {
      throw Object.assign(new Error(`${fn}: weights of ${jsonPath}: ${e.message}`), { code: e.code });
    },
  );
  const hash = createHash("sha256").update(bytes).digest("hex");
  if (hash !== json.sha256) {
    throw new Error(
      `${fn}: ${tensorPath} is corrupt or does not belong to ${jsonPath} (sha256 ${hash.slice(0, 12)}… ≠ ${json.sha256.slice(0, 12)}…)`,
    );
  }
  let file: SafetensorsFile;
  try {
    file = decodeSafetensors(bytes);
  } catch (e) {
    throw new Error(`${fn}: ${tensorPath}: ${(e as Error).message}`);
  }
  for (const [k, dtype] of Object.entries(file.dtypes)) {
    if (!FLOAT_DTYPES.includes(dtype)) {
      throw new Error(
        `${fn}: ${tensorPath}: tensor ${JSON.stringify(k.slice(0, 100))} is stored as ${dtype}; a checkpoint's weights and optimizer state must be floating point (${FLOAT_DTYPES.join(", ")})`,
      );
    }
  }
  const decoded = file.tensors;
  const model: Record<string, Tensor> = Object.create(null);
  const optimizer: Record<string, Tensor> = Object.create(null);
  for (const [k, v] of Object.entries(decoded)) {
    if (k.startsWith(OPTIM_PREFIX)) optimizer[k.slice(OPTIM_PREFIX.length)] = v;
    else model[k] = v;
  }
  return { model, optimizer, meta: json.meta as Meta };
}
