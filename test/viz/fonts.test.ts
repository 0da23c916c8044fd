import { readFileSync } from "node:fs";
import * as fontkit from "fontkit";
import { describe, expect, it } from "vitest";
import { fontPackage, SUBSETS } from "../../scripts/embed-fonts.js";
import { NOTO_SANS_DEVANAGARI_VERSION } from "../../src/viz/fonts.generated.js";
import {
  base64ToBytes,
  DEFAULT_FONT_FAMILY,
  EMBEDDED_FONT_FAMILY,
  EMBEDDED_FONT_SUBSETS,
  fontFaceScript,
  needsDevanagari,
  parseUnicodeRange,
} from "../../src/viz/fonts.js";

describe("embedded font", () => {
  it("is byte for byte the installed @fontsource/noto-sans-devanagari files (regenerate: scripts/embed-fonts.ts)", () => {
    const pkg = fontPackage();
    expect(NOTO_SANS_DEVANAGARI_VERSION).toBe(pkg.version);
    expect(EMBEDDED_FONT_SUBSETS.map((s) => s.name)).toEqual([...SUBSETS]);
    for (const s of EMBEDDED_FONT_SUBSETS) {
      const bytes = base64ToBytes(s.base64);
      expect(Buffer.from(bytes).equals(readFileSync(pkg.file(s.name))), s.name).toBe(true);
    }
  });

  it("parses as Noto Sans Devanagari with Latin and Devanagari glyphs in their subsets", () => {
    const [latin, deva] = EMBEDDED_FONT_SUBSETS.map((s) => {
      const f = fontkit.create(Buffer.from(base64ToBytes(s.base64)));
      if (!("familyName" in f)) throw new Error("collection");
      return f;
    });
    expect(latin.familyName).toBe(EMBEDDED_FONT_FAMILY);
    expect(deva.familyName).toBe(EMBEDDED_FONT_FAMILY);
    expect(latin.hasGlyphForCodePoint("A".codePointAt(0) ?? 0)).toBe(true);
    expect(deva.hasGlyphForCodePoint("ल".codePointAt(0) ?? 0)).toBe(true);
    expect(latin.hasGlyphForCodePoint("ल".codePointAt(0) ?? 0)).toBe(false);
  });

  it("is named in the default font stack", () => {
    expect(DEFAULT_FONT_FAMILY).toContain("'Noto Sans Devanagari'");
    expect(DEFAULT_FONT_FAMILY.endsWith("sans-serif")).toBe(true);
  });
});

describe("font helpers", () => {
  it("decodes base64 with and without padding", () => {
    expect([...base64ToBytes("AAEC/w==")]).toEqual([0, 1, 2, 255]);
    expect([...base64ToBytes("aGk=")]).toEqual([104, 105]);
    expect([...base64ToBytes("")]).toEqual([]);
  });

  it("parses CSS unicode-range lists and rejects junk", () => {
    expect(parseUnicodeRange("U+0900-097F,U+25CC, U+A8E0-A8FF")).toEqual([
      [0x900, 0x97f],
      [0x25cc, 0x25cc],
      [0xa8e0, 0xa8ff],
    ]);
    expect(() => parseUnicodeRange("U+09XX")).toThrow('parseUnicodeRange: cannot parse "U+09XX" in U+09XX');
  });

  it("tells Hindi text from Latin text", () => {
    expect(needsDevanagari("लाइट")).toBe(true);
    expect(needsDevanagari("the <eos> लाइट")).toBe(true);
    expect(needsDevanagari("turn off the lights <eos> — “quoted” ü")).toBe(false);
    expect(needsDevanagari("a\u200db")).toBe(false); // a joiner alone is not Devanagari
  });

  it("registers the Devanagari subset as a FontFace in the page's script", () => {
    const added: { family: string; bytes: Uint8Array; descriptors: { unicodeRange: string } }[] = [];
    let loads = 0;
    class FakeFontFace {
      constructor(
        public family: string,
        public source: ArrayBuffer,
        public descriptors: { unicodeRange: string },
      ) {}
      load() {
        loads++;
      }
    }
    const document = {
      fonts: {
        add: (f: FakeFontFace) =>
          added.push({ family: f.family, bytes: new Uint8Array(f.source), descriptors: f.descriptors }),
      },
    };
    new Function("document", "FontFace", "atob", fontFaceScript())(document, FakeFontFace, atob);
    expect(added).toHaveLength(1);
    expect(added[0].family).toBe("Noto Sans Devanagari");
    expect(added[0].descriptors.unicodeRange).toBe(EMBEDDED_FONT_SUBSETS[1].unicodeRange);
    expect(
      Buffer.from(added[0].bytes).equals(Buffer.from(base64ToBytes(EMBEDDED_FONT_SUBSETS[1].base64))),
    ).toBe(true);
    expect(loads).toBe(1);
    // Without the Font Loading API (old browsers, this test's plain scope) it does nothing and throws nothing.
    expect(() => new Function("document", "FontFace", fontFaceScript())({}, undefined)).not.toThrow();
  });
});
