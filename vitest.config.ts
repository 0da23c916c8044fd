import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // The explorer's modules (web/src) import the package by name; tests run them on the sources.
  resolve: {
    alias: [
      { find: /^qkv$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
      { find: /^qkv\/align$/, replacement: fileURLToPath(new URL("./src/align/index.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    pool: "forks",
    // Tests choose their backend (test/helpers/on-backend.ts); until they do, kernels run on the
    // reference backend, not on the one the first kernel call would pick (native where it loads).
    env: { QKV_BACKEND: "reference" },
  },
});
