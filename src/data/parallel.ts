/**
 * Readers for plain parallel text: two files, one sentence per line, line i of the first file
 * translating line i of the second (the layout of Europarl, WMT and the Hansards alignment sets), or
 * one tab-separated file, `source<TAB>target` per line. LF or CRLF endings; a final newline is
 * optional. Lines are kept as they are (no trimming), since some corpora are pre-tokenised and
 * whitespace may matter to the caller.
 */
import { readTextFile, splitLines } from "./lines.js";

export interface ParallelPair {
  source: string;
  target: string;
}

/**
 * Checks that two line lists are aligned; otherwise throws an error naming both files, both line
 * counts and the first line that has no partner (the first line where the counts differ).
 */
export function checkAligned(
  aFile: string,
  a: readonly string[],
  bFile: string,
  b: readonly string[],
  what = "Parallel files",
): void {
  if (a.length === b.length) return;
  const [longFile, shortFile, shortCount] =
    a.length > b.length ? [aFile, bFile, b.length] : [bFile, aFile, a.length];
  throw new Error(
    `${what} differ in line count: ${aFile} has ${a.length} lines, ${bFile} has ${b.length} lines; ` +
      `line ${shortCount + 1} of ${longFile} is the first without a partner in ${shortFile}`,
  );
}

/**
 * Reads `sourceFile` and `targetFile` as aligned lines. Throws an error naming both files, both line
 * counts and the first line without a partner when the counts differ.
 */
export function readParallel(sourceFile: string, targetFile: string): ParallelPair[] {
  const src = splitLines(readTextFile(sourceFile));
  const tgt = splitLines(readTextFile(targetFile));
  checkAligned(sourceFile, src, targetFile, tgt);
  return src.map((source, i) => ({ source, target: tgt[i] }));
}

/**
 * Reads a tab-separated file of pairs, `source<TAB>target` per line. Empty lines are skipped; a line
 * without exactly one tab is an error naming the file and the line.
 */
export function readParallelTsv(file: string): ParallelPair[] {
  const out: ParallelPair[] = [];
  splitLines(readTextFile(file)).forEach((line, i) => {
    if (line.trim() === "") return;
    const parts = line.split("\t");
    if (parts.length !== 2) {
      const got = parts.length === 1 ? "no tab" : `${parts.length - 1} tabs`;
      throw new Error(
        `${file} line ${i + 1}: expected source<TAB>target (exactly one tab), found ${got}: ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    out.push({ source: parts[0], target: parts[1] });
  });
  return out;
}
