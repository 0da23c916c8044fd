import { describe, expect, it } from "vitest";
import { loadScan } from "../../src/data/files.js";
import { generateScan, interpretScan, SCAN_COMMAND_COUNT } from "../../src/data/scan-generator.js";
import { requireDataset } from "../helpers/data.js";

const key = (words: readonly string[]) => words.join(" ");

describe("interpretScan", () => {
  it.each([
    ["jump", "I_JUMP"],
    ["turn left", "I_TURN_LEFT"],
    ["walk right", "I_TURN_RIGHT I_WALK"],
    ["turn opposite left", "I_TURN_LEFT I_TURN_LEFT"],
    ["look opposite right", "I_TURN_RIGHT I_TURN_RIGHT I_LOOK"],
    ["walk around left", "I_TURN_LEFT I_WALK I_TURN_LEFT I_WALK I_TURN_LEFT I_WALK I_TURN_LEFT I_WALK"],
    ["turn around right", "I_TURN_RIGHT I_TURN_RIGHT I_TURN_RIGHT I_TURN_RIGHT"],
    ["run twice", "I_RUN I_RUN"],
    ["jump left thrice", "I_TURN_LEFT I_JUMP I_TURN_LEFT I_JUMP I_TURN_LEFT I_JUMP"],
    ["walk and look", "I_WALK I_LOOK"],
    ["walk after look", "I_LOOK I_WALK"],
    ["run opposite left after walk right", "I_TURN_RIGHT I_WALK I_TURN_LEFT I_TURN_LEFT I_RUN"],
  ])("%s → %s", (command, actions) => {
    expect(interpretScan(command).join(" ")).toBe(actions);
  });

  it("rejects commands outside the grammar", () => {
    for (const bad of [
      "turn",
      "walk walk",
      "jump twice twice",
      "walk and run and look",
      "fly",
      "walk up",
      "",
    ]) {
      expect(() => interpretScan(bad), bad).toThrow(/Not a SCAN command/);
    }
  });
});

describe("generateScan", () => {
  const all = generateScan();

  it("generates exactly 20,910 unique commands", () => {
    expect(SCAN_COMMAND_COUNT).toBe(20910);
    expect(all.length).toBe(20910);
    expect(new Set(all.map((e) => key(e.source))).size).toBe(20910);
  });

  it("agrees with the interpretation function on every command", () => {
    for (const e of all) expect(key(interpretScan(e.source))).toBe(key(e.target));
  });

  it("has the vocabulary and lengths of SCAN (13 command words, 6 actions, up to 48 actions)", () => {
    expect(new Set(all.flatMap((e) => e.source)).size).toBe(13);
    expect(new Set(all.flatMap((e) => e.target)).size).toBe(6);
    const lens = all.map((e) => e.target.length);
    expect([Math.min(...lens), Math.max(...lens)]).toEqual([1, 48]);
    expect(Math.max(...all.map((e) => e.source.length))).toBe(9);
  });

  it("is deterministic", () => {
    expect(generateScan().slice(0, 5)).toEqual(all.slice(0, 5));
  });
});

describe.skipIf(!requireDataset("scan"))("generateScan vs the SCAN files", () => {
  it("equals tasks_train_simple ∪ tasks_test_simple exactly (same commands, same actions)", () => {
    const files = new Map<string, string>();
    for (const part of ["train", "test"] as const) {
      for (const e of loadScan("simple", part)) {
        expect(files.has(key(e.source))).toBe(false);
        files.set(key(e.source), key(e.target));
      }
    }
    const generated = new Map(generateScan().map((e) => [key(e.source), key(e.target)]));
    expect(files.size).toBe(20910);
    expect(generated.size).toBe(files.size);
    const mismatches = [...files].filter(([cmd, act]) => generated.get(cmd) !== act);
    expect(mismatches).toEqual([]);
  });

  it("covers every command of the length and addprim_jump splits with the same actions", () => {
    const generated = new Map(generateScan().map((e) => [key(e.source), key(e.target)]));
    for (const split of ["length", "addprim_jump"] as const) {
      for (const part of ["train", "test"] as const) {
        const bad = loadScan(split, part).filter((e) => generated.get(key(e.source)) !== key(e.target));
        expect(bad, `${split}/${part}`).toEqual([]);
      }
    }
  });
});
