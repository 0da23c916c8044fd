/**
 * A dependency-free PNG encoder (8-bit RGBA, no interlace) in plain TypeScript, so it runs in Node and in
 * browsers alike: CRC-32, Adler-32 and a zlib stream written here, either with stored (uncompressed)
 * deflate blocks or with a small fixed-Huffman LZ77 deflate, plus `heatmapPng` for attention weights.
 */
import { type ColormapName, colorAt, type RGB } from "./colormap.js";
import { makeScale, type ScaleOptions, validateMatrix } from "./matrix.js";

let crcTable: Uint32Array | undefined;

function getCrcTable(): Uint32Array {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  return crcTable;
}

/** CRC-32 (ISO 3309 / PNG / zlib polynomial) of `bytes`, as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const table = getCrcTable();
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Adler-32 checksum (the zlib trailer) of `bytes`, as an unsigned 32-bit integer. */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  const MOD = 65521;
  // Reduce every 5552 bytes (zlib's NMAX) so the running sums stay small integers.
  for (let i = 0; i < bytes.length; ) {
    const stop = Math.min(bytes.length, i + 5552);
    for (; i < stop; i++) {
      a += bytes[i];
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}

/** How the zlib stream inside IDAT is compressed. */
export type PngCompression = "fixed" | "stored";

/** A growable byte buffer with an LSB-first bit writer (deflate's bit order). */
class ByteWriter {
  buf: Uint8Array;
  length = 0;
  private bitBuf = 0;
  private bitCount = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(64, capacity));
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b & 0xff;
  }

  bytes(data: Uint8Array, start = 0, end = data.length): void {
    this.ensure(end - start);
    this.buf.set(data.subarray(start, end), this.length);
    this.length += end - start;
  }

  /** Appends the low `n` bits of `value`, least significant first (n ≤ 24). */
  bits(value: number, n: number): void {
    this.bitBuf |= (value & ((1 << n) - 1)) << this.bitCount;
    this.bitCount += n;
    while (this.bitCount >= 8) {
      this.byte(this.bitBuf & 0xff);
      this.bitBuf >>>= 8;
      this.bitCount -= 8;
    }
  }

  /** Pads the pending bits with zeros to a byte boundary. */
  flushBits(): void {
    if (this.bitCount > 0) this.byte(this.bitBuf & 0xff);
    this.bitBuf = 0;
    this.bitCount = 0;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Raw deflate (RFC 1951) of `data` as stored blocks of at most 65535 bytes. */
export function deflateStored(data: Uint8Array): Uint8Array {
  const w = new ByteWriter(data.length + 5 * (Math.ceil(data.length / 65535) + 1));
  let pos = 0;
  do {
    const len = Math.min(65535, data.length - pos);
    const final = pos + len >= data.length;
    w.byte(final ? 1 : 0); // BFINAL, BTYPE = 00
    w.byte(len & 0xff);
    w.byte(len >>> 8);
    w.byte(~len & 0xff);
    w.byte((~len >>> 8) & 0xff);
    w.bytes(data, pos, pos + len);
    pos += len;
  } while (pos < data.length);
  return w.result();
}

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];

function reverseBits(v: number, n: number): number {
  let r = 0;
  for (let i = 0; i < n; i++) {
    r = (r << 1) | (v & 1);
    v >>>= 1;
  }
  return r;
}

interface FixedTables {
  /** Literal/length symbol → bit-reversed fixed Huffman code and its length. */
  litCode: Uint16Array;
  litLen: Uint8Array;
  /** Distance symbol → bit-reversed 5-bit code. */
  distCode: Uint16Array;
  /** Match length (3..258) → length symbol index into LENGTH_BASE. */
  lengthIndex: Uint8Array;
}

let fixedTables: FixedTables | undefined;

function getFixedTables(): FixedTables {
  if (fixedTables) return fixedTables;
  const litCode = new Uint16Array(288);
  const litLen = new Uint8Array(288);
  for (let s = 0; s < 288; s++) {
    let code: number;
    let len: number;
    if (s < 144) [code, len] = [0x30 + s, 8];
    else if (s < 256) [code, len] = [0x190 + (s - 144), 9];
    else if (s < 280) [code, len] = [s - 256, 7];
    else [code, len] = [0xc0 + (s - 280), 8];
    litCode[s] = reverseBits(code, len);
    litLen[s] = len;
  }
  const distCode = new Uint16Array(30);
  for (let d = 0; d < 30; d++) distCode[d] = reverseBits(d, 5);
  const lengthIndex = new Uint8Array(259);
  for (let k = 0; k < LENGTH_BASE.length; k++) {
    const end = k + 1 < LENGTH_BASE.length ? LENGTH_BASE[k + 1] : 259;
    for (let l = LENGTH_BASE[k]; l < end; l++) lengthIndex[l] = k;
  }
  fixedTables = { litCode, litLen, distCode, lengthIndex };
  return fixedTables;
}

