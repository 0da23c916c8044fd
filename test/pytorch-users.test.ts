/**
 * docs/PYTORCH-USERS.md's example runs as written (on the sources: `from "qkv"` → src/index.ts) and
 * prints what the page says it shows: a module whose fields registered their parameters, a loss that
 * fell under Adam, state-dict keys with PyTorch's names, and a model reloaded from safetensors bytes
 * that agrees exactly; and it type-checks under strict.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "qkv-pytorch-users-"));
const page = readFileSync(join(root, "docs/PYTORCH-USERS.md"), "utf8");
const code = /^## A runnable example[\s\S]*?```ts\n([\s\S]*?)```/m.exec(page)?.[1] ?? "";
const file = join(work, "example.mts");
writeFileSync(file, code.replace(/from "qkv";/g, `from ${JSON.stringify(join(root, "src/index.ts"))};`));

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("docs/PYTORCH-USERS.md", () => {
  it("has its example, importing from the package", () => {
    expect(code).toContain('from "qkv"');
    expect(code).toContain("class Classifier extends Module");
  });

  it("runs: parameters registered from fields, the loss falls, the reloaded model agrees", () => {
    const env = { ...process.env };
    delete env.QKV_BACKEND;
    const r = spawnSync(join(root, "node_modules/.bin/tsx"), [file], {
      encoding: "utf8",
      env,
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^backend (native|wasm|reference)$/m);
    // embed.weight, attn (in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias), hidden ×2, out ×2
    const [, count, total] = /^parameters (\d+) (\d+)$/m.exec(out) ?? [];
    expect(Number(count)).toBe(9);
    expect(Number(total)).toBe(10 * 8 + (3 * 8 * 8 + 3 * 8 + 8 * 8 + 8) + (8 * 16 + 16) + (16 * 2 + 2));
    const [, first, last] = /^loss (\S+) → (\S+)$/m.exec(out) ?? [];
    expect(Number(first)).toBeGreaterThan(0.5);
    expect(Number(last)).toBeLessThan(Number(first) / 4);
    expect(out).toContain("keys embed.weight, attn.in_proj_weight, attn.in_proj_bias");
    expect(out).toContain("reloaded model agrees: true");
  });

  it("type-checks under strict", () => {
    const tsc = spawnSync(
      process.execPath,
      [
        join(root, "node_modules/typescript/bin/tsc"),
        "--noEmit",
        "--strict",
        "--skipLibCheck",
        "--target",
        "ES2022",
        "--module",
        "NodeNext",
        "--moduleResolution",
        "NodeNext",
        "--allowImportingTsExtensions",
        "--types",
        "node",
        "--typeRoots",
        join(root, "node_modules/@types"),
        file,
      ],
      { encoding: "utf8", timeout: 300_000 },
    );
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  }, 300_000);
});
