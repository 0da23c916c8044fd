/**
 * Worker threads for the wasm kernels: Node's worker_threads, or Web Workers in a browser context that
 * may block (a dedicated Worker of a cross-origin isolated page). Every worker instantiates the same
 * module on the same shared WebAssembly.Memory and sleeps on a control word. The kernel contract is
 * synchronous, so a job runs like this: the calling thread writes the job into the control block, wakes
 * the workers (Atomics.notify), does its own share, then blocks (Atomics.wait) until they are done.
 * Threads take tasks from a counter in the job's argument block (atomic.add in wasm), so uneven tasks
 * (causal attention) balance themselves.
 *
 * Where that cannot work the kernels run on one thread, and `threadSupport()` says why: a page's main
 * thread may not block on Atomics.wait, and a page that is not cross-origin isolated (COOP
 * same-origin + COEP require-corp) has no SharedArrayBuffer.
 */

/** Int32 slots of the control block. */
export const CTL = { SEQ: 0, DONE: 1, JOB: 2, ARGS: 3, NT: 4, ERROR: 5, QUIT: 6 } as const;
export const CTL_SLOTS = 16;

/** Spins before sleeping: a job posted within a few microseconds wakes a worker without a syscall. */
const SPIN = 2000;

/**
 * The worker's loop, the same in Node and in browsers: `start` (statements) defines module, memory,
 * ctlPtr, tid and jobs from the start message, and `ready()`, which tells the pool the worker listens.
 */
const workerLoop = (start: string) => `
${start}
const instance = new WebAssembly.Instance(module, { env: { memory } });
const fns = jobs.map((name) => instance.exports[name]);
const ctl = new Int32Array(memory.buffer, ctlPtr, ${CTL_SLOTS});
let seen = Atomics.load(ctl, ${CTL.SEQ});
ready();
for (;;) {
  for (let i = 0; i < ${SPIN} && Atomics.load(ctl, ${CTL.SEQ}) === seen; i++);
  Atomics.wait(ctl, ${CTL.SEQ}, seen);
  seen = Atomics.load(ctl, ${CTL.SEQ});
  if (Atomics.load(ctl, ${CTL.QUIT}) !== 0) break;
  const nt = ctl[${CTL.NT}];
  if (tid >= nt) continue;
  try {
    fns[ctl[${CTL.JOB}]](ctl[${CTL.ARGS}], tid, nt);
  } catch (err) {
    Atomics.store(ctl, ${CTL.ERROR}, 1);
  }
  Atomics.add(ctl, ${CTL.DONE}, 1);
  Atomics.notify(ctl, ${CTL.DONE});
}
`;

// Node: CommonJS, `eval: true` (no file paths needed); the start message is workerData.
const NODE_WORKER_SOURCE = workerLoop(`
const { workerData, parentPort } = require("node:worker_threads");
const { module, memory, ctlPtr, tid, jobs } = workerData;
const ready = () => parentPort.postMessage("ready");
`);

// Browsers: a classic worker from a Blob URL; the start message is the first message posted to it.
const WEB_WORKER_SOURCE = `
self.onmessage = (event) => {
  self.onmessage = null;
  ${workerLoop(`
const { module, memory, ctlPtr, tid, jobs } = event.data;
const ready = () => self.postMessage("ready");
`)}
};
`;

/** Whether the wasm kernels can run on several threads here, and why (or why not). */
export interface ThreadSupport {
  /** True where a worker pool can be made: shared memory, workers, and a thread that may block. */
  available: boolean;
  /** A sentence a page or a log can show. */
  reason: string;
}

const isNode = () => typeof process !== "undefined" && !!process.versions?.node;

