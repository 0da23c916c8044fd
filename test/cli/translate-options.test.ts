/**
 * `qkv translate`'s generation flags (src/cli/translate-options.ts): each validated with a message
 * naming it, meaningless combinations refused, and on the bundled model: --ensemble of one model twice
 * = that model, --sample reproducible by its seed, --replace-unk's source words.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { load } from "../../src/cli/common.js";
import { withTranslateCommand } from "../../src/cli/translate.js";
import { outputTokens, unkSources } from "../../src/cli/translate-action.js";
import { generationOf } from "../../src/cli/translate-options.js";
import { UNK } from "../../src/data/vocab.js";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const qkv = (...args: string[]) =>
  spawnSync(tsx, [join(root, "src/cli/main.ts"), "translate", ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });

/** The options `qkv translate` parses from `args`, or the parse error. */
function parse(...args: string[]) {
  const cmd = new Command("translate")
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  withTranslateCommand(cmd);
  cmd.action(() => {}); // parse only: the flags' parsers run, the command does not
  cmd.parse(["--model", "m", ...args], { from: "user" });
  return cmd.opts();
}

describe("generation flags", () => {
  it("are parsed and checked, each message naming its flag", () => {
    const o = parse("--sample", "--temperature", "0.5", "--top-k", "3", "--top-p", "0.9", "--seed", "7");
    expect(generationOf(o).sample).toEqual({ temperature: 0.5, topK: 3, topP: 0.9, seed: 7 });
    const b = generationOf(parse("--beam", "4", "--length-penalty", "avg", "--coverage-penalty", "0.2"));
    expect([b.lengthPenalty, b.coveragePenalty]).toEqual(["avg", 0.2]);
    const p = generationOf(parse("--no-repeat-ngram", "3", "--repetition-penalty", "1.2", "--replace-unk"));
    expect([p.noRepeatNgram, p.repetitionPenalty, p.replaceUnk]).toEqual([3, 1.2, true]);
    expect(generationOf(parse()).noRepeatNgram).toBeUndefined();
    for (const [args, msg] of [
      [["--temperature", "0"], "--temperature must be > 0, got 0"],
      [["--top-k", "0"], "--top-k must be ≥ 1, got 0"],
      [["--top-k", "2.5"], '--top-k must be a non-negative integer, got "2.5"'],
      [["--top-p", "0"], '--top-p must be a number in (0, 1], got "0"'],
      [["--top-p", "1.01"], "--top-p must be a number in (0, 1]"],
      [["--seed", "-3"], "--seed must be a non-negative integer"],
      [["--repetition-penalty", "0"], "--repetition-penalty must be > 0"],
      [["--no-repeat-ngram", "0"], "--no-repeat-ngram must be ≥ 1, got 0"],
      [["--length-penalty", "-1"], '--length-penalty must be a number ≥ 0 (GNMT α) or "avg", got "-1"'],
      [["--length-penalty", "mean"], "--length-penalty must be a number ≥ 0"],
      [["--coverage-penalty", "x"], '--coverage-penalty must be a number, got "x"'],
    ] as const) {
      expect(() => parse(...args), args.join(" ")).toThrow(msg);
    }
  });

  it("refuses meaningless combinations, naming the flags", () => {
    expect(() => generationOf(parse("--top-k", "5"))).toThrow("--top-k needs --sample");
    expect(() => generationOf(parse("--seed", "1"))).toThrow("--seed needs --sample");
    expect(() => generationOf(parse("--sample", "--beam", "3"))).toThrow("it cannot go with --beam 3");
    expect(() => generationOf(parse("--sample", "--n-best", "2"))).toThrow("--sample draws one translation");
    expect(() => generationOf(parse("--length-penalty", "1"))).toThrow(
      "--length-penalty ranks beam search's hypotheses: give --beam N with N ≥ 2",
    );
    expect(() => generationOf(parse("--coverage-penalty", "1"))).toThrow("--coverage-penalty ranks beam");
    expect(generationOf(parse("--n-best", "2", "--coverage-penalty", "1")).coveragePenalty).toBe(1);
  });
});

describe("on the bundled model", () => {
  const model = join(root, "pretrained/en-hi");
  const sentences = ["I am happy.", "He is my friend."];
  const translations = (r: ReturnType<typeof qkv>) => {
    expect(r.stderr).not.toMatch(/Error|qkv translate:/);
    expect(r.status).toBe(0);
    return (JSON.parse(r.stdout) as { translation: string; tokens: string[] }[]).map((x) => x.tokens);
  };

  it("--ensemble of the model with itself translates as the model; --sample is reproducible by --seed", () => {
    const beam = translations(qkv("--model", model, "--beam", "3", "--json", ...sentences));
    const ens = translations(
      qkv("--model", model, "--ensemble", model, "--beam", "3", "--json", ...sentences),
    );
    expect(ens).toEqual(beam);
    const s1 = translations(
      qkv("--model", model, "--sample", "--seed", "5", "--temperature", "1.5", "--json", ...sentences),
    );
    const s2 = translations(
      qkv("--model", model, "--sample", "--seed", "5", "--temperature", "1.5", "--json", ...sentences),
    );
    expect(s2).toEqual(s1);
  }, 60_000);

  it("--ensemble refuses a folder with other vocabularies, naming both", () => {
    const r = qkv("--model", model, "--ensemble", join(root, "pretrained/en-hi-none"), "x");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("--ensemble:");
    expect(r.stderr).toContain("pretrained/en-hi-none has another srcVocab than --model");
  }, 60_000);

  it("--replace-unk copies the attended source word (BPE: the whole word, as a new word)", async () => {
    const m = await load(model, "best");
    const line = "I am happy.";
    const toks = m.tokenize(line);
    const src = unkSources(m, line, toks);
    expect(src).toHaveLength(toks.length);
    const happy = src.findIndex((w) => w === "▁happy.");
    expect(happy).toBeGreaterThan(0);
    const row = toks.map((_, j) => (j === happy ? 0.9 : 0.1 / (toks.length - 1)));
    const h = { tokens: [UNK], logProb: 0, alignment: [row] };
    const g = { replaceUnk: true, ensemble: [] };
    const out = outputTokens(m, h, () => src, g);
    expect(out).toEqual(["▁happy."]);
    expect(m.detokenize(out)).toBe("happy.");
    expect(outputTokens(m, h, () => src, { ...g, replaceUnk: false })).toEqual(["<unk>"]);
  });
});
