/**
 * Reader for the SCAN data set of Lake & Baroni (2018), "Generalization without systematicity: On the
 * compositional skills of sequence-to-sequence recurrent networks" (ICML 2018).
 *
 * Each line of a SCAN file is `IN: <command words> OUT: <action words>`, e.g.
 * `IN: jump twice OUT: I_JUMP I_JUMP`. The files (`<data dir>/scan/tasks_<part>_<split>.txt`, the names
 * of the brendenlake/SCAN repository) are read by `loadScan` in files.ts (Node only).
 */
import { splitLines } from "./split-lines.js";

/** One SCAN pair: command words and action words. */
export interface ScanExample {
  source: string[];
  target: string[];
}

/** The SCAN splits (Lake & Baroni 2018) qkv reads. */
export type ScanSplit = "simple" | "length" | "addprim_jump";
/** A split's train or test half. */
export type ScanPart = "train" | "test";

/** Every `ScanSplit`. */
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
