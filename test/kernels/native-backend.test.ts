/**
 * The native backend as a package part: `npm ci` builds the addon (on x86-64 and arm64), the registry
 * loads it by name and `initBackend()` prefers it, its thread count follows `setNumThreads`, and with
 * the addon disabled (QKV_NATIVE=0) or missing everything falls back to wasm — the conformance and
 * PyTorch parity suites are re-run that way in a child process and must pass. (The suites themselves
 * run on native, per instruction set, through test/helpers/backends.ts.)
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  initBackend,
  loadNativeBackend,
  loadNativeBackends,
  nativeStatus,
  setNumThreads,
} from "../../src/kernels/index.js";
import { referenceBackend } from "../../src/kernels/reference/index.js";
import { getBackend, listBackends, setBackend } from "../../src/kernels/registry.js";
import { loadTestBackends } from "../helpers/backends.js";

const root = new URL("../..", import.meta.url).pathname;
const disabled = process.env.QKV_NATIVE === "0";
const buildable = process.arch === "x64" || process.arch === "arm64";
const cpuFlags = (() => {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "";
  }
})();

afterAll(async () => {
  await setBackend("reference");
});

describe.runIf(!disabled && buildable)("the addon, as npm ci builds it", () => {
  it("loads, with the instruction sets this CPU has (best first)", async () => {
    const b = await loadNativeBackend();
    expect(b.name).toBe("native");
    const isas = (await loadNativeBackends()).map((x) => x.isa);
    expect(isas.at(-1)).toBe("portable");
    if (/\bavx512f\b/.test(cpuFlags)) expect(isas[0]).toBe("avx512");
    else if (/\bavx2\b/.test(cpuFlags) && /\bfma\b/.test(cpuFlags)) expect(isas[0]).toBe("avx2");
    expect(nativeStatus()).toMatchObject({ available: true, isas });
  });

  it("is in the test backends, so the conformance and parity suites run on it", async () => {
    const names = (await loadTestBackends()).map((b) => b.name);
    expect(names).toContain("native");
    expect(names).toContain("native-portable");
  });

  it('setBackend("native") loads it by name; initBackend() picks it first', async () => {
    expect(listBackends()).toContain("native");
    await setBackend("reference");
    expect(await initBackend()).toBe("native");
    expect(getBackend()).toBe("native");
  });

  it("setNumThreads sets the native pool: one thread runs a large matmul serially", async () => {
    const b = await loadNativeBackend();
    const n = 96;
    const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
    const p = {
      batch: 1,
      m: n,
      k: n,
      n,
      transA: false,
      transB: false,
      aOffsets: new Int32Array(1),
      bOffsets: new Int32Array(1),
    };
    const big = { ...p, m: 4 * n, batch: 1 };
    const a4 = Float32Array.from({ length: 4 * n * n }, (_, i) => Math.cos(i));
    await setNumThreads(1);
    const serial = b.stats.serial.matmul ?? 0;
    const r1 = b.matmul(a4, a, big);
    expect(b.stats.serial.matmul).toBe(serial + 1);
    await setNumThreads(2);
    const parallel = b.stats.parallel.matmul ?? 0;
    const r2 = b.matmul(a4, a, big);
    expect(b.stats.parallel.matmul).toBe(parallel + 1);
    expect([...r2]).toEqual([...r1]); // the same blocks, whatever thread runs them
    const r = referenceBackend.matmul(a4, a, big);
    expect(Math.max(...r2.map((x, i) => Math.abs(x - r[i])))).toBeLessThan(1e-4);
  });
});

describe.runIf(!disabled && buildable)("NaN beyond the conformance suite (where wasm still differs)", () => {
  // The conformance suite checks NaN rows of softmax and NaN attention outputs on every backend; here,
  // per native instruction set, the strided softmax lanes and the fused log-sum-exp too, as the
  // reference: a NaN lane is NaN (not a masked lane of zeros), a NaN row's lse is NaN (not −∞).
  it("strided softmax lanes and the fused lse propagate NaN as the reference does", async () => {
    const N = Number.NaN;
    const x = Float32Array.from([N, 1, 5, N, 2, 6, N, 3, 7]); // (1, 3, 3): lane 0 all NaN, lane 1 one NaN
    const q = Float32Array.from([N, N, 1, 0]);
    const k = Float32Array.from([1, 0, 0, 1, 1, 1]);
    const v = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const p = { bh: 1, t: 2, s: 3, d: 2, dv: 2, scale: 1, causal: false };
    const same = (a: Float32Array, b: Float32Array) =>
      [...a].every((y, i) => (Number.isNaN(b[i]) ? Number.isNaN(y) : Math.abs(y - b[i]) < 1e-5));
    for (const b of await loadNativeBackends()) {
      for (const log of [false, true]) {
        const want = referenceBackend.softmax(x, 1, 3, 3, log);
        expect(same(b.softmax(x, 1, 3, 3, log), want), `${b.name} softmax log=${log}`).toBe(true);
      }
      const f = b.attentionForward!(q, k, v, p);
      const r = referenceBackend.attentionForward!(q, k, v, p);
      expect(same(f.lse, r.lse), `${b.name} lse ${[...f.lse]}`).toBe(true);
      expect(Number.isNaN(f.lse[0])).toBe(true);
    }
  });
});

/** A deterministic stream in [0, 1) (the same inputs in every run). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * The native `op` on 200,000 entries from `fill` (specials first) against `f` in double rounded once:
 * every entry equal but at most two one-ulp boundary cases, every special exact (as float32 values).
 */
