/**
 * Pharaoh alignment format (Koehn's Pharaoh decoder; what GIZA++ post-processing, fast_align, Moses and
 * the alignment literature exchange): one line per sentence pair, space-separated links `i-j` with i the
 * 0-based source word and j the 0-based target word (whitespace-separated words, see
 * `alignmentWords`). Gold standards also mark possible links `i?j` (as the Hansards gold `hansards.a`);
 * sure links count as possible too (P ⊇ S, Och & Ney 2003). Links are the `"s-t"` keys of
 * `eval/alignment.ts`.
 *
 * Browser-safe: no Node built-ins.
 */

import { splitLines } from "../data/split-lines.js";
import { type AlignmentLinks, linkKey, parseLink, toLinkSet } from "../eval/alignment.js";

/** Sure and possible gold links of one sentence pair (possible ⊇ sure). */
export interface PharaohGold {
  sure: Set<string>;
  possible: Set<string>;
}

/** One line: links sorted by source, then target index (numerically), space-separated; "" when none. */
export function formatPharaoh(links: AlignmentLinks): string {
  return [...toLinkSet(links)]
    .map(parseLink)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([s, t]) => `${s}-${t}`)
    .join(" ");
}

/** Many sentences' links as Pharaoh text: one `formatPharaoh` line each, every line ending in "\n". */
export function writePharaoh(alignments: readonly AlignmentLinks[]): string {
  return alignments.map((a) => `${formatPharaoh(a)}\n`).join("");
}

const LINK = /^(\d+)([-?])(\d+)$/;

/** How `parsePharaohLine` reads a line. */
export interface PharaohLineOptions {
  /** Allow possible links `i?j` (a gold line). */
  gold: boolean;
  /** What a bad token's error says was expected (default "i-j or i?j" for gold, else "i-j"). */
  expected?: string;
  /** Called with each link as read (source s, target t, the token): e.g. to refuse one outside a sentence. */
  check?: (s: number, t: number, token: string) => void;
}

/** The sure and possible links of one line's tokens; `where` is the error prefix. */
export function parsePharaohLine(line: string, where: string, o: PharaohLineOptions): PharaohGold {
  if (typeof line !== "string") throw new Error(`${where}: expected a string, got ${typeof line}`);
  const { gold, expected = gold ? "i-j or i?j" : "i-j", check } = o;
  const sure = new Set<string>();
  const possible = new Set<string>();
  for (const token of line.split(/\s+/u)) {
    if (token === "") continue;
    const m = LINK.exec(token);
    const s = m === null ? Number.NaN : Number(m[1]);
    const t = m === null ? Number.NaN : Number(m[3]);
    if (m === null || !Number.isSafeInteger(s) || !Number.isSafeInteger(t)) {
      throw new Error(`${where}: bad link ${JSON.stringify(token)} (expected ${expected})`);
    }
    if (m[2] === "?" && !gold) {
      throw new Error(
        `${where}: possible link ${JSON.stringify(token)} in a sure-only alignment (use parsePharaohGold for i?j)`,
      );
    }
    check?.(s, t, token);
    const key = linkKey(s, t);
    if (m[2] === "-") sure.add(key);
    possible.add(key);
  }
  return { sure, possible };
}

const parseTokens = (line: string, where: string, gold: boolean): PharaohGold =>
  parsePharaohLine(line, where, { gold });

/** The sure links `"s-t"` of one Pharaoh line (`i-j` only: `i?j` and malformed tokens are errors). */
export function parsePharaoh(line: string): Set<string> {
  return parseTokens(line, `parsePharaoh: in ${JSON.stringify(line)}`, false).sure;
}

/** The sure (`i-j`) and possible (`i?j` plus every sure) links of one gold line. */
export function parsePharaohGold(line: string): PharaohGold {
  return parseTokens(line, `parsePharaohGold: in ${JSON.stringify(line)}`, true);
}

/** Every line of a Pharaoh file (sure links only); errors name the 1-based line and the token. */
export function readPharaoh(text: string): Set<string>[] {
  if (typeof text !== "string") throw new Error(`readPharaoh: expected a string, got ${typeof text}`);
  return splitLines(text).map((line, k) => parseTokens(line, `readPharaoh: line ${k + 1}`, false).sure);
}

/** Every line of a gold file with `i-j` sure and `i?j` possible links; errors name the line and token. */
export function readPharaohGold(text: string): PharaohGold[] {
  if (typeof text !== "string") throw new Error(`readPharaohGold: expected a string, got ${typeof text}`);
  return splitLines(text).map((line, k) => parseTokens(line, `readPharaohGold: line ${k + 1}`, true));
}
