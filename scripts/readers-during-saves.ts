/**
 * The reader-during-save figure of issue 20: while a real `qkv train` saves `last` (and `best`) after
 * every epoch — one optimizer step per epoch, so it saves several times a second — this script runs
 * CLI reads (`qkv translate --model DIR --checkpoint last`, `--cli` of them, `--jobs` at a time) and
 * API reads (`loadModel(DIR, "last")`, `--api` of them) and counts failures. Every read must succeed;
 * the figure is "N CLI reads and M API loads during K saves: 0 failures".
 *
 *   npm run readers-during-saves                       # 100 CLI reads, 5,000 API loads
 *   npx tsx scripts/readers-during-saves.ts --cli 10 --api 500 --jobs 2
 *
 * Exit status 1 when any read failed (the first messages are printed). The unit test
 * (test/train/readers-during-saves.test.ts) runs a smaller API-only version on every `npm test`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadModel } from "../src/train/index.js";

const root = new URL("..", import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    cli: { type: "string", default: "100" },
    api: { type: "string", default: "5000" },
    jobs: { type: "string", default: "2" },
  },
});
const count = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0 || n > 1e6)
    throw new Error(`--${name} must be an integer from 0 to 10⁶, got ${v}`);
  return n;
};
const nCli = count("cli", values.cli);
const nApi = count("api", values.api);
const jobs = Math.max(1, count("jobs", values.jobs));

const dir = mkdtempSync(join(tmpdir(), "qkv-readers-"));
const out = join(dir, "run");
const qkv = (args: string[], opts: { quiet?: boolean } = {}): ChildProcess =>
  spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", opts.quiet ? "ignore" : "pipe"],
  });

/** Saves so far: the `last` generations the trainer has written (its `step` counts one per epoch). */
function lastStep(): number {
  try {
    return JSON.parse(readFileSync(join(out, "last.json"), "utf8")).meta.step as number;
  } catch {
    return -1;
  }
}

async function main(): Promise<void> {
  // One step per epoch: 32 pairs, batch 32; every epoch validates and saves `last` (and `best` when
  // the score improves).
  const trainer = qkv(
    ["train", "--task", "copy", "--synthetic-size", "32", "--max-length", "3"]
      .concat(["--batch-size", "32", "--epochs", "1000000", "--embed", "8", "--hidden", "8"])
      .concat(["--valid-limit", "4", "--backend", "reference", "--quiet", "--out", out]),
    { quiet: true },
  );
  let trainerExit: number | null | undefined;
  trainer.on("exit", (c) => {
    trainerExit = c;
  });
  while (!existsSync(join(out, "last.json"))) {
    if (trainerExit !== undefined)
      throw new Error(`the trainer exited (${trainerExit}) before its first save`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const step0 = lastStep();
  const t0 = Date.now();
  const failures: string[] = [];

  // API loads, in this process, interleaved with the CLI reads (which run in child processes).
  let apiDone = 0;
  const api = (async () => {
    for (; apiDone < nApi; apiDone++) {
      try {
        await loadModel(out, "last");
      } catch (e) {
        failures.push(`loadModel: ${(e as Error).message}`);
      }
      if (apiDone % 50 === 0) await new Promise((r) => setImmediate(r));
    }
  })();

  let cliDone = 0;
  let next = 0;
  const cliWorker = async () => {
    while (next < nCli) {
      next++;
      const child = qkv(["translate", "--model", out, "--checkpoint", "last", "--json", "s1 s2 s3"]);
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (d) => {
        stdout += d;
      });
      child.stderr?.on("data", (d) => {
        stderr += d;
      });
      const code = await new Promise<number | null>((r) => child.on("close", r));
      let ok = code === 0;
      try {
        ok &&= typeof JSON.parse(stdout)[0].translation === "string";
      } catch {
        ok = false;
      }
      if (!ok) failures.push(`translate (exit ${code}): ${stderr.trim().split("\n").pop()}`);
      cliDone++;
    }
  };
  await Promise.all([api, ...Array.from({ length: jobs }, cliWorker)]);
  const seconds = (Date.now() - t0) / 1000;
  const saves = lastStep() - step0;
  const trainerAlive = trainerExit === undefined;
  trainer.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });

  console.log(
    `${cliDone} CLI reads (translate --checkpoint last, ${jobs} at a time) and ${apiDone} API loads (loadModel) ` +
      `in ${seconds.toFixed(1)} s while the trainer saved last ${saves} times: ${failures.length} failures`,
  );
  for (const f of failures.slice(0, 5)) console.log(`  ${f}`);
  if (!trainerAlive) console.log(`the trainer exited (${trainerExit}) during the reads`);
  if (saves < 10) console.log("too few saves during the reads for the figure to mean anything");
  if (failures.length > 0 || !trainerAlive || saves < 10) process.exitCode = 1;
}

await main();
