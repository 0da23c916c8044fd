/**
 * `qkv align`: word alignment of given sentence pairs, printed in Pharaoh format (one line per pair,
 * `i-j` links, 0-based, i the source word and j the target word, words = the whitespace-separated
 * words of the input lines) — like fairseq's `--print-alignment` and OpenNMT's `-report_align`.
 *
 *   qkv align --model DIR --src FILE --tgt FILE         forced alignment from the model's attention
 *   qkv align --model DIR --tsv FILE --gold FILE        … and AER / precision / recall on stderr
 *   qkv align --method ibm1 --src FILE --tgt FILE       classical aligners (IBM 1, IBM 2, fast_align)
 *
 * `--method attention` (default) runs the model with teacher forcing on the given target
 * (src/align/forced.ts) and links each target word to its highest-attention source word; with
 * `--symmetrize intersect|grow-diag|…` it also links each source word to its highest-weight target word
 * and combines the two directions. A Transformer is read at `--layer N|mean` and `--head N|mean`;
 * without them (and without `--posterior`), at the reading documented in the model folder's
 * `alignment.json` (`{"reading": {"layer": 1, "head": 2, "symmetrize": "intersect"}, "note": "…"}`) when
 * there is one, else the last decoder layer's mean over heads, rows only. `--symmetrize` alone keeps the
 * documented matrix and changes how links are read. `--all-readings` (with `--gold`) scores every
 * reading × `READING_SYMMETRIZATIONS`.
 *
 * The classical methods train on the pairs being aligned plus `--train-tsv FILE` and/or `--train-task
 * NAME` (the raw text of a qkv task's training part) and symmetrise both directions (`--symmetrize`).
 *
 * `--gold FILE`: one line per pair, `i-j` sure and `i?j` possible links (i source word, j target word).
 * The command and its options are declared in align.ts, which loads this file only when it runs.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { trainClassicalAligner } from "../align/index.js";
import * as qkv from "../index.js";
import {
  type AlignmentScores,
  type AlignReading,
  alignmentScores,
  alignReadings,
  type ForcedAlignment,
  forcedAlignReadings,
  isTransformer,
  type PharaohGold,
  parseAlignmentDoc,
  parsePharaohLine,
  pharaoh,
  readingName,
  resolveReading,
  type Symmetrization,
  whitespaceWords,
  withSymmetrizations,
} from "../index.js";
import {
  loadModel,
  loadTask,
  type ParallelPair,
  readParallel,
  readParallelTsv,
  tokenizersOf,
  writeFileAtomic,
} from "../node.js";
import type { AlignMethod } from "./align.js";
import { checkpointDir, chooseBackend } from "./common.js";

/**
 * Reads a Pharaoh gold file for `pairs` (one line per pair): checks the line count and that every
 * link is inside its sentence's words. Errors name the file and the line.
 */
export function readGold(file: string, pairs: readonly { src: string[]; tgt: string[] }[]): PharaohGold[] {
  const lines = readLines(file, "--gold");
  if (lines.length !== pairs.length) {
    throw new Error(
      `--gold ${file} has ${lines.length} lines, but there are ${pairs.length} sentence pairs (one line of links per pair)`,
    );
  }
  return lines.map((line, i) => {
    const where = `--gold ${file} line ${i + 1}`;
    const { src, tgt } = pairs[i];
    const check = (s: number, t: number, token: string) => {
      if (s >= src.length || t >= tgt.length) {
        throw new Error(
          `${where}: link ${token} is beyond the sentence's words (${src.length} source × ${tgt.length} target words; indices are 0-based)`,
        );
      }
    };
    return parsePharaohLine(line, where, { gold: true, expected: "i-j sure or i?j possible", check });
  });
}

/** Lines of a UTF-8 text file (LF or CRLF; a final newline optional), with a clear error if absent. */
function readLines(file: string, option: string): string[] {
  if (!existsSync(file)) throw new Error(`${option} ${file}: no such file`);
  const text = qkv.data.decodeUtf8(readFileSync(file), file);
  return qkv.data.splitLines(text);
}

