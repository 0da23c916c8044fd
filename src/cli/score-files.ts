/**
 * `qkv eval --hyp FILE --ref FILE…`: scores any system's output, as sacreBLEU's command line does
 * (`sacrebleu REF… -i HYP -m bleu chrf ter`), with its signature line. The scorers are src/eval's, which
 * give sacreBLEU 2.6.0's numbers exactly (test/eval). Files are read as sacreBLEU reads them: strict
 * UTF-8, one segment a line (LF, CRLF or CR), a byte-order mark kept as a character.
 *
 *     BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0+qkv.0.1.0 = 28.3 59.9/… (BP = …)
 *   chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0+qkv.0.1.0 = 57.7
 *     TER|nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0+qkv.0.1.0 = 62.0
 *
 * The version field says which sacreBLEU the numbers match and that qkv computed them.
 */
import { readFileSync } from "node:fs";
import { corpusTer, type TerOptions } from "../eval/index.js";
import { type BleuTokenizer, corpusBleu, corpusChrf, data, VERSION } from "../index.js";
import { checkAligned } from "../node.js";

/** The metrics `--metrics` takes. */
export type Metric = "bleu" | "chrf" | "ter";

/** The sacreBLEU release whose numbers src/eval reproduces. */
export const SACREBLEU_VERSION = "2.6.0";

export interface ScoreOptions {
  hyp: string;
  ref: string[];
  metrics?: Metric[];
  tokenize?: BleuTokenizer;
  /** TER's options (sacreBLEU's --ter-case-sensitive, --ter-normalized, --ter-no-punct, --ter-asian-support). */
  ter?: TerOptions;
  lowercase?: boolean;
  /** chrF word n-gram order (2 = chrF++). */
  chrfWordOrder?: number;
  /** Decimals printed (sacreBLEU's --width, default 1). */
  width?: number;
}

export interface MetricResult {
  name: string;
  /** Full precision. */
  score: number;
  signature: string;
  /** sacreBLEU's text line: `NAME|signature = score [verbose]`. */
  line: string;
  /** sacreBLEU's JSON object (score rounded to `width` as sacreBLEU prints it). */
  json: Record<string, string | number>;
}

/** Reads a text file the way sacreBLEU does (strict UTF-8, universal newlines, BOM kept). */
export function readSegments(file: string): string[] {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      code === "ENOENT" ? `no such file: ${file}` : `cannot read ${file}: ${(e as Error).message}`,
    );
  }
  let text = data.decodeUtf8(bytes, file);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) text = `\ufeff${text}`;
  if (text === "") return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

const fmt = (x: number, w: number) => x.toFixed(w);

/** Scores `hyp` against the reference files (one stream each), metric by metric. */
export function scoreFiles(o: ScoreOptions): MetricResult[] {
  if (o.ref.length === 0) throw new Error("--ref: give at least one reference file");
  const hyp = readSegments(o.hyp);
  const refs = o.ref.map((f) => {
    const r = readSegments(f);
    checkAligned(o.hyp, hyp, f, r, "Hypothesis and reference files");
    return r;
  });
  if (hyp.length === 0) throw new Error(`${o.hyp} is empty: nothing to score`);
  const width = o.width ?? 1;
  const version = `${SACREBLEU_VERSION}+qkv.${VERSION}`;
  const nrefs = refs.length;
  const kase = o.lowercase ? "lc" : "mixed";
  const out: MetricResult[] = [];
  const finish = (name: string, score: number, sig: [string, string | number][], verbose?: string) => {
    const signature = sig.map(([k, v]) => `${k}:${v}`).join("|");
    const json: Record<string, string | number> = {
      name,
      score: Number(fmt(score, width)),
      signature,
    };
    if (verbose) json.verbose_score = verbose;
    for (const [k, v] of sig) json[k] = String(v);
    out.push({
      name,
      score,
      signature,
      line: `${name}|${signature} = ${fmt(score, width)}${verbose ? ` ${verbose}` : ""}`,
      json,
    });
  };
  for (const metric of o.metrics ?? ["bleu", "chrf"]) {
    if (metric === "bleu") {
      const tok = o.tokenize ?? "13a";
      const s = corpusBleu(hyp, refs, { tokenize: tok, lowercase: o.lowercase ?? false });
      const ratio = s.refLen > 0 ? s.sysLen / s.refLen : 0;
      const verbose =
        `${s.precisions.map((p) => p.toFixed(1)).join("/")} (BP = ${s.bp.toFixed(3)} ratio = ${ratio.toFixed(3)} ` +
        `hyp_len = ${s.sysLen} ref_len = ${s.refLen})`;
      finish(
        "BLEU",
        s.score,
        [
          ["nrefs", nrefs],
          ["case", kase],
          ["eff", "no"],
          ["tok", tok],
          ["smooth", "exp"],
          ["version", version],
        ],
        verbose,
      );
    } else if (metric === "ter") {
      const t = o.ter ?? {};
      const s = corpusTer(hyp, refs, t);
      const yn = (b: boolean | undefined) => (b ? "yes" : "no");
      finish("TER", s.score, [
        ["nrefs", nrefs],
        ["case", t.caseSensitive ? "mixed" : "lc"],
        ["tok", "tercom"],
        ["norm", yn(t.normalized)],
        ["punct", yn(!t.noPunct)],
        ["asian", yn(t.asianSupport)],
        ["version", version],
      ]);
    } else {
      const nw = o.chrfWordOrder ?? 0;
      const s = corpusChrf(hyp, refs, { wordOrder: nw, lowercase: o.lowercase ?? false });
      finish(s.name, s.score, [
        ["nrefs", nrefs],
        ["case", kase],
        ["eff", "yes"],
        ["nc", s.charOrder],
        ["nw", nw],
        ["space", "no"],
        ["version", version],
      ]);
    }
  }
  return out;
}

/** The `qkv eval --hyp … --ref …` action: sacreBLEU's text lines, or its JSON with --json. */
export function runScoreFiles(o: {
  hyp?: string;
  ref?: string[];
  metrics: Metric[];
  tokenize: BleuTokenizer;
  lowercase?: boolean;
  chrfWordOrder: number;
  terCaseSensitive?: boolean;
  terNormalized?: boolean;
  terNoPunct?: boolean;
  terAsianSupport?: boolean;
  width: number;
  json?: boolean;
}): void {
  if (!o.hyp) throw new Error("--ref needs --hyp FILE (the system output to score)");
  if (!o.ref?.length) throw new Error("--hyp needs --ref FILE… (the reference translations)");
  const results = scoreFiles({
    hyp: o.hyp,
    ref: o.ref,
    metrics: o.metrics,
    tokenize: o.tokenize,
    lowercase: o.lowercase,
    chrfWordOrder: o.chrfWordOrder,
    width: o.width,
    ter: {
      caseSensitive: o.terCaseSensitive,
      normalized: o.terNormalized,
      noPunct: o.terNoPunct,
      asianSupport: o.terAsianSupport,
    },
  });
  if (o.json) {
    const docs = results.map((r) => r.json);
    console.log(JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 1));
  } else {
    // Several metrics: right-aligned at " = ", as sacreBLEU prints them.
    const width = Math.max(...results.map((r) => r.line.indexOf(" = ")));
    for (const r of results) console.log(r.line.padStart(r.line.length + width - r.line.indexOf(" = ")));
  }
}
