// Builds the native backend (binding.gyp → build/Release/qkv_native.node) during `npm ci` /
// `npm install`. A failed or impossible build never fails the installation: the reason goes to
// build/native-build.log, which `qkv backends` and the loader report, and the wasm backend serves.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const logFile = join(root, "build", "native-build.log");

function giveUp(reason, output = "") {
  mkdirSync(join(root, "build"), { recursive: true });
  writeFileSync(logFile, `${output}\nnative backend not built: ${reason}\n`);
  console.warn(`qkv: native backend not built (${reason}); the wasm backend will serve. See ${logFile}`);
  process.exit(0);
}

if (process.env.QKV_NATIVE_BUILD === "0") giveUp("skipped: QKV_NATIVE_BUILD=0");
if (!["x64", "arm64"].includes(process.arch)) giveUp(`unsupported architecture ${process.arch}`);

// node-gyp: npm's own copy (npm sets npm_config_node_gyp for scripts), else next to npm.
const candidates = [
  process.env.npm_config_node_gyp,
  process.env.npm_execpath &&
    join(dirname(process.env.npm_execpath), "..", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  join(
    dirname(process.execPath),
    "..",
    "lib",
    "node_modules",
    "npm",
    "node_modules",
    "node-gyp",
    "bin",
    "node-gyp.js",
  ),
].filter((p) => p && existsSync(p));
if (candidates.length === 0) giveUp("node-gyp not found (it ships with npm)");

const args = [
  candidates[0],
  "rebuild",
  `--jobs=${Math.min(4, Math.max(1, (await import("node:os")).availableParallelism()))}`,
];
// Use the headers installed with this Node (offline) unless npm already names a nodedir.
const prefix = join(dirname(process.execPath), "..");
if (!process.env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "node_api.h"))) {
  args.push(`--nodedir=${prefix}`);
}
const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", env: process.env });
const output = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`;
if (r.status !== 0 || !existsSync(join(root, "build", "Release", "qkv_native.node"))) {
  const last = output
    .trim()
    .split("\n")
    .filter((l) => /error|ERR!/i.test(l))
    .slice(0, 3)
    .join(" | ");
  giveUp(`node-gyp failed (exit ${r.status}): ${last || "see log"}`, output);
}
rmSync(logFile, { force: true });
console.log("qkv: native backend built (build/Release/qkv_native.node)");
