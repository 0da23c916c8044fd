/**
 * Formatting for the benchmark: the per-workload result tables (terminal and Markdown) and
 * docs/BENCHMARKS.md. No measuring here.
 */
import { type CellResult, CHECK_WORKLOAD, isQkv, type ProbeResult, type Workload } from "./common.js";

export interface Cell {
  system: string;
  workload: Workload;
  result: CellResult;
}

export interface SystemEntry {
  name: string;
  label: string;
  probe: ProbeResult;
}

export interface Machine {
  cpu: string;
  cores: number;
  simd: string;
  memoryGiB: number;
  os: string;
  node: string;
  packages: Record<string, string>;
  loadBefore: string;
  loadAfter: string;
}

export interface Check {
  system: string;
  maxAbsDiff: number | null;
  reason?: string;
}

export interface Report {
  date: string;
  command: string;
  machine: Machine;
  systems: SystemEntry[];
  workloads: Workload[];
  cells: Cell[];
  checks: Check[];
  tolerance: number;
  totalS: number;
  settings: { cellBudgetS: number; maxCellS: number; maxRuns: number; rounds: number };
  /** sgemm rates measured on this machine (the ceiling of any float32 kernel), from the probes. */
  ceilings: { label: string; gflops: number }[];
}

const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const fmtNum = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fmtRatio = (x: number) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(2));

/** The fastest qkv cell of a workload (the "qkv best" every peer is compared with). */
function qkvBest(cells: Cell[]): Cell | undefined {
  return cells
    .filter((c) => isQkv(c.system) && c.result.status === "ok")
    .sort((a, b) => (a.result.medianMs ?? 0) - (b.result.medianMs ?? 0))[0];
}

const HEADERS = ["system", "median ms", "GFLOP/s", "qkv best ×", "peak RSS MiB", "runs"];

/** Rows of one workload's table: status text in place of numbers for skipped or unavailable cells. */
export function workloadRows(report: Report, w: Workload): string[][] {
  const cells = report.cells.filter((c) => c.workload.id === w.id);
  const best = qkvBest(cells);
  const rows: string[][] = [];
  for (const s of report.systems) {
    const c = cells.find((x) => x.system === s.name);
    if (!c) continue;
    const r = c.result;
    if (r.status !== "ok" || r.medianMs === undefined) {
      rows.push([s.label, r.reason ?? r.status, "", "", "", ""]);
      continue;
    }
    const gflops = w.flops / (r.medianMs * 1e6);
    let ratio = "";
    if (best?.result.medianMs) {
      ratio = c === best ? "(qkv best)" : `${fmtRatio(r.medianMs / best.result.medianMs)}×`;
    }
    let rss = r.peakRssMb === undefined ? "" : r.peakRssMb.toFixed(0);
    if (w.kind === "forward-backward" && r.peakRssMb !== undefined && r.rssBeforeMb !== undefined) {
      rss += ` (+${(r.peakRssMb - r.rssBeforeMb).toFixed(0)})`;
    }
    const runs = r.rounds && r.rounds > 1 ? `${r.runs} × ${r.rounds} rounds` : `${r.runs}`;
    rows.push([s.label, fmtMs(r.medianMs), fmtNum(gflops), ratio, rss, runs]);
  }
  for (const c of report.ceilings ?? []) rows.push([`ceiling: ${c.label}`, "", fmtNum(c.gflops), "", "", ""]);
  return rows;
}

