/**
 * The explorer is a Vite app that imports the package by name ("qkv" → the repository's src/, so a fresh
 * clone needs no build of the package first). The bundled models (pretrained/<name>/best.json +
 * best.safetensors) are served at models/<name>/ in development and copied there by `vite build`; the
 * page learns which exist from the virtual module "virtual:qkv-models".
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";
import { ISOLATION_HEADERS } from "../scripts/web.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const pretrained = join(root, "pretrained");

export interface BundledModel {
  /** Folder under models/ (and pretrained/). */
  name: string;
  path: string;
  /** The files the page fetches: best.json and the tensor file it names. */
  files: string[];
  role: "lstm-attention" | "lstm-none" | "transformer";
}

/** The checkpoints in pretrained/, the attention LSTM named en-hi first. */
export function bundledModels(): BundledModel[] {
  if (!existsSync(pretrained)) return [];
  return readdirSync(pretrained)
    .filter((d) => existsSync(join(pretrained, d, "best.json")))
    .sort((a, b) => (a === "en-hi" ? -1 : b === "en-hi" ? 1 : a.localeCompare(b)))
    .map((name) => {
      const json = JSON.parse(readFileSync(join(pretrained, name, "best.json"), "utf8"));
      const meta = json.meta;
      const role: BundledModel["role"] =
        meta.kind === "seq2seq"
          ? meta.config.attention === "none"
            ? "lstm-none"
            : "lstm-attention"
          : "transformer";
      const tensors = String(json.tensors);
      if (!/^[\w.-]+$/.test(tensors) || tensors.startsWith(".")) {
        throw new Error(
          `pretrained/${name}/best.json: "tensors" must name a file in that folder, got ${tensors}`,
        );
      }
      return { name, path: `models/${name}`, files: ["best.json", tensors], role };
    });
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
        const m = /^\/models\/([\w.-]+)\/([\w.-]+)$/.exec(req.url?.split("?")[0] ?? "");
        const model = m && bundledModels().find((b) => b.name === m[1]);
        if (!m || !model?.files.includes(m[2])) return next();
        res.setHeader(
          "Content-Type",
          m[2].endsWith(".json") ? "application/json" : "application/octet-stream",
        );
        res.end(readFileSync(join(pretrained, m[1], m[2])));
      });
    },
    generateBundle() {
      for (const m of bundledModels()) {
        for (const f of m.files) {
          this.emitFile({
            type: "asset",
            fileName: `${m.path}/${f}`,
            source: readFileSync(join(pretrained, m.name, f)),
          });
        }
      }
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  resolve: { alias: [{ find: /^qkv$/, replacement: join(root, "src/index.ts") }] },
  plugins: [qkvModels()],
  // Cross-origin isolation (SharedArrayBuffer) in `vite dev` and `vite preview` too.
  server: { headers: ISOLATION_HEADERS, host: "127.0.0.1" },
  preview: { headers: ISOLATION_HEADERS, host: "127.0.0.1" },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 1500 },
  logLevel: "warn",
});
