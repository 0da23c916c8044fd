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
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

interface Packed {
  tarball: string;
  files: string[];
  size: number;
  unpacked: number;
  app: string;
  times: Record<string, number>;
  /** What `npm install` printed (install scripts in the foreground). */
  installLog: string;
  /** Compiler or make calls during that install (none: the prebuilt served). */
  compilerCalls: string[];
  /** The project that installed the tarball whose prebuilt does not load. */
  broken: string;
  brokenLog: string;
  brokenCompilerCalls: string[];
}

/** This machine's prebuild folder name, as prebuildify and node-gyp-build spell it. */
const TARGET = `${process.platform}-${process.arch}`;

/** The environment for npm and node children: without the outer `npm test`'s npm_* variables (they name
 * the outer package), keeping the cache and user config it uses. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("npm_") && k !== "npm_config_cache" && k !== "npm_config_userconfig") continue;
    if (k === "INIT_CWD" || k.startsWith("VITEST") || k === "NODE_OPTIONS") continue;
    if (k.startsWith("QKV_")) continue; // e.g. the suite's QKV_BACKEND=reference (vitest.config.ts)
    env[k] = v;
  }
  env.ONNXRUNTIME_NODE_INSTALL_CUDA = "skip";
  env.ONNXRUNTIME_NODE_INSTALL = "skip";
  env.npm_config_update_notifier = "false";
  return env;
}

function run(cmd: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): string {
  const env = { ...childEnv(), ...extraEnv };
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} (in ${cwd}) exited ${r.status}${r.error ? ` (${r.error})` : ""}\n` +
        `--- stdout\n${r.stdout?.slice(-4000)}\n--- stderr\n${r.stderr?.slice(-4000)}`,
    );
  }
  return r.stdout;
}

/** `run`, returning what the command printed on stdout and stderr (npm prints install scripts' output
 * with --foreground-scripts on stderr). */
/** `run` without blocking the event loop (the long npm runs: vitest's worker keeps talking to its
 * main process meanwhile); resolves to stdout and stderr. */
function runAsync(
  cmd: string,
  args: string[],
  cwd: string,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...childEnv(), ...extraEnv } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new Error(
            `${cmd} ${args.join(" ")} (in ${cwd}) exited ${code}\n` +
              `--- stdout\n${stdout.slice(-4000)}\n--- stderr\n${stderr.slice(-4000)}`,
          ),
        );
    });
  });
}

async function timed<T>(times: Record<string, number>, name: string, f: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
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
  type Entry = { dev?: boolean; link?: boolean; version?: string; resolved?: string };
  for (const [k, v] of Object.entries(lock.packages as Record<string, Entry>)) {
    if (k === "" || v.dev || v.link) continue;
    // This lockfile has no `resolved` URLs; offline, npm then wants the registry metadata, which it may
    // not have cached. The registry's tarball URL (whose bytes the cache holds, by integrity) does.
    const name = k.slice(k.lastIndexOf("node_modules/") + "node_modules/".length);
    const resolved =
      v.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split("/").at(-1)}-${v.version}.tgz`;
    packages[k] = { ...v, resolved };
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

/** A folder of stand-ins for every compiler and make: each records its call and fails. */
function compilerShims(work: string): { env: NodeJS.ProcessEnv; calls: () => string[] } {
  const dir = join(work, "no-compiler");
  const log = join(work, "compiler-calls.log");
  mkdirSync(dir);
  for (const name of ["cc", "gcc", "c++", "g++", "clang", "clang++", "make"]) {
    writeFileSync(join(dir, name), `#!/bin/sh\necho "${name} $*" >> "${log}"\nexit 1\n`, { mode: 0o755 });
  }
  return {
    env: { PATH: `${dir}:${process.env.PATH}`, CXX: "/bin/false", CC: "/bin/false" },
    calls: () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []),
  };
}

/** An empty project that depends on `tarball`, installed offline with install scripts in the foreground. */
async function installApp(app: string, tarball: string, env: NodeJS.ProcessEnv): Promise<string> {
  mkdirSync(app);
  const name = basename(tarball);
  const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify(
      {
        name: "qkv-pack-test-app",
        version: "1.0.0",
        private: true,
        type: "module",
        dependencies: { qkv: `file:../${name}` },
      },
      null,
      2,
    ),
  );
  writeFileSync(join(app, "package-lock.json"), JSON.stringify(appLockfile(name, integrity), null, 2));
  const args = ["install", "--offline", "--no-audit", "--no-fund", "--foreground-scripts"];
  const r = await runAsync("npm", args, app, env);
  return `${r.stdout}\n${r.stderr}`;
}