/** The pairs to align, from --src/--tgt or --tsv. */
function readPairs(o: { src?: string; tgt?: string; tsv?: string }): ParallelPair[] {
  if (o.tsv !== undefined) {
    if (o.src !== undefined || o.tgt !== undefined)
      throw new Error("give --src FILE --tgt FILE or --tsv FILE, not both");
    if (!existsSync(o.tsv)) throw new Error(`--tsv ${o.tsv}: no such file`);
    return readParallelTsv(o.tsv);
  }
  if (o.src === undefined || o.tgt === undefined) {
    throw new Error(
      "give the pairs to align: --src FILE --tgt FILE (aligned lines) or --tsv FILE (source<TAB>target)",
    );
  }
  for (const [opt, f] of [
    ["--src", o.src],
    ["--tgt", o.tgt],
  ] as const) {
    if (!existsSync(f)) throw new Error(`${opt} ${f}: no such file`);
  }
  return readParallel(o.src, o.tgt);
}

/** The reading documented in a model folder's alignment.json, or null when it has none. */
function documentedReading(modelPath: string): { reading: AlignReading; file: string; note?: string } | null {
  const dir = modelPath.endsWith(".json") ? dirname(modelPath) : modelPath;
  const file = join(dir, "alignment.json");
  if (!existsSync(file) || !statSync(file).isFile()) return null;
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const { reading, note } = parseAlignmentDoc(j, file);
  return { reading, file, ...(note !== undefined ? { note } : {}) };
}

/** Training pairs (whitespace words) for the classical aligners: the pairs themselves and any extra. */
function classicalCorpus(
  pairs: readonly ParallelPair[],
  o: { trainTsv?: string; trainTask?: string; data?: string },
): { src: string[][]; tgt: string[][] } {
  const text: { source: string; target: string }[] = [...pairs];
  if (o.trainTsv !== undefined) {
    if (!existsSync(o.trainTsv)) throw new Error(`--train-tsv ${o.trainTsv}: no such file`);
    text.push(...readParallelTsv(o.trainTsv));
  }
  if (o.trainTask !== undefined) {
    const task = loadTask(o.trainTask, { dataDir: o.data });
    for (const p of task.train) {
      text.push(
        p.text
          ? { source: p.text.src, target: p.text.tgt }
          : { source: p.src.join(" "), target: p.tgt.join(" ") },
      );
    }
  }
  const keep = text.filter((p) => p.source.trim() !== "" && p.target.trim() !== "");
  return { src: keep.map((p) => whitespaceWords(p.source)), tgt: keep.map((p) => whitespaceWords(p.target)) };
}

export interface AlignCliOptions {
  model?: string;
  checkpoint: string;
  src?: string;
  tgt?: string;
  tsv?: string;
  layer?: number | "mean" | "alignment";
  head?: number | "mean";
  allReadings?: boolean;
  /** Seq2seq latentAlignment models: the alignment posterior (true) or the attention (false). */
  posterior?: boolean;
  gold?: string;
  json?: boolean;
  output?: string;
  method: AlignMethod;
  trainTsv?: string;
  trainTask?: string;
  data?: string;
  /** Classical: default grow-diag-final-and. Attention: default the documented reading's, else none. */
  symmetrize?: Symmetrization;
  iterations?: number;
  batchSize: number;
  backend: string;
}

interface PairResult {
  source: string;
  target: string;
  srcWords: string[];
  tgtWords: string[];
  links: Set<string>;
  forced?: ForcedAlignment;
  posterior?: number[][];
}

const scoreLine = (s: AlignmentScores) =>
  `AER ${(100 * s.aer).toFixed(2)}%, precision ${(100 * s.precision).toFixed(2)}%, recall ${(100 * s.recall).toFixed(2)}% (${s.predicted} links, ${s.sure} sure)`;

const say = (line: string) => process.stderr.write(`qkv align: ${line}\n`);

/** What a reading of the model gave: the reading used, where it came from, and every reading's scores. */
interface ModelAlignment {
  reading: AlignReading;
  readingFrom: string;
  perReading: { reading: AlignReading; name: string; scores: AlignmentScores }[] | null;
}

