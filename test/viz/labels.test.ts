/**
 * The label rules of every picture (src/viz/labels.ts, layout.ts, words.ts): Devanagari column labels
 * stand upright — horizontal, in staggered rows that never overlap, with leaders from raised labels —
 * while Latin-only headers keep their slant; `<unk>` labels are drawn in their own colour (SVG, PNG,
 * terminal); and a map's BPE pieces become whitespace words (sum over a key word's pieces, mean over a
 * query word's), with no "▁" and no byte tokens left in a label.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decode } from "fast-png";
import { describe, expect, it } from "vitest";
import { type Tokenizer, tokenizerFromJSON } from "../../src/data/tokenizers.js";
import { Vocab } from "../../src/data/vocab.js";
import { WordTokenizer } from "../../src/data/word-tokenizer.js";
import { heatmapSvg } from "../../src/viz/heatmap-svg.js";
import { isUnknownLabel, mustStayUpright, UNK_COLOR, UNK_CSS } from "../../src/viz/labels.js";
import { estimateTextWidth, heatmapLayout, staggerLevels } from "../../src/viz/layout.js";
import { heatmapPng, heatmapRgba } from "../../src/viz/png.js";
import { heatmapTerminal } from "../../src/viz/terminal.js";
import { measureText } from "../../src/viz/text-raster.js";
import { sourceWordAxis, tokenWordAxis, wordsCaption, wordWeights } from "../../src/viz/words.js";
import { checkWellFormed } from "./xml.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A ten-word Hindi sentence (“Tomorrow morning I will go to the market with my friend.”). */
const HINDI = "मैं कल सुबह अपने दोस्त के साथ बाज़ार जाऊँगा ।".split(" ");
const causal = (n: number) =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (j <= i ? 1 / (i + 1) : 0)));
const ENGLISH = ["Turn", "off", "the", "lights."];
const LESSON = ["बत्ती", "बंद", "करदो।", "<eos>"];
const W = [
  [0.7, 0.1, 0.1, 0.1],
  [0.1, 0.6, 0.1, 0.2],
  [0.1, 0.1, 0.1, 0.7],
  [0.25, 0.25, 0.25, 0.25],
];

describe("which labels stay upright", () => {
  it("Devanagari (and other Brahmic scripts) must not turn; Latin, digits, <sos> may", () => {
    for (const s of ["बत्ती", "करदो।", "x।", "বাংলা", "ਪੰਜਾਬੀ", "தமிழ்", "ไทย"])
      expect(mustStayUpright(s), s).toBe(true);
    for (const s of ["turn", "lights.", "<sos>", "42", "é", "日本"])
      expect(mustStayUpright(s), s).toBe(false);
  });
});

describe("staggerLevels", () => {
  it("keeps labels that fit side by side on one row and raises a label that would touch its neighbour", () => {
    expect(staggerLevels([10, 40, 70], [20, 20, 20], 4)).toEqual([0, 0, 0]);
    expect(staggerLevels([10, 40, 70, 100], [50, 50, 50, 50], 4)).toEqual([0, 1, 0, 1]);
    // Wider still: three rows, each row's labels apart by the gap.
    const centers = [0, 10, 20, 30, 40, 50];
    const widths = centers.map(() => 24);
    const levels = staggerLevels(centers, widths, 2);
    for (let a = 0; a < centers.length; a++)
      for (let b = a + 1; b < centers.length; b++)
        if (levels[a] === levels[b]) expect(centers[b] - centers[a], `${a} ${b}`).toBeGreaterThanOrEqual(26);
  });
});

