/**
 * Reads runs/reverse-{none,bahdanau,luong-general}.{train,eval}.json (scripts/bottleneck.sh) and writes
 * docs/results/bottleneck.svg (exact match and token accuracy by length) and
 * docs/results/bottleneck.md (a table by length bucket), for docs/RESULTS.md, and
 * docs/results/bottleneck.json (accuracy by length as data, read by the explorer page).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { lineChartSvg } from "../src/viz/index.js";

const kinds = ["none", "bahdanau", "luong-general"] as const;
interface Bucket {
  length: number;
  count: number;
  exactMatch: number;
  tokenAccuracy: number;
}
const runs = kinds.map((k) => ({
  kind: k,
  train: JSON.parse(readFileSync(`runs/reverse-${k}.train.json`, "utf8")) as {
    parameters: number;
    steps: number;
  },
  history: JSON.parse(readFileSync(`runs/reverse-${k}/last.json`, "utf8")).meta.history as {
    seconds: number;
  }[],
  evalr: JSON.parse(readFileSync(`runs/reverse-${k}.eval.json`, "utf8")) as {
    exactMatch: number;
    tokenAccuracy: number;
    byLength: Bucket[];
    count: number;
  },
}));

for (const metric of ["exactMatch", "tokenAccuracy"] as const) {
  const svg = lineChartSvg(
    runs.map((r) => ({
      name: r.kind === "none" ? "no attention" : r.kind,
      points: r.evalr.byLength.map((b) => [b.length, b[metric]] as [number, number]),
    })),
    {
      title: `Sequence reversal: ${metric === "exactMatch" ? "exact match" : "token accuracy"} by length`,
      xLabel: "sequence length",
      yLabel: metric === "exactMatch" ? "exact match" : "token accuracy",
      yRange: [0, 1],
    },
  );
  writeFileSync(`docs/results/bottleneck-${metric === "exactMatch" ? "exact" : "token"}.svg`, svg);
}

const buckets: [number, number][] = [
  [5, 10],
  [11, 20],
  [21, 30],
  [31, 40],
  [41, 50],
  [51, 60],
];
const pct = (x: number) => `${(100 * x).toFixed(1)}`;
let md = "| model | params | steps | training s | all: exact / token | ";
md += buckets.map(([a, b]) => `${a}–${b}`).join(" | ");
md += " |\n|---|---|---|---|---|";
md += buckets.map(() => "---").join("|");
md += "|\n";
for (const r of runs) {
  const cells = buckets.map(([a, b]) => {
    const bs = r.evalr.byLength.filter((x) => x.length >= a && x.length <= b);
    const n = bs.reduce((p, x) => p + x.count, 0);
    const em = bs.reduce((p, x) => p + x.exactMatch * x.count, 0) / n;
    const ta = bs.reduce((p, x) => p + x.tokenAccuracy * x.count, 0) / n;
    return `${pct(em)} / ${pct(ta)}`;
  });
  md += `| ${r.kind} | ${r.train.parameters} | ${r.train.steps} | ${r.history.reduce((p, h) => p + h.seconds, 0).toFixed(0)} | ${pct(r.evalr.exactMatch)} / ${pct(r.evalr.tokenAccuracy)} | ${cells.join(" | ")} |\n`;
}
writeFileSync("docs/results/bottleneck.md", md);
const json = {
  source: "docs/RESULTS.md, 'The bottleneck' (scripts/bottleneck.sh): sequence reversal, test set by length",
  models: runs.map((r) => ({
    name: r.kind === "none" ? "no attention" : r.kind,
    byLength: r.evalr.byLength.map((b) => ({
      length: b.length,
      exactMatch: b.exactMatch,
      tokenAccuracy: b.tokenAccuracy,
    })),
  })),
};
writeFileSync("docs/results/bottleneck.json", `${JSON.stringify(json, null, 1)}\n`);
console.log(md);
