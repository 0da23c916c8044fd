/**
 * Atomic file writes: write to a temporary file in the same folder, fsync it, then rename over the
 * target (atomic on POSIX file systems), and fsync the folder. Readers see the old file or the new
 * one, never a torn write; a crash mid-save loses nothing that was saved before.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  try {
    const d = await open(dir, "r");
    await d.sync();
    await d.close();
  } catch {
    // Some file systems do not allow fsync on a directory; the rename is still atomic.
  }
}
