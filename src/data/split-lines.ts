/** Splitting text into lines (LF or CRLF, a final newline optional, a leading byte-order mark dropped). */

/** Splits text into lines: LF or CRLF endings, the empty string after a final newline dropped, BOM removed. */
export function splitLines(text: string): string[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}
