/**
 * Hostile safetensors headers and checkpoint JSON: prototype keys and dtypes refused, maps keyed by
 * file content have no prototype, and a bounded fast-check fuzz over headers, mutated files and
 * mutated checkpoint JSON — every input either loads or fails with a clear, named error (never a
 * TypeError, a hang or a changed prototype).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/index.js";
import { tensor } from "../../src/tensor/index.js";
import { loadModel, train } from "../../src/train/index.js";

/** A safetensors file from raw header entries (so keys like "__proto__" are written as given). */
function fileOf(entries: [string, unknown][], data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? "null"}`).join(",")}}`;
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

const ok = { dtype: "F32", shape: [1], data_offsets: [0, 4] };
const four = new Uint8Array(4);

describe("safetensors: names and dtypes from the file cannot reach a prototype", () => {
  it("refuses __proto__ / constructor / prototype as tensor names", () => {
    for (const name of ["__proto__", "constructor", "prototype"]) {
      expect(() => decodeSafetensors(fileOf([[name, ok]], four))).toThrow(
        `readSafetensors: the name "${name}" is not allowed as a tensor name`,
      );
    }
  });

  it("refuses prototype names as dtypes, and names the allowed ones", () => {
    for (const dtype of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      expect(() => decodeSafetensors(fileOf([["w", { ...ok, dtype }]], four))).toThrow(
        new RegExp(`tensor "w" has unsupported dtype "${dtype}" \\(one of F64, F32`),
      );
    }
  });

  it("refuses a __metadata__ that is not an object of strings, or holds prototype keys", () => {
    const cases: [unknown, RegExp][] = [
      [["a"], /__metadata__ must be an object mapping strings to strings, got an array/],
      ["x", /__metadata__ must be an object .*got string "x"/],
      [null, /__metadata__ must be an object .*got null/],
      [{ a: 1 }, /"a" is number 1/],
    ];
    for (const [meta, re] of cases) {
      expect(() => decodeSafetensors(fileOf([["__metadata__", meta]]))).toThrow(re);
    }
    const proto = fileOf([]);
    const text = new TextEncoder().encode('{"__metadata__":{"__proto__":"x"}}');
    const bytes = new Uint8Array(8 + text.length);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(text.length), true);
    bytes.set(text, 8);
    expect(proto.length).toBe(10);
    expect(() => decodeSafetensors(bytes)).toThrow(/the key "__proto__" is not allowed in __metadata__/);
  });

  it("returns null-prototype maps", () => {
    const r = decodeSafetensors(encodeSafetensors({ w: tensor([1, 2]) }, { format: "pt" }));
    expect(Object.getPrototypeOf(r.tensors)).toBe(null);
    expect(Object.getPrototypeOf(r.metadata)).toBe(null);
    expect(r.tensors.w.shape).toEqual([2]);
  });

  it("refuses to write reserved names", () => {
    expect(() => encodeSafetensors({ __metadata__: tensor([1]) })).toThrow(/reserved/);
    const t = Object.fromEntries([["constructor", tensor([1])]]);
    expect(() => encodeSafetensors(t)).toThrow(/"constructor" is not allowed/);
  });
});

/** What a decode may do: return well-formed tensors, or throw a readSafetensors error. */
function decodesOrRefuses(bytes: Uint8Array): void {
  let r: ReturnType<typeof decodeSafetensors>;
  try {
    r = decodeSafetensors(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).constructor).toBe(Error); // not a TypeError / RangeError
    expect((e as Error).message).toMatch(/^readSafetensors: /);
    return;
  }
  expect(Object.getPrototypeOf(r.tensors)).toBe(null);
  expect(Object.getPrototypeOf(r.metadata)).toBe(null);
  for (const [name, t] of Object.entries(r.tensors)) {
    expect(["__proto__", "constructor", "prototype", "__metadata__"]).not.toContain(name);
    expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
  }
  for (const v of Object.values(r.metadata)) expect(typeof v).toBe("string");
}

