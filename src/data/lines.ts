/**
 * Text files for the data readers: read a UTF-8 file with errors that name the file (a
 * missing file also says how the data directory is found; a folder or unreadable path is named; bytes
 * that are not UTF-8 are an error naming the file, line and column — never a silent U+FFFD). Node only;
 * splitting text into lines is in split-lines.ts (any platform).
 */
import { readFileSync } from "node:fs";

export { splitLines } from "./split-lines.js";

import { decodeUtf8 } from "./utf8.js";

/**
 * Reads `file` as UTF-8 text. A missing file gives an error naming it and the data-directory settings;
 * a folder, or any other failure, names the path; invalid UTF-8 names the file and line.
 */
export function readTextFile(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new Error(
        `Data file not found: ${file} (the data directory is --data, else $QKV_DATA_DIR, else ../shared/data beside the package)`,
      );
    }
    if (code === "EISDIR") throw new Error(`${file} is a folder, not a text file`);
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  return decodeUtf8(bytes, file);
}
