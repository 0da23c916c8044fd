/**
 * Building and serving the explorer (web/): `buildWeb` runs `vite build` when the site is missing or
 * older than any of its inputs; `serveStatic` serves a folder on 127.0.0.1 with the COOP/COEP headers
 * that make the page cross-origin isolated (SharedArrayBuffer available). Used by `npm run explore`,
 * the browser tests and the explorer benchmark.
 */
import {
  constants,
  existsSync,
  readdirSync,
  readFileSync,
  type Stats,
  statSync,
  writeFileSync,
} from "node:fs";
import { type FileHandle, open, realpath } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { delimiter, extname, join, sep } from "node:path";
import { pipeline } from "node:stream/promises";
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

/** Methods served; any other is 405 with this as its Allow header. */
const ALLOW = "GET, HEAD";

/**
 * The file under `root` that a request target names, or the status to answer instead: 400 for a
 * target that is not an origin-form path or does not decode (`/%`, a NUL byte), 404 for a dot file or
 * folder (`..` included) or anything that is not a regular file whose real path (symbolic links
 * resolved) lies inside root's real path.
 */
async function resolveTarget(root: string, target: string): Promise<string | 400 | 404> {
  if (!target.startsWith("/")) return 400; // "*", absolute-form, garbage
  let path: string;
  try {
    path = decodeURIComponent(target.split(/[?#]/, 1)[0]);
  } catch {
    return 400; // malformed escape (URIError)
  }
  if (path.includes("\0") || path.includes("\\")) return 400;
  if (path.endsWith("/")) path += "index.html";
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.some((p) => p.startsWith("."))) return 404;
  let realRoot: string;
  let real: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(join(realRoot, ...parts));
  } catch {
    return 404; // missing (or a dangling link, a loop, a name too long)
  }
  if (!real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) return 404;
  return real;
}

/**
 * Serves `dir` at http://127.0.0.1:port/ (port 0: any free port); resolves once listening. GET and
 * HEAD only (405 otherwise); only regular files whose real path is inside `dir` (no dot files, no
 * symbolic links out of it), streamed, with `X-Content-Type-Options: nosniff`; a malformed request
 * is a 400, never an exception. With COOP/COEP (cross-origin isolated pages) unless `isolated: false`
 * (what a plain static host does: the explorer then runs its kernels on one thread).
 */
export function serveStatic(
  dir: string,
  port: number,
  opts: { host?: string; isolated?: boolean } = {},
): Promise<{ server: Server; url: string }> {
  const host = opts.host ?? "127.0.0.1";
  const headers = {
    "X-Content-Type-Options": "nosniff",
    ...(opts.isolated === false ? {} : ISOLATION_HEADERS),
  };
  const plain = (res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, {
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Length": Buffer.byteLength(text),
      ...headers,
      ...extra,
    });
    res.end(res.req.method === "HEAD" ? undefined : text);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      plain(res, 405, "method not allowed", { Allow: ALLOW });
      return;
    }
    const file = await resolveTarget(dir, req.url ?? "/");
    if (file === 400) return plain(res, 400, "bad request");
    if (file === 404) return plain(res, 404, "not found");
    let fh: FileHandle;
    try {
      // The real path has no links; O_NOFOLLOW refuses one swapped in since.
      fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch {
      return plain(res, 404, "not found");
    }
    let st: Stats;
    try {
      st = await fh.stat();
    } catch (e) {
      await fh.close();
      throw e;
    }
    if (!st.isFile()) {
      await fh.close();
      return plain(res, 404, "not found");
    }
    res.writeHead(200, {
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
      "Content-Length": st.size,
      "Cache-Control": "no-cache",
      ...headers,
    });
    if (req.method === "HEAD" || st.size === 0) {
      await fh.close();
      res.end();
      return;
    }
    await pipeline(fh.createReadStream({ start: 0, end: st.size - 1 }), res);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // A read that failed midway (or a client gone): end this response, keep serving.
      if (!res.headersSent) plain(res, 500, "internal error");
      else res.destroy();
    });
  });
  // Requests too malformed to parse: a 400 where the socket still takes one, never a crash.
  server.on("clientError", (_err, socket) => {
    if (socket.writable)
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    else socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const { port: p } = server.address() as AddressInfo;
      resolve({ server, url: `http://${host}:${p}/` });
    });
  });
}
