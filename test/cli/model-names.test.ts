/**
 * `--model NAME` (src/cli/model-names.ts): a bundled model's name finds the folder the package ships,
 * a path that exists is taken as it is, a bare unknown name is refused with the names there are; and
 * package.json ships every bundled model's folder.
 */
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkpointDir } from "../../src/cli/common.js";
import { BUNDLED_MODELS, bundledModelNames, resolveModelName } from "../../src/cli/model-names.js";

const root = new URL("../..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "qkv-model-names-"));
const cwd = process.cwd();

afterAll(() => {
  process.chdir(cwd);
  rmSync(work, { recursive: true, force: true });
});

describe("models by name", () => {
  it("en-hi is the bundled Transformer's folder, from any working directory", () => {
    process.chdir(work);
    try {
      const dir = resolveModelName("en-hi");
      expect(realpathSync(dir)).toBe(realpathSync(join(root, "pretrained/en-hi-transformer")));
      expect(checkpointDir("en-hi", "best")).toBe(dir);
      const meta = JSON.parse(readFileSync(join(dir, "best.json"), "utf8"));
      expect(meta.format).toBe("qkv-checkpoint");
    } finally {
      process.chdir(cwd);
    }
  });

  it("a folder that exists wins over a bundled name", () => {
    process.chdir(work);
    try {
      mkdirSync(join(work, "en-hi"));
      expect(resolveModelName("en-hi")).toBe("en-hi");
    } finally {
      process.chdir(cwd);
    }
  });

  it("refuses a bare unknown name, listing the bundled ones; leaves a missing path to checkpointDir", () => {
    expect(bundledModelNames()).toBe("en-hi");
    expect(() => resolveModelName("fr-en")).toThrow(
      "--model fr-en: no such folder, and no bundled model of that name (bundled: en-hi; or give a checkpoint folder)",
    );
    expect(() => resolveModelName("toString")).toThrow("no bundled model of that name");
    expect(resolveModelName("runs/none")).toBe("runs/none");
    expect(() => checkpointDir("runs/none", "best")).toThrow("no model at runs/none");
  });

  it("package.json ships every bundled model's folder", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    for (const m of Object.values(BUNDLED_MODELS)) expect(pkg.files).toContain(m.folder);
  });
});
