/**
 * The SCAN grammar and its interpretation function, from Lake & Baroni (2018), "Generalization without
 * systematicity: On the compositional skills of sequence-to-sequence recurrent networks" (ICML 2018),
 * Figure 6 (phrase-structure grammar and semantics of the commands).
 *
 * Grammar (the D of "opposite"/"around" is a primitive verb or "turn", followed by a direction):
 *
 *   C → S and S | S after S | S
 *   S → V twice | V thrice | V
 *   V → D[1] opposite D[2] | D[1] around D[2] | D | U
 *   D → U left | U right | turn left | turn right
 *   U → walk | look | run | jump
 *
 * Interpretation ⟦·⟧:
 *   ⟦walk⟧ = I_WALK, ⟦look⟧ = I_LOOK, ⟦run⟧ = I_RUN, ⟦jump⟧ = I_JUMP, ⟦turn⟧ = (nothing)
 *   ⟦x left⟧ = I_TURN_LEFT ⟦x⟧                  ⟦x right⟧ = I_TURN_RIGHT ⟦x⟧
 *   ⟦x opposite left⟧ = I_TURN_LEFT I_TURN_LEFT ⟦x⟧
 *   ⟦x around left⟧ = (I_TURN_LEFT ⟦x⟧) × 4      (and likewise for right)
 *   ⟦x twice⟧ = ⟦x⟧ ⟦x⟧                         ⟦x thrice⟧ = ⟦x⟧ ⟦x⟧ ⟦x⟧
 *   ⟦x and y⟧ = ⟦x⟧ ⟦y⟧                         ⟦x after y⟧ = ⟦y⟧ ⟦x⟧
 *
 * So "turn opposite left" = I_TURN_LEFT I_TURN_LEFT and "turn around right" = 4 × I_TURN_RIGHT.
 * Counting: |U| = 4, |D| = 10, |V| = 10 + 10 + 10 + 4 = 34, |S| = 3 × 34 = 102,
 * |C| = 102 + 2 × 102² = 20,910 commands, each with exactly one action sequence.
 */
import type { ScanExample } from "./scan.js";

/** SCAN's primitive verbs. */
export const SCAN_PRIMITIVES = ["walk", "look", "run", "jump"] as const;
/** SCAN's directions. */
export const SCAN_DIRECTIONS = ["left", "right"] as const;
/** SCAN's output actions. */
export const SCAN_ACTIONS = ["I_WALK", "I_LOOK", "I_RUN", "I_JUMP", "I_TURN_LEFT", "I_TURN_RIGHT"] as const;

/** Number of distinct SCAN commands the grammar generates. */
export const SCAN_COMMAND_COUNT = 20910;

const PRIMITIVE_ACTION: Record<string, string[]> = {
  walk: ["I_WALK"],
  look: ["I_LOOK"],
  run: ["I_RUN"],
  jump: ["I_JUMP"],
  turn: [],
};
const TURN_ACTION: Record<string, string> = { left: "I_TURN_LEFT", right: "I_TURN_RIGHT" };

function repeat(actions: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(...actions);
  return out;
}

function fail(words: readonly string[], why: string): never {
  throw new Error(`Not a SCAN command (${why}): ${JSON.stringify(words.join(" "))}`);
}

/** ⟦V⟧ for a verb phrase: "u", "x dir", "x opposite dir", "x around dir" (x ∈ U ∪ {turn}). */
function interpretV(words: readonly string[]): string[] {
  const x = words[0];
  const base = PRIMITIVE_ACTION[x];
  if (base === undefined) fail(words, `unknown verb ${JSON.stringify(x)}`);
  if (words.length === 1) {
    if (x === "turn") fail(words, '"turn" needs a direction');
    return [...base];
  }
  const dir = words[words.length - 1];
  const turn = TURN_ACTION[dir];
  if (turn === undefined) fail(words, `expected "left" or "right", got ${JSON.stringify(dir)}`);
  if (words.length === 2) return [turn, ...base];
  if (words.length === 3 && words[1] === "opposite") return [turn, turn, ...base];
  if (words.length === 3 && words[1] === "around") return repeat([turn, ...base], 4);
  return fail(words, "bad verb phrase");
}

/** ⟦S⟧: a verb phrase optionally followed by "twice" or "thrice". */
function interpretS(words: readonly string[]): string[] {
  if (words.length === 0) fail(words, "empty phrase");
  const last = words[words.length - 1];
  if (last === "twice") return repeat(interpretV(words.slice(0, -1)), 2);
  if (last === "thrice") return repeat(interpretV(words.slice(0, -1)), 3);
  return interpretV(words);
}

/**
 * The interpretation function: maps a SCAN command (words, or a space-separated string) to its action
 * sequence. Throws on anything the grammar does not generate.
 */
export function interpretScan(command: string | readonly string[]): string[] {
  const words = typeof command === "string" ? command.trim().split(/\s+/).filter(Boolean) : command;
  const conj = words.findIndex((w) => w === "and" || w === "after");
  if (conj < 0) return interpretS(words);
  const left = words.slice(0, conj);
  const right = words.slice(conj + 1);
  if (right.includes("and") || right.includes("after")) fail(words, "at most one conjunction");
  return words[conj] === "and"
    ? [...interpretS(left), ...interpretS(right)]
    : [...interpretS(right), ...interpretS(left)];
}

interface Phrase {
  words: string[];
  actions: string[];
}

/** All verb phrases V (34), in grammar order. */
function allV(): Phrase[] {
  const out: Phrase[] = [];
  const verbs = [...SCAN_PRIMITIVES, "turn"];
  for (const mode of ["opposite", "around"] as const) {
    for (const x of verbs) {
      for (const d of SCAN_DIRECTIONS) {
        const turn = TURN_ACTION[d];
        const step = [turn, ...PRIMITIVE_ACTION[x]];
        out.push({
          words: [x, mode, d],
          actions: mode === "opposite" ? [turn, ...step] : repeat(step, 4),
        });
      }
    }
  }
  for (const x of verbs) {
    for (const d of SCAN_DIRECTIONS)
      out.push({ words: [x, d], actions: [TURN_ACTION[d], ...PRIMITIVE_ACTION[x]] });
  }
  for (const u of SCAN_PRIMITIVES) out.push({ words: [u], actions: [...PRIMITIVE_ACTION[u]] });
  return out;
}

/** All phrases S (102): V, V twice, V thrice. */
function allS(): Phrase[] {
  const out: Phrase[] = [];
  for (const v of allV()) {
    out.push(v);
    out.push({ words: [...v.words, "twice"], actions: repeat(v.actions, 2) });
    out.push({ words: [...v.words, "thrice"], actions: repeat(v.actions, 3) });
  }
  return out;
}

/**
 * Every SCAN command with its action sequence (20,910 pairs, each command once), in a fixed order:
 * the 102 single phrases, then "S and S" pairs, then "S after S" pairs.
 */
export function generateScan(): ScanExample[] {
  const s = allS();
  const out: ScanExample[] = s.map((p) => ({ source: [...p.words], target: [...p.actions] }));
  for (const a of s) {
    for (const b of s)
      out.push({ source: [...a.words, "and", ...b.words], target: [...a.actions, ...b.actions] });
  }
  for (const a of s) {
    for (const b of s) {
      out.push({ source: [...a.words, "after", ...b.words], target: [...b.actions, ...a.actions] });
    }
  }
  return out;
}
