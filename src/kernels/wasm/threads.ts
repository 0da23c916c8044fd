/**
 * Worker threads for the wasm kernels (Node only). Every worker instantiates the same module on the
 * same shared WebAssembly.Memory and sleeps on a control word. The kernel contract is synchronous,
 * so a job runs like this: the main thread writes the job into the control block, wakes the
 * workers (Atomics.notify), does its own share, then blocks (Atomics.wait) until they are done.
 * Threads take tasks from a counter in the job's argument block (atomic.add in wasm), so uneven
 * tasks (causal attention) balance themselves.
 *
 * In browsers (no worker_threads, and the main thread may not block) the kernels run on one thread.
 */

/** Int32 slots of the control block. */
export const CTL = { SEQ: 0, DONE: 1, JOB: 2, ARGS: 3, NT: 4, ERROR: 5, QUIT: 6 } as const;
export const CTL_SLOTS = 16;

/** Spins before sleeping: a job posted within a few microseconds wakes a worker without a syscall. */
const SPIN = 2000;

// Runs in each worker (CommonJS, `eval: true`): no file paths needed.
const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const { module, memory, ctlPtr, tid, jobs } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
const fns = jobs.map((name) => instance.exports[name]);
const ctl = new Int32Array(memory.buffer, ctlPtr, ${CTL_SLOTS});
let seen = Atomics.load(ctl, ${CTL.SEQ});
parentPort.postMessage("ready");
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

interface NodeWorker {
  once(event: "message" | "error", fn: (v: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}

/** A pool of workers sharing `memory`; `size` counts ready workers (the main thread is not one). */
export class WorkerPool {
  private readonly workers: NodeWorker[] = [];
  private ready = 0;
  private pending: Promise<void> = Promise.resolve();

  private constructor(
    private readonly WorkerCtor: new (src: string, opts: object) => NodeWorker,
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly ctlPtr: number,
    private readonly jobs: readonly string[],
    private readonly ctl: Int32Array,
  ) {}

  /** A pool, or null where worker threads or shared memory are unavailable. */
  static async create(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    ctlPtr: number,
    jobs: readonly string[],
  ): Promise<WorkerPool | null> {
    if (typeof process === "undefined" || !process.versions?.node) return null;
    if (!(memory.buffer instanceof SharedArrayBuffer)) return null;
    try {
      const spec = "node:worker_threads";
      const wt = (await import(/* @vite-ignore */ spec)) as {
        Worker: new (src: string, opts: object) => NodeWorker;
      };
      const ctl = new Int32Array(memory.buffer, ctlPtr, CTL_SLOTS);
      return new WorkerPool(wt.Worker, module, memory, ctlPtr, jobs, ctl);
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
        const w = new this.WorkerCtor(WORKER_SOURCE, {
          eval: true,
          workerData: { module: this.module, memory: this.memory, ctlPtr: this.ctlPtr, tid, jobs: this.jobs },
        });
        this.workers.push(w);
        starting.push(
          new Promise<void>((resolve, reject) => {
            w.once("message", () => resolve());
            w.once("error", (e) => reject(e));
          }),
        );
      }
      await Promise.all(starting);
      for (const w of this.workers) w.unref();
      this.ready = this.workers.length;
    });
    return this.pending;
  }

  /**
   * Runs `fn` (the main thread's share, tid 0) alongside job `job` on workers 1 … nt−1, and returns
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
