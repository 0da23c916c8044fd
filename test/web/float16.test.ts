/**
 * The page's models in float16 (web/src/float16.ts, served by web/vite.config.ts's `servedCheckpoint`):
 *   - the conversion rounds to the nearest half, ties to even, and refuses what a half cannot hold;
 *   - every weight the page decodes (the package's safetensors reader) is the float32 weight rounded:
 *     |w16 − w32| ≤ 2^−11 |w32| (normal halves) or ≤ 2^−25 (subnormal), half the bytes;
 *   - on the gold sentences (gold/en-hi: the lesson, dev, every 4th test sentence), each bundled model
 *     translates exactly as in float32 (the same tokens), and every attention map — the LSTM's cross map,
 *     the Transformer's encoder self, decoder self and cross maps of every layer and head — differs from
 *     float32's by at most MAP_TOLERANCE.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, setNumThreads } from "../../src/index.js";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.js";
import { tensor } from "../../src/tensor/index.js";
import {
  type CheckpointJson,
  seq2seqFromCheckpoint,
  transformerFromCheckpoint,
} from "../../web/src/checkpoint.js";
import {
  encodeFloat16Safetensors,
  FLOAT16_MAX,
  float16BitsToFloat32,
  float16FileName,
  float32ToFloat16Bits,
  widenFloat16Safetensors,
} from "../../web/src/float16.js";
import { translateWithAttention } from "../../web/src/lesson.js";
import { translateTransformer } from "../../web/src/transformer.js";
import { servedCheckpoint } from "../../web/vite.config.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The largest difference allowed between an attention weight in float16 storage and in float32. */
const MAP_TOLERANCE = 2e-3;

const f32 = (x: number) => Math.fround(x);

