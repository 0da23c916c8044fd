/**
 * The output pool: kernel outputs are carved from 1 MiB slabs that are used again once every array
 * carved from them has been garbage-collected, instead of a fresh ArrayBuffer per output.
 *
 * Why: fresh memory is slow. On this machine a new 8–64 KiB Float32Array costs ≈ 0.4–0.7 ms per MiB
 * (allocation, zeroing, first-touch page faults, the collector's external-memory accounting) in
 * Node and in Chromium, against ≈ 0.02–0.04 ms per MiB to write memory already in use; a training
 * step of a small model makes hundreds of such outputs (the explorer's reversal step ≈ 800, 10–20 MiB).
 *
 * Safety: a slab is handed out again only when no array into it can be reached.
 *   - Each output is a `PooledArray` (a Float32Array subclass) registered with a FinalizationRegistry;
 *     a slab counts its live arrays, and is free when the count is 0 and the slab is full.
 *   - `subarray()` of a pooled array is registered with the same slab (views of views keep it alive).
 *   - Reading `.buffer` (what `new DataView(a.buffer)`, `new Uint8Array(a.buffer, …)` or a transfer
 *     list need) marks the slab escaped: it is never used again and the collector frees it as usual.
 *   - Finalization callbacks run only between tasks (after an `await` that yields to the event loop),
 *     so a synchronous loop sees no slab come back: after `POOL_SLABS` slabs the pool stops growing
 *     and later outputs come from slabs of their own (collected as usual), never more memory than that.
 * Reused memory is zero-filled where an output is asked for zeroed (`outputArray`); `uninitArray` is
 * for callers that write every element. Outputs over `POOL_MAX_OUTPUT` bytes get their own buffer.
 * A pooled array sent by `postMessage` is cloned with its whole slab (structured cloning copies a
 * view's buffer), so messages should carry copies (`.slice()`) of small results.
 */

/** Bytes per slab. */
export const SLAB_BYTES = 1 << 20;
/** Outputs up to this many bytes come from slabs. */
export const POOL_MAX_OUTPUT = 1 << 18;
/** The most slabs the pool keeps for use again (POOL_SLABS MiB). */
export const POOL_SLABS = 128;
/** Arrays start on 64-byte boundaries (a cache line; SIMD loads stay aligned). */
const ALIGN = 64;

interface Slab {
  readonly bytes: ArrayBuffer;
  /** Arrays carved from this slab that may still be reachable. */
  live: number;
  /** No more arrays are carved from it (until it is free again). */
  full: boolean;
  /** Its ArrayBuffer was handed out (`.buffer`): never used again. */
  escaped: boolean;
  /** Used before: carved arrays that must read zero are zero-filled. */
  dirty: boolean;
  /** Part of the pool (else a one-off slab past POOL_SLABS, not tracked). */
  readonly pooled: boolean;
}

const stats = { slabs: 0, reused: 0, unpooled: 0, escaped: 0 };
const free: Slab[] = [];
let pooledSlabs = 0;
let current: Slab | null = null;
let top = SLAB_BYTES;
/**
 * On by default in browsers, off in Node: measured on the explorer's reversal step (wasm, 1 thread),
 * the pool took Chromium's step from 15.5 to 10.8–13 ms at batch 32 and from 29.7 to 18–21 ms at
 * batch 64, but made Node's 5–10 % slower (Node's allocator hands freed memory back warm, and the
 * registry and the subclass cost more than they save there).
 */
let enabled = typeof process === "undefined" || !(process as { versions?: { node?: string } }).versions?.node;

function release(s: Slab): void {
  s.live--;
  if (s.live === 0 && s.full && !s.escaped) free.push(s);
}

const registry = new FinalizationRegistry<Slab>(release);

/** A Float32Array carved from a slab of the output pool (see the file's comment). */
export class PooledArray extends Float32Array {
  /** The slab this array was carved from (null for arrays the subclass's own methods made). */
  slab: Slab | null = null;

  override get buffer(): ArrayBuffer {
    const s = this.slab;
    if (s && !s.escaped) {
      s.escaped = true;
      stats.escaped++;
      if (s.pooled) pooledSlabs--;
      if (s === current) current = null;
    }
    return super.buffer as ArrayBuffer;
  }

  override subarray(begin?: number, end?: number): Float32Array<ArrayBuffer> {
    const v = super.subarray(begin, end) as PooledArray;
    const s = this.slab;
    if (s?.pooled && !s.escaped) {
      v.slab = s;
      s.live++;
      registry.register(v, s);
    }
    return v as unknown as Float32Array<ArrayBuffer>;
  }
}

function nextSlab(): void {
  if (current) {
    current.full = true;
    if (current.live === 0 && current.pooled && !current.escaped) free.push(current);
  }
  let s = free.pop();
  if (s) {
    s.full = false;
    s.dirty = true;
    stats.reused++;
  } else {
    const pooled = pooledSlabs < POOL_SLABS;
    if (pooled) pooledSlabs++;
    else stats.unpooled++;
    stats.slabs++;
    s = { bytes: new ArrayBuffer(SLAB_BYTES), live: 0, full: false, escaped: false, dirty: false, pooled };
  }
  current = s;
  top = 0;
}

function carve(n: number, zero: boolean): Float32Array {
  const bytes = n * 4;
  if (!enabled || bytes > POOL_MAX_OUTPUT || bytes === 0) return new Float32Array(n);
  if (current === null || top + bytes > SLAB_BYTES) nextSlab();
  const s = current as Slab;
  const out = new PooledArray(s.bytes, top, n);
  top = (top + bytes + ALIGN - 1) & ~(ALIGN - 1);
  if (s.pooled) {
    out.slab = s;
    s.live++;
    registry.register(out, s);
  }
  if (zero && s.dirty) out.fill(0);
  return out;
}

/** A zero-filled float array of `n` elements for a kernel's output (pooled when small). */
export function outputArray(n: number): Float32Array {
  return carve(n, true);
}

/** A float array of `n` elements whose contents are unspecified: the caller writes every element. */
export function uninitArray(n: number): Float32Array {
  return carve(n, false);
}

/**
 * Turns the pool on or off (by default on in browsers, off in Node). Off, every output is a
 * Float32Array of its own; the numbers are the same either way.
 */
export function setOutputPool(on: boolean): void {
  enabled = on;
}

/** Counters: slabs made (pooled and not), slabs used again, slabs whose buffer escaped. */
export function outputPoolStats(): {
  slabs: number;
  pooled: number;
  free: number;
  reused: number;
  unpooled: number;
  escaped: number;
} {
  return { ...stats, pooled: pooledSlabs, free: free.length };
}
