/**
 * The embedded WebAssembly binary: decoding, and the one-byte patch that turns its shared-memory
 * import into a plain one for hosts without SharedArrayBuffer (browsers that are not cross-origin
 * isolated). The kernels use no atomics that need a shared memory, so both variants validate.
 */
import { WASM_BASE64 } from "./binary.generated.js";

/** The binary's bytes (shared-memory build). */
export function wasmBytes(): Uint8Array {
  const text = atob(WASM_BASE64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** Reads an unsigned LEB128 at `pos`: [value, next position]. */
function leb(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let shift = 0;
  let p = pos;
  for (;;) {
    const b = bytes[p++];
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, p];
    shift += 7;
  }
}

/** Skips resizable limits (flag byte, min, optional max). */
function skipLimits(bytes: Uint8Array, pos: number): number {
  const flag = bytes[pos];
  let p = leb(bytes, pos + 1)[1];
  if (flag & 1) p = leb(bytes, p)[1];
  return p;
}

/**
 * A copy of `bytes` whose imported memories are not shared (limits flag 0x03 → 0x01; same length).
 * Throws if the module has no shared memory import.
 */
export function unsharedVariant(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  let pos = 8; // magic + version
  while (pos < out.length) {
    const id = out[pos];
    const [size, start] = leb(out, pos + 1);
    if (id === 2) {
      let [count, p] = leb(out, start);
      let patched = false;
      while (count-- > 0) {
        const [modLen, m] = leb(out, p);
        const [fieldLen, f] = leb(out, m + modLen);
        p = f + fieldLen;
        const kind = out[p++];
        if (kind === 0) p = leb(out, p)[1];
        else if (kind === 1) p = skipLimits(out, p + 1);
        else if (kind === 3) p += 2;
        else if (kind === 2) {
          if (out[p] === 0x03) {
            out[p] = 0x01;
            patched = true;
          }
          p = skipLimits(out, p);
        } else throw new Error(`wasm: unknown import kind ${kind}`);
      }
      if (!patched) throw new Error("wasm: the binary has no shared memory import to patch");
      return out;
    }
    pos = start + size;
  }
  throw new Error("wasm: the binary has no import section");
}
