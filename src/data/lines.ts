/**
 * Reading text files for the data readers (Node only): a UTF-8 file with an error that names the file
 * (and how the data directory is found). Splitting text into lines is in split-lines.ts (any platform).
 */
import { readFileSync } from "node:fs";

export { splitLines } from "./split-lines.js";

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
