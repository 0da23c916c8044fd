/**
 * `qkv translate --input/--output` with files that are not plain files: a pipe (`/dev/stdin`), a FIFO,
 * character devices and symbolic links as outputs, and overlong input lines — through the command,
 * in child processes, each bounded by a timeout (a hang is a failure, not a stuck test run).
 */
import { type SpawnOptions, spawn, spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { train } from "../../src/train/index.js";

const root = new URL("../..", import.meta.url).pathname;
const cli = join(root, "src/cli/main.ts");
const dir = mkdtempSync(join(tmpdir(), "qkv-cli-io-"));
const model = join(dir, "model");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  await train({
    model: { embedDim: 4, hiddenSize: 4 },
    epochs: 1,
    validLimit: 4,
    quiet: true,
    task: "copy",
    taskOptions: { syntheticSize: 32, maxLength: 3 },
    outDir: model,
  });
}, 120_000);

interface Run {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `feed` gets the child (to write its stdin); killed after `timeoutMs` (a hang). */
function qkv(
  args: string[],
  feed?: (c: ReturnType<typeof spawn>) => void,
  timeoutMs = 120_000,
): Promise<Run> {
  return new Promise((resolve) => {
    const opts: SpawnOptions = { cwd: root, stdio: ["pipe", "pipe", "pipe"] };
    const c = spawn(process.execPath, ["--import", "tsx", cli, ...args], opts);
    let stdout = "";
    let stderr = "";
    c.stdout?.on("data", (d) => {
      stdout += d;
    });
    c.stderr?.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => c.kill("SIGKILL"), timeoutMs);
    c.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    if (feed) feed(c);
    else c.stdin?.end();
  });
}

const translate = (input: string, output: string, ...more: string[]) => [
  "translate",
  "--model",
  model,
  "--backend",
  "reference",
  "--input",
  input,
  "--output",
  output,
  ...more,
];

describe("translate --input from a pipe or FIFO: read once", () => {
  it("--input /dev/stdin from a shell pipe (printf … |) translates every line", async () => {
    const out = join(dir, "pipe.txt");
    const cmd = [process.execPath, "--import", "tsx", cli, ...translate("/dev/stdin", out)]
      .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
      .join(" ");
    const r = spawnSync("sh", ["-c", `printf 'I am happy.\\nGo.\\n' | ${cmd}`], {
      cwd: root,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`translated 2 lines of /dev/stdin into ${out}`);
    expect(readFileSync(out, "utf8").split("\n")).toHaveLength(3); // 2 lines + the final newline
  }, 180_000);

  it("--input <(printf …) (bash process substitution: a pipe opened by name) translates every line", async () => {
    const out = join(dir, "procsub.txt");
    const cmd = [process.execPath, "--import", "tsx", cli, ...translate("PLACEHOLDER", out)]
      .map((a) =>
        a === "PLACEHOLDER" ? "<(printf 'I am happy.\\nGo.\\n')" : `'${a.replace(/'/g, "'\\''")}'`,
      )
      .join(" ");
    const r = spawnSync("bash", ["-c", cmd], { cwd: root, encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/translated 2 lines of \/dev\/fd\/\d+ into /);
    expect(readFileSync(out, "utf8").split("\n")).toHaveLength(3);
  }, 180_000);

  it("--input /dev/stdin (a spawned child's stdin) translates every line", async () => {
    const out = join(dir, "stdin.txt");
    const r = await qkv(translate("/dev/stdin", out), (c) => c.stdin?.end("I am happy.\nGo.\n"));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`translated 2 lines of /dev/stdin into ${out}`);
    expect(r.stderr).toMatch(/translate 2 lines \(total unknown\)/);
    expect(readFileSync(out, "utf8").split("\n")).toHaveLength(3); // 2 lines + the final newline
  }, 180_000);

  it("--input FIFO translates every line instead of hanging", async () => {
    const fifo = join(dir, "in.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const out = join(dir, "fifo.txt");
    const r = await qkv(translate(fifo, out), (c) => {
      c.stdin?.end();
      // Opening a FIFO for writing waits for its reader (the CLI); then three lines and EOF.
      createWriteStream(fifo).end("I am happy.\nGo.\nRun.\n");
    });
    expect(r.signal, `killed: it hung (${r.stderr})`).toBe(null);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`translated 3 lines of ${fifo}`);
    expect(readFileSync(out, "utf8").split("\n")).toHaveLength(4);
  }, 180_000);
});