/** The reading asked for (`--layer/--head`, `--posterior`, alignment.json, else the default) and its source. */
function askedReading(
  o: AlignCliOptions,
  isTransformer: boolean,
): { asked: AlignReading; readingFrom: string; doc: ReturnType<typeof documentedReading> } {
  let asked: AlignReading = {};
  let readingFrom: string;
  const doc = documentedReading(o.model!);
  if (isTransformer && (o.layer !== undefined || o.head !== undefined)) {
    asked = {
      layer: o.layer,
      head: o.head,
      ...(o.posterior !== undefined ? { posterior: o.posterior } : {}),
    };
    readingFrom = "--layer/--head";
  } else if (o.posterior !== undefined) {
    asked = { posterior: o.posterior };
    readingFrom = o.posterior ? "--posterior" : "--no-posterior";
  } else if (doc) {
    asked = doc.reading;
    readingFrom = doc.file;
  } else {
    readingFrom = isTransformer
      ? "default: the last decoder layer's mean over heads"
      : "default: its attention";
  }
  if (o.symmetrize !== undefined) {
    asked = { ...asked, symmetrize: o.symmetrize };
    readingFrom = readingFrom.startsWith("--")
      ? `${readingFrom}, --symmetrize`
      : `${readingFrom}; --symmetrize ${o.symmetrize}`;
  }
  return { asked, readingFrom, doc };
}

/** Loads `--model` and checks that it can be read as asked; the reading to use and where it came from. */
async function modelReading(o: AlignCliOptions) {
  if (o.model === undefined) throw new Error("--method attention needs --model DIR (a checkpoint folder)");
  if (o.iterations !== undefined || o.trainTsv !== undefined || o.trainTask !== undefined)
    throw new Error("--iterations, --train-tsv and --train-task are for --method ibm1, ibm2 or fast");
  await chooseBackend(o.backend);
  const { model, meta } = await loadModel(checkpointDir(o.model, o.checkpoint), o.checkpoint);
  const transformer = isTransformer(model);
  if (!transformer && (o.layer !== undefined || o.head !== undefined)) {
    const opt = o.layer !== undefined ? `--layer ${o.layer}` : `--head ${o.head}`;
    throw new Error(
      `${opt}: this is a seq2seq (LSTM) model with one attention; --layer and --head are for Transformers`,
    );
  }
  if (!transformer && "attention" in meta.config && meta.config.attention === "none")
    throw new Error(
      `--model ${o.model}: this model has no attention (attention "none"): nothing to align with`,
    );
  const { asked, readingFrom, doc } = askedReading(o, transformer);
  let reading: AlignReading;
  try {
    reading = resolveReading(model, asked);
  } catch (e) {
    const msg = (e as Error).message;
    const prefix = readingFrom.startsWith("--") ? "--" : `${readingFrom}: `;
    throw new Error(`${prefix}${msg}`);
  }
  const note = doc && readingFrom === doc.file ? doc.note : undefined;
  say(`reading ${readingName(reading) || "its attention"} (${readingFrom}${note ? `: ${note}` : ""})`);
  return { model, meta, reading, readingFrom };
}

/** `--method attention`: links from the model's attention (every reading's scores with --all-readings). */
async function alignWithModel(
  o: AlignCliOptions,
  pairs: readonly ParallelPair[],
  live: number[],
  results: PairResult[],
  gold: PharaohGold[] | null,
): Promise<ModelAlignment> {
  const { model, meta, reading, readingFrom } = await modelReading(o);
  const { srcTokenizer, tgtTokenizer } = tokenizersOf(meta);
  const everyReading = withSymmetrizations(alignReadings(model));
  if (o.allReadings && o.gold === undefined)
    throw new Error("--all-readings scores every reading: give --gold FILE");
  const readings = o.allReadings ? everyReading : [];
  const all = forcedAlignReadings(
    model,
    srcTokenizer,
    tgtTokenizer,
    live.map((i) => pairs[i]),
    [reading, ...readings],
    { batchSize: o.batchSize },
  );
  live.forEach((i, k) => {
    results[i].forced = all[0][k];
    results[i].links = all[0][k].links;
  });
  if (!gold || !o.allReadings) return { reading, readingFrom, perReading: null };
  const perReading = readings.map((r, ri) => {
    const links = results.map(() => new Set<string>());
    live.forEach((i, k) => {
      links[i] = all[ri + 1][k].links;
    });
    return {
      reading: r,
      name: readingName(r) || "its attention",
      scores: alignmentScores(
        links,
        gold.map((g) => g.sure),
        gold.map((g) => g.possible),
      ),
    };
  });
  return { reading, readingFrom, perReading };
}

