/**
 * What the `qkv` commands' actions share at run time: choosing the kernel backend, checking and loading a
 * checkpoint folder, and printing JSON (reporting a failure is src/cli/action.ts).
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

// Modules, not the package's index files, so a command loads only what it uses.
import { tokenizersOf } from "../checkpoint/format.js";
import { initBackend, setBackend } from "../kernels/index.js";
import type { TranslationModel } from "../models/registry.js";
import { loadModel } from "../train/load-model.js";
import type { CheckpointMeta } from "../train/trainer.js";
import { resolveModelName } from "./model-names.js";

/** Picks the kernel backend: "auto" = the fastest that loads (`initBackend`), else the one named. */
export async function chooseBackend(name: string): Promise<void> {
  if (name === "auto") await initBackend();
  else await setBackend(name);
}

/** Prints a JSON document on stdout (2-space indent). */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Terminal map width: the terminal's, when there is one (else the library's default). */
export const mapWidth = (): number | undefined => (process.stdout.isTTY ? process.stdout.columns : undefined);

/** `--model`'s value (a path, or a bundled model's name: model-names.ts), checked to be a checkpoint
 * folder holding `<which>.json` (or a checkpoint's .json file); returns the folder's path. */
export function checkpointDir(value: string, which: string): string {
  const path = resolveModelName(value);
  if (!existsSync(path))
    throw new Error(`no model at ${path} (expected a folder with best.json / last.json)`);
  if (!path.endsWith(".json")) {
    if (!statSync(path).isDirectory())
      throw new Error(
        `${path} is a file, not a checkpoint folder (expected a folder with best.json / last.json)`,
      );
    if (!existsSync(join(path, `${which}.json`)))
      throw new Error(
        `${path} is not a checkpoint folder: it has no ${which}.json (qkv train writes best.json / last.json)`,
      );
  }
  return path;
}

export interface Loaded {
  model: TranslationModel;
  meta: CheckpointMeta;
  tokenize: (s: string) => string[];
  detokenize: (t: string[]) => string;
  /** Output tokens → the words metrics count (BPE pieces → words). */
  words: (t: string[]) => string[];
}

/** Loads checkpoint `which` of the folder at `path`, with its tokenizers. */
export async function load(path: string, which: string): Promise<Loaded> {
  const { model, meta } = await loadModel(checkpointDir(path, which), which);
  const { srcTokenizer, tgtTokenizer } = tokenizersOf(meta);
  return {
    model,
    meta,
    tokenize: (s) => srcTokenizer.tokenize(s),
    detokenize: (t) => tgtTokenizer.detokenize(t),
    words: (t) => tgtTokenizer.words(t),
  };
}
