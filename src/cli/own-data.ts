/**
 * `qkv train` on your own data: `--src FILE --tgt FILE` (aligned lines) or `--tsv FILE`
 * (source<TAB>target), validation from `--valid-src/--valid-tgt` or `--valid-fraction`, optional
 * `--test-src/--test-tgt`. These select the `files` task (src/train/own-data.ts); paths are stored
 * absolute in the checkpoint, so `--resume` (which reads them from last.json when not given) and
 * `qkv eval` find the same files from any folder.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import type { TaskOptions } from "../node.js";
import { num } from "./options.js";

const FILE_KEYS = [
  "srcFile",
  "tgtFile",
  "tsvFile",
  "validSrcFile",
  "validTgtFile",
  "testSrcFile",
  "testTgtFile",
] as const;

type FileKey = (typeof FILE_KEYS)[number];

/** Adds the own-data options to `qkv train`. */
export function withOwnDataOptions(cmd: Command): Command {
  return cmd
    .option("--src <file>", "your own data: source sentences, one a line (task files; with --tgt)")
    .option("--tgt <file>", "your own data: target sentences, line-aligned with --src")
    .option("--tsv <file>", "your own data: source<TAB>target lines (instead of --src/--tgt)")
    .option("--valid-src <file>", "your own data: validation sources (with --valid-tgt)")
    .option("--valid-tgt <file>", "your own data: validation targets")
    .option(
      "--valid-fraction <f>",
      "your own data without --valid-src: hold out this fraction of the pairs (default 0.1)",
      num("--valid-fraction", "(0,1)"),
    )
    .option("--test-src <file>", "your own data: test sources for `qkv eval --split test` (with --test-tgt)")
    .option("--test-tgt <file>", "your own data: test targets");
}

/**
 * The task and its file options from the command line: `files` when any own-data option is given (or
 * `--task files`), else the `--task` given. With `--resume` and no files given, the files of the
 * checkpoint being resumed (`<out>/last.json`).
 */
export function ownDataTask(o: {
  task?: string;
  src?: string;
  tgt?: string;
  tsv?: string;
  validSrc?: string;
  validTgt?: string;
  validFraction?: number;
  testSrc?: string;
  testTgt?: string;
  resume?: boolean;
  out?: string;
}): { task: string; options: Partial<TaskOptions> } {
  const given: Partial<Record<FileKey, string>> = {
    srcFile: o.src,
    tgtFile: o.tgt,
    tsvFile: o.tsv,
    validSrcFile: o.validSrc,
    validTgtFile: o.validTgt,
    testSrcFile: o.testSrc,
    testTgtFile: o.testTgt,
  };
  const any = FILE_KEYS.some((k) => given[k] !== undefined) || o.validFraction !== undefined;
  if (any && o.task !== undefined && o.task !== "files") {
    throw new Error(`--src/--tgt/--tsv/--valid-* train on your own files: leave out --task ${o.task}`);
  }
  const task = any ? "files" : o.task;
  if (task === undefined) {
    if (o.resume && o.out) return resumedTask(o.out);
    throw new Error("give --task NAME, or your own data with --src FILE --tgt FILE or --tsv FILE");
  }
  if (task !== "files") return { task, options: {} };
  if (!any && o.resume && o.out) return resumedTask(o.out);
  const options: Partial<TaskOptions> = {};
  for (const k of FILE_KEYS) if (given[k] !== undefined) options[k] = resolve(given[k]!);
  if (o.validFraction !== undefined) options.validFraction = o.validFraction;
  return { task, options };
}

/** The task and own-data options recorded in `<out>/last.json` (for `--resume` without repeating them). */
function resumedTask(out: string): { task: string; options: Partial<TaskOptions> } {
  const file = join(out, "last.json");
  if (!existsSync(file)) throw new Error(`--resume: no checkpoint at ${file}`);
  let meta: { task?: unknown; taskOptions?: Record<string, unknown> };
  try {
    meta = (JSON.parse(readFileSync(file, "utf8")) as { meta: typeof meta }).meta;
  } catch (e) {
    throw new Error(`--resume: cannot read ${file}: ${(e as Error).message}`);
  }
  if (typeof meta?.task !== "string") throw new Error(`--resume: ${file} names no task`);
  const options: Partial<TaskOptions> = {};
  for (const k of FILE_KEYS) {
    const v = meta.taskOptions?.[k];
    if (typeof v === "string") options[k] = v;
  }
  const f = meta.taskOptions?.validFraction;
  if (typeof f === "number") options.validFraction = f;
  return { task: meta.task, options };
}
