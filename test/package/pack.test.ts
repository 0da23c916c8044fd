/**
 * The npm package as an adopter gets it. `npm pack` runs in a clean copy of the checkout (the files git
 * tracks or would track: no dist/, no build/), so `prepack` must build dist/; the tarball is installed
 * into an empty project without network, and the README example, `npx qkv backends` and
 * `require("qkv")` run from that project.
 *
 * Offline install: `npm install --offline` resolves a dependency's version range from registry metadata,
 * which `npm ci` does not cache (it fetches the locked tarballs only). So the test project gets a
 * package-lock.json: the tarball, plus the production entries of this repository's package-lock.json —
 * exactly the tarballs `npm ci` put in the npm cache. `npm install --offline` then needs no network.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

interface Packed {
  tarball: string;
  files: string[];
  size: number;
  app: string;
  times: Record<string, number>;
}

/** The environment for npm and node children: without the outer `npm test`'s npm_* variables (they name
 * the outer package), keeping the cache and user config it uses. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("npm_") && k !== "npm_config_cache" && k !== "npm_config_userconfig") continue;
    if (k === "INIT_CWD" || k.startsWith("VITEST") || k === "NODE_OPTIONS") continue;
    env[k] = v;
  }
  env.ONNXRUNTIME_NODE_INSTALL_CUDA = "skip";
  env.ONNXRUNTIME_NODE_INSTALL = "skip";
  env.npm_config_update_notifier = "false";
  return env;
}

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, env: childEnv(), encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} (in ${cwd}) exited ${r.status}${r.error ? ` (${r.error})` : ""}\n` +
        `--- stdout\n${r.stdout?.slice(-4000)}\n--- stderr\n${r.stderr?.slice(-4000)}`,
    );
  }
  return r.stdout;
}

function timed<T>(times: Record<string, number>, name: string, f: () => T): T {
  const t0 = performance.now();
  try {
    return f();
  } finally {
    times[name] = Math.round(performance.now() - t0) / 1000;
  }
}

const IGNORED_TOP = new Set(["node_modules", "dist", "build", "tmp", "runs", ".git"]);

/** The files of a clean checkout: what git tracks or would track (ignored files left out). */
function checkoutFiles(): string[] | undefined {
  try {
    const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 64 << 20,
      stdio: ["ignore", "pipe", "ignore"],
    });
    // (node_modules and build/ may be symlinks, which git does not count as the ignored folders)
    return out.split("\0").filter((f) => f && !IGNORED_TOP.has(f.split("/")[0]) && existsSync(join(root, f)));
  } catch {
    return undefined; // not a git checkout
  }
}

function copyCheckout(dest: string): void {
  const files = checkoutFiles();
  if (files) {
    for (const f of files) {
      mkdirSync(dirname(join(dest, f)), { recursive: true });
      cpSync(join(root, f), join(dest, f));
    }
  } else {
    cpSync(root, dest, {
      recursive: true,
      filter: (src) => {
        const rel = src.slice(root.length + 1);
        return !IGNORED_TOP.has(rel.split("/")[0]) && !/(^|\/)(node_modules|dist)(\/|$)/.test(rel);
      },
    });
  }
  // prepack's tsc comes from the dev dependencies, as in a checkout after `npm ci`.
  symlinkSync(join(root, "node_modules"), join(dest, "node_modules"), "dir");
}

/** package-lock.json for an empty project that depends on the tarball: the tarball's entry plus this
 * repository's production entries (those not marked dev). */
function appLockfile(tarballName: string, integrity: string): object {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
  const s = pkg.scripts ?? {};
  const qkvEntry: Record<string, unknown> = {
    version: pkg.version,
    resolved: `file:../${tarballName}`,
    integrity,
    license: pkg.license,
  };
  if (s.install || s.preinstall || s.postinstall) qkvEntry.hasInstallScript = true;
  for (const k of ["dependencies", "optionalDependencies", "peerDependencies", "bin", "engines"]) {
    if (pkg[k]) qkvEntry[k] = pkg[k];
  }
  const packages: Record<string, unknown> = {
    "": { name: "qkv-pack-test-app", version: "1.0.0", dependencies: { qkv: `file:../${tarballName}` } },
    "node_modules/qkv": qkvEntry,
  };
  for (const [k, v] of Object.entries(lock.packages as Record<string, { dev?: boolean; link?: boolean }>)) {
    if (k !== "" && !v.dev && !v.link) packages[k] = v;
  }
  return { name: "qkv-pack-test-app", version: "1.0.0", lockfileVersion: 3, requires: true, packages };
}

