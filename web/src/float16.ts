/**
 * The page's models are served with their weights stored as IEEE 754 half precision (binary16, safetensors
 * dtype "F16"): half the bytes of float32 on the first load. The conversion runs when the site is built
 * (or served by `vite dev`) from pretrained/<name>/best.safetensors — web/vite.config.ts — never as a
 * committed copy; the page widens F16 back to float32 (`widenFloat16Safetensors`: one table look-up a
 * weight, exact) for the package's safetensors reader (`decodeSafetensors`), so the model computes in
 * float32 on weights rounded to the nearest half.
 *
 *   binary16: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits; normal numbers 2^−14 … 65,504
 *   with a relative rounding error ≤ 2^−11 ≈ 4.9·10^−4, subnormals down to 2^−24.
 *   float32 → binary16: round to nearest, ties to even (as IEEE conversions do); a weight whose rounded
 *   magnitude would exceed 65,504, or a NaN, is refused naming the tensor — never a silent infinity.
 *
 * No DOM and no Node here: the build (vite.config.ts), the page and the tests run the same code.
 */

/** The largest finite binary16 value. */
export const FLOAT16_MAX = 65504;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The binary16 bit pattern nearest to `x` (ties to even); ±Infinity for |x| that rounds above
 * FLOAT16_MAX, NaN as the quiet NaN 0x7e00 (callers that must not store either check first).
 */
export function float32ToFloat16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | (mant ? 0x7e00 : 0x7c00);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // A subnormal half (or zero): value = full mantissa · 2^(exp − 150), in units of 2^−24.
    if (e < -10) return sign;
    const full = mant | 0x800000;
    const shift = 14 - e;
    let h = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the fraction moves into the exponent (and up to 0x7c00, infinity): still the nearest.
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** The float32 value of a binary16 bit pattern (exact: every half is a float32). */
export function float16BitsToFloat32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** A float32 tensor as the conversion reads it. */
export interface Float32Entry {
  shape: readonly number[];
  data: Float32Array;
}

/**
 * The safetensors bytes of `tensors` stored as F16 (names sorted, as qkv writes F32 files; the header
 * padded with spaces to a multiple of 8 bytes, as the reference writer does), `metadata` kept.
 * Refuses a NaN or a value beyond ±FLOAT16_MAX, naming the tensor and the value.
 */
export function encodeFloat16Safetensors(
  tensors: Record<string, Float32Entry>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const count = t.shape.reduce((p, d) => p * d, 1);
    if (count !== t.data.length) {
      throw new Error(
        `encodeFloat16Safetensors: tensor "${name}" has shape [${t.shape.join(", ")}] (${count} values) but ${t.data.length} values`,
      );
    }
    header[name] = { dtype: "F16", shape: [...t.shape], data_offsets: [offset, offset + 2 * count] };
    offset += 2 * count;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  while (enc.encode(json).length % 8 !== 0) json += " ";
  const head = enc.encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const name of names) {
    const d = tensors[name].data;
    for (let i = 0; i < d.length; i++) {
      const x = d[i];
      const h = float32ToFloat16Bits(x);
      if ((h & 0x7c00) === 0x7c00) {
        throw new Error(
          `encodeFloat16Safetensors: tensor "${name}" holds ${x} at index ${i}, not storable as float16 (finite, |x| ≤ ${FLOAT16_MAX})`,
        );
      }
      view.setUint16(at, h, true);
      at += 2;
    }
  }
  return out;
}

/** The name of the F16 copy of a tensor file: best.safetensors → best.f16.safetensors. */
export function float16FileName(tensors: string): string {
  if (!tensors.endsWith(".safetensors")) {
    throw new Error(`float16FileName: ${tensors} is not a .safetensors file name`);
  }
  return `${tensors.slice(0, -".safetensors".length)}.f16.safetensors`;
}

