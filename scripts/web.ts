/**
 * Building and serving the explorer (web/): `buildWeb` runs `vite build` when the site is missing or
 * older than any of its inputs; `serveStatic` serves a folder on 127.0.0.1 with the COOP/COEP headers
 * that make the page cross-origin isolated (SharedArrayBuffer available). Used by `npm run explore`,
 * the browser tests and the explorer benchmark.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { delimiter, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const WEB = join(ROOT, "web");
export const WEB_DIST = join(WEB, "dist");

/** What the site is built from. */
const INPUTS = [
  "web/index.html",
  "web/src",
  "web/vite.config.ts",
  "src",
  "pretrained",
  "docs/results/bottleneck.json",
  "package-lock.json",
];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(path)) m = Math.max(m, newest(join(path, e)));
  return m;
}

/** Extra model folders (QKV_MODELS_DIR, read by web/vite.config.ts), as the site records them. */
const MODELS_DIR_ENV = "QKV_MODELS_DIR";
/** Which extra model folders a site was built with (so a site built for tests is not served as the real one). */
const MODELS_STAMP = ".qkv-models-dir";

/**
 * True when `outDir` has no site, one older than its inputs (the extra model folders included), or one
 * built with other extra model folders than `modelsDir`.
 */
export function isStale(outDir = WEB_DIST, modelsDir = process.env[MODELS_DIR_ENV] ?? ""): boolean {
  const index = join(outDir, "index.html");
  const stamp = join(outDir, MODELS_STAMP);
  if (!existsSync(index)) return true;
  if ((existsSync(stamp) ? readFileSync(stamp, "utf8") : "") !== modelsDir) return true;
  const built = statSync(index).mtimeMs;
  const extra = modelsDir.split(delimiter).filter((d) => d !== "");
  return [...INPUTS.map((p) => join(ROOT, p)), ...extra].some((p) => newest(p) > built);
}

/**
 * Builds the site into `outDir` (default web/dist) when stale or forced; returns whether it built.
 * `modelsDir` (default: $QKV_MODELS_DIR) names folders of extra model folders to bundle after pretrained/'s.
 */
export async function buildWeb(
  opts: { outDir?: string; force?: boolean; quiet?: boolean; modelsDir?: string } = {},
): Promise<boolean> {
  const outDir = opts.outDir ?? WEB_DIST;
  const modelsDir = opts.modelsDir ?? process.env[MODELS_DIR_ENV] ?? "";
  if (!opts.force && !isStale(outDir, modelsDir)) return false;
  const { build } = await import("vite");
  const before = process.env[MODELS_DIR_ENV];
  process.env[MODELS_DIR_ENV] = modelsDir;
  try {
    await build({
      configFile: join(WEB, "vite.config.ts"),
      build: { outDir, emptyOutDir: true },
      logLevel: opts.quiet ? "error" : "warn",
    });
  } finally {
    if (before === undefined) delete process.env[MODELS_DIR_ENV];
    else process.env[MODELS_DIR_ENV] = before;
  }
  writeFileSync(join(outDir, MODELS_STAMP), modelsDir);
  return true;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".safetensors": "application/octet-stream",
};

export const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/**
 * Serves `dir` at http://127.0.0.1:port/ (port 0: any free port; dot files are not served); resolves once
 * listening. With COOP/COEP (cross-origin isolated pages) unless `isolated: false` (what a plain static
 * host does: the explorer then runs its kernels on one thread).
 */
export function serveStatic(
  dir: string,
  port: number,
  opts: { host?: string; isolated?: boolean } = {},
): Promise<{ server: Server; url: string }> {
  const host = opts.host ?? "127.0.0.1";
  const headers = opts.isolated === false ? {} : ISOLATION_HEADERS;
  const base = normalize(dir + sep);
  const server = createServer((req, res) => {
    let path = decodeURIComponent((req.url ?? "/").split("?")[0]);
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(dir, path));
    const hidden = file
      .slice(base.length)
      .split(sep)
      .some((part) => part.startsWith("."));
    if (!file.startsWith(base) || hidden || !existsSync(file) || statSync(file).isDirectory()) {
      res.writeHead(404, { "Content-Type": "text/plain", ...headers });
      res.end("not found");
      return;
    }
    res.writeHead(200, {
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
      "Cache-Control": "no-cache",
      ...headers,
    });
    res.end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const { port: p } = server.address() as AddressInfo;
      resolve({ server, url: `http://${host}:${p}/` });
    });
  });
}
