/**
 * safetensors headers with too many entries or huge names (issue 20): 10⁶ empty tensors took 36 s and
 * 1.5 GB to load and failed with a 10.9 MB message. The entry count is capped (MAX_TENSORS) before any
 * tensor is built, and no message about a file's content is longer than about 1,000 characters.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/index.js";
import { MAX_TENSORS } from "../../src/io/safetensors.js";
import { readSafetensorsBytes } from "../../src/io/safetensors-file.js";
import { tensor } from "../../src/tensor/index.js";

function fileOf(header: string, data = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** A header of `n` empty F32 tensors (what the audit crafted with n = 10⁶). */
function emptyTensors(n: number): Uint8Array {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
  return fileOf(`{${parts.join(",")}}`);
}

describe("safetensors: bounded headers", () => {
  it(`refuses more than ${MAX_TENSORS} tensors before building one, with a short message`, () => {
    let msg = "";
    try {
      decodeSafetensors(emptyTensors(MAX_TENSORS + 1));
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toBe(`readSafetensors: header lists more than the limit of ${MAX_TENSORS} tensors`);
  });

  it("a file of 10⁶ empty tensors is refused by the reader, from its header bytes (no JSON parse)", async () => {
    const d = mkdtempSync(join(tmpdir(), "qkv-st-"));
    try {
      const f = join(d, "million.safetensors");
      writeFileSync(f, emptyTensors(1_000_000));
      await expect(readSafetensorsBytes(f)).rejects.toThrow(
        `readSafetensors: header lists more than the limit of ${MAX_TENSORS} tensors (file ${f})`,
      );
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it(`loads exactly ${MAX_TENSORS} tensors (and __metadata__ does not count)`, () => {
    const bytes = emptyTensors(MAX_TENSORS);
    expect(Object.keys(decodeSafetensors(bytes).tensors)).toHaveLength(MAX_TENSORS);
  });

  it("a huge tensor name or shape gives a message of at most ~1,000 characters", () => {
    const name = "x".repeat(5_000_000);
    const long = fileOf(`{${JSON.stringify(name)}:{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}`);
    const shape = fileOf(
      `{"w":{"dtype":"F32","shape":[${Array(1_000_000).fill(-1).join(",")}],"data_offsets":[0,4]}}`,
    );
    for (const bytes of [long, shape]) {
      let msg = "";
      try {
        decodeSafetensors(bytes);
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toMatch(/^readSafetensors: /);
      expect(msg.length).toBeLessThan(1100);
    }
  });

  it("reports each tensor's dtype in the file", () => {
    const i32 = new Uint8Array(new Int32Array([7]).buffer);
    const f = fileOf('{"a":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}', i32);
    const r = decodeSafetensors(f);
    expect(r.dtypes.a).toBe("I32");
    expect(r.tensors.a.data[0]).toBe(7);
    expect(decodeSafetensors(encodeSafetensors({ w: tensor([1, 2]) })).dtypes.w).toBe("F32");
  });
});
