/**
 * `qkv translate --input/--output` with files that are not plain files: a pipe (`/dev/stdin`), a FIFO,
 * character devices and symbolic links as outputs, and overlong input lines — through the command,
 * in child processes, each bounded by a timeout (a hang is a failure, not a stuck test run).
 */
import { type SpawnOptions, spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  createReadStream,
  createWriteStream,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeLength, MAX_DECODE_STEPS, train } from "../../src/train/index.js";

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

describe("translate --output / attend --svg onto special files: never replaced by a plain file", () => {
  const input = join(dir, "two.txt");
  beforeAll(() => writeFileSync(input, "I am happy.\nGo.\n"));

  it("--output /dev/null: translated, and /dev/null is still a character device", async () => {
    const before = statSync("/dev/null");
    const r = await qkv(translate(input, "/dev/null"));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("translated 2 lines");
    const after = lstatSync("/dev/null");
    expect(after.isCharacterDevice()).toBe(true);
    expect(after.ino).toBe(before.ino);
  }, 180_000);

  it("--output FIFO: another program reads the translations as they come; it stays a FIFO", async () => {
    const fifo = join(dir, "out.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    let got = "";
    const reader = new Promise<void>((resolve, reject) => {
      createReadStream(fifo, "utf8")
        .on("data", (d) => {
          got += d;
        })
        .on("end", resolve)
        .on("error", reject);
    });
    const [r] = await Promise.all([qkv(translate(input, fifo)), reader]);
    expect(r.signal, `killed: it hung (${r.stderr})`).toBe(null);
    expect(r.status, r.stderr).toBe(0);
    expect(got.split("\n")).toHaveLength(3);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  }, 180_000);

  it("--output and attend --svg onto symbolic links: the links stay links, their targets get the content", async () => {
    const target = join(dir, "real-out.txt");
    writeFileSync(target, "old");
    const link = join(dir, "out-link.txt");
    symlinkSync(target, link);
    const r = await qkv(translate(input, link));
    expect(r.status, r.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8").split("\n")).toHaveLength(3);
    const svg = join(dir, "real.svg");
    const svgLink = join(dir, "map.svg");
    symlinkSync(svg, svgLink);
    const a = await qkv([
      "attend",
      "--model",
      model,
      "--backend",
      "reference",
      "--color",
      "none",
      "--svg",
      svgLink,
      "s1 s2",
    ]);
    expect(a.status, a.stderr).toBe(0);
    expect(lstatSync(svgLink).isSymbolicLink()).toBe(true);
    expect(readFileSync(svg, "utf8")).toMatch(/^<svg/);
  }, 180_000);
});

describe("bounds from files and inputs: refused with the limit named, never a run without end", () => {
  it("a checkpoint whose meta.maxTargetLength is 10⁹ is refused at load, naming the field and the limit", async () => {
    const edited = join(dir, "edited-model");
    cpSync(model, edited, { recursive: true });
    for (const name of ["best", "last"]) {
      const f = join(edited, `${name}.json`);
      const j = JSON.parse(readFileSync(f, "utf8"));
      j.meta.maxTargetLength = 1e9;
      writeFileSync(f, JSON.stringify(j));
    }
    const r = await qkv(["translate", "--model", edited, "--backend", "reference", "x"], undefined, 60_000);
    expect(r.signal, "killed: it ran without end").toBe(null);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /meta\.maxTargetLength must be an integer from 1 to 1024 \(MAX_TARGET_LENGTH\), got number 1000000000/,
    );
  }, 120_000);

  it("a 1 MB input line is refused at once, naming the line and the limit (--input and stdin)", async () => {
    const big = join(dir, "big-line.txt");
    writeFileSync(big, `I am happy.\n${"I am happy. ".repeat(87_000)}\nGo.\n`); // line 2: 1 MB
    const out = join(dir, "big-line.out");
    const r = await qkv(translate(big, out), undefined, 60_000);
    expect(r.signal, "killed: it ran for minutes").toBe(null);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/line 2 has \d+ tokens, more than the limit of 16384 \(MAX_SOURCE_TOKENS\)/);
    expect(existsSync(out)).toBe(false); // nothing half-written under the output's name
    const word = join(dir, "big-word.txt");
    writeFileSync(word, `Go.\n${"x".repeat(2 ** 21)}\n`); // one 2 MB "word": too long a line
    const w = await qkv(translate(word, out), undefined, 60_000);
    expect(w.status).toBe(1);
    expect(w.stderr).toMatch(/big-word\.txt: line 2 is longer than 1048576 characters \(the limit\)/);
    const s = await qkv(
      ["translate", "--model", model, "--backend", "reference", "--no-map"],
      (c) => c.stdin?.end(`${"I am happy. ".repeat(87_000)}\n`),
      60_000,
    );
    expect(s.signal, "killed: it ran for minutes").toBe(null);
    expect(s.status).toBe(1);
    expect(s.stderr).toMatch(/has \d+ tokens, more than the limit of 16384 \(MAX_SOURCE_TOKENS\)/);
  }, 180_000);

  it("the decode length rule is capped whatever the source or checkpoint says", () => {
    expect(decodeLength(3, 5)).toBe(20); // 2·5 + 10 > 2·3 + 10
    expect(decodeLength(10, 48)).toBe(106); // SCAN: 2·48 + 10
    expect(decodeLength(1e6, 1e9)).toBe(MAX_DECODE_STEPS);
    expect(MAX_DECODE_STEPS).toBe(2 * 1024 + 10);
  });
});