describe("heatmapSvg labels", () => {
  const texts = (svg: string) => checkWellFormed(svg).filter((e) => e.name === "text");

  it("draws Devanagari column labels upright: no transform, centred, in rows that never overlap", () => {
    const svg = heatmapSvg(causal(HINDI.length), { rowLabels: HINDI, colLabels: HINDI, cellSize: 24 });
    const els = checkWellFormed(svg);
    const group = els.findIndex((e) => e.name === "g" && e.attrs.class?.startsWith("col-labels"));
    expect(els[group].attrs.class).toBe("col-labels upright");
    const cols = els.slice(group + 1, group + 1 + HINDI.length);
    expect(cols.map((t) => t.text)).toEqual(HINDI);
    for (const t of cols) {
      expect(t.attrs.transform, t.text).toBeUndefined();
      expect(t.attrs["text-anchor"]).toBe("middle");
    }
    // Labels on one baseline keep apart (estimated widths, as the layout measured them).
    const boxes = cols.map((t) => {
      const w = estimateTextWidth(t.text, 12);
      return { l: Number(t.attrs.x) - w / 2, r: Number(t.attrs.x) + w / 2, y: Number(t.attrs.y) };
    });
    for (let a = 0; a < boxes.length; a++)
      for (let b = a + 1; b < boxes.length; b++)
        if (boxes[a].y === boxes[b].y)
          expect(boxes[a].r, `${HINDI[a]} / ${HINDI[b]}`).toBeLessThan(boxes[b].l);
    // At 24 px cells the words do not all fit on one row: some are raised, each with a leader line
    // down to its column.
    const rows = new Set(boxes.map((b) => b.y));
    expect(rows.size).toBeGreaterThan(1);
    const leaders = els.filter((e) => e.name === "line" && els.indexOf(e) < group);
    const lowest = Math.max(...boxes.map((b) => b.y));
    expect(leaders).toHaveLength(boxes.filter((b) => b.y < lowest).length);
  });

  it("keeps Latin-only column labels slanted (45° by default)", () => {
    const svg = heatmapSvg(W, { rowLabels: LESSON, colLabels: ENGLISH });
    const cols = texts(svg).filter((t) => ENGLISH.includes(t.text));
    expect(cols).toHaveLength(4);
    for (const t of cols) expect(t.attrs.transform).toMatch(/rotate\(-45\)/);
  });

  it("turns no label of a header with a Devanagari one, even at colLabelAngle 90 (<sos> included)", () => {
    const labels = ["<sos>", ...LESSON.slice(0, 3)];
    const svg = heatmapSvg(causal(4), { rowLabels: labels, colLabels: labels, colLabelAngle: 90 });
    expect(svg).not.toMatch(/rotate\(/);
  });

  it("draws <unk> labels in their own colour, and the caption under the map", () => {
    const rows = ["दरवाज़े", "<unk>।", "<eos>", "से"];
    const svg = heatmapSvg(W, {
      rowLabels: rows,
      colLabels: ["<unk>", "off", "the", "lights."],
      caption: "C",
    });
    const t = texts(svg);
    const unk = t.filter((e) => e.attrs.class === "unk");
    expect(unk.map((e) => e.text).sort()).toEqual(["<unk>", "<unk>।"]);
    for (const e of unk) expect(e.attrs.fill).toBe(UNK_CSS);
    expect(t.filter((e) => e.text === "से" || e.text === "<eos>").every((e) => e.attrs.class !== "unk")).toBe(
      true,
    );
    expect(t.find((e) => e.text === "C")).toBeDefined();
  });
});

describe("heatmapPng labels", () => {
  const opts = { rowLabels: HINDI, colLabels: HINDI, cellSize: 24 };
  const raster = heatmapRgba(causal(HINDI.length), opts);
  const L = raster.layout!;
  const img = decode(heatmapPng(causal(HINDI.length), opts));
  const dark = (x: number, y: number) => {
    const o = (y * img.width + x) * 4;
    return img.data[o] + img.data[o + 1] + img.data[o + 2] < 3 * 140;
  };

  it("lays the PNG out as the SVG: upright rows of labels for a Devanagari header", () => {
    expect(L.colLabelMode).toBe("upright");
    expect(L.colLabelAngle).toBe(0);
    expect(Math.max(...L.colLabelLevel)).toBeGreaterThan(0);
    expect(L.colLeaders.length).toBe(L.colLabelLevel.filter((k) => k > 0).length);
  });

  it("paints each Devanagari column label horizontally inside its own box: ink wider than tall", () => {
    for (let j = 0; j < HINDI.length; j++) {
      const b = L.colLabelBox(j);
      let [l, t, r, btm] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, -1, -1];
      for (let y = Math.max(0, Math.floor(b.y - 4)); y < Math.ceil(b.y + b.h); y++)
        for (let x = Math.max(0, Math.floor(b.x)); x < Math.ceil(b.x + b.w); x++)
          if (dark(x, y)) {
            l = Math.min(l, x);
            r = Math.max(r, x);
            t = Math.min(t, y);
            btm = Math.max(btm, y);
          }
      const w = r - l + 1;
      const h = btm - t + 1;
      expect(r, HINDI[j]).toBeGreaterThan(0);
      if (measureText(HINDI[j], 12) > 18) expect(w, `${HINDI[j]} ink ${w}×${h}`).toBeGreaterThan(h);
      // As wide as the word's advance: drawn along the baseline, not turned.
      // (The danda "।" is one thin stroke between wide side bearings.)
      if (HINDI[j] !== "।") expect(Math.abs(w - measureText(HINDI[j], 12)), HINDI[j]).toBeLessThanOrEqual(3);
    }
  });

  it("keeps the slant for a Latin header and colours <unk> labels", () => {
    const lay = heatmapLayout({
      rowLabels: LESSON,
      colLabels: ENGLISH,
      cellSize: 24,
      line: 1,
      fontSize: 12,
      colLabelAngle: 45,
      colorbar: true,
      tickLabels: ["0", "1"],
      measure: measureText,
    });
    expect(lay.colLabelMode).toBe("rotated");
    expect(lay.colLabelAngle).toBe(45);
    const rows = ["<unk>", "बंद", "करदो।", "<eos>"];
    const r = heatmapRgba(W, { rowLabels: rows, colLabels: ENGLISH, cellSize: 24 });
    const red = (i: number) => {
      const y0 = Math.round(r.layout!.cy(i) - 8);
      let n = 0;
      for (let y = y0; y < y0 + 16; y++)
        for (let x = 0; x < r.layout!.gridX; x++) {
          const o = (y * r.width + x) * 4;
          const [R, G, B] = [r.rgba[o], r.rgba[o + 1], r.rgba[o + 2]];
          if (R > 150 && R - G > 60 && R - B > 60) n++;
        }
      return n;
    };
    expect(red(0)).toBeGreaterThan(10);
    expect(red(1)).toBe(0);
    expect(red(3)).toBe(0);
    expect(UNK_COLOR[0]).toBeGreaterThan(150);
  });
});

