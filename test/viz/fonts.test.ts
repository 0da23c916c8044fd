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
  fontFaceCss,
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

  it("declares the Devanagari subset as an @font-face rule with its bytes, family and unicode-range", () => {
    const css = fontFaceCss();
    expect(css).toMatch(/^@font-face \{/);
    expect(css).toContain('font-family: "Noto Sans Devanagari";');
    expect(css).toContain(`unicode-range: ${EMBEDDED_FONT_SUBSETS[1].unicodeRange};`);
    expect(css).toContain("font-display: block;");
    const url = /src: url\(data:font\/woff2;base64,([A-Za-z0-9+/=]+)\) format\("woff2"\);/.exec(css);
    expect(url, "a WOFF2 data: URL").not.toBeNull();
    expect(
      Buffer.from(base64ToBytes(url![1])).equals(Buffer.from(base64ToBytes(EMBEDDED_FONT_SUBSETS[1].base64))),
    ).toBe(true);
    expect(url![1].length).toBeGreaterThan(1000); // the subset's bytes, not an empty face
  });
});
