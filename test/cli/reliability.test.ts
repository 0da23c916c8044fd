/**
 * The CLI against careless use: nonsense numbers named, a folder in use refused, a used --out not
 * silently replaced, empty sentences and empty data explained, huge inputs never hang the heatmap,
 * and every output file's missing folders created.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { train } from "../../src/train/index.js";

const root = new URL("../..", import.meta.url).pathname;
const cli = join(root, "src/cli/main.ts");
const qkv = (args: string[], input?: string) =>
  spawnSync(process.execPath, ["--import", "tsx", cli, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 180_000,
    input,
  });
/** Runs several CLI calls at once (each mostly waits on start-up). */
const qkvAll = (calls: string[][]) =>
  Promise.all(
    calls.map(
      (args) =>
        new Promise<{ status: number | null; stderr: string }>((resolve) => {
          const c = spawn(process.execPath, ["--import", "tsx", cli, ...args], { cwd: root });
          let stderr = "";
          c.stderr.on("data", (d) => {
            stderr += d;
          });
          c.on("close", (status) => resolve({ status, stderr }));
        }),
    ),
  );

const dir = mkdtempSync(join(tmpdir(), "qkv-cli-rel-"));
const model = join(dir, "model");
const scanModel = join(dir, "scan-model");
const scanData = join(dir, "scan-data");

beforeAll(async () => {
  const tiny = { model: { embedDim: 4, hiddenSize: 4 }, epochs: 1, validLimit: 4, quiet: true } as const;
  await train({ ...tiny, task: "copy", taskOptions: { syntheticSize: 32, maxLength: 3 }, outDir: model });
  mkdirSync(join(scanData, "scan"), { recursive: true });
  const lines = ["jump", "walk", "run", "look", "jump twice", "walk twice", "run twice", "look twice"];
  const action = (w: string) => `I_${w.toUpperCase()}`;
  const scan = lines.map((l) => {
    const [w, twice] = l.split(" ");
    return `IN: ${l} OUT: ${twice ? `${action(w)} ${action(w)}` : action(w)}`;
  });
  writeFileSync(join(scanData, "scan", "tasks_train_simple.txt"), `${scan.join("\n")}\n`);
  writeFileSync(join(scanData, "scan", "tasks_test_simple.txt"), "");
  await train({ ...tiny, task: "scan-simple", taskOptions: { dataDir: scanData }, outDir: scanModel });
}, 120_000);