describe("fuzz (fast-check, bounded)", () => {
  const name = fc.oneof(
    fc.constantFrom("__proto__", "constructor", "prototype", "__metadata__", "toString", "w", "b"),
    fc.string({ maxLength: 6 }),
  );
  const dtype = fc.oneof(
    fc.constantFrom("F32", "F64", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL"),
    fc.constantFrom("__proto__", "constructor", "valueOf", "f32", ""),
    fc.jsonValue({ maxDepth: 1 }),
  );
  const smallInt = fc.integer({ min: -2, max: 40 });
  const entry = fc.oneof(
    fc.record({
      dtype,
      shape: fc.oneof(
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
        fc.jsonValue({ maxDepth: 1 }),
      ),
      data_offsets: fc.oneof(fc.tuple(smallInt, smallInt), fc.jsonValue({ maxDepth: 1 })),
    }),
    fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
    fc.jsonValue({ maxDepth: 2 }),
  );

  it("random headers: decode well or refuse with a readSafetensors error", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, entry), { maxLength: 5 }),
        fc.uint8Array({ maxLength: 48 }),
        (entries, data) => decodesOrRefuses(fileOf(entries, data)),
      ),
      { numRuns: 1500, seed: 8 },
    );
  });

  it("random byte mutations of a real file: decode well or refuse", () => {
    const good = encodeSafetensors(
      { a: tensor([1, 2, 3, 4], [2, 2]), b: tensor([5, 6, 7]) },
      { format: "pt", producer: "qkv" },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: good.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.integer({ min: -8, max: 8 }),
        (edits, cut) => {
          const bytes = good.slice(0, cut < 0 ? good.length + cut : good.length);
          for (const [i, b] of edits) if (i < bytes.length) bytes[i] = b;
          decodesOrRefuses(bytes);
        },
      ),
      { numRuns: 1500, seed: 8 },
    );
  });

  describe("checkpoint JSON", () => {
    let dir = "";
    let json: Record<string, unknown> = {};
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "qkv-fuzz-ck-"));
      await train({
        task: "copy",
        taskOptions: { syntheticSize: 16, maxLength: 3, symbols: 5 },
        attention: "luong-general",
        model: { embedDim: 3, hiddenSize: 2 },
        epochs: 1,
        maxSteps: 1,
        validLimit: 2,
        quiet: true,
        outDir: dir,
      });
      json = JSON.parse(readFileSync(join(dir, "last.json"), "utf8"));
    }, 60_000);

    const paths = [
      [],
      ["format"],
      ["version"],
      ["tensors"],
      ["sha256"],
      ["meta"],
      ["meta", "kind"],
      ["meta", "task"],
      ["meta", "config"],
      ["meta", "config", "attention"],
      ["meta", "config", "hiddenSize"],
      ["meta", "config", "embedDim"],
      ["meta", "config", "srcVocabSize"],
      ["meta", "config", "encoderLayers"],
      ["meta", "config", "bidirectional"],
      ["meta", "config", "maxSourceLength"],
      ["meta", "config", "dropout"],
      ["meta", "srcVocab"],
      ["meta", "tgtVocab"],
      ["meta", "tgtVocab", "0"],
      ["meta", "maxTargetLength"],
      ["meta", "taskOptions"],
    ];
    const hostile = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(
        "../../etc/hostname",
        "/dev/zero",
        "last.json",
        ".",
        "__proto__",
        "luong-location",
        "none",
        -1,
        0,
        2 ** 31,
        1e300,
        100000,
        null,
        [],
        {},
      ),
    );

    it("mutated fields: load, or fail with an error naming the checkpoint", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom(...paths), hostile, fc.boolean()), {
            minLength: 1,
            maxLength: 3,
          }),
          async (edits) => {
            let j: unknown = structuredClone(json);
            for (const [path, value, remove] of edits) {
              if (path.length === 0) {
                j = value;
                continue;
              }
              let o = j as Record<string, unknown> | null;
              for (const k of path.slice(0, -1)) {
                o = o && typeof o === "object" ? (o[k] as Record<string, unknown> | null) : null;
              }
              if (!o || typeof o !== "object") continue;
              const last = path[path.length - 1];
              if (remove) delete o[last];
              else o[last] = value;
            }
            writeFileSync(join(dir, "fuzz.json"), JSON.stringify(j) ?? "null");
            try {
              await loadModel(join(dir, "fuzz.json"));
            } catch (e) {
              expect((e as Error).constructor, (e as Error).stack).toBe(Error);
              expect((e as Error).message).toMatch(/^(loadCheckpoint: |checkpoint |Seq2Seq: )/);
            }
          },
        ),
        { numRuns: 300, seed: 8 },
      );
    }, 120_000);
  });
});
