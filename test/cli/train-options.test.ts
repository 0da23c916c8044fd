/** `qkv train`'s optimizer, schedule, accumulation and early-stop flags reach train() and its checkpoint; bad ones are refused by name. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const qkv = (...args: string[]) =>
  spawnSync(tsx, [join(root, "src/cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });
const base = ["train", "--task", "copy", "--synthetic-size", "160", "--max-length", "4", "--embed", "8"];
const small = [...base, "--hidden", "8", "--batch-size", "16", "--valid-limit", "10", "--threads", "1"];

describe("qkv train: optimizer, scheduler, --accumulate, --early-stop", () => {
  it("sgd + cosine + accumulate 2 + early stop: the checkpoint holds each one's state", () => {
    const out = mkdtempSync(join(tmpdir(), "qkv-cli-opt-"));
    const r = qkv(
      ...small,
      ...[
        "--epochs",
        "2",
        "--optimizer",
        "sgd",
        "--lr",
        "0.3",
        "--momentum",
        "0.9",
        "--weight-decay",
        "0.001",
      ],
      ...["--scheduler", "cosine", "--min-lr", "0.01", "--accumulate", "2", "--early-stop", "3"],
      ...["--out", out, "--json"],
    );
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    // 160 pairs / 16 = 10 batches an epoch, 2 per step: 5 steps an epoch.
    expect(res.steps).toBe(10);
    expect(res.stoppedEarly).toBe(false);
    const meta = JSON.parse(readFileSync(join(out, "last.json"), "utf8")).meta;
    expect(meta).toMatchObject({
      optimizerKind: "sgd",
      accumulate: 2,
      evalsWithoutImprovement: expect.any(Number),
    });
    expect(meta.scheduler).toMatchObject({ kind: "cosine", tMax: 10, minLr: 0.01, lastEpoch: 10 });
    expect(meta.optimizer.paramGroups[0]).toMatchObject({ momentum: 0.9, weightDecay: 0.001, lr: 0.01 });
  }, 120_000);

  it("plateau with its options; the former --schedule name still works", () => {
    const out = mkdtempSync(join(tmpdir(), "qkv-cli-pl-"));
    const r = qkv(
      ...small,
      "--epochs",
      "1",
      "--schedule",
      "plateau",
      "--patience",
      "0",
      "--factor",
      "0.5",
      "--out",
      out,
      "--json",
    );
    expect(r.status, r.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(out, "last.json"), "utf8")).meta;
    expect(meta.scheduler).toMatchObject({ kind: "plateau", factor: 0.5, patience: 0, lastEpoch: 1 });
  }, 120_000);

  const refusals: [string[], RegExp][] = [
    [["--momentum", "0.9"], /momentum \(--momentum\) is for --optimizer sgd, not adam/],
    [["--optimizer", "rmsprop"], /--optimizer.*rmsprop.*Allowed choices are adam, adamw, sgd/s],
    [
      ["--scheduler", "cosine", "--patience", "2"],
      /patience \(--patience\) is for --scheduler plateau, not cosine/,
    ],
    [["--accumulate", "0"], /--accumulate must be ≥ 1, got 0/],
    [["--factor", "1.5", "--scheduler", "plateau"], /--factor must be in \(0, 1\), got 1.5/],
    [["--scheduler", "noam", "--schedule", "cosine"], /--scheduler noam and --schedule cosine disagree/],
  ];
  for (const [flags, re] of refusals) {
    it(`refuses ${flags.join(" ")}`, () => {
      const r = qkv(...small, "--epochs", "1", ...flags);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(re);
    }, 60_000);
  }
});
