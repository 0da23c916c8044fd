/**
 * Terminal escapes in user text are not echoed raw (issue 20): a message that repeats an argument or
 * an input line shows its control characters as `\xHH`, so an option value or a sentence cannot
 * recolour, retitle or otherwise drive the user's terminal.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { escapeControl } from "../../src/cli/terminal-text.js";

const root = new URL("../..", import.meta.url).pathname;
const qkv = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
  });
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe("escapeControl", () => {
  it("writes C0 (but tab and newline), DEL and C1 as \\xHH, and leaves other text alone", () => {
    expect(escapeControl("a\u001b[31mb\u0007c\u009b2Jd\u007f")).toBe("a\\x1b[31mb\\x07c\\x9b2Jd\\x7f");
    expect(escapeControl("line 1\n\tline 2 — मैं खुश हूँ")).toBe("line 1\n\tline 2 — मैं खुश हूँ");
  });
});

describe("CLI messages that echo user text", () => {
  it("an error of a command (qkv <command>: …) escapes what it repeats", () => {
    const r = qkv("translate", "--model", "/nonexistent/\u001b]0;pwned\u0007\u001b[31m", "hello");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("\\x1b]0;pwned\\x07\\x1b[31m");
    expect(r.stderr).not.toMatch(RAW);
  });

  it("commander's invalid-argument message escapes the argument", () => {
    const r = qkv("train", "--task", "x\u001b[2Jy");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("x\\x1b[2Jy");
    expect(r.stderr).not.toMatch(RAW);
  });
});
