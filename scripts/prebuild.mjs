// Builds the prebuilt native binary that ships in the package: prebuildify (N-API, stripped, tagged
// with the C library) → prebuilds/<platform>-<arch>/qkv.<libc>.node, which node-gyp-build finds at
// install and at run time (native/install.mjs, src/kernels/native/index.ts). Runs in `prepack`, for
// the machine's own platform and architecture (linux-x64 here; arm64 needs an arm64 machine).
// QKV_PREBUILD=0 skips it (the package then ships no prebuilt and installs compile from source).
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { findNodeGyp, offlineNodedir } from "../native/node-gyp.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = `${process.platform}-${process.arch}`;

if (process.env.QKV_PREBUILD === "0") {
  console.log("prebuild: skipped (QKV_PREBUILD=0)");
  process.exit(0);
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) {
  console.error("prebuild: node-gyp not found (it ships with npm)");
  process.exit(1);
}

const env = { ...process.env, PREBUILD_NODE_GYP: nodeGyp };
const nodedir = offlineNodedir();
if (nodedir) env.npm_config_nodedir = nodedir;

rmSync(join(root, "prebuilds", target), { recursive: true, force: true });
const prebuildify = join(root, "node_modules", "prebuildify", "bin.js");
const r = spawnSync(process.execPath, [prebuildify, "--napi", "--strip", "--tag-libc"], {
  cwd: root,
  env,
  stdio: "inherit",
});
if (r.status !== 0) {
  console.error(`prebuild: prebuildify failed (exit ${r.status})`);
  process.exit(1);
}
const files = readdirSync(join(root, "prebuilds", target));
console.log(`prebuild: prebuilds/${target}/${files.join(", ")}`);
