/**
 * Building and serving the explorer (web/): `buildWeb` runs `vite build` when the site is missing or
 * older than any of its inputs; `serveStatic` serves a folder on 127.0.0.1 with the COOP/COEP headers
 * that make the page cross-origin isolated (SharedArrayBuffer available). Used by `npm run explore`,
 * the browser tests and the explorer benchmark.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";
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

/** True when `outDir` has no site or one older than its inputs. */
export function isStale(outDir = WEB_DIST): boolean {
  const stamp = join(outDir, "index.html");
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return INPUTS.some((p) => newest(join(ROOT, p)) > built);
}

/** Builds the site into `outDir` (default web/dist) when stale or forced; returns whether it built. */
export async function buildWeb(
  opts: { outDir?: string; force?: boolean; quiet?: boolean } = {},
): Promise<boolean> {
  const outDir = opts.outDir ?? WEB_DIST;
  if (!opts.force && !isStale(outDir)) return false;
  const { build } = await import("vite");
  await build({
    configFile: join(WEB, "vite.config.ts"),
    build: { outDir, emptyOutDir: true },
    logLevel: opts.quiet ? "error" : "warn",
  });
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

/** Serves `dir` at http://127.0.0.1:port/ (port 0: any free port); resolves once listening. */
export function serveStatic(
  dir: string,
  port: number,
  host = "127.0.0.1",
): Promise<{ server: Server; url: string }> {
  const base = normalize(dir + sep);
  const server = createServer((req, res) => {
    let path = decodeURIComponent((req.url ?? "/").split("?")[0]);
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(dir, path));
    if (!file.startsWith(base) || !existsSync(file) || statSync(file).isDirectory()) {
      res.writeHead(404, { "Content-Type": "text/plain", ...ISOLATION_HEADERS });
      res.end("not found");
      return;
    }
    res.writeHead(200, {
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
      "Cache-Control": "no-cache",
      ...ISOLATION_HEADERS,
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
