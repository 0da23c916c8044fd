/**
 * Shared text-file helpers for the data readers: read a UTF-8 file with an error that names the file
 * (and how the data directory is found), and split text into lines (LF or CRLF, a final newline
 * optional, a leading byte-order mark dropped).
 */
import { readFileSync } from "node:fs";

/** Reads `file` as UTF-8; a missing file gives an error naming it and the data-directory settings. */
export function readTextFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new Error(
        `Data file not found: ${file} (the data directory is --data, else $QKV_DATA_DIR, else ../shared/data beside the package)`,
      );
    }
    throw err;
  }
}

/** Splits text into lines: LF or CRLF endings, the empty string after a final newline dropped, BOM removed. */
export function splitLines(text: string): string[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}
