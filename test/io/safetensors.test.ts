/** safetensors: byte-exact layout, round trips, a MultiHeadAttention state dict, and bad files rejected clearly. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/index.js";
import { readSafetensors, writeSafetensors } from "../../src/io/safetensors-file.js";
import { MultiHeadAttention } from "../../src/nn/index.js";
import { manualSeed, randn, tensor } from "../../src/tensor/index.js";

function file(header: object, data: number[] | Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (...xs: number[]) => new Uint8Array(new Float32Array(xs).buffer);

describe("safetensors", () => {
  it("encodes the documented layout (8-byte length, JSON header padded to 8, little-endian F32)", () => {
    const bytes = encodeSafetensors({ b: tensor([3]), a: tensor([1, 2], [1, 2]) }, { format: "pt" });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).toEqual({
      __metadata__: { format: "pt" },
      a: { dtype: "F32", shape: [1, 2], data_offsets: [0, 8] },
      b: { dtype: "F32", shape: [1], data_offsets: [8, 12] },
    });
    expect([...new Float32Array(bytes.slice(8 + n).buffer)]).toEqual([1, 2, 3]);
  });

  it("reads other dtypes as float32 (F64, F16, BF16, I64)", () => {
    const f64 = new Uint8Array(new Float64Array([0.5, -2]).buffer);
    const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000]).buffer); // 1, -2
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0x4040]).buffer); // 1, 3
    const i64 = new Uint8Array(new BigInt64Array([7n, -1n]).buffer);
    const data = new Uint8Array([...f64, ...f16, ...bf16, ...i64]);
    const { tensors } = decodeSafetensors(
      file(
        {
          a: { dtype: "F64", shape: [2], data_offsets: [0, 16] },
          b: { dtype: "F16", shape: [2], data_offsets: [16, 20] },
          c: { dtype: "BF16", shape: [2], data_offsets: [20, 24] },
          d: { dtype: "I64", shape: [2], data_offsets: [24, 40] },
        },
        data,
      ),
    );
    expect([...tensors.a.data]).toEqual([0.5, -2]);
    expect([...tensors.b.data]).toEqual([1, -2]);
    expect([...tensors.c.data]).toEqual([1, 3]);
    expect([...tensors.d.data]).toEqual([7, -1]);
  });

  it("round-trips a MultiHeadAttention state dict through a file, atomically", async () => {
    manualSeed(1);
    const a = new MultiHeadAttention({ embedDim: 8, numHeads: 2, kdim: 6, vdim: 4 });
    const dir = mkdtempSync(join(tmpdir(), "qkv-st-"));
    const path = join(dir, "mha.safetensors");
    await writeSafetensors(path, a.stateDict(), { source: "qkv" });
    expect(readdirSync(dir)).toEqual(["mha.safetensors"]); // no temp file left behind
    manualSeed(2);
    const b = new MultiHeadAttention({ embedDim: 8, numHeads: 2, kdim: 6, vdim: 4 });
    const { tensors, metadata } = await readSafetensors(path);
    expect(metadata).toEqual({ source: "qkv" });
    b.loadStateDict(tensors);
    for (const [name, t] of Object.entries(a.stateDict()))
      expect([...b.stateDict()[name].data]).toEqual([...t.data]);
    const x = randn([3, 1, 8]);
    const y = randn([5, 1, 6]);
    const z = randn([5, 1, 4]);
    expect([...b.forward(x, y, z).output.data]).toEqual([...a.forward(x, y, z).output.data]);
  });

  it("rejects bad files with a clear message", () => {
    const ok = { w: { dtype: "F32", shape: [2], data_offsets: [0, 8] } };
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(4), /too short/],
      [
        (() => {
          const b = new Uint8Array(16);
          new DataView(b.buffer).setBigUint64(0, 10n ** 12n, true);
          return b;
        })(),
        /exceeds the limit/,
      ],
      [
        (() => {
          const b = file(ok, f32(1, 2));
          new DataView(b.buffer).setBigUint64(0, 1000n, true);
          return b;
        })(),
        /runs past the end/,
      ],
      [file(ok, f32(1)), /run past the data section/],
      [file({ w: { dtype: "Q4", shape: [2], data_offsets: [0, 8] } }, f32(1, 2)), /unsupported dtype "Q4"/],
      [
        file({ w: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, f32(1, 2)),
        /needs 12 bytes but data_offsets give 8/,
      ],
      [file({ w: { dtype: "F32", shape: [2], data_offsets: [8, 0] } }, f32(1, 2)), /invalid data_offsets/],
      [file({ w: { dtype: "F32", shape: [-1], data_offsets: [0, 8] } }, f32(1, 2)), /invalid shape/],
      [
        file(
          {
            a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
            b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
          },
          f32(1, 2, 3),
        ),
        /overlaps/,
      ],
      [file({ w: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, f32(1, 2)), /gap in the data section/],
      [file(ok, f32(1, 2, 3)), /trailing bytes/],
      [
        (() => {
          const b = file(ok, f32(1, 2));
          b[9] = 0xff;
          return b;
        })(),
        /not valid UTF-8 JSON/,
      ],
    ];
    for (const [bytes, msg] of cases) expect(() => decodeSafetensors(bytes)).toThrow(msg);
  });

  it("names the file when reading a corrupt one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qkv-st-"));
    const path = join(dir, "bad.safetensors");
    writeFileSync(path, Uint8Array.from([1, 2, 3]));
    await expect(readSafetensors(path)).rejects.toThrow(`(file ${path})`);
    expect(readFileSync(path).length).toBe(3);
  });
});