/** The tarball again, with this machine's prebuilt replaced by bytes that are no shared object. */
function brokenCopy(work: string, tarball: string): string {
  const dir = join(work, "broken-package");
  mkdirSync(dir);
  run("tar", ["-xzf", tarball, "-C", dir], work);
  const prebuilds = join(dir, "package", "prebuilds", TARGET);
  for (const f of readdirSync(prebuilds)) writeFileSync(join(prebuilds, f), "not a shared object\n");
  const out = join(work, "qkv-broken-prebuilt.tgz");
  run("tar", ["-czf", out, "-C", dir, "package"], work);
  return out;
}

const npmAvailable = spawnSync("npm", ["--version"], { encoding: "utf8" }).status === 0;
if (!npmAvailable) console.warn("SKIPPED: the package test needs npm on PATH");

describe.skipIf(!npmAvailable)("npm package (pack, offline install, run)", () => {
  let work = "";
  let packed: Packed;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "qkv-pack-"));
    const times: Record<string, number> = {};
    const copy = join(work, "checkout");
    await timed(times, "copy checkout", () => copyCheckout(copy));
    expect(existsSync(join(copy, "dist")), "the clean copy has no dist/").toBe(false);

    const { stdout: out } = await timed(times, "npm pack (prepack builds dist/)", () =>
      runAsync("npm", ["pack", "--json", "--pack-destination", work], copy),
    );
    const info = JSON.parse(out.slice(out.search(/^\[/m)))[0] as {
      filename: string;
      size: number;
      unpackedSize: number;
      files: { path: string }[];
    };
    const tarball = join(work, info.filename);

    // The install may not compile: no compiler on PATH (shims that record a call and fail), CXX=/bin/false.
    const noCompiler = compilerShims(work);
    const app = join(work, "app");
    const installLog = await timed(times, "npm install --offline (CXX=/bin/false)", () =>
      installApp(app, tarball, noCompiler.env),
    );
    const compilerCalls = noCompiler.calls();
    // The same package with a prebuilt that does not load: the install compiles (and fails: no compiler).
    const brokenTarball = await timed(times, "repack with a broken prebuilt", () =>
      brokenCopy(work, tarball),
    );
    const broken = join(work, "app-broken");
    const brokenLog = await timed(times, "npm install --offline (broken prebuilt, CXX=/bin/false)", () =>
      installApp(broken, brokenTarball, noCompiler.env),
    );
    const brokenCompilerCalls = noCompiler.calls().slice(compilerCalls.length);
    packed = {
      tarball,
      files: info.files.map((f) => f.path),
      size: info.size,
      unpacked: info.unpackedSize,
      app,
      times,
      installLog,
      compilerCalls,
      broken,
      brokenLog,
      brokenCompilerCalls,
    };
    console.log(
      `pack test: ${info.filename} ${info.size} bytes packed, ${info.unpackedSize} unpacked, ${packed.files.length} files; ` +
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
    // Small .d.ts: no embedded binary (wasm, fonts) as a literal type; the largest is the ONNX schema's.
    const dts = files.filter((f) => f.endsWith(".d.ts"));
    expect(dts.length).toBeGreaterThan(50);
    for (const f of dts) {
      const text = readFileSync(join(packed.app, "node_modules/qkv", f), "utf8");
      expect(text.length, f).toBeLessThan(40_000);
      expect(text, f).not.toMatch(/"[A-Za-z0-9+/=]{1000,}"/);
    }
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

  it("ships the prebuilt native binary for this machine (N-API, prebuildify's layout)", () => {
    const prebuilt = packed.files.filter((f) => f.startsWith(`prebuilds/${TARGET}/`));
    expect(prebuilt.length, `prebuilds/${TARGET}/ in the package`).toBe(1);
    expect(prebuilt[0]).toMatch(/^prebuilds\/[a-z0-9]+-[a-z0-9]+\/qkv(\.(glibc|musl))?\.node$/);
    expect(packed.files.filter((f) => f.startsWith("build/"))).toEqual([]);
  });

  it("the install uses the prebuilt: no compiler or make is invoked (CXX=/bin/false, none on PATH)", () => {
    expect(packed.installLog).toMatch(
      /qkv: native backend: prebuilt prebuilds\/\S+ loads \(no compiler needed\)/,
    );
    expect(packed.compilerCalls).toEqual([]);
    expect(existsSync(join(packed.app, "node_modules/qkv/build/Release"))).toBe(false);
  });

  it("the README example runs from the installed package, on the native backend (printed)", async () => {
    const code = `${await readmeExample()}\nimport { getBackend as qkvPackTestBackend } from "qkv";\nconsole.log("backend:", qkvPackTestBackend());\n`;
    writeFileSync(join(packed.app, "readme-example.mjs"), code);
    const out = run(process.execPath, ["readme-example.mjs"], packed.app);
    const backend = /^backend: (\S+)$/m.exec(out)?.[1];
    console.log(`pack test: the README example ran on the ${backend} backend`);
    expect(backend).toBe("native");
    expect(out).toMatch(/^backend native$/m); // what `await ready()` returned
    expect(out).toContain("in_proj_weight");
  });

  it("the README example type-checks under strict against the installed .d.ts", async () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const section = readme.slice(readme.search(/^## Example/m));
    const code = /```(?:js|ts)\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code).toBeTruthy();
    writeFileSync(join(packed.app, "readme-example.ts"), `${code}\nexport {};\n`);
    writeFileSync(
      join(packed.app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2022", "DOM"],
          types: [],
          skipLibCheck: false,
        },
        files: ["readme-example.ts"],
      }),
    );
    const tscArgs = [join(root, "node_modules/typescript/bin/tsc"), "-p", "."];
    await runAsync(process.execPath, tscArgs, packed.app); // rejects with tsc's output on an error
    // And it would fail on what strict rejects (so the check checks).
    writeFileSync(
      join(packed.app, "readme-example.ts"),
      `${code!.replace("x.grad?.shape", "x.grad.shape")}\nexport {};\n`,
    );
    await expect(runAsync(process.execPath, tscArgs, packed.app)).rejects.toThrow(
      /TS18047: 'x\.grad' is possibly 'null'/,
    );
  });

  it("npx qkv backends: native from the prebuilt", () => {
    const out = run("npx", ["--no", "qkv", "backends"], packed.app);
    console.log(`pack test: npx qkv backends → ${out.trim().replace(/\n/g, " | ")}`);
    expect(out).toContain("active: native");
    expect(out).toMatch(new RegExp(`; prebuilt prebuilds/${TARGET}/qkv(\\.\\w+)?\\.node$`, "m"));
  });

  it("a prebuilt that does not load: the install still succeeds (the source build fails: no compiler) and wasm serves", async () => {
    expect(packed.brokenLog).toMatch(/qkv: the prebuilt prebuilds\/\S+ does not load/);
    expect(packed.brokenCompilerCalls.length, "the fallback tried to compile").toBeGreaterThan(0);
    expect(packed.brokenLog).toMatch(
      /qkv: native backend not available .*npm rebuild qkv --build-from-source/,
    );
    const out = run("npx", ["--no", "qkv", "backends"], packed.broken);
    console.log(`pack test (broken prebuilt): npx qkv backends → ${out.trim().replace(/\n/g, " | ")}`);
    expect(out).toContain("active: wasm");
    expect(out).toMatch(
      /native: unavailable: native backend: the prebuilt prebuilds\/\S+ did not load .*`npm rebuild qkv`/,
    );
    writeFileSync(join(packed.broken, "readme-example.mjs"), await readmeExample());
    const ex = run(process.execPath, ["readme-example.mjs"], packed.broken);
    expect(ex).toMatch(/^backend wasm$/m);
    expect(ex).toContain("in_proj_weight");
  });

  it('npx qkv translate --model en-hi "Turn off the lights." prints Hindi (the bundled model, by name)', () => {
    expect(packed.files).toContain("pretrained/en-hi-transformer/best.safetensors");
    const out = run(
      "npx",
      ["--no", "qkv", "translate", "--model", "en-hi", "--no-map", "Turn off the lights."],
      packed.app,
    );
    console.log(`pack test: npx qkv translate --model en-hi → ${out.trim().replace(/\n/g, " | ")}`);
    const hindi = /^→ (.+)$/m.exec(out)?.[1] ?? "";
    expect(hindi).toMatch(/^[\u0900-\u097F\s।,.?!]+$/u); // Devanagari only
    expect(hindi.replace(/[^\u0900-\u097F]/gu, "").length).toBeGreaterThan(4);
    const help = run("npx", ["--no", "qkv", "translate", "--help"], packed.app);
    expect(help).toMatch(/bundled model's name:\s+en-hi\s+\(English\s+→\s+Hindi/); // help wraps at any space
    const unknown = spawnSync("npx", ["--no", "qkv", "translate", "--model", "fr-en", "x"], {
      cwd: packed.app,
      env: childEnv(),
      encoding: "utf8",
    });
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain(
      "--model fr-en: no such folder, and no bundled model of that name (bundled: en-hi",
    );
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
