/** Text readers: every line-break convention, invalid UTF-8 named by file and line, bad paths named. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeUtf8, firstInvalidUtf8, splitLines } from "../../src/data/index.js";
import { readScanFile, readTextFile } from "../../src/node.js";

const dir = mkdtempSync(join(tmpdir(), "qkv-lines-"));

describe("splitLines", () => {
  it("breaks lines at LF, CRLF and a lone CR (old Mac files)", () => {
    expect(splitLines("a\rb\rc\r")).toEqual(["a", "b", "c"]);
    expect(splitLines("a\r\nb\nc\rd")).toEqual(["a", "b", "c", "d"]);
    expect(splitLines("\ufeffa\r\n\r\nb")).toEqual(["a", "", "b"]);
  });

  it("a CR-only SCAN file reads as separate pairs", () => {
    const f = join(dir, "cr.txt");
    writeFileSync(f, "IN: jump OUT: I_JUMP\rIN: walk twice OUT: I_WALK I_WALK\r");
    expect(readScanFile(f)).toEqual([
      { source: ["jump"], target: ["I_JUMP"] },
      { source: ["walk", "twice"], target: ["I_WALK", "I_WALK"] },
    ]);
  });
});

describe("readTextFile", () => {
  it("invalid UTF-8 is an error naming the file and line, not a silent U+FFFD", () => {
    const f = join(dir, "latin1.txt");
    writeFileSync(
      f,
      Buffer.concat([Buffer.from("ok\r\nfine\ncaf"), Buffer.from([0xe9]), Buffer.from(" au lait\n")]),
    );
    expect(() => readTextFile(f)).toThrow(`${f}:3: invalid UTF-8 at byte 4 of the line (bytes e9 20 61 75)`);
  });

  it("a folder or a missing path is named", () => {
    const sub = join(dir, "a-folder");
    mkdirSync(sub);
    expect(() => readTextFile(sub)).toThrow(`${sub} is a folder, not a text file`);
    expect(() => readTextFile(join(dir, "nope.txt"))).toThrow(
      `Data file not found: ${join(dir, "nope.txt")}`,
    );
  });

  it("firstInvalidUtf8 agrees with the WHATWG decoder on random bytes (fast-check)", () => {
    const strict = new TextDecoder("utf-8", { fatal: true });
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 24 }),
      fc.string({ unit: "binary", maxLength: 12 }).map((s) => new TextEncoder().encode(s)),
    );
    fc.assert(
      fc.property(bytes, fc.nat({ max: 30 }), fc.integer({ min: 0, max: 255 }), (b, at, v) => {
        const x = b.slice();
        if (at < x.length) x[at] = v;
        let valid = true;
        try {
          strict.decode(x);
        } catch {
          valid = false;
        }
        expect(firstInvalidUtf8(x) < 0).toBe(valid);
        if (valid) expect(decodeUtf8(x, "f")).toBe(strict.decode(x));
      }),
      { numRuns: 3000, seed: 7 },
    );
  });
});