/** `--method ibm1|ibm2|fast`: trains the classical aligner and links each live pair. */
function alignClassical(
  o: AlignCliOptions & { method: "ibm1" | "ibm2" | "fast" },
  pairs: readonly ParallelPair[],
  live: number[],
  results: PairResult[],
): void {
  if (o.model !== undefined) throw new Error(`--method ${o.method} trains its own model: leave out --model`);
  if (o.layer !== undefined || o.head !== undefined || o.allReadings)
    throw new Error("--layer, --head and --all-readings are for --method attention");
  const aligner = trainClassicalAligner(classicalCorpus(pairs, o), {
    method: o.method,
    iterations: o.iterations,
    symmetrize: o.symmetrize ?? "grow-diag-final-and",
  });
  for (const i of live) {
    results[i].links = aligner.align(results[i].srcWords, results[i].tgtWords);
    if (o.json) results[i].posterior = aligner.posterior(results[i].srcWords, results[i].tgtWords);
  }
}

/** The `--json` document. */
function alignJson(
  o: AlignCliOptions,
  results: PairResult[],
  m: ModelAlignment | null,
  scores: AlignmentScores | null,
) {
  return {
    method: o.method,
    model: o.model ?? null,
    reading: m?.reading ?? null,
    readingFrom: m?.readingFrom ?? null,
    pairs: results.map((r) => ({
      source: r.source,
      target: r.target,
      srcWords: r.srcWords,
      tgtWords: r.tgtWords,
      srcTokens: r.forced?.srcTokens ?? null,
      tgtTokens: r.forced?.tgtTokens ?? null,
      srcTokenWord: r.forced?.srcTokenWord ?? null,
      tgtTokenWord: r.forced?.tgtTokenWord ?? null,
      wordWeights: r.forced?.wordWeights ?? r.posterior ?? null,
      links: pharaoh(r.links),
      logProb: r.forced?.logProb ?? null,
    })),
    scores,
    readings: m?.perReading ?? null,
  };
}

/** Runs `qkv align` with parsed options; writes the links (or JSON) to stdout or --output. */
export async function runAlign(o: AlignCliOptions): Promise<void> {
  const pairs = readPairs(o);
  if (pairs.length === 0) throw new Error("no sentence pairs to align (the input is empty)");
  const words = pairs.map((p) => ({ src: whitespaceWords(p.source), tgt: whitespaceWords(p.target) }));
  const gold = o.gold !== undefined ? readGold(o.gold, words) : null;
  const results: PairResult[] = pairs.map((p, i) => ({
    source: p.source,
    target: p.target,
    srcWords: words[i].src,
    tgtWords: words[i].tgt,
    links: new Set<string>(),
  }));
  // Pairs with an empty side get no links (an empty line), never a model run.
  const live = results.map((_, i) => i).filter((i) => words[i].src.length > 0 && words[i].tgt.length > 0);
  let m: ModelAlignment | null = null;
  if (o.method === "attention") m = await alignWithModel(o, pairs, live, results, gold);
  else alignClassical({ ...o, method: o.method }, pairs, live, results);

  const scores = gold
    ? alignmentScores(
        results.map((r) => r.links),
        gold.map((g) => g.sure),
        gold.map((g) => g.possible),
      )
    : null;
  if (scores) say(`${o.gold}: ${scoreLine(scores)}`);
  if (m?.perReading) for (const r of m.perReading) say(`  ${r.name.padEnd(34)} ${scoreLine(r.scores)}`);

  const out = o.json
    ? `${JSON.stringify(alignJson(o, results, m, scores), null, 1)}\n`
    : results.map((r) => `${pharaoh(r.links)}\n`).join("");
  if (o.output !== undefined) {
    await writeFileAtomic(o.output, out);
    say(`${results.length} alignments written to ${o.output}`);
  } else process.stdout.write(out);
}
