/** The Hansards alignment gold standard on disk (Node only); the metric itself is in alignment.ts. */
import { join } from "node:path";
import { readTextFile, splitLines } from "../data/lines.js";
import { dataPath } from "../data/paths.js";
import { type HansardsSentence, linkKey } from "./alignment.js";

/**
 * Reads the Canadian Hansards French–English alignment gold standard (37 sentence pairs; Germann's
 * annotation as distributed with the JHU "dreamt" alignment homework): `hansards.f` and `hansards.e` hold
 * one whitespace-tokenised sentence per line, `hansards.a` one line of links per sentence, `i-j` sure and
 * `i?j` possible, 0-based, i = French token, j = English token.
 *
 * @param dir the folder holding the three files; default `<data>/hansards-align-fr-en`
 */
export function readHansardsGold(dir: string = dataPath("hansards-align-fr-en")): HansardsSentence[] {
  const lines = (name: string): string[] => splitLines(readTextFile(join(dir, name)));
  const f = lines("hansards.f");
  const e = lines("hansards.e");
  const a = lines("hansards.a");
  if (f.length !== e.length || e.length !== a.length) {
    throw new Error(
      `readHansardsGold: ${f.length} French, ${e.length} English and ${a.length} alignment lines`,
    );
  }
  const split = (s: string): string[] => s.split(/\s+/).filter((w) => w !== "");
  return a.map((line, i) => {
    const french = split(f[i]);
    const english = split(e[i]);
    const sure = new Set<string>();
    const possible = new Set<string>();
    for (const item of split(line)) {
      const m = /^(\d+)([-?])(\d+)$/.exec(item);
      if (m === null) throw new Error(`readHansardsGold: line ${i + 1}: bad link ${JSON.stringify(item)}`);
      const fi = Number(m[1]);
      const ei = Number(m[3]);
      if (fi >= french.length || ei >= english.length) {
        throw new Error(
          `readHansardsGold: line ${i + 1}: link ${item} outside ${french.length} French × ${english.length} English tokens`,
        );
      }
      const key = linkKey(fi, ei);
      if (m[2] === "-") sure.add(key);
      possible.add(key);
    }
    return { french, english, sure, possible };
  });
}
