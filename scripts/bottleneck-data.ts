/**
 * docs/results/bottleneck.json — accuracy by sequence length of the bottleneck runs (no attention,
 * Bahdanau, Luong) as data, for the explorer's view 5. `scripts/bottleneck-report.ts` writes it from
 * the runs themselves; this script recovers it from the committed charts when the runs are not on the
 * machine: every point of docs/results/bottleneck-{exact,token}.svg carries its value in a <title>
 * ("series: (length, value)", three decimals).
 *
 * Run: npx tsx scripts/bottleneck-data.ts
 */
import { readFileSync, writeFileSync } from "node:fs";

export interface BottleneckData {
  source: string;
  models: { name: string; byLength: { length: number; exactMatch: number; tokenAccuracy: number }[] }[];
}

function points(file: string): Map<string, Map<number, number>> {
  const svg = readFileSync(file, "utf8");
  const out = new Map<string, Map<number, number>>();
  for (const m of svg.matchAll(/<title>([^<:]+): \(([\d.]+), ([\d.]+)\)<\/title>/g)) {
    const series = out.get(m[1]) ?? new Map<number, number>();
    series.set(Number(m[2]), Number(m[3]));
    out.set(m[1], series);
  }
  if (out.size === 0) throw new Error(`${file}: no data points found`);
  return out;
}

const exact = points("docs/results/bottleneck-exact.svg");
const token = points("docs/results/bottleneck-token.svg");
const data: BottleneckData = {
  source:
    "docs/RESULTS.md, 'The bottleneck' (scripts/bottleneck.sh): sequence reversal, 20 test pairs per length; " +
    "values from the points of docs/results/bottleneck-{exact,token}.svg (three decimals)",
  models: [...exact].map(([name, byLen]) => ({
    name,
    byLength: [...byLen].map(([length, exactMatch]) => {
      const t = token.get(name)?.get(length);
      if (t === undefined) throw new Error(`token accuracy missing for ${name} at length ${length}`);
      return { length, exactMatch, tokenAccuracy: t };
    }),
  })),
};
writeFileSync("docs/results/bottleneck.json", `${JSON.stringify(data, null, 1)}\n`);
console.log(
  `docs/results/bottleneck.json: ${data.models.map((m) => `${m.name} (${m.byLength.length} lengths)`).join(", ")}`,
);
