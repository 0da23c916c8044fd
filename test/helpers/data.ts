import { hasDataset } from "../../src/data/paths.js";

/**
 * True when `../shared/data/<name>` (or `$QKV_DATA_DIR/<name>`) exists. When it does not, prints a
 * clear line saying which tests are skipped and why, so a skip is never silent.
 */
export function requireDataset(name: string): boolean {
  const ok = hasDataset(name);
  if (!ok) {
    console.warn(
      `SKIPPED: tests that need the data set "${name}" (not found; set QKV_DATA_DIR or place ../shared/data beside the repo)`,
    );
  }
  return ok;
}
