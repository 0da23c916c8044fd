/**
 * The API reference (`npm run docs`, typedoc.json): every export of the package root — classes,
 * interfaces, functions, variables, type aliases, namespaces, and the call signatures of their
 * methods — has a declaration doc comment (validation.notDocumented, warnings as errors), and no
 * link in them is broken. Validated without writing the site (`--emit none`).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;

describe("the API reference", () => {
  it("typedoc.json validates the root entry with warnings as errors", () => {
    const cfg = JSON.parse(readFileSync(join(root, "typedoc.json"), "utf8"));
    expect(cfg.entryPoints).toEqual(["src/index.ts"]);
    expect(cfg.treatWarningsAsErrors).toBe(true);
    expect(cfg.validation.notDocumented).toBe(true);
    expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts.docs).toBe("typedoc");
  });

  it("builds with 0 warnings: every root export is documented", () => {
    const r = spawnSync(
      process.execPath,
      [join(root, "node_modules/typedoc/bin/typedoc"), "--emit", "none"],
      {
        cwd: root,
        encoding: "utf8",
        timeout: 300_000,
      },
    );
    const out = `${r.stdout}${r.stderr}`;
    expect(out).not.toMatch(/warning\]/); // "[warning]", coloured or not
    expect(r.status, out).toBe(0);
  }, 300_000);
});