describe("qkv CLI: nonsense refused with the option's name", () => {
  // One call per kind of rule (each call is a process start); train() checks every numeric option
  // again with the flag's name (test/train/reliability.test.ts), so none can slip through.
  it("numeric options are validated with the flag's name", async () => {
    const cases: [string[], RegExp][] = [
      [["train", "--task", "copy", "--clip", "-1"], /--clip must be ≥ 0, got -1/],
      [["train", "--task", "copy", "--lr", "0"], /--lr must be > 0, got 0/],
      [["train", "--task", "copy", "--epochs", "0"], /--epochs must be ≥ 1, got 0/],
      [["train", "--task", "copy", "--max-steps", "0"], /--max-steps must be ≥ 1, got 0/],
      [["train", "--task", "copy", "--valid-limit", "0"], /--valid-limit must be ≥ 1, got 0/],
      [["train", "--task", "copy", "--max-length", "0"], /--max-length must be ≥ 1, got 0/],
      [
        ["train", "--task", "copy", "--synthetic-size", "20", "--hidden", "100000"],
        /qkv train: train: the model \(embed 64, hidden 100000.*would need [\d.]+ GiB.*choose smaller --hidden/,
      ],
      [["translate", "--model", model, "--beam", "0", "x"], /--beam must be between 1 and 100, got 0/],
      [["eval", "--model", model, "--limit", "0"], /--limit must be ≥ 1, got 0/],
    ];
    const results = await qkvAll(cases.map(([args]) => args));
    results.forEach((r, i) => {
      expect(r.status, cases[i][0].join(" ")).not.toBe(0);
      expect(r.stderr, cases[i][0].join(" ")).toMatch(cases[i][1]);
    });
  }, 180_000);

  it("empty sentences and empty data are explained", () => {
    const tr = qkv(["translate", "--model", model, "s1", "  "]);
    expect(tr.status).toBe(1);
    expect(tr.stderr).toMatch(/qkv translate: sentence 2 \(" {2}"\) is empty: nothing to translate/);
    const stdin = qkv(["translate", "--model", model], "\n \n");
    expect(stdin.stderr).toMatch(/qkv translate: no sentences/);
    const at = qkv(["attend", "--model", model, ""]);
    expect(at.status).toBe(1);
    expect(at.stderr).toMatch(/qkv attend: the sentence "" is empty: nothing to attend to/);
    const ev = qkv(["eval", "--model", scanModel, "--split", "test"]);
    expect(ev.status).toBe(1);
    expect(ev.stderr).toMatch(/qkv eval: the test part of task "scan-simple" has no pairs/);
    writeFileSync(join(scanData, "scan", "tasks_train_simple.txt"), "");
    const none = qkv(["train", "--task", "scan-simple", "--data", scanData, "--epochs", "1"]);
    expect(none.stderr).toMatch(/qkv train: loadTask: task "scan-simple" has no training pairs/);
  }, 120_000);
});

describe("qkv CLI: folders and files", () => {
  it("a second `qkv train` into a folder in use refuses at once, naming the folder and the process", async () => {
    const out = join(dir, "busy");
    const common = ["train", "--task", "copy", "--synthetic-size", "32", "--max-length", "3", "--embed", "4"];
    const args = [...common, "--hidden", "4", "--valid-limit", "4", "--backend", "reference", "--quiet"];
    const first = spawn(
      process.execPath,
      ["--import", "tsx", cli, ...args, "--epochs", "100000", "--out", out],
      {
        cwd: root,
      },
    );
    const closed = new Promise((resolve) => first.on("close", resolve));
    while (!existsSync(join(out, "last.json"))) await new Promise((r) => setTimeout(r, 20));
    const second = qkv([...args, "--out", out, "--resume"]);
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(`qkv train: train: ${out} is in use by process ${first.pid} since `),
    );
    first.kill("SIGKILL");
    await closed;
    // The stale lock is taken over; the used folder is not silently replaced.
    const again = qkv([...args, "--out", out]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already holds checkpoints \(last\.json.*pass --resume .* or --overwrite/);
    const resumed = qkv([
      ...args,
      "--epochs",
      "100000",
      "--max-steps",
      "1",
      "--out",
      out,
      "--resume",
      "--json",
    ]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(qkv([...args, "--epochs", "1", "--out", out, "--overwrite"]).status).toBe(0);
  }, 180_000);

  it("output files go into missing folders everywhere (attend --svg/--png/--html like eval --plot)", () => {
    const deep = join(dir, "new", "nested");
    const r = qkv([
      "attend",
      "--model",
      model,
      "--color",
      "none",
      "--svg",
      join(deep, "a.svg"),
      "--png",
      join(deep, "png", "a.png"),
      "--html",
      join(deep, "html", "a.html"),
      "s1 s2",
    ]);
    expect(r.status, r.stderr).toBe(0);
    for (const f of ["a.svg", "png/a.png", "html/a.html"]) expect(existsSync(join(deep, f)), f).toBe(true);
  }, 60_000);

  it("attend on a 10,000-word sentence summarises the map instead of hanging", () => {
    const r = qkv([
      "attend",
      "--model",
      join(root, "pretrained/en-hi"),
      "--color",
      "none",
      "I am happy. ".repeat(2500),
    ]);
    expect(r.status, r.stderr).toBe(0);
    // 10,000 tokens, 7,500 whitespace words ("happy." is one): the map shows words.
    expect(r.stdout).toMatch(
      /\(heatmap omitted: \d+ × 7500 weights need \d+ terminal columns, more than 1000;/,
    );
  }, 180_000);
});
