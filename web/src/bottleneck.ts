/**
 * View 5's chart: exact match by sequence length for no attention / Bahdanau / Luong, from our own
 * results (docs/results/bottleneck.json, the data behind docs/RESULTS.md's bottleneck section).
 */
import { lineChartSvg } from "qkv";
import results from "../../docs/results/bottleneck.json";
import { byId, el, fill, svgElement } from "./dom.js";

interface BottleneckData {
  source: string;
  models: { name: string; byLength: { length: number; exactMatch: number; tokenAccuracy: number }[] }[];
}

export function renderBottleneck(): void {
  const d = results as BottleneckData;
  const chart = (metric: "exactMatch" | "tokenAccuracy", title: string) =>
    svgElement(
      lineChartSvg(
        d.models.map((m) => ({
          name: m.name,
          points: m.byLength.map((b) => [b.length, b[metric]] as [number, number]),
        })),
        {
          title,
          xLabel: "sequence length",
          yLabel: title.split(" by")[0],
          yRange: [0, 1],
          width: 520,
          height: 320,
        },
      ),
    );
  const host = byId("bottleneck-chart");
  const exact = chart("exactMatch", "exact match by length");
  exact.setAttribute("data-testid", "bottleneck-chart");
  fill(host, exact, chart("tokenAccuracy", "token accuracy by length"));
  // The same numbers as a table (reachable by keyboard, unlike the chart's points).
  const lengths = d.models[0].byLength.map((b) => b.length);
  const head = el(
    "tr",
    {},
    el("th", {}, "length"),
    ...d.models.map((m) => el("th", {}, `${m.name} exact / token`)),
  );
  const rows = lengths.map((len) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, String(len)),
      ...d.models.map((m) => {
        const b = m.byLength.find((x) => x.length === len);
        return el(
          "td",
          { class: "num" },
          b ? `${b.exactMatch.toFixed(3)} / ${b.tokenAccuracy.toFixed(3)}` : "—",
        );
      }),
    ),
  );
  fill(
    byId("bottleneck-source"),
    el("span", {}, `Sequence reversal, lengths 5–60: hover a point for its number. Source: ${d.source}.`),
    el(
      "details",
      {},
      el("summary", {}, "The numbers"),
      el("table", { class: "steps-table" }, el("thead", {}, head), el("tbody", {}, ...rows)),
    ),
  );
}
