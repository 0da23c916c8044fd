/** Strict UTF-8 decoding with errors that name the file, line and byte (any platform). */

/**
 * The byte offset of the first invalid UTF-8 sequence in `bytes` (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence), or -1 when all of it is valid.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  const cont = (k: number) => k < n && (bytes[k] & 0xc0) === 0x80;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let len: number;
    let lo = 0x80;
    let hi = 0xbf; // allowed range of the second byte
    if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      if (b === 0xf0) lo = 0x90; // overlong
      if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    if (i + 1 >= n || bytes[i + 1] < lo || bytes[i + 1] > hi) return i;
    for (let k = 2; k < len; k++) if (!cont(i + k)) return i;
    i += len;
  }
  return -1;
}

/** Decodes UTF-8 bytes; invalid bytes throw `<file>:<line>: invalid UTF-8 …` (line 1-based). */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  const bad = firstInvalidUtf8(bytes);
  if (bad < 0) return new TextDecoder("utf-8").decode(bytes);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < bad; i++) {
    const b = bytes[i];
    if (b === 0x0a || (b === 0x0d && bytes[i + 1] !== 0x0a)) {
      line++;
      lineStart = i + 1;
    }
  }
  const hex = Array.from(bytes.subarray(bad, Math.min(bad + 4, bytes.length)), (x) =>
    x.toString(16).padStart(2, "0"),
  );
  throw new Error(
    `${file}:${line}: invalid UTF-8 at byte ${bad - lineStart + 1} of the line (bytes ${hex.join(" ")}); the file must be UTF-8 text`,
  );
}
