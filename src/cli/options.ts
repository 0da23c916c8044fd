/**
 * The options several `qkv` commands share, each declared once here, and the number parsers every
 * numeric option of the command line goes through (each message names its flag). A command adds them
 * with `cmd.addOption(backendOption())` etc.; only the help text of `--json` and `--model` differs per
 * command.
 */
import { InvalidArgumentError, Option } from "commander";

/** The value as a number: NaN for an empty or blank string (which `Number` would read as 0). */
const toNumber = (v: string): number => (v.trim() === "" ? Number.NaN : Number(v));

/**
 * Integers in [min, max], e.g. `int("--epochs", 1)`; the message names the flag and the range:
 * `--beam must be between 1 and 100, got 0`.
 */
export const int =
  (name: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  (v: string): number => {
    const n = toNumber(v);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${v}"`);
    if (n < min || n > max) {
      throw new InvalidArgumentError(
        `${name} must be ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `between ${min} and ${max}`}, got ${n}`,
      );
    }
    return n;
  };

/** The ranges `num` checks: > 0, ≥ 0, [0, 1) or (0, 1). */
export type NumRule = ">0" | ">=0" | "[0,1)" | "(0,1)";

const RULES: Record<NumRule, { ok: (n: number) => boolean; want: string }> = {
  ">0": { ok: (n) => n > 0, want: "> 0" },
  ">=0": { ok: (n) => n >= 0, want: "≥ 0" },
  "[0,1)": { ok: (n) => n >= 0 && n < 1, want: "in [0, 1)" },
  "(0,1)": { ok: (n) => n > 0 && n < 1, want: "in (0, 1)" },
};

/** Finite numbers in a range, e.g. `num("--lr", ">0")`: `--lr must be > 0, got 0`. */
export const num = (name: string, rule: NumRule) => (v: string) => {
  const n = toNumber(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
  if (!RULES[rule].ok(n)) throw new InvalidArgumentError(`${name} must be ${RULES[rule].want}, got ${n}`);
  return n;
};

/** `qkv align --layer` / `--head`: a non-negative integer or "mean" (`--layer` also "alignment"). */
export const indexOrMean = (name: string) => (v: string) => {
  if (v === "mean") return "mean" as const;
  if (v === "alignment" && name === "--layer") return "alignment" as const;
  const n = toNumber(v);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgumentError(`${name} must be a non-negative integer or "mean", got "${v}"`);
  return n;
};

/** Largest beam: each step decodes beam × batch rows; beyond this the search only gets slower. */
export const MAX_BEAM = 100;

/** `--backend <name>` (default auto). Checked when the command runs (`chooseBackend`), not here. */
export const backendOption = () =>
  new Option(
    "--backend <name>",
    "kernel backend: auto (the fastest that loads: native, else wasm, else reference), native, wasm or reference",
  ).default("auto");

/** `--checkpoint <name>`: which checkpoint of the model folder (default best). */
export const checkpointOption = () => new Option("--checkpoint <name>", "best or last").default("best");

/** `--json`: stdout holds one JSON document (`what` says what it holds). */
export const jsonOption = (what = "print the result as JSON") => new Option("--json", what);

/** `--model <dir>`, a checkpoint folder; mandatory unless `optional`. */
export const modelOption = (what = "checkpoint folder", optional = false) => {
  const o = new Option("--model <dir>", what);
  return optional ? o : o.makeOptionMandatory();
};

/** `--threads <n>`: kernel threads. */
export const threadsOption = () =>
  new Option("--threads <n>", "kernel threads (default: every core)").argParser(int("--threads", 1));

/** `--beam <n>`: beam size, 1 (greedy) to MAX_BEAM. */
export const beamOption = () =>
  new Option("--beam <n>", "beam size (1 = greedy)").argParser(int("--beam", 1, MAX_BEAM)).default(1);

/** `--data <dir>`: the data folder. */
export const dataOption = (what = "data folder") => new Option("--data <dir>", what);

/** `--color <mode>` of the terminal heatmaps (default: truecolor on a terminal, else none). */
export const colorOption = () =>
  new Option("--color <mode>", "heatmap colours").choices(["truecolor", "256", "none"]);

/** `--pieces`: label maps with the model's subword pieces instead of words. */
export const piecesOption = (what: string) => new Option("--pieces", what);
