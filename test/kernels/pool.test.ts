/**
 * The output pool (src/kernels/pool.ts): slabs are used again only once nothing can reach an array
 * carved from them — subarrays and escaped buffers included — reused memory reads zero where asked,
 * and training on the wasm backend gives the same numbers with the pool on and off.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Adam, crossEntropy, Embedding, Linear, Tensor } from "../../src/index.js";
import { setBackend, setNumThreads } from "../../src/kernels/index.js";
import {
  outputArray,
  outputPoolStats,
  POOL_MAX_OUTPUT,
  PooledArray,
  setOutputPool,
  uninitArray,
} from "../../src/kernels/pool.js";
import { createRng } from "../../src/tensor/random.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
/** Collects garbage and lets the FinalizationRegistry's callbacks run (they run between tasks). */
async function collect(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 0));
  }
}

const LARGEST = POOL_MAX_OUTPUT / 4;

/** Carves (and fills with `value`) until every free slab has been handed out again. */
function drainFree(value: number): void {
  while (outputPoolStats().free > 0) carveFilled(16, value);
  carveFilled(16, value);
}

/** Fills the pool's slabs with `count` arrays of the largest pooled size, each filled with `value`. */
const carveFilled = (count: number, value: number) =>
  Array.from({ length: count }, () => uninitArray(LARGEST).fill(value));

beforeAll(() => setOutputPool(true));
afterAll(async () => {
  setOutputPool(false);
  await setBackend("reference");
});

describe("the output pool", () => {
  it("hands out zero-filled, disjoint arrays; large ones get a buffer of their own", () => {
    const a = outputArray(1000);
    const b = outputArray(1000);
    expect(a).toBeInstanceOf(PooledArray);
    expect([...a].every((v) => v === 0)).toBe(true);
    a.fill(3);
    expect([...b].every((v) => v === 0)).toBe(true);
    expect(a.byteOffset % 64).toBe(0);
    const big = outputArray(LARGEST + 1);
    expect(big).not.toBeInstanceOf(PooledArray);
    expect(big.byteLength).toBe(big.buffer.byteLength);
  });

  it("uses a slab again once its arrays are collected, and zero-fills what must read zero", async () => {
    let held: Float32Array[] | null = carveFilled(48, 7); // three slabs' worth
    expect(held.length).toBe(48);
    held = null;
    await collect();
    const before = outputPoolStats().reused;
    const again = carveFilled(48, 1);
    expect(outputPoolStats().reused).toBeGreaterThan(before);
    const zeroed = outputArray(LARGEST);
    expect(zeroed.every((v) => v === 0)).toBe(true);
    expect(again[0][0]).toBe(1);
  });

  it("keeps a slab while a subarray of one of its arrays lives", async () => {
    let held: Float32Array[] | null = carveFilled(48, 5);
    const sub = held[20].subarray(10, 110);
    held = null;
    await collect();
    const reused = outputPoolStats().reused;
    drainFree(99); // would overwrite `sub` if its slab were handed out again
    expect(outputPoolStats().reused).toBeGreaterThan(reused); // the other slabs did come back
    expect([...sub].every((v) => v === 5)).toBe(true);
  });

  it("never reuses a slab whose buffer was read", async () => {
    const escaped = outputPoolStats().escaped;
    // The alias holds the slab's ArrayBuffer, not the pooled array: nothing but `.buffer` tells the pool.
    const alias = (() => {
      const held = carveFilled(48, 4);
      return new Float32Array(held[30].buffer, held[30].byteOffset, 100);
    })();
    expect(outputPoolStats().escaped).toBe(escaped + 1);
    await collect();
    const reused = outputPoolStats().reused;
    drainFree(42);
    expect(outputPoolStats().reused).toBeGreaterThan(reused);
    expect([...alias].every((v) => v === 4)).toBe(true);
  });
});

describe("training with the pool", () => {
  it("gives the same losses on the wasm backend with the pool on and off", async () => {
    await setBackend("wasm");
    await setNumThreads(1);
    const run = async (pool: boolean) => {
      setOutputPool(pool);
      const rng = createRng(3);
      const emb = new Embedding(20, 48);
      const out = new Linear(48, 20);
      for (const p of [...emb.parameters(), ...out.parameters()])
        for (let i = 0; i < p.data.length; i++) p.data[i] = (rng() - 0.5) * 0.4;
      const opt = new Adam([...emb.parameters(), ...out.parameters()], { lr: 0.01 });
      const ids = Array.from({ length: 64 }, (_, i) => (i * 7) % 20);
      const target = new Tensor(
        Float32Array.from(ids, (v) => (v + 1) % 20),
        [64],
      );
      const losses: number[] = [];
      for (let s = 0; s < 30; s++) {
        opt.zeroGrad();
        const loss = crossEntropy(out.forward(emb.forward(ids)), target);
        loss.backward();
        opt.step();
        losses.push(loss.item());
        await collect(); // slabs come back between steps, as in the page's worker
      }
      return losses;
    };
    const off = await run(false);
    const reused = outputPoolStats().reused;
    const on = await run(true);
    expect(outputPoolStats().reused).toBeGreaterThan(reused);
    expect(on).toEqual(off);
    expect(off[29]).toBeLessThan(off[0]);
  });
});