describe("heatmapTerminal labels", () => {
  it("packs short staggered labels onto one line, with guides left of them", () => {
    const out = heatmapTerminal(W.slice(0, 2), {
      rowLabels: ["a", "b"],
      colLabels: ["Where", "is", "the", "station?"],
      color: "none",
      cellWidth: 3,
      legend: false,
    });
    expect(out.split("\n").slice(0, 3)).toEqual(["    Where", "    │   is  the", "    │   │   │   station?"]);
  });

  it("colours <unk> labels in the coloured modes", () => {
    const out = heatmapTerminal(W, { rowLabels: ["<unk>।", "b", "c", "d"], colLabels: ["a", "b", "c", "d"] });
    const [r, g, b] = UNK_COLOR;
    expect(out).toContain(`\u001b[38;2;${r};${g};${b}m<unk>।\u001b[39m`);
    expect(isUnknownLabel("<unk>।")).toBe(true);
    expect(isUnknownLabel("unk")).toBe(false);
  });
});

describe("maps as words", () => {
  const meta = JSON.parse(readFileSync(join(ROOT, "pretrained/en-hi-transformer/best.json"), "utf8")).meta;
  const src: Tokenizer = tokenizerFromJSON(meta.srcTokenizer);
  const tgt: Tokenizer = tokenizerFromJSON(meta.tgtTokenizer);

  it("source: the line's whitespace words as written, each token mapped to its word", () => {
    const a = sourceWordAxis("Turn off the lights.", src);
    expect(src.tokenize("Turn off the lights.")).toEqual(["▁turn", "▁off", "▁the", "▁light", "s", "."]);
    expect(a.labels).toEqual(["Turn", "off", "the", "lights."]);
    expect(a.tokenWord).toEqual([0, 1, 2, 3, 3, 3]);
    expect(a.pieceLabels).toEqual(["turn", "off", "the", "light", "s", "."]);
  });

  it("output pieces: words without ▁, Devanagari words whole, <eos>/<sos> their own words", () => {
    const a = tokenWordAxis(["▁बत्", "ती", "▁बंद", "▁कर", "दो", "।", "<eos>"], tgt);
    expect(a.labels).toEqual(["बत्ती", "बंद", "करदो।", "<eos>"]);
    expect(a.tokenWord).toEqual([0, 0, 1, 2, 2, 2, 3]);
    // Pieces a model may produce but the tokenizer would not (▁ब त् ती): still one word.
    const b = tokenWordAxis(["<sos>", "▁ब", "त्", "ती", "▁बंद"], tgt);
    expect(b.labels).toEqual(["<sos>", "बत्ती", "बंद"]);
    // Byte tokens are decoded into their word.
    const bytes = tgt.tokenize("क़ुतुबमीनार");
    expect(bytes.some((p) => p.startsWith("<0x"))).toBe(true);
    const c = tokenWordAxis(bytes, tgt);
    expect(c.labels).toEqual(["क़ुतुबमीनार"]);
    for (const l of [...a.labels, ...b.labels, ...c.labels]) expect(l).not.toMatch(/▁|<0x/);
  });

  it("a word model's tokens: punctuation joins its word as in the text, <unk> kept (and marked)", () => {
    const words = new WordTokenizer(
      new Vocab(["<pad>", "<unk>", "<sos>", "<eos>", "दरवाज़े", "से", "बंद", "।"]),
      {
        split: "words",
        lowercase: true,
      },
    );
    const a = tokenWordAxis(["दरवाज़े", "से", "बंद", "<unk>", "।", "<eos>"], words);
    expect(a.labels).toEqual(["दरवाज़े", "से", "बंद", "<unk>।", "<eos>"]);
    expect(a.labels.filter(isUnknownLabel)).toEqual(["<unk>।"]);
    // A source word the vocabulary lacks shows its <unk>.
    const s = sourceWordAxis("zyx बंद।", words);
    expect(s.labels).toEqual(["<unk>", "बंद।"]);
  });

  it("a source line whose tokens cannot be placed on it: the words the tokens spell", () => {
    const vocab = new Vocab(["<pad>", "<unk>", "<sos>", "<eos>", "x", "y"]);
    const odd = {
      kind: "word",
      vocab,
      size: vocab.size,
      normalize: (t: string) => t,
      tokenize: () => ["x", "y"],
      detokenize: (ts: readonly string[]) => ts.join(" "),
    } as unknown as Tokenizer;
    const a = sourceWordAxis("a b", odd);
    expect(a.labels).toEqual(["x", "y"]);
    expect(a.tokenWord).toEqual([0, 1]);
  });

  it("weights: SUM over a column word's pieces, MEAN over a row word's pieces (rows stay distributions)", () => {
    const cols = sourceWordAxis("Turn off the lights.", src); // 6 tokens → 4 words
    const rows = tokenWordAxis(["▁बत्", "ती", "▁बंद", "<eos>"], tgt); // 4 tokens → 3 words
    const w = [
      [0.1, 0.1, 0.1, 0.3, 0.2, 0.2],
      [0.3, 0.1, 0.1, 0.1, 0.2, 0.2],
      [0.0, 0.5, 0.1, 0.1, 0.1, 0.2],
      [0.2, 0.2, 0.2, 0.2, 0.1, 0.1],
    ];
    const m = wordWeights(w, rows, cols);
    expect(m).toHaveLength(3);
    const close = (a: number[], b: number[]) => {
      a.forEach((x, k) => {
        expect(x).toBeCloseTo(b[k], 12);
      });
    };
    close(m[0], [0.2, 0.1, 0.1, 0.6]); // mean of rows 0 and 1, then lights. = light + s + .
    close(m[1], [0.0, 0.5, 0.1, 0.4]);
    close(m[2], [0.2, 0.2, 0.2, 0.4]);
    for (const row of m) expect(row.reduce((p, x) => p + x, 0)).toBeCloseTo(1, 12);
    expect(wordsCaption("target", "source")).toMatch(
      /summed over a source word's pieces, averaged over a target/,
    );
  });
});
