/**
 * Lints and formats the AssemblyScript kernels (wasm/assembly/) with Biome, as the rest of the code.
 *
 * Biome parses TypeScript, and AssemblyScript is TypeScript except for decorators on top-level
 * functions (`@inline function f…`), which TypeScript does not allow. So the files are checked as a copy
 * in which each such decorator is a comment (`/* @inline *\/ function f…`), with the project's Biome
 * settings plus a few rules that do not fit AssemblyScript turned off (below); `--write` formats the
 * copy and writes it back with the decorators restored.
 *
 *   npm run lint:assembly            check (exit 1 on any finding)
 *   npm run lint:assembly -- --write format and apply safe fixes
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const SOURCE = join(root, "wasm", "assembly");
const write = process.argv.includes("--write");

const DECORATOR = /^@(inline|global|lazy|unmanaged|final)\s+/gm;
const MARKED = /^\/\* @(inline|global|lazy|unmanaged|final) \*\/ /gm;

const base = JSON.parse(readFileSync(join(root, "biome.json"), "utf8"));
const config = {
  formatter: base.formatter,
  javascript: base.javascript,
  assist: base.assist,
  linter: {
    enabled: true,
    rules: {
      ...base.linter.rules,
      // AssemblyScript: `==` on numbers is the idiom (there is no coercion); kernel entry points share one
      // signature whether or not they read every argument; `f32`-exact constants are written as such.
      suspicious: {
        ...base.linter.rules.suspicious,
        noDoubleEquals: "off",
        noApproximativeNumericConstant: "off",
      },
      correctness: { noUnusedFunctionParameters: "off", noPrecisionLoss: "off" },
      complexity: { ...base.linter.rules.complexity, noStaticOnlyClass: "off" },
    },
  },
};

const work = mkdtempSync(join(tmpdir(), "qkv-assembly-lint-"));
try {
  const files = readdirSync(SOURCE).filter((f) => f.endsWith(".ts"));
  for (const f of files) {
    writeFileSync(join(work, f), readFileSync(join(SOURCE, f), "utf8").replace(DECORATOR, "/* @$1 */ "));
  }
  mkdirSync(join(work, "config"));
  writeFileSync(join(work, "config", "biome.json"), JSON.stringify(config));
  const biome = join(root, "node_modules", ".bin", "biome");
  const args = [
    "check",
    "--config-path=config",
    ...(write ? ["--write"] : []),
    "--max-diagnostics=200",
    ...files,
  ];
  const r = spawnSync(biome, args, { cwd: work, encoding: "utf8" });
  const out = `${r.stdout}${r.stderr}`.replaceAll(work, "wasm/assembly");
  if (write) {
    for (const f of files) {
      const text = readFileSync(join(work, f), "utf8").replace(MARKED, "@$1 ");
      if (text !== readFileSync(join(SOURCE, f), "utf8")) writeFileSync(join(SOURCE, f), text);
    }
  }
  if (r.status !== 0) {
    process.stderr.write(out);
    process.exit(r.status ?? 1);
  }
  console.log(`lint:assembly: ${files.length} files clean`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
