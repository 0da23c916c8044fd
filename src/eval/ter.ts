/**
 * TER, translation edit rate (Snover et al. 2006, "A Study of Translation Edit Rate with Targeted Human
 * Annotation", AMTA): the fewest edits — insertions, deletions, substitutions of one word and shifts of
 * a contiguous word sequence — that turn the hypothesis into a reference, over the reference length:
 *
 *     TER = Σ_segments min_r edits(hyp, ref_r) / Σ_segments mean_r |ref_r|   (× 100)
 *
 * computed exactly as sacreBLEU 2.x computes it (https://github.com/mjpost/sacrebleu,
 * `sacrebleu/metrics/ter.py`, `lib_ter.py`, `tokenizers/tokenizer_ter.py`), which follows TERCOM:
 * greedy shifts, each the one that lowers the edit distance most (ties: the longest, then the earliest
 * in the hypothesis, then the earliest target), shifted spans of at most 10 words moved at most 50
 * positions, at most 1,000 shift candidates tried per segment, the edit distance a beam of 25 around the
 * length-scaled diagonal. Preprocessing: trailing whitespace stripped, lowercased (unless
 * `caseSensitive`), TERCOM's normalisation (`normalized`, with CJK splitting under `asianSupport`) and
 * punctuation removal (`noPunct`) as sacreBLEU's TercomTokenizer (applied twice to references, as
 * sacreBLEU 2.6.0 does: it matters only with `normalized`); words are Python `str.split()`'s.
 * Empty references: the edits are the hypothesis' words and the length 0; a corpus with no reference
 * words scores 100 if anything needed editing, else 0.
 */
import { pyRstrip, pySplit } from "./pystr.js";

export interface TerOptions {
  /** TERCOM normalisation: XML entities, punctuation split off, possessives (default false). */
  normalized?: boolean;
  /** Remove punctuation `.,?:;!"()` (default false). */
  noPunct?: boolean;
  /** With `normalized` split CJK to characters; with `noPunct` remove CJK punctuation too (default false). */
  asianSupport?: boolean;
  /** Keep case (default false: lowercase, as TERCOM). */
  caseSensitive?: boolean;
}

export interface TerScore {
  /** TER on 0..100 (may exceed 100). */
  score: number;
  /** Edits summed over segments (each segment's best reference). */
  numEdits: number;
  /** Reference words summed over segments (each the mean over its references). */
  refLength: number;
}

// TERCOM's limits, as sacreBLEU's lib_ter.py.
const MAX_SHIFT_SIZE = 10;
const MAX_SHIFT_DIST = 50;
const BEAM_WIDTH = 25;
const MAX_CACHE_SIZE = 10000;
const MAX_SHIFT_CANDIDATES = 1000;
const INF = 1e16;

const ASIAN_PUNCT = /([\u3001\u3002\u3008-\u3011\u3014-\u301f\uff61-\uff65\u30fb])/g;
const FULL_WIDTH_PUNCT = /([\uff0e\uff0c\uff1f\uff1a\uff1b\uff01\uff02\uff08\uff09])/g;

