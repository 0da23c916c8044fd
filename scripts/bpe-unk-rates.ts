/**
 * Vocabulary size vs. unknown tokens on English→Hindi: word vocabularies (as `qkv train --task
 * tatoeba-hin` builds them) against BPE, learned from the training part of hin.txt (the task's split,
 * seed 1) and measured on the standard Tatoeba test set, only its pairs whose English sentence is not
 * in hin.txt (../shared/data/tatoeba-test-eng-hin/SOURCE.md).
 *
 *   npx tsx scripts/bpe-unk-rates.ts            (prints a Markdown table)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  BpeTokenizer,
  normalizeSentence,
  splitBySource,
  type Tokenizer,
  UNK,
  WordTokenizer,
} from "../src/data/index.js";
import { dataDir, loadTatoeba } from "../src/node.js";

const BYTE = /^<0x[0-9A-F]{2}>$/;
const pairs = loadTatoeba("hin");
const train = splitBySource(pairs, { valid: 0.1, test: 0.1, seed: 1 }).train;
const seen = new Set(pairs.map((p) => normalizeSentence(p.source)));
const read = (f: string) => readFileSync(join(dataDir(), "tatoeba-test-eng-hin", f), "utf8").split("\n");
const [testEn, testHi] = [read("test.en"), read("test.hi")];
const test = testEn
  .map((en, i) => ({ source: en, target: testHi[i] }))
  .filter((p) => p.source.trim() !== "" && !seen.has(normalizeSentence(p.source)));

function measure(tok: Tokenizer, texts: string[]) {
  let tokens = 0;
  let unk = 0;
  let bytes = 0;
  let words = 0;
  let sentencesWithUnk = 0;
  for (const s of texts) {
    const pieces = tok.tokenize(s);
    const ids = tok.vocab.encode(pieces);
    tokens += ids.length;
    const u = ids.filter((i) => i === UNK).length;
    unk += u;
    if (u > 0) sentencesWithUnk++;
    bytes += pieces.filter((p) => BYTE.test(p)).length;
    words += tok.words(pieces).length;
  }
  return { tokens, unk, bytes, words, sentencesWithUnk, n: texts.length };
}

const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)} %`;
console.log(
  `Learned from the training part of hin.txt (${train.length} pairs); test: ${test.length} pairs of tatoeba-test-eng-hin.\n`,
);
console.log(
  "| side | tokenizer | vocab size | test tokens | <unk> tokens | sentences with <unk> | byte tokens | tokens / word |",
);
console.log("|---|---|---:|---:|---:|---:|---:|---:|");
for (const [side, pick] of [
  ["en", (p: { source: string }) => p.source],
  ["hi", (p: { target: string }) => p.target],
] as const) {
  const trainTexts = train.map(pick);
  const testTexts = test.map(pick);
  const rows: [string, Tokenizer][] = [
    ["word, min-freq 1", WordTokenizer.build(trainTexts, { lowercase: true, minFreq: 1 })],
    ["word, min-freq 2", WordTokenizer.build(trainTexts, { lowercase: true, minFreq: 2 })],
  ];
  for (const v of [500, 1000, 2000, 4000, 8000]) {
    const t0 = performance.now();
    const bpe = BpeTokenizer.train(trainTexts, { vocabSize: v, lowercase: true });
    const ms = performance.now() - t0;
    rows.push([`BPE --vocab-size ${v} (learned in ${ms.toFixed(0)} ms)`, bpe]);
  }
  for (const [name, tok] of rows) {
    const m = measure(tok, testTexts);
    console.log(
      `| ${side} | ${name} | ${tok.size} | ${m.tokens} | ${m.unk} (${pct(m.unk, m.tokens)}) | ${m.sentencesWithUnk} (${pct(m.sentencesWithUnk, m.n)}) | ${m.bytes} (${pct(m.bytes, m.tokens)}) | ${(m.tokens / m.words).toFixed(2)} |`,
    );
  }
}
