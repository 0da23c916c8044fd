// Where node-gyp and this Node's headers are, for native/install.mjs (the install step) and
// scripts/prebuild.mjs (the prebuilt binary made before `npm pack`): one rule for both.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** node-gyp's script: npm's own copy (npm sets npm_config_node_gyp for scripts), else next to npm; or null. */
export function findNodeGyp() {
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
  ];
  return candidates.find((p) => p && existsSync(p)) ?? null;
}

/**
 * The headers installed with this Node (so a build needs no download), unless npm already names a
 * nodedir; null when there are none to use.
 */
export function offlineNodedir() {
  if (process.env.npm_config_nodedir) return null;
  const prefix = join(dirname(process.execPath), "..");
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? prefix : null;
}