/** Every binary16 pattern's float32 value, built on first use (256 KiB): decoding is one look-up a weight. */
let table: Float32Array | null = null;
function halfTable(): Float32Array {
  if (!table) {
    table = new Float32Array(0x10000);
    for (let h = 0; h < 0x10000; h++) table[h] = float16BitsToFloat32(h);
  }
  return table;
}

/**
 * The page's decoding: safetensors bytes whose F16 tensors are rewritten as F32 (the same names, shapes,
 * order and metadata; values exact, by table look-up), for the package's reader (`decodeSafetensors`) to
 * validate and load — about ten times faster than that reader's element-by-element F16 path. Bytes
 * with no F16 tensor, or whose header this cannot follow, are returned as they are: the reader then
 * reads them or says what is wrong with them.
 */
export function widenFloat16Safetensors(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength < 8) return bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (!Number.isSafeInteger(n) || 8 + n > bytes.byteLength) return bytes;
  let header: Record<string, { dtype?: unknown; shape?: unknown; data_offsets?: unknown }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch {
    return bytes;
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) return bytes;
  const data = bytes.subarray(8 + n);
  const entries: { name: string; dtype: string; begin: number; end: number }[] = [];
  for (const [name, e] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const o = e?.data_offsets;
    if (
      typeof e?.dtype !== "string" ||
      !Array.isArray(o) ||
      !Number.isSafeInteger(o[0]) ||
      !Number.isSafeInteger(o[1]) ||
      o[0] < 0 ||
      o[1] < o[0] ||
      o[1] > data.byteLength
    )
      return bytes;
    entries.push({ name, dtype: e.dtype, begin: o[0], end: o[1] });
  }
  if (!entries.some((e) => e.dtype === "F16")) return bytes;
  entries.sort((a, b) => a.begin - b.begin);
  // Only a well-formed file is rewritten (contiguous tensors, F16 byte counts matching their shapes): any
  // other is left for the reader to refuse, in its own words.
  let cursor = 0;
  for (const e of entries) {
    if (e.begin !== cursor) return bytes;
    cursor = e.end;
    const shape = header[e.name].shape;
    if (e.dtype === "F16") {
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return bytes;
      if (2 * shape.reduce((p: number, d: number) => p * d, 1) !== e.end - e.begin) return bytes;
    }
  }
  if (cursor !== data.byteLength) return bytes;
  const out: Record<string, unknown> = {};
  if ("__metadata__" in header) out.__metadata__ = header.__metadata__;
  let size = 0;
  for (const e of entries) {
    const len = e.dtype === "F16" ? 2 * (e.end - e.begin) : e.end - e.begin;
    out[e.name] = {
      ...header[e.name],
      dtype: e.dtype === "F16" ? "F32" : e.dtype,
      data_offsets: [size, size + len],
    };
    size += len;
  }
  const head = new TextEncoder().encode(JSON.stringify(out));
  const result = new Uint8Array(8 + head.length + size);
  new DataView(result.buffer).setBigUint64(0, BigInt(head.length), true);
  result.set(head, 8);
  const base = 8 + head.length;
  // The data built apart (4-byte aligned for Float32Array views), then copied after the header.
  const body = new Uint8Array(size);
  const t = halfTable();
  let at = 0;
  for (const e of entries) {
    const src = data.subarray(e.begin, e.end);
    if (e.dtype !== "F16") {
      body.set(src, at);
      at += src.byteLength;
      continue;
    }
    const count = src.byteLength >> 1;
    const halves =
      src.byteOffset % 2 === 0
        ? new Uint16Array(src.buffer, src.byteOffset, count)
        : new Uint16Array(src.slice().buffer, 0, count);
    if (at % 4 === 0) {
      const f = new Float32Array(body.buffer, at, count); // platform order: little-endian, as safetensors
      for (let i = 0; i < count; i++) f[i] = t[halves[i]];
    } else {
      const dv = new DataView(body.buffer);
      for (let i = 0; i < count; i++) dv.setFloat32(at + 4 * i, t[halves[i]], true);
    }
    at += 4 * count;
  }
  result.set(body, base);
  return result;
}
