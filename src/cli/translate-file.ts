/**
 * `qkv translate --model DIR --input FILE --output FILE`: translates a file, one sentence a line,
 * streaming (the input is read and the output written a block of lines at a time, so memory does not
 * grow with the file), with a progress bar (src/train/progress.ts) on stderr.
 *
 *   --n-best K         the K best translations of each line (beam search with beam ≥ K), with scores
 *   --format text      one translation a line; with --n-best > 1 Moses' n-best format
 *                      `index ||| translation ||| score` (index from 0)
 *   --format tsv       `line<TAB>rank<TAB>score<TAB>translation` (line and rank from 1)
 *   --format json      JSON Lines: {"line", "source", "translations": [{"text", "score", "tokens"}]}
 *
 * The score is the hypothesis' log-probability (natural log, EOS included). Line i of the output (or the
 * i-th group) belongs to line i of the input; an empty input line gives an empty translation. The output
 * appears when the whole file is done (written to a temporary file beside it, then renamed), so an
 * interrupted run never leaves half a file under the output's name.
 */
import { createReadStream, createWriteStream, mkdirSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import {
  beamSearchNBest,
  data,
  greedyDecode,
  type Hypothesis,
  type StepDecoder,
  type Vocab,
} from "../index.js";
import { createProgress } from "../node.js";

export type OutputFormat = "text" | "tsv" | "json";

/** What translating needs from a loaded checkpoint (any architecture with the step-decoder interface). */
export interface FileTranslator {
  model: StepDecoder<unknown>;
  tokenize: (s: string) => string[];
  detokenize: (t: string[]) => string;
  srcVocab: Vocab;
  tgtVocab: Vocab;
  /** Longest training target (bounds decoding). */
  maxTargetLength: number;
}

export interface TranslateFileOptions {
  input: string;
  output: string;
  beam?: number;
  nBest?: number;
  format?: OutputFormat;
  /** Lines decoded together (default 32). */
  blockSize?: number;
  quiet?: boolean;
}

/**
 * The lines of a UTF-8 file, read as a stream: LF, CRLF or CR end a line; a leading BOM is dropped;
 * invalid UTF-8 is an error naming the file and the line.
 */
export async function* streamLines(file: string): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let rest = "";
  let line = 0;
  // Splits what has been read; a final "\r" waits for the next chunk (it may be half of "\r\n").
  function* lines(final: boolean): Generator<string> {
    let text = rest;
    let hold = "";
    if (!final && text.endsWith("\r")) {
      hold = "\r";
      text = text.slice(0, -1);
    }
    const parts = text.split(/\r\n|\n|\r/);
    rest = final ? "" : `${parts.pop() ?? ""}${hold}`;
    if (final && parts[parts.length - 1] === "") parts.pop();
    for (const p of parts) {
      line++;
      yield p;
    }
  }
  try {
    for await (const chunk of createReadStream(file)) {
      try {
        rest += decoder.decode(chunk as Buffer, { stream: true });
      } catch {
        throw new Error(`--input: ${file}: invalid UTF-8 after line ${line}; the file must be UTF-8 text`);
      }
      yield* lines(false);
    }
    try {
      rest += decoder.decode();
    } catch {
      throw new Error(`--input: ${file}: invalid UTF-8 at its end; the file must be UTF-8 text`);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`--input: no such file: ${file}`);
    if (code === "EISDIR") throw new Error(`--input: ${file} is a folder, not a text file`);
    throw e;
  }
  yield* lines(true);
}

/** Counts the lines of a file as `streamLines` splits them (for the progress bar's total). */
async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const _ of streamLines(file)) n++;
  return n;
}