async function expectRoundedOnce(
  op: "tanh" | "log",
  f: (x: number) => number,
  fill: (i: number) => number,
  specials: number[],
): Promise<void> {
  const n = 200_000;
  const x = Float32Array.from({ length: n }, (_, i) => fill(i));
  x.set(specials, 0);
  for (const b of await loadNativeBackends()) {
    const y = b.unary(op, x);
    let differ = 0;
    for (let i = 0; i < n; i++) {
      const want = Math.fround(f(x[i]));
      if (Object.is(y[i], want)) continue;
      differ++;
      expect(Math.abs(y[i] - want), `${b.name} ${op}(${x[i]})`).toBeLessThanOrEqual(Math.abs(want) * 1.2e-7);
    }
    expect(differ, `${b.name}: entries off by one ulp`).toBeLessThanOrEqual(2);
    specials.forEach((v, i) => {
      expect(y[i], `${b.name} ${op}(${v})`).toBe(Math.fround(f(Math.fround(v))));
    });
  }
}

describe.runIf(!disabled && buildable)("tanh and log, SIMD in double precision", () => {
  it("tanh rounds as (float)tanh((double)x): all but a rare boundary case of 200,000 entries, specials exact", async () => {
    const rnd = lcg(7);
    // Wide, unit and tiny magnitudes, across the polynomial / exponential switch at |x| = 0.625.
    await expectRoundedOnce("tanh", Math.tanh, (i) => (rnd() - 0.5) * [60, 2, 1e-3, 1.3][i % 4], [
      0,
      -0,
      Infinity,
      -Infinity,
      Number.NaN,
      0.625,
      -0.625,
      19.5,
      20,
      21,
      1e-30,
      -1e-30,
      1e-8,
    ]);
  });

  it("log rounds as (float)log((double)x) on 200,000 entries (subnormal floats included), specials exact", async () => {
    const rnd = lcg(3);
    // Around 1 (both sides of √2 after the exponent is taken out), 70 decades, tiny and subnormal.
    await expectRoundedOnce(
      "log",
      Math.log,
      (i) => [rnd() * 2, 10 ** (rnd() * 70 - 35), rnd() * 1e-30, rnd() * 1e-40][i % 4],
      [
        0,
        -0,
        Infinity,
        -Infinity,
        Number.NaN,
        -1,
        1,
        2,
        0.5,
        Math.SQRT2 * (1 - 2 ** -22), // just below and above √2: the mantissa's two ranges
        Math.SQRT2 * (1 + 2 ** -22),
        1e-45,
        3.4e38,
      ],
    );
  });
});

describe.runIf(disabled)("with QKV_NATIVE=0 (run by the fallback test below)", () => {
  it("loading fails with the reason, initBackend() picks wasm, the test backends are reference and wasm", async () => {
    await expect(loadNativeBackend()).rejects.toThrow(/disabled by QKV_NATIVE=0/);
    expect(await initBackend()).toBe("wasm");
    expect((await loadTestBackends()).map((b) => b.name)).toEqual(["reference", "wasm"]);
  });
});

describe.runIf(!disabled)("fallback without the addon", () => {
  const tsx = join(root, "node_modules/.bin/tsx");
  const cli = (env: Record<string, string>) =>
    spawnSync(tsx, [join(root, "src/cli/main.ts"), "backends"], {
      cwd: root,
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, ...env },
    });

  it("`qkv backends` says why native is absent: disabled, or not built", () => {
    const off = cli({ QKV_NATIVE: "0" });
    expect(off.status, off.stderr).toBe(0);
    expect(off.stdout).toContain("active: wasm");
    expect(off.stdout).toMatch(/native: unavailable: .*disabled by QKV_NATIVE=0/);
    const missing = cli({ QKV_NATIVE_ADDON: join(root, "build", "no-such-addon.node") });
    expect(missing.status, missing.stderr).toBe(0);
    expect(missing.stdout).toContain("active: wasm");
    expect(missing.stdout).toMatch(/native: unavailable: .*addon not found.*`npm rebuild qkv`/);
  });

  it("with QKV_NATIVE=0 the conformance, fused-attention and PyTorch parity suites pass on wasm", () => {
    const r = spawnSync(
      join(root, "node_modules/.bin/vitest"),
      [
        "run",
        "test/kernels/native-backend.test.ts",
        "test/kernels/conformance.test.ts",
        "test/attention/fused.test.ts",
        "test/attention/pytorch-parity.test.ts",
        "test/nn/pytorch-parity.test.ts",
      ],
      {
        cwd: root,
        encoding: "utf8",
        timeout: 300_000,
        env: { ...process.env, QKV_NATIVE: "0", NO_COLOR: "1", FORCE_COLOR: "0" },
      },
    );
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/Test Files\s+5 passed/);
    expect(out).not.toMatch(/'native/);
  }, 320_000);
});
