/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
 * header `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": { … } }`, then the
 * raw little-endian tensor bytes. qkv writes F32; it reads F32, F64, F16, BF16, I64, I32, I16, I8, U8
 * and BOOL (converted to float32 tensors).
 *
 * The header is validated before any data is used: size bounds, JSON, known dtypes, integer shapes,
 * offsets inside the data section, byte counts that match the shapes, no overlapping tensors and no
 * gaps. A bad file is a clear error naming the problem, never garbage numbers.
 */
import { Tensor } from "../tensor/index.js";

const DTYPE_BYTES: Readonly<Record<string, number>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, number>, {
    F64: 8,
    F32: 4,
    F16: 2,
    BF16: 2,
    I64: 8,
    I32: 4,
    I16: 2,
    I8: 1,
    U8: 1,
    BOOL: 1,
  }),
);

/**
 * Names refused as tensor names or metadata keys: on a plain object they would reach the prototype
 * (`__proto__` replaces it) or shadow what every object has. Maps keyed by file content are
 * null-prototype objects as well, so nothing a file says can change an object's behaviour.
 */
const RESERVED_NAMES = new Set(["__proto__", "constructor", "prototype"]);

const hasOwn = (o: object, k: string) => Object.hasOwn(o, k);

/** Largest header accepted (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * Most tensors in one file (a model and its optimizer state hold a few thousand at most). A header of
 * 10⁶ empty tensors took 36 s and 1.5 GB to load and failed with a 10.9 MB message; it is refused
 * before one tensor is built.
 */
export const MAX_TENSORS = 65_536;

const DATA_OFFSETS = new TextEncoder().encode('"data_offsets"');

/**
 * Refuses a header listing more than MAX_TENSORS tensors before it is parsed: counts `"data_offsets"`
 * in its bytes (each tensor entry has one), so 10⁶ entries cost a byte scan, not a JSON parse of them.
 */
export function checkHeaderEntries(header: Uint8Array, what = "readSafetensors"): void {
  const p = DATA_OFFSETS;
  let count = 0;
  for (
    let i = header.indexOf(p[0]);
    i >= 0 && i <= header.length - p.length;
    i = header.indexOf(p[0], i + 1)
  ) {
    let k = 1;
    while (k < p.length && header[i + k] === p[k]) k++;
    if (k === p.length && ++count > MAX_TENSORS) {
      throw new Error(`${what}: header lists more than the limit of ${MAX_TENSORS} tensors`);
    }
  }
}

/** Floating-point dtypes: the only ones a model's parameters may be stored in. */
export const FLOAT_DTYPES: readonly string[] = Object.freeze(["F64", "F32", "F16", "BF16"]);

export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  /** Each tensor's dtype in the file (the tensors themselves are float32). */
  dtypes: Record<string, string>;
  metadata: Record<string, string>;
}

/** Longest message an error about a file's content has (a name or shape in it is cut). */
const MAX_MESSAGE_CHARS = 1000;

function fail(msg: string): never {
  const m = msg.length > MAX_MESSAGE_CHARS ? `${msg.slice(0, MAX_MESSAGE_CHARS)}… (message cut)` : msg;
  throw new Error(`readSafetensors: ${m}`);
}

/** A tensor name as messages print it: quoted, at most 100 characters. */
function q(name: string): string {
  return JSON.stringify(name.length > 100 ? `${name.slice(0, 100)}…` : name);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function decodeValues(dtype: string, bytes: Uint8Array, n: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case "F32":
        out[i] = view.getFloat32(i * 4, true);
        break;
      case "F64":
        out[i] = view.getFloat64(i * 8, true);
        break;
      case "F16":
        out[i] = f16ToF32(view.getUint16(i * 2, true));
        break;
      case "BF16": // the upper half of an F32
        out[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0];
        break;
      case "I64":
        out[i] = Number(view.getBigInt64(i * 8, true));
        break;
      case "I32":
        out[i] = view.getInt32(i * 4, true);
        break;
      case "I16":
        out[i] = view.getInt16(i * 2, true);
        break;
      case "I8":
        out[i] = view.getInt8(i);
        break;
      default:
        out[i] = view.getUint8(i); // U8, BOOL
    }
  }
  return out;
}