/** The README's example: the first js/ts block of its "Example" section (TypeScript transpiled). */
async function readmeExample(): Promise<string> {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(Math.max(0, readme.search(/^## Example/m)));
  const m = /```(js|mjs|javascript|ts|typescript)\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error("README.md has no ```js or ```ts block under ## Example");
  if (m[1].startsWith("t")) {
    const ts = (await import("typescript")).default;
    return ts.transpileModule(m[2], {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
  }
  return m[2];
}

const npmAvailable = spawnSync("npm", ["--version"], { encoding: "utf8" }).status === 0;
if (!npmAvailable) console.warn("SKIPPED: the package test needs npm on PATH");

describe.skipIf(!npmAvailable)("npm package (pack, offline install, run)", () => {
  let work = "";
  let packed: Packed;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "qkv-pack-"));
    const times: Record<string, number> = {};
    const copy = join(work, "checkout");
    timed(times, "copy checkout", () => copyCheckout(copy));
    expect(existsSync(join(copy, "dist")), "the clean copy has no dist/").toBe(false);

    const out = timed(times, "npm pack (prepack builds dist/)", () =>
      run("npm", ["pack", "--json", "--pack-destination", work], copy),
    );
    const info = JSON.parse(out.slice(out.search(/^\[/m)))[0] as {
      filename: string;
      size: number;
      files: { path: string }[];
    };
    const tarball = join(work, info.filename);

    const app = join(work, "app");
    mkdirSync(app);
    const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify(
        {
          name: "qkv-pack-test-app",
          version: "1.0.0",
          private: true,
          type: "module",
          dependencies: { qkv: `file:../${info.filename}` },
        },
        null,
        2,
      ),
    );
    writeFileSync(
      join(app, "package-lock.json"),
      JSON.stringify(appLockfile(info.filename, integrity), null, 2),
    );
    timed(times, "npm install --offline (incl. the native build)", () =>
      run("npm", ["install", "--offline", "--no-audit", "--no-fund"], app),
    );
    packed = { tarball, files: info.files.map((f) => f.path), size: info.size, app, times };
    console.log(
      `pack test: ${info.filename} ${(info.size / 1024).toFixed(0)} KB, ${packed.files.length} files; ` +
        Object.entries(times)
          .map(([k, v]) => `${k} ${v} s`)
          .join(", "),
    );
  }, 600_000);

  afterAll(() => {
    if (work && !process.env.QKV_KEEP_PACK_TEST) rmSync(work, { recursive: true, force: true });
  });

  it("pack ships dist/, the licences and the changelog, no sources and no source maps", () => {
    const files = packed.files;
    for (const f of [
      "package.json",
      "README.md",
      "LICENSE",
      "CHANGELOG.md",
      "THIRD-PARTY-NOTICES.md",
      "LICENSES/OFL-1.1.txt",
      "LICENSES/Apache-2.0.txt",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/node.js",
      "dist/cli/main.js",
      "dist/viz/fonts.generated.js",
      "binding.gyp",
      "native/install.mjs",
    ]) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(files.filter((f) => /^(src|test|scripts|web|bench|wasm)\//.test(f))).toEqual([]);
    const ofl = readFileSync(join(root, "LICENSES/OFL-1.1.txt"), "utf8");
    expect(ofl).toContain("SIL OPEN FONT LICENSE Version 1.1");
    expect(ofl).toContain("The Noto Project Authors");
    // Models, if the package ships any, go with their data's licences.
    if (files.some((f) => f.startsWith("pretrained/"))) {
      const notices = readFileSync(join(root, "THIRD-PARTY-NOTICES.md"), "utf8");
      expect(notices).toContain("CC-BY 2.0 France");
      expect(notices).toContain("GPL-2.0-or-later");
      for (const dir of new Set(files.filter((f) => f.startsWith("pretrained/")).map((f) => dirname(f)))) {
        if (existsSync(join(root, dir, "README.md")))
          expect(files, `${dir}'s model card`).toContain(`${dir}/README.md`);
      }
    }
  });

  it("package.json: every export has a default condition; prepack builds, nothing builds on npm ci", () => {
    const shipped = JSON.parse(readFileSync(join(packed.app, "node_modules/qkv/package.json"), "utf8"));
    for (const [path, target] of Object.entries(shipped.exports as Record<string, unknown>)) {
      if (typeof target === "string") continue;
      expect((target as Record<string, string>).default, `exports["${path}"].default`).toBeTruthy();
      expect(
        existsSync(join(packed.app, "node_modules/qkv", (target as Record<string, string>).default)),
      ).toBe(true);
    }
    expect(pkg.scripts.prepack).toBeTruthy();
    expect(pkg.scripts.prepare, "`prepare` would run on every npm ci").toBeUndefined();
    for (const k of ["repository", "homepage", "bugs", "license"]) expect(pkg[k], k).toBeTruthy();
  });

  it("the README example runs from the installed package (and prints its backend)", async () => {
    const code = `${await readmeExample()}\nimport { getBackend as qkvPackTestBackend } from "qkv";\nconsole.log("backend:", qkvPackTestBackend());\n`;
    writeFileSync(join(packed.app, "readme-example.mjs"), code);
    const out = run(process.execPath, ["readme-example.mjs"], packed.app);
    const backend = /^backend: (\S+)$/m.exec(out)?.[1];
    console.log(`pack test: the README example ran on the ${backend} backend`);
    expect(["native", "wasm", "reference"]).toContain(backend);
  });

  it("npx qkv backends", () => {
    const out = run("npx", ["--no", "qkv", "backends"], packed.app);
    console.log(`pack test: npx qkv backends → ${out.trim().replace(/\n/g, " | ")}`);
    expect(out).toMatch(/active: (native|wasm|reference)/);
  });

  // require(esm): Node 20.19+ and 22.12+ (the ESM build has no top-level await in the library).
  const [major, minor] = process.versions.node.split(".").map(Number);
  const requireEsm = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 23;
  if (!requireEsm)
    console.warn(`SKIPPED: require("qkv") needs Node 20.19+ or 22.12+ (this is ${process.version})`);
  it.skipIf(!requireEsm)('require("qkv") from a .cjs file', () => {
    writeFileSync(
      join(packed.app, "require.cjs"),
      [
        'const q = require("qkv");',
        'const node = require("qkv/node");',
        "console.log(typeof q.attend, typeof q.MultiHeadAttention, typeof node.loadModel, q.VERSION);",
      ].join("\n"),
    );
    const out = run(process.execPath, ["require.cjs"], packed.app);
    expect(out.trim()).toBe(`function function function ${pkg.version}`);
  });
});
