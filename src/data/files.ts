/**
 * The data sets on disk (Node only): SCAN and Tatoeba files read from the data directory
 * (`--data`, `$QKV_DATA_DIR` or ../shared/data; see paths.ts). Parsing is in scan.ts and tatoeba.ts,
 * which run anywhere.
 */
import { join } from "node:path";
import { readTextFile } from "./lines.js";
import { dataDir } from "./paths.js";
import { parseScan, SCAN_SPLITS, type ScanExample, type ScanPart, type ScanSplit } from "./scan.js";
import {
  parseTatoeba,
  TATOEBA_CREDIT,
  type TatoebaLang,
  type TatoebaPair,
  type TatoebaParseOptions,
} from "./tatoeba.js";

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

/** Reads one manythings/Tatoeba file. */
export function readTatoebaFile(file: string, options: TatoebaParseOptions = {}): TatoebaPair[] {
  return parseTatoeba(readTextFile(file), file, options);
}

/** Path of a Tatoeba file: `<data>/tatoeba-eng-<lang>/<lang>.txt`. */
export function tatoebaPath(lang: TatoebaLang, dir?: string): string {
  if (lang !== "hin" && lang !== "fra" && lang !== "deu") throw new Error(`Unknown Tatoeba language ${lang}`);
  return join(dataDir(dir), `tatoeba-eng-${lang}`, `${lang}.txt`);
}

/**
 * Loads English→`lang` pairs (or `lang`→English with `reverse`). Pairs from files without an attribution
 * column get `TATOEBA_CREDIT` as their attribution.
 */
export function loadTatoeba(
  lang: TatoebaLang,
  dir?: string,
  options: Omit<TatoebaParseOptions, "defaultAttribution"> = {},
): TatoebaPair[] {
  return readTatoebaFile(tatoebaPath(lang, dir), { ...options, defaultAttribution: TATOEBA_CREDIT });
}
