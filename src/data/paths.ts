/**
 * Where qkv finds the real data sets it does not ship (SCAN, Tatoeba, Hansards, sacreBLEU vectors).
 *
 * Order: an explicit path (the CLI's `--data`), then the `QKV_DATA_DIR` environment variable, then
 * `../shared/data` beside the package root (the layout of a checkout next to the shared folder).
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: the nearest folder above this file that holds a package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Resolves the data directory: `explicit` ?? `$QKV_DATA_DIR` ?? `<package root>/../shared/data`. */
export function dataDir(explicit?: string): string {
  if (explicit) return resolve(explicit);
  const env = process.env.QKV_DATA_DIR;
  if (env) return resolve(env);
  return resolve(packageRoot(), "..", "shared", "data");
}

/** Path of one data set's file, e.g. `dataPath("scan", "tasks_train_simple.txt")`. */
export function dataPath(...parts: string[]): string {
  return join(dataDir(), ...parts);
}

/** True when the named data set folder exists (tests use this to skip, and say so, when it is absent). */
export function hasDataset(name: string, explicit?: string): boolean {
  return existsSync(join(dataDir(explicit), name));
}
