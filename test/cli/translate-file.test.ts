/** The streaming line reader behind `qkv translate --input` (src/cli/translate-file.ts). */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { streamLines } from "../../src/cli/translate-file.js";
import { splitLines } from "../../src/data/split-lines.js";

const dir = mkdtempSync(join(tmpdir(), "qkv-stream-lines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function read(name: string, content: string | Uint8Array): Promise<string[]> {
  const f = join(dir, name);
  writeFileSync(f, content);
  const out: string[] = [];
  for await (const l of streamLines(f)) out.push(l);
  return out;
}

describe("streamLines", () => {
  it("splits like splitLines: LF, CRLF, lone CR, BOM, final newline optional, empty lines kept", async () => {
    for (const text of ["a\nb\n", "a\r\nb", "\ufeffa\r\rb\r", "", "\n\n", "x", "नमस्ते\nदुनिया\n"]) {
      expect(await read("t.txt", text), JSON.stringify(text)).toEqual(splitLines(text));
    }
  });

  it("reads files larger than one stream chunk, with CRLF and multi-byte characters across chunk edges", async () => {
    const lines = Array.from({ length: 30000 }, (_, i) => `${i} नमस्ते ${"é".repeat(i % 7)}`);
    const text = `${lines.join("\r\n")}\r\n`;
    const got = await read("big.txt", text);
    expect(got).toHaveLength(30000);
    expect(got).toEqual(lines);
  });

  it("invalid UTF-8 and a missing file are errors naming the file", async () => {
    await expect(read("bad.txt", new Uint8Array([0x61, 0x0a, 0xc3, 0x28, 0x0a]))).rejects.toThrow(
      /bad\.txt: invalid UTF-8/,
    );
    const missing = join(dir, "nope.txt");
    await expect(async () => {
      for await (const _ of streamLines(missing)) {
        // nothing
      }
    }).rejects.toThrow(`--input: no such file: ${missing}`);
  });
});

describe("translateFile with the generation flags", () => {
  it("--sample: line i draws from its own generator, whatever the block size; --replace-unk copies", async () => {
    const { translateFile } = await import("../../src/cli/translate-file.js");
    const { Seq2Seq } = await import("../../src/models/seq2seq/index.js");
    const { Vocab, SPECIAL_TOKENS, UNK } = await import("../../src/data/vocab.js");
    const { manualSeed } = await import("../../src/tensor/index.js");
    const { readFileSync } = await import("node:fs");
    manualSeed(2);
    const words = ["a", "b", "c", "d", "e", "f"];
    const vocab = new Vocab([...SPECIAL_TOKENS, ...words]);
    const model = new Seq2Seq({
      srcVocabSize: vocab.size,
      tgtVocabSize: vocab.size,
      embedDim: 6,
      hiddenSize: 6,
      attention: "bahdanau",
      dropout: 0,
    }).eval();
    const input = join(dir, "gen.in");
    writeFileSync(input, "a b c\n\nd e\nf a b c d\nc\n");
    const translator = {
      model,
      tokenize: (s: string) => s.split(" ").filter((w) => w),
      detokenize: (t: string[]) => t.join(" "),
      srcVocab: vocab,
      tgtVocab: vocab,
      maxTargetLength: 6,
    };
    const run = async (blockSize: number, seed: number, extra = {}) => {
      const output = join(dir, `gen-${blockSize}-${seed}.out`);
      await translateFile(
        { ...translator, ...extra },
        {
          input,
          output,
          blockSize,
          quiet: true,
          format: "json",
          generation: { sample: { seed, temperature: 2 } },
        },
      );
      return readFileSync(output, "utf8");
    };
    const whole = await run(32, 4);
    expect(await run(1, 4)).toBe(whole);
    expect(await run(2, 4)).toBe(whole);
    expect(await run(32, 5)).not.toBe(whole);
    // --replace-unk: every source token is "<unk>"-free here, so the copy shows only on <unk> outputs.
    const copied = await run(32, 4, { unkSources: (_: string, toks: string[]) => toks.map((t) => `«${t}»`) });
    const lines = copied
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const plain = whole
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    lines.forEach((l, i) => {
      const before: string[] = plain[i].translations[0]?.tokens ?? [];
      const after: string[] = l.translations[0]?.tokens ?? [];
      expect(after).toHaveLength(before.length);
      after.forEach((t, k) => {
        if (before[k] === vocab.decode([UNK])[0]) expect(t).toMatch(/^«.*»$/);
        else expect(t).toBe(before[k]);
      });
    });
    expect(plain.some((l) => (l.translations[0]?.tokens ?? []).includes("<unk>"))).toBe(true);
  });
});
