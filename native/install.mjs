// The native backend's install step (package.json "install": runs on `npm install qkv`, `npm ci` in a
// checkout, and `npm rebuild qkv`). node-gyp-build's convention, with a softer failure:
//   1. a prebuilt binary for this platform (prebuilds/<platform>-<arch>/qkv.<libc>.node, N-API, made by
//      scripts/prebuild.mjs before `npm pack`) that loads → done, no compiler is run;
//   2. else (no prebuilt, it does not load, or `npm rebuild qkv --build-from-source`) compile from
//      source with node-gyp (binding.gyp → build/Release/qkv_native.node);
//   3. a failed or impossible build never fails the installation: the reason goes to
//      build/native-build.log, which `qkv backends` and the loader report, and the wasm backend serves.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { findNodeGyp, offlineNodedir } from "./node-gyp.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const logFile = join(root, "build", "native-build.log");
const REBUILD = "npm rebuild qkv --build-from-source";

function giveUp(reason, output = "") {
  mkdirSync(join(root, "build"), { recursive: true });
  writeFileSync(logFile, `${output}\nnative backend not built: ${reason}\n`);
  console.warn(
    `qkv: native backend not available (${reason}); the wasm backend will serve. See ${logFile}; retry with \`${REBUILD}\``,
  );
  process.exit(0);
}

/** The prebuilt node-gyp-build picks here (platform, architecture, libc, N-API), or null. */
function prebuiltFile() {
  const dir = join(root, "prebuilds", `${process.platform}-${process.arch}`);
  if (!existsSync(dir) || readdirSync(dir).length === 0) return null;
  // node-gyp-build prefers build/Release: this step decides afresh (a rebuild drops an old build).
  rmSync(join(root, "build", "Release"), { recursive: true, force: true });
  try {
    return createRequire(import.meta.url)("node-gyp-build").path(root);
  } catch {
    return null; // none matches this Node, libc or architecture
  }
}

/** Whether `file` loads and answers in a fresh process: "" if so, else the reason. */
function loadError(file) {
  const r = spawnSync(
    process.execPath,
    [
      "-e",
      "const a = require(process.argv[1]); const i = a.info(); if (!i.isas.length) throw new Error('no instruction set');",
      file,
    ],
    { encoding: "utf8" },
  );
  if (r.status === 0) return "";
  const line = `${r.stderr ?? ""}`.split("\n").find((l) => /Error/.test(l)) ?? `exit ${r.status}`;
  return line.trim();
}

if (process.env.QKV_NATIVE_BUILD === "0") giveUp("skipped: QKV_NATIVE_BUILD=0");

const fromSource = /^(1|true)$/i.test(process.env.npm_config_build_from_source ?? "");
let prebuiltNote = "";
if (!fromSource) {
  const file = prebuiltFile();
  if (file) {
    const err = loadError(file);
    if (!err) {
      rmSync(logFile, { force: true });
      console.log(`qkv: native backend: prebuilt ${file.slice(root.length + 1)} loads (no compiler needed)`);
      process.exit(0);
    }
    prebuiltNote = `the prebuilt ${file.slice(root.length + 1)} does not load (${err}); `;
    console.warn(`qkv: ${prebuiltNote}compiling from source`);
  } else {
    prebuiltNote = `no prebuilt for ${process.platform}-${process.arch}; `;
  }
}

if (!["x64", "arm64"].includes(process.arch))
  giveUp(`${prebuiltNote}unsupported architecture ${process.arch}`);

const nodeGyp = findNodeGyp();
if (!nodeGyp) giveUp(`${prebuiltNote}node-gyp not found (it ships with npm)`);

const args = [nodeGyp, "rebuild", `--jobs=${Math.min(4, Math.max(1, availableParallelism()))}`];
const nodedir = offlineNodedir();
if (nodedir) args.push(`--nodedir=${nodedir}`);
const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", env: process.env });
const output = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`;
if (r.status !== 0 || !existsSync(join(root, "build", "Release", "qkv_native.node"))) {
  const last = output
    .trim()
    .split("\n")
    .filter((l) => /error|ERR!/i.test(l))
    .slice(0, 3)
    .join(" | ");
  rmSync(join(root, "build", "Release"), { recursive: true, force: true });
  giveUp(`${prebuiltNote}node-gyp failed (exit ${r.status}): ${last || "see log"}`, output);
}
rmSync(logFile, { force: true });
console.log("qkv: native backend built from source (build/Release/qkv_native.node)");