function normalizeGeneralAndWestern(s: string): string {
  s = s.replace(/\n-/g, "").replace(/\n/g, " ");
  s = s
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");
  s = ` ${s} `;
  s = s.replace(/([{-~[-` -&(-+:-@/])/g, " $1 ");
  s = s.replace(/'s /g, " 's ").replace(/'s$/g, " 's");
  s = s.replace(/([^0-9])([.,])/g, "$1 $2 ");
  s = s.replace(/([.,])([^0-9])/g, " $1 $2");
  return s.replace(/([0-9])(-)/g, "$1 $2 ");
}

function normalizeAsian(s: string): string {
  s = s.replace(/([\u4e00-\u9fff\u3400-\u4dbf])/g, " $1 ");
  s = s.replace(/([\u31c0-\u31ef\u2e80-\u2eff])/g, " $1 ");
  s = s.replace(/([\u3300-\u33ff\uf900-\ufaff\ufe30-\ufe4f])/g, " $1 ");
  s = s.replace(/([\u3200-\u3f22])/g, " $1 ");
  // sacreBLEU's patterns as written (their "^[…]" inside the groups only match at the start).
  s = s.replace(/(^|^[\u3040-\u309f])([\u3040-\u309f]+)(?=$|^[\u3040-\u309f])/g, "$1 $2 ");
  s = s.replace(/(^|^[\u30a0-\u30ff])([\u30a0-\u30ff]+)(?=$|^[\u30a0-\u30ff])/g, "$1 $2 ");
  s = s.replace(/(^|^[\u31f0-\u31ff])([\u31f0-\u31ff]+)(?=$|^[\u31f0-\u31ff])/g, "$1 $2 ");
  return s.replace(ASIAN_PUNCT, " $1 ").replace(FULL_WIDTH_PUNCT, " $1 ");
}

/** sacreBLEU's TercomTokenizer (after its `rstrip`): the segment as space-joined words. */
export function tokenizeTercom(sent: string, o: TerOptions = {}): string {
  let s = pyRstrip(sent);
  if (!s) return "";
  if (!o.caseSensitive) s = s.toLowerCase();
  if (o.normalized) {
    s = normalizeGeneralAndWestern(s);
    if (o.asianSupport) s = normalizeAsian(s);
  }
  if (o.noPunct) {
    s = s.replace(/[.,?:;!"()]/g, "");
    if (o.asianSupport) s = s.replace(ASIAN_PUNCT, "").replace(FULL_WIDTH_PUNCT, "");
  }
  return pySplit(s).join(" ");
}

type Op = "i" | "d" | " " | "s" | "x";
/** A row of the edit-distance matrix: costs and the operation that reached each cell. */
interface Row {
  cost: Float64Array;
  op: Op[];
}
interface CacheNode {
  next: Map<string, { node: CacheNode; row: Row }>;
}

/**
 * sacreBLEU's BeamEditDistance: the word edit distance from a hypothesis to a fixed reference, within a
 * beam around the diagonal, with its trace; rows are cached by hypothesis prefix (a trie), which the
 * shifts of one hypothesis share.
 */
class BeamEditDistance {
  readonly #ref: readonly string[];
  readonly #initial: Row;
  readonly #cache: CacheNode = { next: new Map() };
  #cacheSize = 0;

  constructor(ref: readonly string[]) {
    this.#ref = ref;
    const n = ref.length;
    this.#initial = {
      cost: Float64Array.from({ length: n + 1 }, (_, i) => i),
      op: new Array(n + 1).fill("i"),
    };
  }

  distance(hyp: readonly string[]): [number, string] {
    // Rows already known for a prefix of the hypothesis.
    let node = this.#cache;
    const dist: Row[] = [this.#initial];
    for (const w of hyp) {
      const hit = node.next.get(w);
      if (!hit) break;
      dist.push(hit.row);
      node = hit.node;
    }
    const start = dist.length - 1;
    const nRef = this.#ref.length;
    const nHyp = hyp.length;
    for (let i = start; i < nHyp; i++) {
      dist.push({ cost: new Float64Array(nRef + 1).fill(INF), op: new Array(nRef + 1).fill("x") });
    }
    const ratio = nHyp > 0 ? nRef / nHyp : 1;
    const beam = BEAM_WIDTH < ratio / 2 ? Math.ceil(ratio / 2 + BEAM_WIDTH) : BEAM_WIDTH;
    for (let i = start + 1; i <= nHyp; i++) {
      const diag = Math.floor(i * ratio);
      const minJ = Math.max(0, diag - beam);
      const maxJ = i === nHyp ? nRef + 1 : Math.min(nRef + 1, diag + beam);
      const prev = dist[i - 1];
      const cur = dist[i];
      for (let j = minJ; j < maxJ; j++) {
        if (j === 0) {
          cur.cost[0] = prev.cost[0] + 1;
          cur.op[0] = "d";
          continue;
        }
        const same = hyp[i - 1] === this.#ref[j - 1];
        // Preference: no-op/substitution, then deletion, then insertion (the trace is flipped later).
        const cands: [number, Op][] = [
          [prev.cost[j - 1] + (same ? 0 : 1), same ? " " : "s"],
          [prev.cost[j] + 1, "d"],
          [cur.cost[j - 1] + 1, "i"],
        ];
        for (const [c, op] of cands) {
          if (cur.cost[j] > c) {
            cur.cost[j] = c;
            cur.op[j] = op;
          }
        }
      }
    }
    let trace = "";
    for (let i = nHyp, j = nRef; i > 0 || j > 0; ) {
      const op = dist[i].op[j];
      trace = op + trace;
      if (op === "s" || op === " ") {
        i--;
        j--;
      } else if (op === "i") j--;
      else if (op === "d") i--;
      else throw new Error(`ter: unknown edit operation ${JSON.stringify(op)}`);
    }
    this.#addCache(hyp, dist.slice(start + 1), start);
    return [dist[nHyp].cost[nRef], trace];
  }

  #addCache(hyp: readonly string[], rows: Row[], skip: number): void {
    if (this.#cacheSize >= MAX_CACHE_SIZE) return;
    let node = this.#cache;
    for (let i = 0; i < skip; i++) node = (node.next.get(hyp[i]) as { node: CacheNode }).node;
    rows.forEach((row, k) => {
      const w = hyp[skip + k];
      let hit = node.next.get(w);
      if (!hit) {
        hit = { node: { next: new Map() }, row };
        node.next.set(w, hit);
        this.#cacheSize++;
      }
      node = hit.node;
    });
  }
}

/** The alignment of reference positions to hypothesis positions, and which positions are errors. */
function traceToAlignment(trace: string): { align: Map<number, number>; refErr: number[]; hypErr: number[] } {
  let h = -1;
  let r = -1;
  const align = new Map<number, number>();
  const refErr: number[] = [];
  const hypErr: number[] = [];
  for (const op of trace) {
    if (op === " " || op === "s") {
      h++;
      r++;
      align.set(r, h);
      const e = op === "s" ? 1 : 0;
      hypErr.push(e);
      refErr.push(e);
    } else if (op === "i") {
      h++;
      hypErr.push(1);
    } else if (op === "d") {
      r++;
      align.set(r, h);
      refErr.push(1);
    } else throw new Error(`ter: unknown edit operation ${JSON.stringify(op)}`);
  }
  return { align, refErr, hypErr };
}

function performShift(w: readonly string[], start: number, length: number, target: number): string[] {
  if (target < start) {
    return [
      ...w.slice(0, target),
      ...w.slice(start, start + length),
      ...w.slice(target, start),
      ...w.slice(start + length),
    ];
  }
  if (target > start + length) {
    return [
      ...w.slice(0, start),
      ...w.slice(start + length, target),
      ...w.slice(start, start + length),
      ...w.slice(target),
    ];
  }
  return [
    ...w.slice(0, start),
    ...w.slice(start + length, length + target),
    ...w.slice(start, start + length),
    ...w.slice(length + target),
  ];
}

const sum = (xs: readonly number[], from: number, to: number) => {
  let s = 0;
  for (let i = from; i < Math.min(to, xs.length); i++) s += xs[i];
  return s;
};

/** Python's ordering of sacreBLEU's candidate tuples (gain, length, −start, −target, words). */
function better(
  a: [number, number, number, number, string[]],
  b: [number, number, number, number, string[]],
): boolean {
  for (let k = 0; k < 4; k++) if (a[k] !== b[k]) return (a[k] as number) > (b[k] as number);
  const [x, y] = [a[4], b[4]];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] > y[i];
  return x.length > y.length;
}

/** One greedy shift: the best that lowers the edit distance (gain 0 when none), and the candidates tried so far. */
function shiftOnce(
  hyp: string[],
  ref: readonly string[],
  ed: BeamEditDistance,
  checked: number,
): [number, string[], number] {
  const [pre, invTrace] = ed.distance(hyp);
  // The alignment is read rewriting the reference into the hypothesis: insertions and deletions swap.
  const trace = invTrace.replace(/[id]/g, (c) => (c === "i" ? "d" : "i"));
  const { align, refErr, hypErr } = traceToAlignment(trace);
  let best: [number, number, number, number, string[]] | null = null;
  outer: for (let sh = 0; sh < hyp.length; sh++) {
    for (let sr = 0; sr < ref.length; sr++) {
      if (Math.abs(sr - sh) > MAX_SHIFT_DIST) continue;
      for (let length = 0; hyp[sh + length] === ref[sr + length] && length < MAX_SHIFT_SIZE; ) {
        length++;
        // A matching span (sh, sr, length):
        if (
          sum(hypErr, sh, sh + length) !== 0 &&
          sum(refErr, sr, sr + length) !== 0 &&
          !(sh <= (align.get(sr) as number) && (align.get(sr) as number) < sh + length)
        ) {
          let prevIdx = -1;
          for (let off = -1; off < length; off++) {
            let idx: number;
            if (sr + off === -1) idx = 0;
            else if (align.has(sr + off)) idx = (align.get(sr + off) as number) + 1;
            else break;
            if (idx === prevIdx) continue;
            prevIdx = idx;
            const shifted = performShift(hyp, sh, length, idx);
            const cand: [number, number, number, number, string[]] = [
              pre - ed.distance(shifted)[0],
              length,
              -sh,
              -idx,
              shifted,
            ];
            checked++;
            if (!best || better(cand, best)) best = cand;
          }
          if (checked >= MAX_SHIFT_CANDIDATES) break outer;
        }
        if (hyp.length === sh + length || ref.length === sr + length) break;
      }
    }
  }
  return best ? [best[0], best[4], checked] : [0, hyp, checked];
}

/** sacreBLEU's `translation_edit_rate`: [edits, reference length] of tokenised word lists. */
export function translationEditRate(
  hypWords: readonly string[],
  refWords: readonly string[],
): [number, number] {
  if (refWords.length === 0) return [hypWords.length, 0];
  const ed = new BeamEditDistance(refWords);
  let shifts = 0;
  let words = [...hypWords];
  let checked = 0;
  for (;;) {
    const [delta, next, c] = shiftOnce(words, refWords, ed, checked);
    checked = c;
    if (checked >= MAX_SHIFT_CANDIDATES || delta <= 0) break;
    shifts++;
    words = next;
  }
  return [shifts + ed.distance(words)[0], refWords.length];
}

/** TER of one segment's hypothesis against its references: [best edits, mean reference length]. */
export function terSegmentStatistics(
  hyp: string,
  refs: readonly string[],
  o: TerOptions = {},
): [number, number] {
  if (refs.length === 0) throw new Error("terSegmentStatistics: no references for the segment");
  const h = pySplit(tokenizeTercom(hyp, o));
  let best = INF;
  let lengths = 0;
  for (const ref of refs) {
    // sacreBLEU tokenises a reference twice (`_cache_references`, then `_extract_reference_info`);
    // TERCOM's normalisation is not idempotent ("Nima's," → "nima's ," → "nima 's ,"): done as it does.
    const [edits, len] = translationEditRate(h, pySplit(tokenizeTercom(tokenizeTercom(ref, o), o)));
    lengths += len;
    if (edits < best) best = edits;
  }
  return [best, lengths / refs.length];
}

function scoreOf(edits: number, refLength: number): TerScore {
  const score = refLength > 0 ? edits / refLength : edits > 0 ? 1 : 0;
  return { score: 100 * score, numEdits: edits, refLength };
}

/**
 * Corpus TER (sacreBLEU `TER().corpus_score(hypotheses, referenceStreams)`): `referenceStreams[k][i]` is
 * the k-th reference of segment i; every stream must have one line per hypothesis.
 */
export function corpusTer(
  hypotheses: readonly string[],
  referenceStreams: readonly (readonly string[])[],
  o: TerOptions = {},
): TerScore {
  if (referenceStreams.length === 0) throw new Error("corpusTer: no reference streams");
  referenceStreams.forEach((s, k) => {
    if (s.length !== hypotheses.length) {
      throw new Error(
        `corpusTer: reference stream ${k} has ${s.length} lines, the hypotheses ${hypotheses.length}`,
      );
    }
  });
  let edits = 0;
  let length = 0;
  hypotheses.forEach((h, i) => {
    const [e, l] = terSegmentStatistics(
      h,
      referenceStreams.map((s) => s[i]),
      o,
    );
    edits += e;
    length += l;
  });
  return scoreOf(edits, length);
}

/** Sentence TER (sacreBLEU `TER().sentence_score(hypothesis, references)`). */
export function sentenceTer(hypothesis: string, references: readonly string[], o: TerOptions = {}): TerScore {
  const [e, l] = terSegmentStatistics(hypothesis, references, o);
  return scoreOf(e, l);
}
