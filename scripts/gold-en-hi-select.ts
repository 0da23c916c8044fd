/**
 * The seeded selection of the hand-aligned English–Hindi gold sets in `gold/en-hi/` (GitHub issue 16):
 * writes `test.en` / `test.hi`, `dev.en` / `dev.hi` and `lesson.en` / `lesson.hi`. The `.align` files
 * are hand-made and are not touched. Rules, seeds and counts: gold/en-hi/README.md.
 *
 *   npx tsx scripts/gold-en-hi-select.ts [--data DIR] [--out gold/en-hi] [--preview N]
 *
 * - test: the Tatoeba Challenge test set (tatoeba-test-eng-hin, test.en / test.hi) minus every pair whose
 *   English is in tatoeba-eng-hin/hin.txt (`normalizeSentence`, exactly as the task tatoeba-hin-std
 *   filters its test set), one pair per distinct English sentence (the first in file order), English of
 *   3–14 whitespace-separated words; shuffled with mulberry32(TEST_SEED); walked in that order, skipping
 *   the sentences in TEST_REJECTED (each with its reason), until TEST_COUNT pairs are taken.
 * - dev: the same draw over the validation part of tatoeba-hin-std (hin.txt split by
 *   `splitBySource(pairs, { valid: STD_VALID_FRACTION, test: 0, seed: 1 })`), seed DEV_SEED, DEV_COUNT
 *   pairs, skipping DEV_REJECTED.
 * - lesson: the lesson's own pair, "Turn off the lights." ↔ "लाइट बंद करो".
 *
 * Lines are written as in the source data, NFC-normalised (54 lines of test.hi are not NFC in the
 * source: nukta letters written as letter + U+093C). `--preview N` prints the first N candidates of each
 * draw (index in the shuffled order, taken / rejected) instead of writing files.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { loadTatoeba } from "../src/data/files.js";
import { mulberry32, normalizeSentence, shuffleInPlace, splitBySource } from "../src/data/index.js";
import { readParallel } from "../src/data/parallel.js";
import { dataDir } from "../src/data/paths.js";
import { STD_VALID_FRACTION } from "../src/train/tasks.js";

export const TEST_SEED = 16;
export const DEV_SEED = 1016;
export const TEST_COUNT = 120;
export const DEV_COUNT = 30;
export const MIN_WORDS = 3;
export const MAX_WORDS = 14;

/** English sentences of the test draw that were looked at and left out, with the reason. */
export const TEST_REJECTED: Record<string, string> = {
  "Do you have a mop and a bucket?": "mistranslated: झाड़ू is a broom, not a mop",
  "One billion people speak English.": "mistranslated number: सौ अरब is a hundred billion",
};

/** English sentences of the dev draw that were looked at and left out, with the reason. */
export const DEV_REJECTED: Record<string, string> = {
  "His disappointment was obvious to everyone.":
    "ungrammatical Hindi that says something else: सभी आसानी से दिख सकते थे = 'all could easily be seen'",
};

export const LESSON = { en: "Turn off the lights.", hi: "लाइट बंद करो" };

export interface GoldPair {
  en: string;
  hi: string;
}
type Pair = GoldPair;

const words = (s: string): string[] => s.split(/\s+/).filter((w) => w !== "");

/** One pair per distinct (normalised) English sentence, first in order, with 3–14 English words. */
function candidates(pairs: readonly Pair[]): Pair[] {
  const seen = new Set<string>();
  const out: Pair[] = [];
  for (const p of pairs) {
    const key = normalizeSentence(p.en);
    if (seen.has(key)) continue;
    seen.add(key);
    const n = words(p.en).length;
    if (n >= MIN_WORDS && n <= MAX_WORDS) out.push({ en: p.en.normalize("NFC"), hi: p.hi.normalize("NFC") });
  }
  return out;
}

export interface Draw {
  taken: Pair[];
  /** Rejected sentences met before the last taken pair, in draw order. */
  rejected: { en: string; reason: string }[];
  /** How many candidates of the shuffled order were looked at. */
  looked: number;
  candidates: number;
}

