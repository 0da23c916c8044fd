/**
 * User text shown on a terminal, made inert: control characters — C0 (but tab and newline), DEL and
 * C1, which hold the ESC/CSI/OSC sequences that move the cursor, recolour, retitle the window or
 * write to the clipboard — are shown as `\xHH` escapes. Messages that echo an argument or an input line
 * (`qkv <command>: …`, commander's "invalid argument …", the source line `translate` prints) go
 * through it; a file name, sentence or option value can no longer drive the terminal.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` with its control characters (not tab, not newline) written as `\xHH`. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
