/**
 * A model folder's `alignment.json`: the forced-alignment reading documented for the model (chosen on
 * gold/en-hi/dev by scripts/align-results.ts --write-readings) and its scores per gold set,
 *   {"reading": {"layer": N | "mean" | "alignment", "head": N | "mean", "posterior": true,
 *                "symmetrize": "intersect" | "grow-diag" | …}, "note": "…",
 *    "gold": {"en-hi test": {"aer": …, "precision": …, "recall": …}, …}}
 * — what `qkv align` and the explorer use by default. Browser-safe: it parses JSON already read.
 */
import type { AlignReading } from "./forced.js";
import { SYMMETRIZATIONS, type Symmetrization } from "./symmetrize.js";

/** What a model folder's `alignment.json` holds. */
export interface AlignmentDoc {
  reading: AlignReading;
  note?: string;
  gold: Record<string, { aer: number; precision: number; recall: number }>;
}

/**
 * Reads an `alignment.json` (the parsed JSON; `where` names it in errors): the reading's fields checked
 * (whether the model has that layer or head is `resolveReading`'s check), the gold scores as numbers in
 * [0, 1]. A corrupt file is refused, never half-read.
 */
export function parseAlignmentDoc(json: unknown, where: string): AlignmentDoc {
  const j = json as { reading?: unknown; note?: unknown; gold?: unknown } | null;
  const r = j?.reading as Record<string, unknown> | null | undefined;
  const ok = (v: unknown) =>
    v === undefined || v === "mean" || v === "alignment" || (Number.isSafeInteger(v) && (v as number) >= 0);
  if (
    r === null ||
    typeof r !== "object" ||
    !ok(r.layer) ||
    !ok(r.head) ||
    (r.posterior !== undefined && typeof r.posterior !== "boolean") ||
    (r.symmetrize !== undefined && !SYMMETRIZATIONS.includes(r.symmetrize as Symmetrization))
  ) {
    throw new Error(
      `${where}: expected {"reading": {"layer": N | "mean" | "alignment", "head": N | "mean", "posterior": true | false, "symmetrize": ${SYMMETRIZATIONS.map((m) => `"${m}"`).join(" | ")}}, "note": "…", "gold": {…}}`,
    );
  }
  const reading: AlignReading = {};
  if (r.layer !== undefined) reading.layer = r.layer as AlignReading["layer"];
  if (r.head !== undefined) reading.head = r.head as AlignReading["head"];
  if (r.posterior === true) reading.posterior = true;
  if (r.symmetrize !== undefined && r.symmetrize !== "none")
    reading.symmetrize = r.symmetrize as Symmetrization;
  const gold: AlignmentDoc["gold"] = {};
  const g = j?.gold;
  if (g !== undefined) {
    if (g === null || typeof g !== "object" || Array.isArray(g))
      throw new Error(`${where}: "gold" must be an object of {aer, precision, recall} per gold set`);
    for (const [set, s] of Object.entries(g as Record<string, unknown>)) {
      const v = s as Record<string, unknown> | null;
      for (const k of ["aer", "precision", "recall"] as const) {
        const x = v?.[k];
        if (typeof x !== "number" || !(x >= 0 && x <= 1))
          throw new Error(
            `${where}: gold["${set}"].${k} must be a number in [0, 1], got ${JSON.stringify(x)}`,
          );
      }
      gold[set] = { aer: v!.aer as number, precision: v!.precision as number, recall: v!.recall as number };
    }
  }
  return { reading, ...(typeof j?.note === "string" ? { note: j.note } : {}), gold };
}
