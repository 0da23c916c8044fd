/**
 * The explorer is a Vite app that imports the package by name ("qkv" → the repository's src/, so a fresh
 * clone needs no build of the package first). The bundled models (pretrained/<name>/best.json +
 * best.safetensors) are served at models/<name>/ in development and copied there by `vite build`; the
 * page learns which exist from the virtual module "virtual:qkv-models". QKV_MODELS_DIR (folders holding
 * model folders, separated as in PATH) adds more, after pretrained/'s: the tests serve checkpoints they
 * make this way without putting them in pretrained/. A model folder's alignment.json (its documented
 * forced-alignment reading and gold scores, view 7) is served with it when there is one. The classical
 * aligners (BUNDLED_ALIGNERS: pretrained/ibm1-en-hi, which has no best.json) are served at aligners/<name>/.
 *
 * Lighter first load: a model's weights are served in float16 (`servedCheckpoint`: best.json rewritten to
 * name best.f16.safetensors and its SHA-256, the float32 file's hash checked first and kept as
 * `float16Of`), converted here from pretrained/'s float32 file when the site is built or served — half
 * the bytes; the page decodes them to float32 (src/float16.ts says how, test/web/float16.test.ts how close).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";
import { ISOLATION_HEADERS } from "../scripts/web.js";
import { decodeSafetensors } from "../src/io/safetensors.js";
import { encodeFloat16Safetensors, float16FileName } from "./src/float16.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const pretrained = join(root, "pretrained");

/** The environment variable naming extra model folders (for tests). */
export const MODELS_DIR_ENV = "QKV_MODELS_DIR";

export interface BundledModel {
  /** Folder under models/ (and pretrained/). */
  name: string;
  path: string;
  /**
   * The files the page fetches: best.json (as served: naming the float16 file), that file, and
   * alignment.json when present.
   */
  files: string[];
  role: "lstm-attention" | "lstm-none" | "transformer";
}

/** Where model folders are looked for: pretrained/, then the folders of QKV_MODELS_DIR. */
export function modelRoots(env: string | undefined = process.env[MODELS_DIR_ENV]): string[] {
  const extra = (env ?? "")
    .split(delimiter)
    .filter((d) => d !== "")
    .map((d) => resolve(d));
  for (const d of extra) {
    if (!existsSync(d)) throw new Error(`${MODELS_DIR_ENV}: no folder ${d}`);
  }
  return [pretrained, ...extra];
}

function roleOf(meta: { kind?: string; config?: { attention?: string } }): BundledModel["role"] {
  return meta.kind === "seq2seq"
    ? meta.config?.attention === "none"
      ? "lstm-none"
      : "lstm-attention"
    : "transformer";
}

/**
 * Every model folder with a best.json (files: best.json, its tensor file, and alignment.json — the
 * documented forced-alignment reading and its AER — when there is one), and the folder it is read from
 * (never sent to the page).
 */