function distIndex(d: number): number {
  let lo = 0;
  let hi = DIST_BASE.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (DIST_BASE[mid] <= d) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Raw deflate (RFC 1951) of `data` as one block with the fixed Huffman codes and greedy LZ77 matching
 * (hash chains over a 32 KiB window). Simple, and very effective on heatmaps' long runs of equal pixels.
 */
export function deflateFixed(data: Uint8Array): Uint8Array {
  const { litCode, litLen, distCode, lengthIndex } = getFixedTables();
  const w = new ByteWriter((data.length >>> 2) + 64);
  const WINDOW = 32768;
  const WMASK = WINDOW - 1;
  const HASH_BITS = 15;
  const HMASK = (1 << HASH_BITS) - 1;
  const MAX_CHAIN = 64;
  const n = data.length;
  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  const prev = new Int32Array(WINDOW).fill(-1);
  const hashAt = (i: number) => ((data[i] << 10) ^ (data[i + 1] << 5) ^ data[i + 2]) & HMASK;
  const insert = (i: number) => {
    const h = hashAt(i);
    prev[i & WMASK] = head[h];
    head[h] = i;
  };
  const literal = (b: number) => w.bits(litCode[b], litLen[b]);

  w.bits(1, 1); // BFINAL
  w.bits(1, 2); // BTYPE = 01, fixed Huffman
  let i = 0;
  while (i < n) {
    let bestLen = 0;
    let bestDist = 0;
    if (i + 3 <= n) {
      const maxLen = Math.min(258, n - i);
      let cand = head[hashAt(i)];
      let chain = MAX_CHAIN;
      while (cand >= 0 && i - cand <= WINDOW && chain-- > 0) {
        if (data[cand + bestLen] === data[i + bestLen] && data[cand] === data[i]) {
          let len = 0;
          while (len < maxLen && data[cand + len] === data[i + len]) len++;
          if (len > bestLen) {
            bestLen = len;
            bestDist = i - cand;
            if (len === maxLen) break;
          }
        }
        cand = prev[cand & WMASK];
      }
      insert(i);
    }
    if (bestLen >= 3) {
      const li = lengthIndex[bestLen];
      const sym = 257 + li;
      w.bits(litCode[sym], litLen[sym]);
      if (LENGTH_EXTRA[li] > 0) w.bits(bestLen - LENGTH_BASE[li], LENGTH_EXTRA[li]);
      const di = distIndex(bestDist);
      w.bits(distCode[di], 5);
      if (DIST_EXTRA[di] > 0) w.bits(bestDist - DIST_BASE[di], DIST_EXTRA[di]);
      for (let k = 1; k < bestLen; k++) if (i + k + 3 <= n) insert(i + k);
      i += bestLen;
    } else {
      literal(data[i]);
      i++;
    }
  }
  w.bits(litCode[256], litLen[256]); // end of block
  w.flushBits();
  return w.result();
}

/** A zlib stream (RFC 1950): header 78 01, raw deflate, Adler-32 of the uncompressed data. */
export function zlibCompress(data: Uint8Array, compression: PngCompression = "fixed"): Uint8Array {
  const body = compression === "stored" ? deflateStored(data) : deflateFixed(data);
  const out = new Uint8Array(body.length + 6);
  out[0] = 0x78; // deflate, 32 KiB window
  out[1] = 0x01; // no dictionary, FLEVEL 0; (0x78 << 8 | 0x01) % 31 === 0
  out.set(body, 2);
  const a = adler32(data);
  out[out.length - 4] = a >>> 24;
  out[out.length - 3] = (a >>> 16) & 0xff;
  out[out.length - 2] = (a >>> 8) & 0xff;
  out[out.length - 1] = a & 0xff;
  return out;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function writeU32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v >>> 24;
  buf[at + 1] = (v >>> 16) & 0xff;
  buf[at + 2] = (v >>> 8) & 0xff;
  buf[at + 3] = v & 0xff;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  writeU32(out, 0, data.length);
  for (let k = 0; k < 4; k++) out[4 + k] = type.charCodeAt(k);
  out.set(data, 8);
  writeU32(out, 8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

export interface EncodePngOptions {
  /** "fixed" (default): LZ77 + fixed Huffman codes; "stored": uncompressed deflate blocks. */
  compression?: PngCompression;
}

/**
 * Encodes `rgba` (width × height × 4 bytes, rows top to bottom, non-premultiplied) as a PNG file: the
 * signature, IHDR (8-bit RGBA), one IDAT holding a zlib stream of filter-type-0 scanlines, and IEND.
 */
export function encodePng(
  width: number,
  height: number,
  rgba: Uint8Array | Uint8ClampedArray,
  options: EncodePngOptions = {},
): Uint8Array {
  const fn = "encodePng";
  for (const [name, v] of [
    ["width", width],
    ["height", height],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) {
      throw new Error(
        `${fn}: ${name} must be an integer in [1, 2^31 - 1], got ${v} (image ${width}×${height})`,
      );
    }
  }
  if (!(rgba instanceof Uint8Array || rgba instanceof Uint8ClampedArray)) {
    throw new Error(`${fn}: rgba must be a Uint8Array, got ${typeof rgba} (image ${width}×${height})`);
  }
  const expected = width * height * 4;
  if (rgba.length !== expected) {
    throw new Error(
      `${fn}: rgba has ${rgba.length} bytes but width×height×4 = ${width}×${height}×4 = ${expected} (image ${width}×${height})`,
    );
  }
  const compression = options.compression ?? "fixed";
  if (compression !== "fixed" && compression !== "stored") {
    throw new Error(`${fn}: compression must be "fixed" or "stored", got ${JSON.stringify(compression)}`);
  }

  const stride = width * 4;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter: None
    raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }

  const ihdr = new Uint8Array(13);
  writeU32(ihdr, 0, width);
  writeU32(ihdr, 4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace

  const parts = [
    Uint8Array.from(PNG_SIGNATURE),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlibCompress(raw, compression)),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface PngHeatmapOptions extends ScaleOptions, EncodePngOptions {
  /** Side of one square cell in pixels (default 20). */
  cellSize?: number;
  /** Default "viridis". */
  colormap?: ColormapName;
  /** Draw a 1-px grid around every cell (default true). */
  grid?: boolean;
  /** Grid colour (default white). */
  gridColor?: RGB;
}

/** An RGBA raster: `width × height × 4` bytes, rows top to bottom. */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/**
 * Rasterises `weights` (rows = queries, columns = keys) as RGBA pixels: one `cellSize` square per weight,
 * with a 1-px grid line around each cell when `grid` is on (so the image is cols·cellSize + cols + 1 wide).
 */
export function heatmapRgba(weights: number[][], options: PngHeatmapOptions = {}): RgbaImage {
  return rasterise("heatmapRgba", weights, options);
}

/** The PNG file bytes of {@link heatmapRgba} (cells only, no text). */
export function heatmapPng(weights: number[][], options: PngHeatmapOptions = {}): Uint8Array {
  const img = rasterise("heatmapPng", weights, options);
  return encodePng(img.width, img.height, img.rgba, options);
}

function rasterise(fn: string, weights: number[][], options: PngHeatmapOptions): RgbaImage {
  const { rows, cols } = validateMatrix(fn, weights);
  const cellSize = options.cellSize ?? 20;
  if (!Number.isInteger(cellSize) || cellSize < 1) {
    throw new Error(`${fn}: cellSize must be a positive integer, got ${cellSize} (weights ${rows}×${cols})`);
  }
  const colormap = options.colormap ?? "viridis";
  const grid = options.grid ?? true;
  const gridColor = options.gridColor ?? [255, 255, 255];
  const scale = makeScale(fn, weights, options);
  const line = grid ? 1 : 0;
  const width = cols * cellSize + (cols + 1) * line;
  const height = rows * cellSize + (rows + 1) * line;
  const rgba = new Uint8Array(width * height * 4);
  // Start with the grid colour everywhere, then paint cells.
  for (let p = 0; p < width * height; p++) {
    rgba[p * 4] = gridColor[0];
    rgba[p * 4 + 1] = gridColor[1];
    rgba[p * 4 + 2] = gridColor[2];
    rgba[p * 4 + 3] = 255;
  }
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const [r, g, b] = colorAt(colormap, scale.t(weights[i][j]));
      const x0 = line + j * (cellSize + line);
      const y0 = line + i * (cellSize + line);
      for (let y = y0; y < y0 + cellSize; y++) {
        for (let x = x0; x < x0 + cellSize; x++) {
          const o = (y * width + x) * 4;
          rgba[o] = r;
          rgba[o + 1] = g;
          rgba[o + 2] = b;
        }
      }
    }
  }
  return { width, height, rgba };
}
