/** The README's example runs as written against the built package (`import … from "qkv"`). */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;

describe("README", () => {
  it.skipIf(!existsSync(join(root, "dist/index.js")))(
    "example runs against dist/ via the package's exports map",
    () => {
      const readme = readFileSync(join(root, "README.md"), "utf8");
      const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
      expect(code, "README has a ```js example").toBeTruthy();
      const codeLines = code!.split("\n").filter((l) => l.trim() && !l.trim().startsWith("//"));
      expect(codeLines.length).toBeLessThanOrEqual(20);
      const dir = join(root, "tmp");
      mkdirSync(dir, { recursive: true });
      const file = join(dir, "readme-example.mjs");
      writeFileSync(file, code!);
      const out = execFileSync(process.execPath, [file], { cwd: root, encoding: "utf8" });
      expect(out).toContain("Luong weights");
      expect(out).toContain("[ 2, 5, 8 ] [ 2, 2, 5, 5 ]");
      expect(out).toContain("in_proj_weight");
    },
  );
});
