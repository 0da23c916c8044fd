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
