/**
 * `qkv translate --model DIR --input FILE --output FILE`: translates a file, one sentence a line,
 * streaming (the input is read and the output written a block of lines at a time, so memory does not
 * grow with the file), with a progress bar (src/train/progress.ts) on stderr. The input is opened once:
 * a pipe or FIFO (`--input /dev/stdin`, `--input <(…)`) is read once as it arrives, with progress in
 * lines done (its length is not known); a regular file is counted first for the bar's total.
 *
 *   --n-best K         the K best translations of each line (beam search with beam ≥ K), with scores
 *   --format text      one translation a line; with --n-best > 1 Moses' n-best format
 *                      `index ||| translation ||| score` (index from 0)
 *   --format tsv       `line<TAB>rank<TAB>score<TAB>translation` (line and rank from 1)
 *   --format json      JSON Lines: {"line", "source", "translations": [{"text", "score", "tokens"}]}
 *
 * The generation flags (translate-options.ts: --sample …, penalties, --replace-unk, --ensemble) apply
 * as for sentences; with --sample line i (from 0, empty lines counted) draws from its own generator.
 * The score is the hypothesis' log-probability (natural log, EOS included). Line i of the output (or the
 * i-th group) belongs to line i of the input; an empty input line gives an empty translation. A line of
 * more than MAX_SOURCE_TOKENS tokens (or MAX_LINE_CHARS characters) is refused, naming it and the limit. The output
 * appears when the whole file is done (written to a temporary file beside it, then renamed: src/io/
 * atomic.ts), so an interrupted run never leaves half a file under the output's name; a symbolic link
 * is followed (its target is replaced, the link kept), and a device or FIFO (`--output /dev/null`, a
 * pipe to another program) is written in place, block by block.
 */
import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import {
  beamSearchNBest,
  checkSourceLength,
  data,
  decodeLength,
  decodeReplacingUnk,
  greedyDecode,
  type Hypothesis,
  type StepDecoder,
  type Vocab,
} from "../index.js";
import { type AtomicWriter, createProgress, openAtomicWriter, type Progress } from "../node.js";
import type { Generation } from "./translate-options.js";

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
  /** --replace-unk: what to copy for each source token of a line (translate-action.ts unkSources). */
  unkSources?: (line: string, tokens: string[]) => string[];
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
  /** --sample, penalties (translate-options.ts); line i samples from its own generator. */
  generation?: Omit<Generation, "replaceUnk" | "ensemble">;
}

/** Longest input line read, in characters (UTF-16 units): a longer one is an error naming the line. */
export const MAX_LINE_CHARS = 2 ** 20;

/**
 * The lines of a UTF-8 file, read as a stream: LF, CRLF or CR end a line; a leading BOM is dropped;
 * invalid UTF-8, or a line longer than MAX_LINE_CHARS, is an error naming the file and the line. `from` is a stream already open on `file`
 * (a pipe or FIFO can be read only once); without it `file` is opened here.
 */
export async function* streamLines(file: string, from?: AsyncIterable<unknown>): AsyncGenerator<string> {
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
      if (p.length > MAX_LINE_CHARS) throw tooLong(line);
      yield p;
    }
    if (rest.length > MAX_LINE_CHARS) throw tooLong(line + 1); // before it fills the memory
  }
  const tooLong = (n: number) =>
    new Error(
      `--input: ${file}: line ${n} is longer than ${MAX_LINE_CHARS} characters (the limit); give one sentence a line`,
    );
  try {
    for await (const chunk of from ?? createReadStream(file)) {
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
    throw inputError(file, e);
  }
  yield* lines(true);
}

function inputError(file: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new Error(`--input: no such file: ${file}`);
  if (code === "EISDIR") return new Error(`--input: ${file} is a folder, not a text file`);
  return e as Error;
}

/** `--input` names that mean standard input. */
const STDIN_NAMES = new Set(["-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"]);

/**
 * The input, opened once. A regular file can be read twice (positional reads of the one open file):
 * `total` is its line count, for the progress bar. A pipe, FIFO or terminal (`/dev/stdin`, `<(…)`) is
 * read exactly once, as it arrives: `total` is null. `-` and `/dev/stdin` read standard input.
 */
