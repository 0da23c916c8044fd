/**
 * What the `qkv` commands share at run time: choosing the kernel backend, reporting a failure
 * (`qkv <command>: message` on stderr, exit status 1), checking and loading a checkpoint folder, and
 * printing JSON.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

import { initBackend, setBackend, type TranslationModel } from "../index.js";
import { type CheckpointMeta, loadModel, tokenizersOf } from "../node.js";

/** Picks the kernel backend: "auto" = the fastest that loads (`initBackend`), else the one named. */
export async function chooseBackend(name: string): Promise<void> {
  if (name === "auto") await initBackend();
  else await setBackend(name);
}

/** Prints `qkv <cmd>: <message>` on stderr and exits with status 1. */
export function fail(cmd: string, e: unknown): never {
  process.stderr.write(`qkv ${cmd}: ${(e as Error).message}\n`);
  process.exit(1);
}

/** A command's action with its errors reported by `fail(cmd, …)`. */
export function action<A extends unknown[]>(
  cmd: string,
  run: (...args: A) => Promise<void> | void,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (e) {
      fail(cmd, e);
    }
  };
}

/** Prints a JSON document on stdout (2-space indent). */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Terminal map width: the terminal's, when there is one (else the library's default). */
export const mapWidth = (): number | undefined => (process.stdout.isTTY ? process.stdout.columns : undefined);

/** `path`, checked to be a checkpoint folder holding `<which>.json` (or a checkpoint's .json file). */
export function checkpointDir(path: string, which: string): string {
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