/** Parses safetensors bytes, validating the header first. */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.byteLength < 8) fail(`file is ${bytes.byteLength} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  const headerLen = Number(n);
  if (8 + headerLen > bytes.byteLength) {
    fail(`header length ${headerLen} runs past the end of the file (${bytes.byteLength} bytes)`);
  }
  checkHeaderEntries(bytes.subarray(8, 8 + headerLen));
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header))
    fail("header is not a JSON object");
  const data = bytes.subarray(8 + headerLen);
  const tensors: Record<string, Tensor> = Object.create(null);
  const metadata: Record<string, string> = Object.create(null);
  const dtypes: Record<string, string> = Object.create(null);
  const entries = Object.keys(header as object).length - (hasOwn(header as object, "__metadata__") ? 1 : 0);
  if (entries > MAX_TENSORS) {
    fail(`header lists ${entries} entries, more than the limit of ${MAX_TENSORS} tensors`);
  }
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (RESERVED_NAMES.has(name)) fail(`the name ${q(name)} is not allowed as a tensor name`);
    if (name === "__metadata__") {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
        fail(`__metadata__ must be an object mapping strings to strings, got ${describe(entry)}`);
      }
      for (const [k, v] of Object.entries(entry)) {
        if (RESERVED_NAMES.has(k)) fail(`the key ${JSON.stringify(k)} is not allowed in __metadata__`);
        if (typeof v !== "string") fail(`__metadata__ must map strings to strings; "${k}" is ${describe(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== "object" || e === null || Array.isArray(e)) fail(`entry ${q(name)} is not an object`);
    if (typeof e.dtype !== "string" || !hasOwn(DTYPE_BYTES, e.dtype)) {
      fail(
        `tensor ${q(name)} has unsupported dtype ${JSON.stringify(e.dtype)} (one of ${Object.keys(DTYPE_BYTES).join(", ")})`,
      );
    }
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      fail(`tensor ${q(name)} has an invalid shape ${JSON.stringify(e.shape)}`);
    }
    const offs = e.data_offsets;
    if (
      !Array.isArray(offs) ||
      offs.length !== 2 ||
      !offs.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offs[0] > offs[1]
    ) {
      fail(`tensor ${q(name)} has invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (end > data.byteLength) {
      fail(
        `tensor ${q(name)} data_offsets [${begin}, ${end}] run past the data section (${data.byteLength} bytes)`,
      );
    }
    const shape = e.shape as number[];
    const count = shape.reduce((p, d) => p * d, 1);
    const size = DTYPE_BYTES[e.dtype];
    if (end - begin !== count * size) {
      fail(
        `tensor ${q(name)} (${e.dtype}, shape [${shape.join(", ")}]) needs ${count * size} bytes but data_offsets give ${end - begin}`,
      );
    }
    spans.push([begin, end, name]);
    dtypes[name] = e.dtype;
    tensors[name] = new Tensor(decodeValues(e.dtype, data.subarray(begin, end), count), shape);
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cursor = 0;
  for (const [begin, end, name] of spans) {
    if (begin < cursor)
      fail(`tensor ${q(name)} overlaps the previous tensor (starts at ${begin} < ${cursor})`);
    if (begin > cursor) fail(`gap in the data section before tensor ${q(name)} (bytes ${cursor}..${begin})`);
    cursor = end;
  }
  if (cursor !== data.byteLength)
    fail(`data section has ${data.byteLength - cursor} trailing bytes not owned by any tensor`);
  return { tensors, dtypes, metadata };
}

/** Serialises float32 tensors (names sorted) with optional string metadata. */
export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = Object.keys(tensors).sort();
  for (const name of [...names, ...Object.keys(metadata)]) {
    if (RESERVED_NAMES.has(name))
      throw new Error(`writeSafetensors: the name ${JSON.stringify(name)} is not allowed`);
  }
  if (names.includes("__metadata__"))
    throw new Error(`writeSafetensors: "__metadata__" is reserved and cannot name a tensor`);
  const header: Record<string, unknown> = Object.create(null);
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    header[name] = { dtype: "F32", shape: [...t.shape], data_offsets: [offset, offset + t.size * 4] };
    offset += t.size * 4;
  }
  let json = JSON.stringify(header);
  while ((8 + new TextEncoder().encode(json).byteLength) % 8 !== 0) json += " ";
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.byteLength;
  for (const name of names) {
    const t = tensors[name];
    for (let i = 0; i < t.size; i++, pos += 4) view.setFloat32(pos, t.data[i], true);
  }
  return out;
}