async function openInput(
  file: string,
): Promise<{ total: number | null; lines: () => AsyncGenerator<string>; close: () => Promise<void> }> {
  const once = (make: () => AsyncGenerator<string>) => {
    let used = false;
    return () => {
      if (used) throw new Error(`--input: ${file} is not a regular file and can be read only once`);
      used = true;
      return make();
    };
  };
  // Standard input is read from the process's own stream: when it is a socket (a spawned child's
  // stdin), opening /dev/stdin again fails (ENXIO).
  if (STDIN_NAMES.has(file)) {
    return { total: null, lines: once(() => streamLines(file, process.stdin)), close: async () => {} };
  }
  let fh: FileHandle;
  try {
    fh = await open(file, "r"); // a FIFO: waits for its writer, as `cat` does
  } catch (e) {
    throw inputError(file, e);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new Error(`--input: ${file} is a folder, not a text file`);
    const close = () => fh.close().catch(() => {});
    if (!st.isFile()) {
      return {
        total: null,
        lines: once(() => streamLines(file, fh.createReadStream({ autoClose: false }))),
        close,
      };
    }
    const lines = () => streamLines(file, fh.createReadStream({ start: 0, autoClose: false }));
    let total = 0;
    for await (const _ of lines()) total++;
    return { total, lines, close };
  } catch (e) {
    await fh.close().catch(() => {});
    throw e;
  }
}

/** Progress when the number of lines is not known in advance: lines done (and their rate). */
function openEndedProgress(label: string, quiet = false): Progress {
  if (quiet) return { update() {}, stop() {} };
  const start = Date.now();
  const tty = process.stderr.isTTY;
  let next = 1;
  let last = 0;
  const line = (done: number) => {
    const s = (Date.now() - start) / 1000;
    return `${label} ${done} lines (total unknown) | ${s > 0 ? Math.round(done / s) : 0} lines/s`;
  };
  return {
    update(done) {
      last = done;
      if (tty) process.stderr.write(`\r${line(done)}`);
      else if (done >= next) {
        // a line at 1, 2, 4, 8… lines: logs stay short however long the input
        process.stderr.write(`${line(done)}\n`);
        while (next <= done) next *= 2;
      }
    },
    stop() {
      if (tty && last > 0) process.stderr.write("\n");
    },
  };
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
  const input = await openInput(o.input);
  let out: AtomicWriter;
  try {
    out = await openAtomicWriter(o.output);
  } catch (e) {
    await input.close();
    throw e;
  }
  const progress =
    input.total === null
      ? openEndedProgress("translate", o.quiet)
      : createProgress("translate", input.total, { quiet: o.quiet });
  let done = 0;
  const translateBlock = async (lines: string[]) => {
    const toks = lines.map((l, k) => {
      const tk = t.tokenize(l);
      checkSourceLength(`--input: ${o.input}: line ${done + k + 1}`, tk.length);
      return tk;
    });
    const ids = toks.map((tk) => t.srcVocab.encode(tk));
    const results: Hypothesis[][] = lines.map(() => []);
    const nonEmpty = ids.map((s, i) => ({ src: s, i })).filter((x) => x.src.length > 0);
    for (const b of data.makeBatches(
      nonEmpty.map((x) => ({ src: x.src, tgt: [] })),
      { batchSize: blockSize, sortByLength: true },
    )) {
      const maxLength = decodeLength(Math.max(...b.srcLengths), t.maxTargetLength);
      const g = o.generation ?? {};
      const penalties = { repetitionPenalty: g.repetitionPenalty, noRepeatNgram: g.noRepeatNgram };
      const hyps =
        beam > 1
          ? beamSearchNBest(t.model, b.src, b.B, b.S, b.srcLengths, nBest, {
              beamSize: beam,
              maxLength,
              lengthPenalty: g.lengthPenalty,
              coveragePenalty: g.coveragePenalty,
              ...penalties,
            })
          : greedyDecode(t.model, b.src, b.B, b.S, b.srcLengths, {
              maxLength,
              sample: g.sample,
              // the line's number in the file: its sample does not depend on the block or batch
              sentenceIndices: b.indices.map((k) => done + nonEmpty[k].i),
              ...penalties,
            }).map((h) => [h]);
      hyps.forEach((h, k) => {
        results[nonEmpty[b.indices[k]].i] = h;
      });
    }
    let text = "";
    lines.forEach((line, k) => {
      const hyps = results[k].map((h) => {
        const tokens = t.unkSources
          ? decodeReplacingUnk(t.tgtVocab, h.tokens, h.alignment, t.unkSources(line, toks[k]))
          : t.tgtVocab.decode(h.tokens);
        return { text: t.detokenize(tokens), score: h.logProb, tokens };
      });
      text += formatLine(done + k, line, hyps, format, nBest);
    });
    await out.write(text);
    done += lines.length;
    progress.update(done);
  };
  try {
    let block: string[] = [];
    for await (const line of input.lines()) {
      block.push(line);
      if (block.length >= blockSize) {
        await translateBlock(block);
        block = [];
      }
    }
    if (block.length) await translateBlock(block);
    progress.stop();
    await out.commit();
  } catch (e) {
    progress.stop();
    await out.abort();
    throw e;
  } finally {
    await input.close();
  }
  return done;
}
