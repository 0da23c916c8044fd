/**
 * The wasm backend as a package part: the embedded binary is current (built from today's sources),
 * the single-threaded unshared-memory variant that browsers get works, the registry loads it by name,
 * and the thread count can be set.
 */
import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { ASC_FLAGS, wasmSourceHash } from "../../scripts/build-wasm.js";
import {
  getNumThreads,
  getThreadSupport,
  initBackend,
  nativeStatus,
  setNumThreads,
} from "../../src/kernels/index.js";
import { referenceBackend } from "../../src/kernels/reference/index.js";
import { getBackend, listBackends, setBackend } from "../../src/kernels/registry.js";
import { WASM_BINARY_HASH, WASM_SOURCE_HASH } from "../../src/kernels/wasm/binary.generated.js";
import { createWasmBackend, loadWasmBackend } from "../../src/kernels/wasm/index.js";
import { unsharedVariant, wasmBytes } from "../../src/kernels/wasm/module.js";

afterAll(async () => {
  await setBackend("reference");
});

describe("the embedded binary", () => {
  it("was built from the current AssemblyScript sources (else run `npm run build:wasm`)", () => {
    expect(ASC_FLAGS).toContain("simd");
    expect(WASM_SOURCE_HASH, "src/kernels/wasm/binary.generated.ts is stale: run `npm run build:wasm`").toBe(
      wasmSourceHash(),
    );
  });

  it("decodes to the bytes whose hash the build recorded", () => {
    const bytes = wasmBytes();
    expect([...bytes.subarray(0, 4)]).toEqual([0, 0x61, 0x73, 0x6d]); // "\0asm"
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(WASM_BINARY_HASH);
  });

  it("has an unshared-memory variant that differs in one byte (the import's limits flag)", () => {
    const bytes = wasmBytes();
    const plain = unsharedVariant(bytes);
    const diff = [...bytes].flatMap((b, i) => (b !== plain[i] ? [[b, plain[i]]] : []));
    expect(diff).toEqual([[0x03, 0x01]]);
    expect(() => unsharedVariant(plain)).toThrow(/no shared memory import/);
  });
});

describe("the single-threaded, unshared variant (what browsers without isolation get)", () => {
  it("computes the same as the reference backend", async () => {
    const w = await createWasmBackend({ threads: false });
    expect(w.runtime.shared).toBe(false);
    expect(w.runtime.threads).toBe(1);
    await w.runtime.setThreads(4); // no workers to use: stays at 1
    expect(w.runtime.threads).toBe(1);
    expect(w.runtime.pooled).toBe(false);
    expect(w.runtime.threadReason).toMatch(/threads: false/);
    const a = Float32Array.from({ length: 6 * 5 }, (_, i) => Math.sin(i));
    const p = {
      batch: 1,
      m: 6,
      k: 5,
      n: 6,
      transA: false,
      transB: true,
      aOffsets: new Int32Array(1),
      bOffsets: new Int32Array(1),
    };
    const got = w.matmul(a, a, p);
    const want = referenceBackend.matmul(a, a, p);
    got.forEach((x, i) => {
      expect(x).toBeCloseTo(want[i], 5);
    });
    // Growing an unshared memory detaches old views: a large call after a small one must still work.
    const big = Float32Array.from({ length: 1 << 20 }, (_, i) => (i % 97) / 97);
    expect(w.unary("square", big)[96]).toBeCloseTo((96 / 97) ** 2, 6);
    expect(w.runtime.memoryBytes).toBeGreaterThanOrEqual(4 << 20); // computed in place
  });
});

describe("registry and threads", () => {
  it('setBackend("wasm") loads it by name; initBackend() makes it the default where native is absent', async () => {
    expect(listBackends()).toContain("wasm");
    await setBackend("wasm");
    expect(getBackend()).toBe("wasm");
    await setBackend("reference");
    expect(getBackend()).toBe("reference");
    const picked = await initBackend(); // native first where it loads: test/kernels/native-backend.test.ts
    expect(picked).toBe(nativeStatus().available ? "native" : "wasm");
    expect(getBackend()).toBe(picked);
  });

  it("setNumThreads sets how many threads large jobs use", async () => {
    await setNumThreads(1);
    expect(getNumThreads()).toBe(1);
    await setNumThreads(2);
    expect(getNumThreads()).toBe(2);
    await expect(setNumThreads(0)).rejects.toThrow(/positive integer/);
  });

  it("getThreadSupport: Node runs a worker pool, and says so (browsers: test/browser/threads.test.ts)", async () => {
    await loadWasmBackend();
    await setNumThreads(2);
    const t = getThreadSupport();
    expect(t).toMatchObject({ available: true, threads: 2 });
    expect(t.reason).toMatch(/worker_threads/);
  });
});