function formatLine(
  i: number,
  source: string,
  hyps: { text: string; score: number; tokens: string[] }[],
  f: OutputFormat,
  nBest: number,
): string {
  if (f === "json") return `${JSON.stringify({ line: i + 1, source, translations: hyps })}\n`;
  if (f === "tsv") {
    const rows = hyps.length ? hyps : [{ text: "", score: 0 }];
    return rows
      .map((h, r) => `${i + 1}\t${r + 1}\t${h.score}\t${h.text.replace(/[\t\r\n]/g, " ")}\n`)
      .join("");
  }
  if (nBest === 1) return `${hyps[0]?.text ?? ""}\n`;
  const rows = hyps.length ? hyps : [{ text: "", score: 0 }];
  return rows.map((h) => `${i} ||| ${h.text} ||| ${h.score}\n`).join("");
}

/** Translates `input` into `output`; returns the number of lines. */
export async function translateFile(t: FileTranslator, o: TranslateFileOptions): Promise<number> {
  const nBest = o.nBest ?? 1;
  const beam = Math.max(o.beam ?? 1, nBest);
  const format = o.format ?? "text";
  const blockSize = o.blockSize ?? 32;
  const total = await countLines(o.input);
  mkdirSync(dirname(o.output) || ".", { recursive: true });
  const tmp = join(dirname(o.output), `.${basename(o.output)}.${process.pid}.tmp`);
  const out = createWriteStream(tmp, { encoding: "utf8" });
  const write = (s: string) =>
    new Promise<void>((resolve, reject) => {
      out.write(s, (err) => (err ? reject(err) : resolve()));
    });
  const progress = createProgress("translate", total, { quiet: o.quiet });
  let done = 0;
  const translateBlock = async (lines: string[]) => {
    const toks = lines.map((l) => t.tokenize(l));
    const ids = toks.map((tk) => t.srcVocab.encode(tk));
    const results: Hypothesis[][] = lines.map(() => []);
    const nonEmpty = ids.map((s, i) => ({ src: s, i })).filter((x) => x.src.length > 0);
    for (const b of data.makeBatches(
      nonEmpty.map((x) => ({ src: x.src, tgt: [] })),
      { batchSize: blockSize, sortByLength: true },
    )) {
      const maxLength = Math.max(Math.max(...b.srcLengths) * 2 + 10, t.maxTargetLength * 2 + 10);
      const hyps =
        beam > 1
          ? beamSearchNBest(t.model, b.src, b.B, b.S, b.srcLengths, nBest, { beamSize: beam, maxLength })
          : greedyDecode(t.model, b.src, b.B, b.S, b.srcLengths, { maxLength }).map((h) => [h]);
      hyps.forEach((h, k) => {
        results[nonEmpty[b.indices[k]].i] = h;
      });
    }
    let text = "";
    lines.forEach((line, k) => {
      const hyps = results[k].map((h) => {
        const tokens = t.tgtVocab.decode(h.tokens);
        return { text: t.detokenize(tokens), score: h.logProb, tokens };
      });
      text += formatLine(done + k, line, hyps, format, nBest);
    });
    await write(text);
    done += lines.length;
    progress.update(done);
  };
  try {
    let block: string[] = [];
    for await (const line of streamLines(o.input)) {
      block.push(line);
      if (block.length >= blockSize) {
        await translateBlock(block);
        block = [];
      }
    }
    if (block.length) await translateBlock(block);
    progress.stop();
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    await rename(tmp, o.output);
  } catch (e) {
    progress.stop();
    out.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
  return done;
}

/** Adds --input/--output/--n-best/--format/--quiet to `qkv translate`. */
export function withFileTranslateOptions(cmd: Command): Command {
  return cmd
    .option("--input <file>", "translate this file, one sentence a line (with --output)")
    .option("--output <file>", "write the translations here (line i for input line i)")
    .option(
      "--n-best <k>",
      "with --input: the k best translations of each line, with scores (beam ≥ k)",
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 100)
          throw new InvalidArgumentError(`--n-best must be 1…100, got "${v}"`);
        return n;
      },
      1,
    )
    .addOption(
      new Option("--format <fmt>", "with --input: output format")
        .choices(["text", "tsv", "json"])
        .default("text"),
    )
    .option("--quiet", "no progress bar");
}
