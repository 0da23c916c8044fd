import { deflateRawSync, inflateRawSync, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { colorAt } from "../../src/viz/colormap.js";
import {
  adler32,
  crc32,
  deflateFixed,
  deflateStored,
  encodePng,
  heatmapPng,
  heatmapRgba,
  zlibCompress,
} from "../../src/viz/png.js";

const ascii = (s: string) => new TextEncoder().encode(s);

/** A deterministic pseudo-random byte source (xorshift32). */
function randomBytes(n: number, seed = 12345): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
  chunkTypes: string[];
  rgba: Uint8Array;
}

/** Decodes the subset of PNG that encodePng writes, verifying every CRC. Uses node:zlib to inflate. */
function decodePng(png: Uint8Array): DecodedPng {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  const chunkTypes: string[] = [];
  const idat: Uint8Array[] = [];
  let ihdr: Uint8Array | undefined;
  while (at < png.length) {
    const len = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + len);
    const crc = view.getUint32(at + 8 + len);
    expect(crc, `CRC of ${type}`).toBe(crc32(png.subarray(at + 4, at + 8 + len)));
    chunkTypes.push(type);
    if (type === "IHDR") ihdr = data;
    if (type === "IDAT") idat.push(data);
    at += 12 + len;
  }
  expect(at).toBe(png.length);
  if (!ihdr) throw new Error("no IHDR");
  const h = new DataView(ihdr.buffer, ihdr.byteOffset, 13);
  const width = h.getUint32(0);
  const height = h.getUint32(4);
  const zlib = Buffer.concat(idat);
  const raw = inflateSync(zlib);
  const stride = width * 4;
  expect(raw.length).toBe((stride + 1) * height);
  const rgba = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (stride + 1)], "filter type").toBe(0);
    rgba.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, bitDepth: ihdr[8], colorType: ihdr[9], interlace: ihdr[12], chunkTypes, rgba };
}