function localModels(): { model: BundledModel; dir: string }[] {
  const out: { model: BundledModel; dir: string }[] = [];
  const add = (name: string, where: string, files: string[], role: BundledModel["role"]) => {
    if (out.some((m) => m.model.name === name)) {
      throw new Error(`${where}: a model named "${name}" is already bundled (names must be unique)`);
    }
    const docs = existsSync(join(where, "alignment.json")) ? ["alignment.json"] : [];
    out.push({ model: { name, path: `models/${name}`, files: [...files, ...docs], role }, dir: where });
  };
  const roots = modelRoots().filter((b) => existsSync(b));
  for (const base of roots) {
    const names = readdirSync(base)
      .filter((d) => existsSync(join(base, d, "best.json")))
      .sort((a, b) => (a === "en-hi" ? -1 : b === "en-hi" ? 1 : a.localeCompare(b)));
    for (const name of names) {
      const where = join(base, name);
      const json = JSON.parse(readFileSync(join(where, "best.json"), "utf8"));
      const tensors = String(json.tensors);
      if (!/^[\w.-]+$/.test(tensors) || tensors.startsWith(".")) {
        throw new Error(`${where}/best.json: "tensors" must name a file in that folder, got ${tensors}`);
      }
      add(name, where, ["best.json", float16FileName(tensors)], roleOf(json.meta));
    }
  }
  return out;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** A checkpoint as the page is served it: best.json naming the float16 tensor file, and that file. */
export interface ServedCheckpoint {
  /** best.json as served (`tensors` the float16 file, `sha256` its hash, `float16Of` the original's). */
  json: { tensors: string; sha256: string; float16Of: { tensors: string; sha256: string } } & Record<
    string,
    unknown
  >;
  /** File name → bytes: "best.json" and the float16 tensor file. */
  files: Map<string, Uint8Array>;
}

const served = new Map<string, { stamp: string; checkpoint: ServedCheckpoint }>();

/**
 * The model folder `dir`'s best.json and float32 tensor file, as the site serves them: the weights stored
 * as float16 (`encodeFloat16Safetensors`), best.json pointing at them. The float32 file must match the
 * SHA-256 its JSON records (else an error naming both). Cached per folder until a file changes.
 */
export function servedCheckpoint(dir: string): ServedCheckpoint {
  const jsonPath = join(dir, "best.json");
  const original = JSON.parse(readFileSync(jsonPath, "utf8"));
  const tensors = String(original.tensors);
  const tensorPath = join(dir, tensors);
  const stamp = [jsonPath, tensorPath].map((p) => `${statSync(p).mtimeMs}:${statSync(p).size}`).join("|");
  const hit = served.get(dir);
  if (hit && hit.stamp === stamp) return hit.checkpoint;
  const bytes = new Uint8Array(readFileSync(tensorPath));
  const hash = sha256(bytes);
  if (hash !== original.sha256) {
    throw new Error(
      `${tensorPath} does not belong to ${jsonPath} (sha256 ${hash.slice(0, 12)}… ≠ ${String(original.sha256).slice(0, 12)}…)`,
    );
  }
  const { tensors: decoded, metadata } = decodeSafetensors(bytes);
  const half = encodeFloat16Safetensors(decoded, metadata);
  const name = float16FileName(tensors);
  const json = {
    ...original,
    tensors: name,
    sha256: sha256(half),
    float16Of: { tensors, sha256: original.sha256 as string },
  };
  const checkpoint: ServedCheckpoint = {
    json,
    files: new Map([
      ["best.json", new TextEncoder().encode(JSON.stringify(json))],
      [name, half],
    ]),
  };
  served.set(dir, { stamp, checkpoint });
  return checkpoint;
}

/** A served model file's bytes: the converted best.json and tensor file, else the folder's own file. */
function servedFile(dir: string, file: string): Uint8Array {
  return servedCheckpoint(dir).files.get(file) ?? new Uint8Array(readFileSync(join(dir, file)));
}

/** The checkpoints in pretrained/ (the attention LSTM named en-hi first), then QKV_MODELS_DIR's. */
export function bundledModels(): BundledModel[] {
  return localModels().map((m) => m.model);
}

/** The classical aligners the page shows (view 7): folders of pretrained/ served at aligners/<name>/. */
export const BUNDLED_ALIGNERS = ["ibm1-en-hi"] as const;
const ALIGNER_FILES = ["aligner.json", "alignment.json"];

/** Each bundled aligner's files that exist: [name, file, path on disk]. */
function localAligners(): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const name of BUNDLED_ALIGNERS) {
    for (const f of ALIGNER_FILES) {
      const path = join(pretrained, name, f);
      if (existsSync(path)) out.push([name, f, path]);
    }
  }
  return out;
}

function qkvModels(): Plugin {
  const id = "virtual:qkv-models";
  return {
    name: "qkv-models",
    resolveId: (s) => (s === id ? `\0${id}` : null),
    load(s) {
      if (s !== `\0${id}`) return null;
      return `export const MODELS = ${JSON.stringify(bundledModels())};`;
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        // aligners/<name>/<file>: only the listed aligners' listed files.
        const a = /^\/aligners\/([\w.-]+)\/([\w.-]+)$/.exec(req.url?.split("?")[0] ?? "");
        const hit = a && localAligners().find(([n, f]) => n === a[1] && f === a[2]);
        if (hit) {
          res.setHeader("Content-Type", "application/json");
          res.end(readFileSync(hit[2]));
          return;
        }
        const m = /^\/models\/([\w.-]+)\/([\w.-]+)$/.exec(req.url?.split("?")[0] ?? "");
        const local = m && localModels().find((b) => b.model.name === m[1]);
        if (!m || !local?.model.files.includes(m[2])) return next();
        res.setHeader(
          "Content-Type",
          m[2].endsWith(".json") ? "application/json" : "application/octet-stream",
        );
        res.end(servedFile(local.dir, m[2]));
      });
    },
    generateBundle() {
      for (const { model, dir } of localModels()) {
        for (const f of model.files) {
          this.emitFile({
            type: "asset",
            fileName: `${model.path}/${f}`,
            source: servedFile(dir, f),
          });
        }
      }
      for (const [name, f, path] of localAligners()) {
        this.emitFile({ type: "asset", fileName: `aligners/${name}/${f}`, source: readFileSync(path) });
      }
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  resolve: {
    alias: [
      { find: /^qkv$/, replacement: join(root, "src/index.ts") },
      { find: /^qkv\/align$/, replacement: join(root, "src/align/index.ts") },
    ],
  },
  plugins: [qkvModels()],
  // Cross-origin isolation (SharedArrayBuffer) in `vite dev` and `vite preview` too.
  server: { headers: ISOLATION_HEADERS, host: "127.0.0.1" },
  preview: { headers: ISOLATION_HEADERS, host: "127.0.0.1" },
  // The training worker imports qkv, whose backends load by dynamic import: ES module workers split chunks.
  worker: { format: "es" },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 1500 },
  logLevel: "warn",
});
