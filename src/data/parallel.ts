/**
 * Reader for plain parallel text: two files, one sentence per line, line i of the first file
 * translating line i of the second (the layout of Europarl, WMT and the Hansards alignment sets).
 * LF or CRLF endings; a final newline is optional. Lines are kept as they are (no trimming), since
 * some corpora are pre-tokenised and whitespace may matter to the caller.
 */
import { readTextFile, splitLines } from "./lines.js";

export interface ParallelPair {
  source: string;
  target: string;
}

/**
 * Reads `sourceFile` and `targetFile` as aligned lines. Throws an error naming both files and both line
 * counts when the counts differ.
 */
export function readParallel(sourceFile: string, targetFile: string): ParallelPair[] {
  const src = splitLines(readTextFile(sourceFile));
  const tgt = splitLines(readTextFile(targetFile));
  if (src.length !== tgt.length) {
    throw new Error(
      `Parallel files differ in line count: ${sourceFile} has ${src.length} lines, ${targetFile} has ${tgt.length} lines`,
    );
  }
  return src.map((source, i) => ({ source, target: tgt[i] }));
}
