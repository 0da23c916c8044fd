import { describe, expect, it } from "vitest";
import { detokenize, tokenize, tokenSpans } from "../../src/data/tokenizer.js";

describe("tokenize", () => {
  it("splits English words and punctuation, lowercasing on request", () => {
    expect(tokenize("Turn off the light, please.", { lowercase: true })).toEqual([
      "turn",
      "off",
      "the",
      "light",
      ",",
      "please",
      ".",
    ]);
    expect(tokenize("Turn off the light, please.")).toEqual([
      "Turn",
      "off",
      "the",
      "light",
      ",",
      "please",
      ".",
    ]);
  });

  it("keeps apostrophes inside English words as one token", () => {
    expect(tokenize("Don't do it, it's Tom's.")).toEqual(["Don't", "do", "it", ",", "it's", "Tom's", "."]);
    expect(tokenize("I can’t.")).toEqual(["I", "can’t", "."]);
    expect(tokenize("'quoted'")).toEqual(["'", "quoted", "'"]);
  });

  it("handles French accents, elision, hyphens and spaced punctuation", () => {
    expect(tokenize("Je n'aime pas ça ! Peut-être demain ?", { lowercase: true })).toEqual([
      "je",
      "n'aime",
      "pas",
      "ça",
      "!",
      "peut-être",
      "demain",
      "?",
    ]);
    expect(tokenize("« Où est la gare ? »")).toEqual(["«", "Où", "est", "la", "gare", "?", "»"]);
  });

  it("handles German umlauts, eszett and capitalised nouns", () => {
    expect(tokenize("Ich weiß es nicht. Die Brücke ist schön!")).toEqual([
      "Ich",
      "weiß",
      "es",
      "nicht",
      ".",
      "Die",
      "Brücke",
      "ist",
      "schön",
      "!",
    ]);
    expect(tokenize("ÜBER Straße", { lowercase: true })).toEqual(["über", "straße"]);
  });

  it("keeps Devanagari words whole (matras, anusvara, virama, nukta) and splits the danda", () => {
    expect(tokenize("लाइट बंद करो।")).toEqual(["लाइट", "बंद", "करो", "।"]);
    expect(tokenize("क्या तुम्हें यह पसंद है?")).toEqual(["क्या", "तुम्हें", "यह", "पसंद", "है", "?"]);
    // "ख़" is decomposed by NFC into ख + nukta (U+093C), a combining mark: still one word.
    expect(tokenize("बतख़!")).toEqual(["बतख़".normalize("NFC"), "!"]);
    expect(tokenize("जय हिंद॥")).toEqual(["जय", "हिंद", "॥"]);
  });

  it("applies NFC normalisation", () => {
    const decomposed = "cafe\u0301"; // e + combining acute
    expect(tokenize(decomposed)).toEqual(["caf\u00e9"]);
  });

  it("keeps numbers with separators and ellipses together", () => {
    expect(tokenize("It costs 3.50 or 1,000 yen...")).toEqual([
      "It",
      "costs",
      "3.50",
      "or",
      "1,000",
      "yen",
      "...",
    ]);
    expect(tokenize("   ")).toEqual([]);
  });
});

describe("detokenize", () => {
  it("puts no space before closing punctuation or after opening punctuation", () => {
    expect(detokenize(["turn", "off", "the", "light", ",", "please", "."])).toBe(
      "turn off the light, please.",
    );
    expect(detokenize(["He", "said", '"', "hi", '"', "(", "twice", ")", "."])).toBe('He said "hi" (twice).');
    expect(detokenize(["लाइट", "बंद", "करो", "।"])).toBe("लाइट बंद करो।");
    expect(detokenize([])).toBe("");
  });

  it("inverts tokenize on conventionally spaced text", () => {
    for (const s of [
      "Don't do it, it's 3.14 (really).",
      "Ich weiß es nicht. Die Brücke ist schön!",
      "क्या तुम्हें यह पसंद है?",
      "Wait... what?",
    ]) {
      expect(detokenize(tokenize(s))).toBe(s);
    }
  });
});

describe("tokenSpans", () => {
  it("gives the tokens of tokenize with their offsets; only whitespace lies between them", () => {
    const s = "Don't  go — बत्ती बंद करो।";
    const spans = tokenSpans(s);
    expect(spans.map((x) => x.token)).toEqual(tokenize(s));
    expect(spans.map((x) => s.slice(x.start, x.end))).toEqual(tokenize(s));
    spans.forEach((x, i) => {
      const gap = s.slice(i === 0 ? 0 : spans[i - 1].end, x.start);
      expect(gap.trim()).toBe("");
    });
  });
});
