import { describe, expect, it } from "vitest";
import {
  displayWidth,
  escapeXml,
  graphemes,
  padStartWidth,
  stripAnsi,
  truncateToWidth,
} from "../../src/viz/text.js";

describe("displayWidth", () => {
  it("counts Devanagari by grapheme cluster: vowel signs and anusvara add no width", () => {
    expect(displayWidth("करो")).toBe(3); // क + र + ो (spacing vowel sign, Mc: one cell, as wcwidth)
    expect(displayWidth("बंद")).toBe(2); // ब + ं (anusvara, Mn: no cell) + द
    expect(displayWidth("लाइट")).toBe(4); // ल + ा + इ + ट
    expect(displayWidth("लिफ़्ट")).toBe(4); // ल + ि + फ + ़ (Mn) + ् (Mn) + ट
    expect(displayWidth("लाइट बंद करो")).toBe(11);
    expect("करो".length).toBe(3); // UTF-16 length would misalign
    expect(graphemes("करो")).toEqual(["क", "रो"]);
  });

  it("counts ASCII as 1, CJK and emoji as 2, combining accents as 0", () => {
    expect(displayWidth("lights")).toBe(6);
    expect(displayWidth("日本語")).toBe(6);
    expect(displayWidth("e\u0301")).toBe(1);
    expect(displayWidth("👍")).toBe(2);
    expect(displayWidth("👨\u200d👩\u200d👧")).toBe(2); // one ZWJ sequence
    expect(displayWidth("")).toBe(0);
  });

  it("ignores ANSI escape sequences", () => {
    const s = "\u001b[48;2;68;1;84m  \u001b[0m\u001b[1mab\u001b[0m";
    expect(stripAnsi(s)).toBe("  ab");
    expect(displayWidth(s)).toBe(4);
  });
});

describe("truncateToWidth / padStartWidth", () => {
  it("cuts at grapheme boundaries by display width", () => {
    expect(truncateToWidth("lights", 6)).toBe("lights");
    expect(truncateToWidth("lights", 4)).toBe("lig…");
    expect(truncateToWidth("日本語", 4)).toBe("日…");
    expect(truncateToWidth("लाइट बंद", 3)).toBe("ला…"); // keeps "ला" (ल + ा, 2 cells) whole
    expect(truncateToWidth("लाइट बंद", 4)).toBe("लाइ…");
    expect(displayWidth(truncateToWidth("लाइट बंद करो", 5))).toBeLessThanOrEqual(5);
  });

  it("pads by display width", () => {
    expect(padStartWidth("करो", 5)).toBe("  करो");
    expect(displayWidth(padStartWidth("करो", 5))).toBe(5);
  });
});

describe("escapeXml", () => {
  it("escapes the five XML specials", () => {
    expect(escapeXml(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  });
});
