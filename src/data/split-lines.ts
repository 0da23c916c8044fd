/** Splitting text into lines (LF, CRLF or a lone CR; a final newline optional; a leading BOM dropped). */

/**
 * Splits text into lines: LF, CRLF or a lone CR (old Mac files) end a line; the empty string after a
 * final line break is dropped; a BOM is removed.
 */
export function splitLines(text: string): string[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text === "") return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}
