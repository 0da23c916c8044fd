/**
 * What the bench scripts (train-speed, reversal-speed, transformer-train-speed) share: their
 * `--name value` options and the section of a document each rewrites between its two markers.
 */
import { readFileSync, writeFileSync } from "node:fs";

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