function draw(pool: Pair[], seed: number, count: number, rejected: Record<string, string>): Draw {
  const order = shuffleInPlace([...pool], mulberry32(seed));
  const taken: Pair[] = [];
  const rej: { en: string; reason: string }[] = [];
  let looked = 0;
  for (const p of order) {
    if (taken.length === count) break;
    looked++;
    const reason = rejected[p.en];
    if (reason !== undefined) rej.push({ en: p.en, reason });
    else taken.push(p);
  }
  if (taken.length < count) throw new Error(`only ${taken.length} of ${count} pairs available`);
  const unused = Object.keys(rejected).filter((en) => !rej.some((r) => r.en === en));
  if (unused.length > 0) throw new Error(`rejected sentences not met in the draw: ${JSON.stringify(unused)}`);
  return { taken, rejected: rej, looked, candidates: pool.length };
}

/** The two pools: test candidates (not in hin.txt) and dev candidates (validation part of hin.txt). */
export function pools(dir?: string): { test: Pair[]; dev: Pair[] } {
  const root = dataDir(dir);
  const hin = loadTatoeba("hin", dir);
  const seen = new Set(hin.map((p) => normalizeSentence(p.source)));
  const test = readParallel(
    join(root, "tatoeba-test-eng-hin", "test.en"),
    join(root, "tatoeba-test-eng-hin", "test.hi"),
  )
    .filter((p) => !seen.has(normalizeSentence(p.source)))
    .map((p) => ({ en: p.source, hi: p.target }));
  const split = splitBySource(hin, { valid: STD_VALID_FRACTION, test: 0, seed: 1 });
  const dev = split.valid.map((p) => ({ en: p.source, hi: p.target }));
  return { test: candidates(test), dev: candidates(dev) };
}

/** The whole selection: the test and dev draws (with what was rejected) and the lesson pair. */
export function selectGold(dir?: string): { test: Draw; dev: Draw; lesson: GoldPair } {
  const p = pools(dir);
  return {
    test: draw(p.test, TEST_SEED, TEST_COUNT, TEST_REJECTED),
    dev: draw(p.dev, DEV_SEED, DEV_COUNT, DEV_REJECTED),
    lesson: LESSON,
  };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      data: { type: "string" },
      out: { type: "string", default: "gold/en-hi" },
      preview: { type: "string" },
    },
  });
  const { test, dev } = pools(values.data);
  if (values.preview !== undefined) {
    const n = Number(values.preview);
    for (const [name, pool, seed, rejected] of [
      ["test", test, TEST_SEED, TEST_REJECTED],
      ["dev", dev, DEV_SEED, DEV_REJECTED],
    ] as const) {
      const order = shuffleInPlace([...pool], mulberry32(seed));
      console.log(`== ${name}: ${pool.length} candidates, seed ${seed}`);
      order.slice(0, n).forEach((p, i) => {
        const r = rejected[p.en];
        console.log(`${i}\t${r === undefined ? "" : `REJECTED (${r})`}\t${p.en}\t${p.hi}`);
      });
    }
    return;
  }
  const { test: t, dev: d } = selectGold(values.data);
  const out = values.out ?? "gold/en-hi";
  mkdirSync(out, { recursive: true });
  const write = (name: string, ps: readonly Pair[]): void => {
    writeFileSync(join(out, `${name}.en`), `${ps.map((p) => p.en).join("\n")}\n`);
    writeFileSync(join(out, `${name}.hi`), `${ps.map((p) => p.hi).join("\n")}\n`);
  };
  write("test", t.taken);
  write("dev", d.taken);
  write("lesson", [LESSON]);
  for (const [name, x] of [
    ["test", t],
    ["dev", d],
  ] as const) {
    console.log(
      `${name}: ${x.candidates} candidates; looked at the first ${x.looked} of the shuffled order; ` +
        `${x.taken.length} taken, ${x.rejected.length} rejected`,
    );
    for (const r of x.rejected) console.log(`  rejected: ${r.en}  (${r.reason})`);
  }
  console.log(`wrote ${out}/{test,dev,lesson}.{en,hi} (the .align files are hand-made and left alone)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
