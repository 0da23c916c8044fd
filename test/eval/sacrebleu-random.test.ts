import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  corpusBleu,
  type SmoothMethod,
  tokenize13a,
  tokenizeChar,
  tokenizeIntl,
} from "../../src/eval/bleu.js";
import { corpusChrf } from "../../src/eval/chrf.js";

/**
 * Random inputs scored by sacreBLEU 2.6.0 itself (fixtures/make_sacrebleu_random.py, run once in this
 * workspace): strings mixing ASCII punctuation, digits, HTML entities, `<skipped>`, Python-only
 * whitespace (U+001C, U+0085), a BOM, Unicode punctuation/symbols/digits and astral characters, plus
 * small multi-reference corpora under random BLEU/chrF options.
 */
interface Fixture {
  sacrebleu: string;
  toks: Array<[string, string, string, string]>;
  bleu: Array<{
    hyps: string[];
    refs: string[][];
    opts: {
      tokenize: "13a" | "intl" | "char" | "none";
      lowercase: boolean;
      smooth_method: SmoothMethod;
      smooth_value?: number | null;
      effective_order: boolean;
      max_ngram_order: number;
    };
    score: number;
    counts: number[];
    totals: number[];
    precisions: number[];
    bp: number;
    sys_len: number;
    ref_len: number;
  }>;
  chrf: Array<{
    hyps: string[];
    refs: string[][];
    opts: {
      char_order: number;
      word_order: number;
      beta: number;
      lowercase: boolean;
      whitespace: boolean;
      eps_smoothing: boolean;
    };
    score: number;
  }>;
}

const here = dirname(fileURLToPath(import.meta.url));
const fx: Fixture = JSON.parse(readFileSync(join(here, "fixtures", "sacrebleu-random.json"), "utf8"));

describe(`random cases scored by sacreBLEU ${fx.sacrebleu}`, () => {
  it(`${fx.toks.length} strings tokenize identically (13a, intl, char)`, () => {
    const bad: string[] = [];
    for (const [s, t13a, tIntl, tChar] of fx.toks) {
      if (tokenize13a(s) !== t13a) bad.push(`13a ${JSON.stringify(s)}`);
      if (tokenizeIntl(s) !== tIntl) bad.push(`intl ${JSON.stringify(s)}`);
      if (tokenizeChar(s) !== tChar) bad.push(`char ${JSON.stringify(s)}`);
    }
    expect(bad).toEqual([]);
  });

  it(`${fx.bleu.length} corpora: BLEU statistics equal, scores within 1e-12`, () => {
    const bad: string[] = [];
    fx.bleu.forEach((c, i) => {
      const r = corpusBleu(c.hyps, c.refs, {
        tokenize: c.opts.tokenize,
        lowercase: c.opts.lowercase,
        smoothMethod: c.opts.smooth_method,
        smoothValue: c.opts.smooth_value ?? undefined,
        effectiveOrder: c.opts.effective_order,
        maxNgramOrder: c.opts.max_ngram_order,
      });
      const same =
        JSON.stringify([r.counts, r.totals, r.sysLen, r.refLen]) ===
          JSON.stringify([c.counts, c.totals, c.sys_len, c.ref_len]) &&
        Math.abs(r.score - c.score) <= 1e-12 * Math.max(1, c.score) &&
        Math.abs(r.bp - c.bp) <= 1e-15 &&
        r.precisions.every((p, j) => Math.abs(p - c.precisions[j]) <= 1e-12 * Math.max(1, p));
      if (!same) bad.push(`#${i} ${JSON.stringify(c.opts)}: ${r.score} vs ${c.score}`);
    });
    expect(bad).toEqual([]);
  });

  it(`${fx.chrf.length} corpora: chrF within 1e-12`, () => {
    const bad: string[] = [];
    fx.chrf.forEach((c, i) => {
      const r = corpusChrf(c.hyps, c.refs, {
        charOrder: c.opts.char_order,
        wordOrder: c.opts.word_order,
        beta: c.opts.beta,
        lowercase: c.opts.lowercase,
        whitespace: c.opts.whitespace,
        epsSmoothing: c.opts.eps_smoothing,
      });
      if (Math.abs(r.score - c.score) > 1e-12 * Math.max(1, c.score)) {
        bad.push(`#${i} ${JSON.stringify(c.opts)}: ${r.score} vs ${c.score}`);
      }
    });
    expect(bad).toEqual([]);
  });
});
