/**
 * English–Hindi word pairs from the FreeDict English–Hindi dictionary (Debian's `dict-freedict-eng-hin`,
 * GPL-2.0+, from IIIT Hyderabad's English–Hindi dictionary), as a TSV of training pairs for
 * `qkv train --extra-train` (source⇥target per line). The dictionary is installed, never committed:
 *
 *   apt-get install dict-freedict-eng-hin        # /usr/share/dictd/freedict-eng-hin.dict.dz
 *   npx tsx scripts/freedict-pairs.ts --out runs/freedict-eng-hin.tsv [--data DIR] [--per-word 4]
 *
 * Only headwords whose words all occur in the English side of tatoeba-hin-std's *training* part are kept
 * (so the pairs teach the words the sentences use; nothing is read from the validation or test parts).
 * Each sense's Hindi ("बहुत~ज्यादा", "{…}" notes, "[…]" variants, comma-separated alternatives) becomes
 * plain Hindi words; at most `--per-word` pairs per headword, in the dictionary's order.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { loadTatoeba } from "../src/data/files.js";
import { splitBySource, tokenize } from "../src/data/index.js";
import { STD_VALID_FRACTION } from "../src/train/tasks.js";

const DICT = "/usr/share/dictd/freedict-eng-hin.dict.dz";
const { values } = parseArgs({
  options: {
    out: { type: "string", default: "runs/freedict-eng-hin.tsv" },
    data: { type: "string" },
    dict: { type: "string", default: DICT },
    "per-word": { type: "string", default: "4" },
  },
});
const perWord = Number(values["per-word"]);
if (!Number.isInteger(perWord) || perWord < 1)
  throw new Error(`--per-word must be an integer ≥ 1, got ${values["per-word"]}`);
if (!existsSync(values.dict)) {
  console.error(
    `${values.dict} not found: install Debian's dict-freedict-eng-hin (apt-get install dict-freedict-eng-hin)`,
  );
  process.exit(2);
}

// The training part of tatoeba-hin-std, split exactly as the task splits it (seed 1).
const pairs = loadTatoeba("hin", values.data);
const train = splitBySource(pairs, { valid: STD_VALID_FRACTION, test: 0, seed: 1 }).train;
const known = new Set<string>();
for (const p of train) for (const w of tokenize(p.source, { lowercase: true })) known.add(w);

const DEVANAGARI = /[\u0900-\u097F]/;
/** "1. उकसाना{बुरे~काम~के~लिये}, अति" → ["उकसाना", "अति"]. */
function hindiOf(sense: string): string[] {
  const cleaned = sense
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\([^)]*\)/g, "")
    .replace(/[~_]/g, " ");
  return cleaned
    .split(/[,;/]/)
    .map((s) => s.replace(/\s+/g, " ").trim())
    .filter((s) => s !== "" && DEVANAGARI.test(s) && !/[A-Za-z"]/.test(s));
}

const text = gunzipSync(readFileSync(values.dict)).toString("utf8");
const out = new Map<string, string[]>(); // headword → Hindi strings, in order
let head: string | null = null;
for (const line of text.split("\n")) {
  const h = /^(\S[^/<]*?)\s*(?:\/[^/]*\/)?\s*<[^>]*>\s*$/.exec(line);
  if (h !== null && !line.startsWith(" ")) {
    const word = h[1].trim().toLowerCase();
    const words = tokenize(word, { lowercase: true });
    head = words.length > 0 && words.every((w) => known.has(w)) ? word : null;
    continue;
  }
  const s = /^\s*\d+\.\s*(.*)$/.exec(line);
  if (s === null || head === null) continue;
  const list = out.get(head) ?? [];
  for (const hi of hindiOf(s[1])) if (!list.includes(hi)) list.push(hi);
  out.set(head, list);
}

const lines: string[] = [];
for (const [en, his] of out) for (const hi of his.slice(0, perWord)) lines.push(`${en}\t${hi}`);
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${lines.join("\n")}\n`);
console.error(
  `${values.out}: ${lines.length} pairs for ${out.size} headwords (of ${known.size} training English words; FreeDict eng-hin, GPL-2.0+)`,
);