describe("checksums", () => {
  it("crc32 matches known values", () => {
    expect(crc32(ascii("IEND"))).toBe(0xae426082);
    expect(crc32(ascii("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it("adler32 matches known values", () => {
    expect(adler32(ascii("Wikipedia"))).toBe(0x11e60398);
    expect(adler32(new Uint8Array(0))).toBe(1);
    // Long input exercises the periodic modulo.
    const big = new Uint8Array(100_000).fill(255);
    let a = 1;
    let b = 0;
    for (const v of big) {
      a = (a + v) % 65521;
      b = (b + a) % 65521;
    }
    expect(adler32(big)).toBe(((b << 16) | a) >>> 0);
  });
});

describe("deflate", () => {
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["one byte", Uint8Array.of(42)],
    ["random 70 kB", randomBytes(70_000)],
    ["zeros 100 kB", new Uint8Array(100_000)],
    ["text", ascii("turn off the lights <eos> ".repeat(500))],
    [
      "repeat at distance 20000",
      (() => {
        const r = randomBytes(20_000, 7);
        const out = new Uint8Array(40_000);
        out.set(r);
        out.set(r, 20_000);
        return out;
      })(),
    ],
    [
      "all lengths",
      (() => {
        const parts: number[] = [];
        for (let len = 1; len <= 300; len++) for (let k = 0; k < len; k++) parts.push(len & 0xff);
        return Uint8Array.from(parts);
      })(),
    ],
  ];

  for (const [name, data] of cases) {
    it(`round-trips ${name} through node:zlib (stored and fixed)`, () => {
      expect(Buffer.from(inflateRawSync(deflateStored(data))).equals(Buffer.from(data))).toBe(true);
      expect(Buffer.from(inflateRawSync(deflateFixed(data))).equals(Buffer.from(data))).toBe(true);
      expect(Buffer.from(inflateSync(zlibCompress(data, "stored"))).equals(Buffer.from(data))).toBe(true);
      expect(Buffer.from(inflateSync(zlibCompress(data, "fixed"))).equals(Buffer.from(data))).toBe(true);
    });
  }

  it("splits stored data into 65535-byte blocks", () => {
    const data = randomBytes(140_000);
    // 3 blocks → 3 × 5 header bytes.
    expect(deflateStored(data).length).toBe(140_000 + 15);
  });

  it("compresses repetitive data well, within reach of zlib", () => {
    const zeros = new Uint8Array(100_000);
    expect(deflateFixed(zeros).length).toBeLessThan(1000);
    const text = ascii("turn off the lights <eos> ".repeat(500));
    expect(deflateFixed(text).length).toBeLessThan(3 * deflateRawSync(text).length + 50);
  });

  it("writes a valid zlib header (CMF·256 + FLG divisible by 31)", () => {
    const z = zlibCompress(ascii("x"));
    expect(z[0]).toBe(0x78);
    expect((z[0] * 256 + z[1]) % 31).toBe(0);
  });
});

describe("encodePng", () => {
  it("writes signature, IHDR, IDAT, IEND with valid CRCs, and pixels decode back", () => {
    for (const compression of ["fixed", "stored"] as const) {
      const rgba = randomBytes(7 * 5 * 4, 99);
      const png = encodePng(7, 5, rgba, { compression });
      const d = decodePng(png);
      expect(d.chunkTypes).toEqual(["IHDR", "IDAT", "IEND"]);
      expect([d.width, d.height, d.bitDepth, d.colorType, d.interlace]).toEqual([7, 5, 8, 6, 0]);
      expect(Buffer.from(d.rgba).equals(Buffer.from(rgba))).toBe(true);
      // The last 12 bytes are the empty IEND chunk with its well-known CRC.
      expect([...png.subarray(png.length - 12)]).toEqual([
        0, 0, 0, 0, 73, 69, 78, 68, 0xae, 0x42, 0x60, 0x82,
      ]);
    }
  });

  it("handles images whose raw data spans several stored blocks", () => {
    const rgba = randomBytes(200 * 100 * 4, 3);
    const d = decodePng(encodePng(200, 100, rgba, { compression: "stored" }));
    expect(Buffer.from(d.rgba).equals(Buffer.from(rgba))).toBe(true);
  });

  it("validates its input with shapes in the message", () => {
    expect(() => encodePng(2, 2, new Uint8Array(15))).toThrow(
      "encodePng: rgba has 15 bytes but width×height×4 = 2×2×4 = 16 (image 2×2)",
    );
    expect(() => encodePng(0, 2, new Uint8Array(0))).toThrow(/^encodePng: width must be an integer/);
  });
});

describe("heatmapPng", () => {
  const W = [
    [0.7, 0.1, 0.05, 0.1, 0.05],
    [0.05, 0.1, 0.1, 0.7, 0.05],
    [0.1, 0.6, 0.1, 0.1, 0.1],
    [0.0, 0.05, 0.05, 0.1, 0.8],
  ];

  it("paints one cellSize square per weight inside a 1-px grid", () => {
    const png = heatmapPng(W, { cellSize: 10 });
    const d = decodePng(png);
    expect([d.width, d.height]).toEqual([5 * 10 + 6, 4 * 10 + 5]);
    const px = (x: number, y: number) => [
      ...d.rgba.subarray((y * d.width + x) * 4, (y * d.width + x) * 4 + 4),
    ];
    // Grid lines (white) on the border and between cells.
    expect(px(0, 0)).toEqual([255, 255, 255, 255]);
    expect(px(11, 5)).toEqual([255, 255, 255, 255]);
    expect(px(5, 11)).toEqual([255, 255, 255, 255]);
    expect(px(d.width - 1, d.height - 1)).toEqual([255, 255, 255, 255]);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 5; j++) {
        const expected = [...colorAt("viridis", W[i][j] / 0.8), 255];
        const x0 = 1 + j * 11;
        const y0 = 1 + i * 11;
        expect(px(x0, y0)).toEqual(expected);
        expect(px(x0 + 9, y0 + 9)).toEqual(expected);
        expect(px(x0 + 5, y0 + 3)).toEqual(expected);
      }
    }
    expect(px(1 + 4 * 11 + 5, 1 + 3 * 11 + 5)).toEqual([0xfd, 0xe7, 0x25, 255]); // the max weight
    expect(px(1 + 5, 1 + 3 * 11 + 5)).toEqual([0x44, 0x01, 0x54, 255]); // zero
  });

  it("matches heatmapRgba, and can drop the grid or change colormap", () => {
    const img = heatmapRgba(W, { cellSize: 3, grid: false, colormap: "greys", normalize: "none" });
    expect([img.width, img.height]).toEqual([15, 12]);
    const d = decodePng(heatmapPng(W, { cellSize: 3, grid: false, colormap: "greys", normalize: "none" }));
    expect(Buffer.from(d.rgba).equals(Buffer.from(img.rgba))).toBe(true);
    expect([...img.rgba.subarray(0, 4)]).toEqual([...colorAt("greys", 0.7), 255]);
  });

  it("names itself and the shapes in errors", () => {
    expect(() => heatmapPng([[0.1, Number.NaN]])).toThrow(
      "heatmapPng: weights[0][1] is NaN; all values must be finite numbers (weights 1×2)",
    );
    expect(() => heatmapPng(W, { cellSize: 2.5 })).toThrow(
      "heatmapPng: cellSize must be a positive integer, got 2.5 (weights 4×5)",
    );
  });
});