describe("float32 → float16 (web/src/float16.ts)", () => {
  it("every half round-trips; values between two halves go to the nearer, ties to the even one", () => {
    for (let h = 0; h < 0x10000; h++) {
      const x = float16BitsToFloat32(h);
      if (Number.isNaN(x)) continue;
      expect(float32ToFloat16Bits(x)).toBe(h);
    }
    // 1 + 2^−11 is halfway between 1 (0x3c00, even) and 1 + 2^−10 (0x3c01): ties to even.
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float32ToFloat16Bits(f32(1 + 2 ** -11 + 2 ** -20))).toBe(0x3c01);
    // Subnormals: 2^−24 is the smallest; 2^−25 ties to 0 (even), just above it rounds up.
    expect(float32ToFloat16Bits(2 ** -24)).toBe(1);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0);
    expect(float32ToFloat16Bits(f32(2 ** -25 * 1.0001))).toBe(1);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(FLOAT16_MAX)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // rounds past the largest half
    // Random float32s: the chosen half is no farther than either neighbouring half.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    for (let i = 0; i < 20_000; i++) {
      const x = f32(rand() * 2 ** Math.round(rand() * 15)); // |x| < 2^15: finite halves
      const h = float32ToFloat16Bits(x);
      const err = Math.abs(float16BitsToFloat32(h) - x);
      for (const n of [h - 1, h + 1]) {
        if ((n & 0x7fff) >= 0x7c00 || n < 0 || (n & 0x7fff) === 0x7fff) continue;
        if (Math.sign(float16BitsToFloat32(n)) !== Math.sign(float16BitsToFloat32(h))) continue;
        expect(err).toBeLessThanOrEqual(Math.abs(float16BitsToFloat32(n) - x));
      }
    }
  });

  it("writes safetensors the package reads back as the rounded values; refuses what a half cannot hold", () => {
    const w = { shape: [2, 3], data: new Float32Array([0.1, -2.5, 1e-6, 3e-8, 65504, -0]) };
    const bytes = encodeFloat16Safetensors({ w, b: { shape: [1], data: new Float32Array([7]) } }, { k: "v" });
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ k: "v" });
    expect(back.tensors.w.shape).toEqual([2, 3]);
    expect(Array.from(back.tensors.w.data)).toEqual(
      Array.from(w.data, (x) => float16BitsToFloat32(float32ToFloat16Bits(x))),
    );
    expect(Array.from(back.tensors.b.data)).toEqual([7]);
    expect((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8).toBe(0);
    for (const bad of [70000, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() =>
        encodeFloat16Safetensors({ "enc.w": { shape: [2], data: new Float32Array([1, bad]) } }),
      ).toThrow(/tensor "enc.w" holds .* at index 1, not storable as float16/);
    }
    expect(() => encodeFloat16Safetensors({ w: { shape: [3], data: new Float32Array(2) } })).toThrow(
      /shape \[3\] \(3 values\) but 2 values/,
    );
    expect(float16FileName("best.safetensors")).toBe("best.f16.safetensors");
    expect(() => float16FileName("best.bin")).toThrow(/not a .safetensors/);
  });

  it("the page's widening gives the reader's F16 values exactly; other files are left to the reader", () => {
    const w = { shape: [2, 3], data: new Float32Array([0.1, -2.5, 1e-6, 3e-8, 65504, -0]) };
    const half = encodeFloat16Safetensors(
      { w, b: { shape: [3], data: new Float32Array([7, 8, 9]) } },
      { k: "v" },
    );
    const wide = widenFloat16Safetensors(half);
    expect(wide.byteLength).toBeGreaterThan(half.byteLength);
    const a = decodeSafetensors(half);
    const b = decodeSafetensors(wide);
    expect(b.metadata).toEqual({ k: "v" });
    for (const k of ["w", "b"]) {
      expect(b.tensors[k].shape).toEqual(a.tensors[k].shape);
      expect(Array.from(b.tensors[k].data)).toEqual(Array.from(a.tensors[k].data));
    }
    const f32 = encodeSafetensors({ w: tensor([1, 2]) });
    expect(widenFloat16Safetensors(f32)).toBe(f32); // no F16: as it is
    // A broken F16 file is not "repaired": the reader still refuses it, naming the F16 tensor.
    const broken = half.slice(0, half.byteLength - 2);
    expect(widenFloat16Safetensors(broken)).toBe(broken);
    expect(() => decodeSafetensors(widenFloat16Safetensors(broken))).toThrow(/readSafetensors/);
  });

  it("the served checkpoint refuses a float32 file that is not its JSON's", () => {
    const dir = mkdtempSync(join(tmpdir(), "qkv-f16-"));
    try {
      const bytes = encodeSafetensors({ w: tensor([1, 2]) });
      writeFileSync(join(dir, "best.safetensors"), bytes);
      writeFileSync(
        join(dir, "best.json"),
        JSON.stringify({ tensors: "best.safetensors", sha256: "0".repeat(64) }),
      );
      expect(() => servedCheckpoint(dir)).toThrow(/does not belong to .*best.json \(sha256/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const BUNDLED = ["en-hi", "en-hi-none", "en-hi-transformer"].filter((n) =>
  existsSync(join(ROOT, "pretrained", n, "best.json")),
);

describe.skipIf(BUNDLED.length === 0)("the bundled models in float16, as the page is served them", () => {
  const lines = (f: string) =>
    readFileSync(join(ROOT, "gold/en-hi", f), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "");
  const sentences = [
    ...lines("lesson.en"),
    ...lines("dev.en"),
    ...lines("test.en").filter((_, i) => i % 4 === 0),
  ];

  beforeAll(async () => {
    await setNumThreads(1); // the page's configuration
    await initBackend();
  });

  /** The model folder's float32 checkpoint and the served float16 one. */
  function both(name: string) {
    const dir = join(ROOT, "pretrained", name);
    const json = JSON.parse(readFileSync(join(dir, "best.json"), "utf8")) as CheckpointJson;
    const bytes = new Uint8Array(readFileSync(join(dir, json.tensors)));
    const s = servedCheckpoint(dir);
    const half = s.files.get(s.json.tensors);
    if (!half) throw new Error(`no ${s.json.tensors}`);
    return { json, bytes, halfJson: s.json as unknown as CheckpointJson, half };
  }

  it.each(BUNDLED)("%s: every weight is its float32 value rounded to a half; half the bytes", (name) => {
    const { bytes, half, halfJson } = both(name);
    expect(halfJson.tensors).toBe("best.f16.safetensors");
    const a = decodeSafetensors(bytes).tensors;
    const b = decodeSafetensors(half).tensors;
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    let worstRel = 0;
    for (const [k, t] of Object.entries(a)) {
      expect(b[k].shape).toEqual(t.shape);
      const d = t.data;
      const e = b[k].data;
      for (let i = 0; i < d.length; i++) {
        const err = Math.abs(e[i] - d[i]);
        if (Math.abs(d[i]) >= 2 ** -14) worstRel = Math.max(worstRel, err / Math.abs(d[i]));
        else expect(err).toBeLessThanOrEqual(2 ** -25);
      }
    }
    expect(worstRel).toBeLessThanOrEqual(2 ** -11);
    // The page's path (widened by table look-up, then the reader) gives the same values, bit for bit.
    const t0 = performance.now();
    const c = decodeSafetensors(widenFloat16Safetensors(half)).tensors;
    const widenMs = performance.now() - t0;
    let unequal = 0;
    for (const [k, t] of Object.entries(b)) {
      expect(c[k].shape).toEqual(t.shape);
      for (let i = 0; i < t.data.length; i++) if (!Object.is(c[k].data[i], t.data[i])) unequal++;
    }
    expect(unequal).toBe(0);
    expect(half.byteLength / bytes.byteLength).toBeLessThan(0.51);
    console.log(
      `${name}: ${bytes.byteLength} → ${half.byteLength} bytes; largest relative rounding ${worstRel.toExponential(2)}; widened and read in ${widenMs.toFixed(0)} ms`,
    );
  });

  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    expect(a.length).toBe(b.length);
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  };

  it.each(BUNDLED.filter((n) => n !== "en-hi-transformer"))(
    "%s: the same translations as float32, attention maps within MAP_TOLERANCE",
    async (name) => {
      const { json, bytes, halfJson, half } = both(name);
      const a = await seq2seqFromCheckpoint(json, bytes);
      const b = await seq2seqFromCheckpoint(halfJson, half);
      let worst = 0;
      for (const s of sentences) {
        const x = translateWithAttention(a, s);
        const y = translateWithAttention(b, s);
        expect(y.outTokens, s).toEqual(x.outTokens);
        expect(y.weights.length).toBe(x.weights.length);
        x.weights.forEach((row, t) => {
          worst = Math.max(worst, maxDiff(row, y.weights[t]));
        });
      }
      console.log(
        `${name}: ${sentences.length} sentences translated alike; largest map difference ${worst.toExponential(2)}`,
      );
      expect(worst).toBeLessThanOrEqual(MAP_TOLERANCE);
    },
    120_000,
  );

  it.skipIf(!BUNDLED.includes("en-hi-transformer"))(
    "en-hi-transformer: the same translations, every layer's and head's maps within MAP_TOLERANCE",
    async () => {
      const { json, bytes, halfJson, half } = both("en-hi-transformer");
      const a = await transformerFromCheckpoint(json as never, bytes);
      const b = await transformerFromCheckpoint(halfJson as never, half);
      let worst = 0;
      for (const s of sentences) {
        const x = translateTransformer(a, s);
        const y = translateTransformer(b, s);
        expect(y.outTokens, s).toEqual(x.outTokens);
        for (const k of ["encoderWeights", "decoderSelfWeights", "crossWeights"] as const) {
          expect(y[k].length).toBe(x[k].length);
          x[k].forEach((t, l) => {
            expect(y[k][l].shape).toEqual(t.shape);
            worst = Math.max(worst, maxDiff(t.data, y[k][l].data));
          });
        }
      }
      console.log(
        `en-hi-transformer: ${sentences.length} sentences translated alike; largest map difference ${worst.toExponential(2)}`,
      );
      expect(worst).toBeLessThanOrEqual(MAP_TOLERANCE);
    },
    120_000,
  );
});