/** A fixed-width text table for the terminal. */
export function textTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cols: string[]) =>
    cols
      .map((c, i) => (i === 0 || cols[1] === "" ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function markdownTable(headers: string[], rows: string[][]): string {
  const esc = (s: string) => s.replaceAll("|", "\\|");
  const align = headers.map((_h, i) => (i === 0 ? "---" : "---:"));
  return [headers, align, ...rows.map((r) => r.map(esc))].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

export function terminalReport(report: Report): string {
  const parts: string[] = [
    "\nqkv best × = this row's median time ÷ the fastest qkv backend's: > 1 qkv is faster, < 1 the peer is.",
  ];
  for (const w of report.workloads) {
    parts.push(`\n${w.label} — ${(w.flops / 1e9).toFixed(3)} GFLOP`);
    parts.push(textTable(HEADERS, workloadRows(report, w)));
  }
  if (report.checks.length) {
    parts.push(
      `\nCorrectness on ${CHECK_WORKLOAD.label}: max |output − qkv reference| (tolerance ${report.tolerance})`,
    );
    parts.push(textTable(["system", "max abs diff", "within"], checkRows(report)));
  }
  return parts.join("\n");
}

function checkRows(report: Report): string[][] {
  return report.checks.map((c) => {
    const label = report.systems.find((s) => s.name === c.system)?.label ?? c.system;
    if (c.maxAbsDiff === null) return [label, c.reason ?? "no output", ""];
    return [label, c.maxAbsDiff.toExponential(2), c.maxAbsDiff <= report.tolerance ? "ok" : "MISMATCH"];
  });
}

export function markdownReport(report: Report): string {
  const m = report.machine;
  const out: string[] = [];
  out.push("# Benchmarks");
  out.push("");
  out.push(
    "qkv against peers on the same machine, in one run of `npm run bench` (this file is generated by " +
      "bench/run.ts; do not edit by hand).",
  );
  out.push("");
  out.push(`- **Date:** ${report.date}`);
  out.push(
    `- **Command:** \`${report.command}\` (installs bench/ dependencies with \`npm ci --prefix bench\` if missing, then runs \`tsx bench/run.ts\`); whole run ${report.totalS.toFixed(0)} s`,
  );
  out.push(`- **CPU:** ${m.cpu}, ${m.cores} cores available (${m.simd})`);
  out.push(`- **Memory:** ${m.memoryGiB.toFixed(1)} GiB; **OS:** ${m.os}; **Node:** ${m.node}`);
  out.push(
    `- **Packages:** ${Object.entries(m.packages)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
  out.push(
    `- **Load average** (1, 5, 15 min) before: ${m.loadBefore}; after: ${m.loadAfter} — the machine is shared, so ` +
      "other processes may have competed for the cores.",
  );
  out.push("");
  out.push("## Method");
  out.push("");
  out.push(
    "- Attention forward is softmax(Q Kᵀ/√d) V on (B, H, N, d) float32 tensors: 4·B·H·N²·d FLOPs. " +
      "Forward+backward counts 3× that. The MHA training step is one forward + backward (no optimizer " +
      "update) of multi-head self-attention with input/output projections: 3 × (8·B·T·E² + 4·B·T²·E) FLOPs.",
  );
  out.push(
    "- Each (system, workload) cell runs in its own child process (`node --import tsx bench/worker.ts " +
      "<system> <workload>`, or `python3 bench/torch_bench.py` for PyTorch), so its peak RSS (getrusage " +
      "maxrss of that process: runtime, libraries, inputs and the work) is not polluted by other cells.",
  );
  out.push(
    `- Warm-up (full-size runs: at least 10 and 250 ms, at most 1 s; when a run is estimated above 3 s, one run at a quarter of ` +
      `the size), then timed runs until ${report.settings.cellBudgetS} s or ${report.settings.maxRuns} runs ` +
      `(at least one); the table gives the median. A cell whose warm-up plus one run is estimated ` +
      `(from the system's speed on the previous, smaller workload) above ${report.settings.maxCellS} s is ` +
      "skipped.",
  );
  out.push(
    "- **qkv best ×** is the median time of that row divided by the median of the fastest qkv backend on " +
      "the same workload: above 1, qkv is that many times faster; below 1, the peer is faster.",
  );
  if ((report.settings.rounds ?? 1) > 1) {
    out.push(
      `- **Rounds:** every workload runs ${report.settings.rounds} rounds, each round going through every ` +
        "system in turn (interleaved, so a burst of load from other processes hits all systems alike); a " +
        "cell shows the round with the median time.",
    );
  }
  if (report.ceilings?.length) {
    out.push(
      "- **ceiling** rows: the GFLOP/s of a large float32 matrix product on this machine (no attention " +
        "kernel can beat its machine's sgemm): " +
        report.ceilings.map((c) => `${c.label} ${fmtNum(c.gflops)} GFLOP/s`).join("; ") +
        ".",
    );
  }
  out.push("");
  out.push("## Systems");
  out.push("");
  out.push("| system | version | notes |");
  out.push("| --- | --- | --- |");
  for (const s of report.systems) {
    const notes = s.probe.available ? (s.probe.notes ?? []).join("; ") : (s.probe.reason ?? "not available");
    out.push(
      `| ${s.label} | ${s.probe.available ? (s.probe.version ?? "") : "—"} | ${notes.replaceAll("|", "\\|")} |`,
    );
  }
  out.push("");
  out.push("## Results");
  for (const w of report.workloads) {
    out.push("");
    out.push(`### ${w.label} — ${(w.flops / 1e9).toFixed(3)} GFLOP`);
    out.push("");
    if (w.kind === "forward-backward") {
      out.push(
        "qkv only: one cold run (no warm-up); peak RSS is followed by its growth over the RSS just " +
          "before the run (the (N, N) score, weight and gradient matrices are the cost to watch). A " +
          "skipped cell can be run on its own without the cap: `npm run bench -- --systems qkv-reference " +
          "--workloads fwdbwd-1x1x16384x64 --max-cell-s 900 --out /tmp/fwdbwd.md`.",
      );
      out.push("");
    }
    out.push(markdownTable(HEADERS, workloadRows(report, w)));
  }
  const extra = report.cells.filter(
    (c) => c.result.status === "ok" && c.result.notes?.some((n) => /graph/.test(n)),
  );
  if (extra.length) {
    out.push("");
    out.push("onnxruntime graph after its optimisations (read from the optimised model it writes):");
    out.push("");
    for (const c of extra) {
      const note = c.result.notes?.find((n) => /graph/.test(n));
      out.push(`- ${c.workload.label}: ${note}`);
    }
  }
  if (!report.checks.length) return `${out.join("\n")}\n`;
  out.push("");
  out.push("## Correctness");
  out.push("");
  out.push(
    `Every system's output for ${CHECK_WORKLOAD.label} on the same inputs, against qkv's reference ` +
      `backend (tolerance ${report.tolerance}):`,
  );
  out.push("");
  out.push(markdownTable(["system", "max abs diff", "within tolerance"], checkRows(report)));
  out.push("");
  return out.join("\n");
}
