/**
 * Choosing the backend (src/kernels/registry.ts, `ready` in src/kernels/index.ts): until one is
 * chosen, the first kernel call takes native where the addon loads synchronously, else reference;
 * `QKV_BACKEND` names one instead; `await ready()` takes the fastest that loads, wasm included. Each
 * test imports the kernels and tensors afresh (vi.resetModules), so nothing was chosen yet; the
 * suite's own QKV_BACKEND=reference (vitest.config.ts) is replaced per test.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";

const nativeExpected = process.env.QKV_NATIVE !== "0" && (process.arch === "x64" || process.arch === "arm64");

/** The kernels and tensors as a program gets them on its first import. */
async function fresh() {
  vi.resetModules();
  const k = await import("../../src/kernels/index.js");
  const t = await import("../../src/tensor/index.js");
  const softmaxOf = () => Array.from(t.softmax(t.tensor([1, 2, 3, 4, 2, 0], [2, 3]), -1).data);
  return { k, t, softmaxOf };
}

/** softmax([1,2,3]) and softmax([4,2,0]) in float64. */
const want = [
  [1, 2, 3],
  [4, 2, 0],
].flatMap((row) => {
  const e = row.map((x) => Math.exp(x - Math.max(...row)));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
});

function expectSoftmax(got: number[]): void {
  expect(got).toHaveLength(6);
  got.forEach((x, i) => {
    expect(Math.abs(x - want[i]), `element ${i}`).toBeLessThan(1e-6);
  });
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("the first kernel call chooses the backend when none was chosen", () => {
  it("native where the addon loads (synchronously), with the right numbers", async () => {
    vi.stubEnv("QKV_BACKEND", "");
    const { k, softmaxOf } = await fresh();
    expect(k.backendChosen()).toBe(false);
    expectSoftmax(softmaxOf());
    expect(k.backendChosen()).toBe(true);
    const native = k.nativeStatus();
    if (nativeExpected) expect(native, native.reason).toMatchObject({ available: true });
    expect(k.getBackend()).toBe(native.available ? "native" : "reference");
  });

  it("reference where the addon does not load (QKV_NATIVE=0), saying why", async () => {
    vi.stubEnv("QKV_BACKEND", "");
    vi.stubEnv("QKV_NATIVE", "0");
    const { k, softmaxOf } = await fresh();
    expectSoftmax(softmaxOf());
    expect(k.getBackend()).toBe("reference");
    expect(k.nativeStatus()).toEqual({
      available: false,
      reason: "native backend: disabled by QKV_NATIVE=0",
    });
  });

  it("keeps a backend chosen before it", async () => {
    vi.stubEnv("QKV_BACKEND", "");
    const { k, softmaxOf } = await fresh();
    await k.setBackend("wasm");
    expectSoftmax(softmaxOf());
    expect(k.getBackend()).toBe("wasm");
  });

  it("QKV_BACKEND=reference (or native) is honoured; wasm and unknown names are refused, naming the fix", async () => {
    vi.stubEnv("QKV_BACKEND", "reference");
    let f = await fresh();
    expectSoftmax(f.softmaxOf());
    expect(f.k.getBackend()).toBe("reference");

    vi.stubEnv("QKV_BACKEND", "wasm");
    f = await fresh();
    expect(() => f.softmaxOf()).toThrow(
      'QKV_BACKEND=wasm: the wasm backend loads asynchronously; call `await ready()` (or `await setBackend("wasm")`) before the first kernel call',
    );

    vi.stubEnv("QKV_BACKEND", "fast");
    f = await fresh();
    expect(() => f.softmaxOf()).toThrow(
      "QKV_BACKEND=fast: unknown backend (registered: reference, native, wasm)",
    );

    vi.stubEnv("QKV_BACKEND", "native");
    vi.stubEnv("QKV_NATIVE", "0");
    f = await fresh();
    expect(() => f.softmaxOf()).toThrow("QKV_BACKEND=native: native backend: disabled by QKV_NATIVE=0");
  });
});

describe("await ready()", () => {
  it("makes the fastest backend that loads active: native, else wasm", async () => {
    vi.stubEnv("QKV_BACKEND", "");
    const { k, softmaxOf } = await fresh();
    const name = await k.ready();
    expect(name).toBe(k.nativeStatus().available ? "native" : "wasm");
    if (nativeExpected) expect(name).toBe("native");
    expectSoftmax(softmaxOf());
    expect(k.getBackend()).toBe(name);
  });

  it("wasm where the addon does not load", async () => {
    vi.stubEnv("QKV_BACKEND", "auto");
    vi.stubEnv("QKV_NATIVE", "0");
    const { k, softmaxOf } = await fresh();
    expect(await k.ready()).toBe("wasm");
    expectSoftmax(softmaxOf());
  });

  it("the backend QKV_BACKEND names", async () => {
    vi.stubEnv("QKV_BACKEND", "wasm");
    let f = await fresh();
    expect(await f.k.ready()).toBe("wasm");
    expectSoftmax(f.softmaxOf());
    vi.stubEnv("QKV_BACKEND", "reference");
    f = await fresh();
    expect(await f.k.ready()).toBe("reference");
    vi.stubEnv("QKV_BACKEND", "fast");
    f = await fresh();
    await expect(f.k.ready()).rejects.toThrow('setBackend: unknown backend "fast"');
  });

  it("is exported by the package root", async () => {
    const root = await import("../../src/index.js");
    expect(typeof root.ready).toBe("function");
    expect(readFileSync(new URL("../../src/index.ts", import.meta.url), "utf8")).toContain("ready,");
  });
});

describe("the wasm backend's code loads on first use", () => {
  it("getNumThreads and getThreadSupport answer before it loads, and follow it after", async () => {
    vi.stubEnv("QKV_BACKEND", "reference");
    const { k } = await fresh();
    expect(k.getNumThreads()).toBe(1);
    expect(k.getThreadSupport()).toMatchObject({
      threads: 1,
      available: typeof SharedArrayBuffer === "function",
    });
    await k.setNumThreads(2);
    await k.setBackend("wasm");
    expect(k.getNumThreads()).toBe(2);
    expect(k.getThreadSupport().threads).toBe(2);
  });
});
