/**
 * Models by name: `qkv translate --model en-hi` finds the model the package ships (package.json
 * "files": pretrained/en-hi-transformer), wherever the package is installed. A path that exists is
 * always taken as a path; a bare name that is neither a folder nor a bundled model is refused with the
 * names there are. Imports nothing heavy (the `qkv` command's declarations read BUNDLED_MODELS).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The models the package ships: name → folder (relative to the package root) and a line about it. */
export const BUNDLED_MODELS: Readonly<Record<string, { folder: string; about: string }>> = {
  "en-hi": {
    folder: "pretrained/en-hi-transformer",
    about: "English → Hindi Transformer with a latent alignment layer (1.5 M parameters, 7.2 MB)",
  },
};

/** The names, for help texts and messages: `en-hi`. */
export function bundledModelNames(): string {
  return Object.keys(BUNDLED_MODELS).join(", ");
}

/** src/cli or dist/cli → the package root. */
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * What `--model VALUE` names: VALUE itself where it exists (a checkpoint folder or .json file), else
 * the bundled model's folder for a bundled name. A bare name (no slash, not .json) that is neither is
 * refused, listing the bundled names; a missing path is left to the caller's "no model at …" message.
 */
export function resolveModelName(value: string): string {
  if (existsSync(value)) return value;
  const bundled = Object.hasOwn(BUNDLED_MODELS, value) ? BUNDLED_MODELS[value] : undefined;
  if (bundled) {
    const dir = join(packageRoot, bundled.folder);
    if (!existsSync(dir)) {
      throw new Error(
        `--model ${value}: the bundled model's folder ${dir} is missing (a package without it?)`,
      );
    }
    return dir;
  }
  if (!/[\\/]/.test(value) && !value.endsWith(".json")) {
    throw new Error(
      `--model ${value}: no such folder, and no bundled model of that name (bundled: ${bundledModelNames()}; or give a checkpoint folder)`,
    );
  }
  return value;
}