/** True where this thread may block on Atomics.wait (false on a page's main thread). */
function mayBlock(): boolean {
  try {
    // Value 1 ≠ 0: returns "not-equal" at once where blocking is allowed, throws where it is not.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether this context can run the wasm kernels on several threads (see ThreadSupport). */
export function threadSupport(): ThreadSupport {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  if (isNode()) {
    return typeof SharedArrayBuffer === "undefined"
      ? { available: false, reason: "this Node has no SharedArrayBuffer" }
      : { available: true, reason: "Node worker_threads on a shared WebAssembly.Memory" };
  }
  if (typeof SharedArrayBuffer === "undefined" || g.crossOriginIsolated === false) {
    return {
      available: false,
      reason:
        "not cross-origin isolated, so no shared memory (serve with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)",
    };
  }
  if (typeof g.Worker !== "function") {
    return { available: false, reason: "no Worker constructor in this context" };
  }
  if (!mayBlock()) {
    return {
      available: false,
      reason:
        "this is a page's main thread, which may not block on Atomics.wait (run qkv in a dedicated Worker for threads)",
    };
  }
  return {
    available: true,
    reason: "Web Workers on a shared WebAssembly.Memory (a dedicated worker of a cross-origin isolated page)",
  };
}

/** One started worker, whichever kind. */
interface PoolWorker {
  /** Resolves once the worker listens on the control word. */
  ready: Promise<void>;
  /** Lets the process exit while the worker sleeps (Node; nothing in browsers). */
  unref(): void;
  terminate(): Promise<unknown> | undefined;
}

interface StartMessage {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctlPtr: number;
  tid: number;
  jobs: readonly string[];
}

type Spawn = (start: StartMessage) => PoolWorker;

interface NodeWorker {
  once(event: "message" | "error", fn: (v: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}

async function nodeSpawner(): Promise<Spawn> {
  const spec = "node:worker_threads";
  const wt = (await import(/* @vite-ignore */ spec)) as {
    Worker: new (src: string, opts: object) => NodeWorker;
  };
  return (start) => {
    const w = new wt.Worker(NODE_WORKER_SOURCE, { eval: true, workerData: start });
    const ready = new Promise<void>((resolve, reject) => {
      w.once("message", () => resolve());
      w.once("error", (e) => reject(e));
    });
    return { ready, unref: () => w.unref(), terminate: () => w.terminate() };
  };
}

interface WebWorker {
  postMessage(m: unknown): void;
  terminate(): void;
  onmessage: ((e: unknown) => void) | null;
  onerror: ((e: { message?: string; preventDefault?(): void }) => void) | null;
}

function webSpawner(): Spawn {
  const g = globalThis as unknown as { Worker: new (url: string, opts?: object) => WebWorker };
  const url = URL.createObjectURL(new Blob([WEB_WORKER_SOURCE], { type: "text/javascript" }));
  return (start) => {
    const w = new g.Worker(url, { name: `qkv-wasm-${start.tid}` });
    const ready = new Promise<void>((resolve, reject) => {
      w.onmessage = () => resolve();
      w.onerror = (e) => {
        e.preventDefault?.();
        reject(
          new Error(`wasm: worker thread ${start.tid} failed to start: ${e.message ?? "unknown error"}`),
        );
      };
    });
    w.postMessage(start);
    return {
      ready,
      unref: () => {},
      terminate: () => {
        w.terminate();
        return undefined;
      },
    };
  };
}

/** A pool of workers sharing `memory`; `size` counts ready workers (the calling thread is not one). */
export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private ready = 0;
  private pending: Promise<void> = Promise.resolve();

  private constructor(
    private readonly spawn: Spawn,
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly ctlPtr: number,
    private readonly jobs: readonly string[],
    private readonly ctl: Int32Array,
  ) {}

  /** A pool, or null where threads are unavailable here (`threadSupport()` says why). */
  static async create(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    ctlPtr: number,
    jobs: readonly string[],
  ): Promise<WorkerPool | null> {
    if (!threadSupport().available) return null;
    if (!(memory.buffer instanceof SharedArrayBuffer)) return null;
    try {
      const spawn = isNode() ? await nodeSpawner() : webSpawner();
      const ctl = new Int32Array(memory.buffer, ctlPtr, CTL_SLOTS);
      return new WorkerPool(spawn, module, memory, ctlPtr, jobs, ctl);
    } catch {
      return null;
    }
  }

  /** Number of workers ready to take jobs. */
  get size(): number {
    return this.ready;
  }

  /** Grows the pool to `n` workers (never shrinks; idle workers sleep and do not keep Node alive). */
  ensure(n: number): Promise<void> {
    this.pending = this.pending.then(async () => {
      const starting: Promise<void>[] = [];
      while (this.workers.length < n) {
        const tid = this.workers.length + 1;
        const w = this.spawn({
          module: this.module,
          memory: this.memory,
          ctlPtr: this.ctlPtr,
          tid,
          jobs: this.jobs,
        });
        this.workers.push(w);
        starting.push(w.ready);
      }
      try {
        await Promise.all(starting);
      } catch (err) {
        // A worker that did not start is dropped with the others started in this call.
        const failed = this.workers.splice(this.ready);
        await Promise.all(failed.map((w) => w.terminate()));
        throw err;
      }
      for (const w of this.workers) w.unref();
      this.ready = this.workers.length;
    });
    const done = this.pending;
    this.pending = this.pending.catch(() => {});
    return done;
  }

  /**
   * Runs `fn` (the calling thread's share, tid 0) alongside job `job` on workers 1 … nt−1, and returns
   * when all are done.
   */
  run(job: number, args: number, nt: number, fn: () => void): void {
    const c = this.ctl;
    c[CTL.JOB] = job;
    c[CTL.ARGS] = args;
    c[CTL.NT] = nt;
    Atomics.store(c, CTL.ERROR, 0);
    Atomics.store(c, CTL.DONE, 0);
    Atomics.add(c, CTL.SEQ, 1);
    Atomics.notify(c, CTL.SEQ);
    let failure: unknown = null;
    try {
      fn();
    } catch (err) {
      failure = err;
    }
    for (;;) {
      const done = Atomics.load(c, CTL.DONE);
      if (done >= nt - 1) break;
      let spun = false;
      for (let i = 0; i < SPIN; i++) {
        if (Atomics.load(c, CTL.DONE) !== done) {
          spun = true;
          break;
        }
      }
      if (!spun) Atomics.wait(c, CTL.DONE, done);
    }
    if (failure) throw failure;
    if (Atomics.load(c, CTL.ERROR) !== 0)
      throw new Error("wasm: a worker thread failed while running a kernel");
  }

  /** Stops every worker (tests; the pool is unusable afterwards). */
  async terminate(): Promise<void> {
    await this.pending;
    Atomics.store(this.ctl, CTL.QUIT, 1);
    Atomics.add(this.ctl, CTL.SEQ, 1);
    Atomics.notify(this.ctl, CTL.SEQ);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
    this.ready = 0;
  }
}
