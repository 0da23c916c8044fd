/**
 * Reader for the SCAN data set of Lake & Baroni (2018), "Generalization without systematicity: On the
 * compositional skills of sequence-to-sequence recurrent networks" (ICML 2018).
 *
 * Each line of a SCAN file is `IN: <command words> OUT: <action words>`, e.g.
 * `IN: jump twice OUT: I_JUMP I_JUMP`. Files are read from `<data dir>/scan/tasks_<part>_<split>.txt`
 * (the file names of the brendenlake/SCAN repository).
 */
import { join } from "node:path";
import { readTextFile, splitLines } from "./lines.js";
import { dataDir } from "./paths.js";

/** One SCAN pair: command words and action words. */
export interface ScanExample {
  source: string[];
  target: string[];
}

export type ScanSplit = "simple" | "length" | "addprim_jump";
export type ScanPart = "train" | "test";

export const SCAN_SPLITS: readonly ScanSplit[] = ["simple", "length", "addprim_jump"];

const LINE_RE = /^IN:\s+(.*?)\s+OUT:\s+(.*?)\s*$/;

/**
 * Parses SCAN text. `file` is only used in error messages: a malformed line throws
 * `<file>:<line>: ...` with the 1-based line number and the offending text.
 */
export function parseScan(text: string, file = "<SCAN text>"): ScanExample[] {
  const out: ScanExample[] = [];
  splitLines(text).forEach((line, i) => {
    const m = LINE_RE.exec(line);
    const source = m ? m[1].split(/\s+/).filter(Boolean) : [];
    const target = m ? m[2].split(/\s+/).filter(Boolean) : [];
    if (!m || source.length === 0 || target.length === 0) {
      const shown = line.length > 80 ? `${line.slice(0, 80)}...` : line;
      throw new Error(
        `${file}:${i + 1}: not a SCAN line (expected "IN: <command> OUT: <actions>"): ${JSON.stringify(shown)}`,
      );
    }
    out.push({ source, target });
  });
  return out;
}

/** Reads one SCAN file. */
export function readScanFile(file: string): ScanExample[] {
  return parseScan(readTextFile(file), file);
}

/** Path of a SCAN split file, e.g. `scanPath("simple", "train")` → `<data>/scan/tasks_train_simple.txt`. */
export function scanPath(split: ScanSplit, part: ScanPart, dir?: string): string {
  if (!SCAN_SPLITS.includes(split)) throw new Error(`Unknown SCAN split ${JSON.stringify(split)}`);
  if (part !== "train" && part !== "test") throw new Error(`Unknown SCAN part ${JSON.stringify(part)}`);
  return join(dataDir(dir), "scan", `tasks_${part}_${split}.txt`);
}

/** Loads a SCAN split ("simple" | "length" | "addprim_jump") and part ("train" | "test"). */
export function loadScan(split: ScanSplit, part: ScanPart, dir?: string): ScanExample[] {
  return readScanFile(scanPath(split, part, dir));
}
