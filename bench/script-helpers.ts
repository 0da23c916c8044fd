/**
 * What the bench scripts (train-speed, reversal-speed, transformer-train-speed) share: their
 * `--name value` options, the section of a document each rewrites between its two markers, and running
 * a PyTorch twin on one thread.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Batch } from "../src/data/index.js";

/** The value after `--name` in argv, or `dflt`. */
export function stringOption(argv: readonly string[], name: string, dflt: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
}

/** `--name N` as an integer ≥ min (`dflt` when absent); anything else is an error naming the option. */
export function intOption(argv: readonly string[], name: string, dflt: number, min: number): number {
  const v = Number(stringOption(argv, name, String(dflt)));
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name}: expected an integer ≥ ${min}, got ${v}`);
  return v;
}

/**
 * Replaces the text from `begin` to `end` (both markers included; `section` carries them) in `file`,
 * or appends `section` when the markers are not there yet.
 */
export function writeSection(file: string, begin: string, end: string, section: string): void {
  const doc = readFileSync(file, "utf8");
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  const next =
    a >= 0 && b > a
      ? doc.slice(0, a) + section + doc.slice(b + end.length)
      : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
}

/**
 * Runs a Python twin (`python script args…`) on one thread — torch's and OpenBLAS's pools held to 1
 * (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS) — and returns the JSON object its last stdout line holds;
 * a failed run is an error with the end of its stderr.
 */
export function runPythonJson(
  python: string,
  script: string,
  args: string[],
  cwd: string,
): Record<string, unknown> {
  const p = spawnSync(python, [script, ...args], {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 << 20,
    env: { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" },
  });
  const line = p.stdout.trim().split("\n").pop() ?? "";
  if (p.status !== 0 || !line.startsWith("{"))
    throw new Error(`PyTorch (${python}): exit ${p.status}: ${p.stderr.trim().slice(-800)}`);
  return JSON.parse(line) as Record<string, unknown>;
}

/** The batches as JSON for a Python twin (B, S, T and the id arrays as numbers; the folder is made). */
export function writeBatchesJson(file: string, batches: readonly Batch[]): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    JSON.stringify(
      batches.map((b) => ({
        B: b.B,
        S: b.S,
        T: b.T,
        src: [...b.src],
        srcLengths: [...b.srcLengths],
        tgtIn: [...b.tgtIn],
        tgtOut: [...b.tgtOut],
      })),
    ),
  );
}
