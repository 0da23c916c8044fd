/**
 * Kernel conformance: every kernel of the contract, on every registered backend of
 * `test/helpers/backends.ts` (all but the reference one), against the reference backend (the oracle), on seeded random inputs chosen to reach every code path: odd sizes and tails that are
 * not multiples of 4 or 8, broadcasting, transposes, batch offsets, special values, and sizes large
 * enough for the threaded path (checked through the runtime's counters where a backend keeps them).
 * A new backend is tested by adding it to `loadTestBackends()`. Tolerance: |w − r| ≤
 * 1e-5 · max(1, |r|); NaN must match NaN and infinities must match exactly.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type {
  Backend,
  BinaryOp,
  FusedAttentionParams,
  MatmulParams,
  UnaryOp,
} from "../../src/kernels/contract.js";
import { referenceBackend as ref } from "../../src/kernels/reference/index.js";
import { setNumThreads } from "../../src/kernels/wasm/index.js";
import { createRng } from "../../src/tensor/random.js";
import { loadTestBackends } from "../helpers/backends.js";

/** Every backend under test except the oracle itself. */
const candidates = (await loadTestBackends()).filter((b) => b !== ref);

beforeAll(async () => {
  await setNumThreads(2); // a worker thread even on one core, so the threaded path always runs
});

it("there is at least one backend to test against the oracle", () => {
  expect(candidates.map((b) => b.name)).toContain("wasm");
});

const rng = createRng(20240611);

function uniform(n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng();
  return out;
}

function expectClose(
  label: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol = 1e-5,
): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = 0;
  let where = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      if (!Object.is(a, e) && !(Number.isNaN(a) && Number.isNaN(e))) {
        throw new Error(`${label}: at ${i} expected ${e}, got ${a}`);
      }
      continue;
    }
    const err = Math.abs(a - e) / Math.max(1, Math.abs(e));
    if (!(err <= worst)) {
      worst = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err;
      where = i;
    }
  }
  if (worst > tol) {
    throw new Error(
      `${label}: relative error ${worst.toExponential(2)} > ${tol} at ${where} (got ${actual[where]}, expected ${expected[where]})`,
    );
  }
}

/** Per-kernel counters of threaded runs, for backends that keep them (wasm: `stats.parallel`). */
function threadCounters(w: Backend): Record<string, number> | null {
  return (w as { stats?: { parallel?: Record<string, number> } }).stats?.parallel ?? null;
}

/** Runs `fn` and, where `w` counts threaded runs, checks that it used the threaded path for `job` (or not). */
function expectThreaded(w: Backend, job: string, threaded: boolean, fn: () => void): void {
  const counters = threadCounters(w);
  const before = counters?.[job] ?? 0;
  fn();
  if (!counters) return;
  const after = counters[job] ?? 0;
  expect(after > before, `${w.name} ${job} ${threaded ? "should" : "should not"} run on threads`).toBe(
    threaded,
  );
}

const UNARY: UnaryOp[] = [
  "neg",
  "exp",
  "log",
  "tanh",
  "sigmoid",
  "relu",
  "sqrt",
  "abs",
  "sign",
  "square",
  "reciprocal",
  "erf",
];
const BINARY: BinaryOp[] = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "gt", "ge"];
const SPECIAL = [0, -0, 1, -1, 1e-30, -1e-30, 88, -88, 100, -100, Infinity, -Infinity, Number.NaN];

describe.each(candidates.map((b) => [b.name, b] as const))(
  "%s kernels against the reference backend",
  (_name, w) => {
    describe("unary", () => {
      for (const op of UNARY) {
        it(`${op}: odd length, special values, and the threaded path`, () => {
          const positive = op === "log" || op === "sqrt";
          const small = Float32Array.from([...uniform(1003, positive ? 0.01 : -6, 6), ...SPECIAL]);
          expectClose(`${op} small`, w.unary(op, small), ref.unary(op, small));
          const big = uniform(70_001, positive ? 0.01 : -6, 6);
          const heavy = op === "exp" || op === "log" || op === "tanh" || op === "sigmoid" || op === "erf";
          expectThreaded(w, "unary", heavy, () =>
            expectClose(`${op} big`, w.unary(op, big), ref.unary(op, big)),
          );
          expect(w.unary(op, new Float32Array(0)).length).toBe(0);
        });
      }
    });

    describe("binary with broadcasting", () => {
      const cases: [number[], number[]][] = [
        [
          [7, 13],
          [7, 13],
        ], // same shape
        [[1003], []], // vector ⊕ scalar
        [[], [1003]], // scalar ⊕ vector
        [
          [3, 1, 5],
          [4, 1],
        ], // both broadcast
        [
          [2, 3, 4],
          [3, 1],
        ],
        [
          [2, 1, 6],
          [2, 5, 1],
        ],
        [[1], [1]],
        [
          [5, 1],
          [1, 1],
        ],
      ];
      for (const op of BINARY) {
        it(op, () => {
          for (const [as, bs] of cases) {
            const out = broadcast(as, bs);
            const positive = op === "pow";
            const a = uniform(size(as), positive ? 0.1 : -3, 3);
            const b = op === "pow" ? uniform(size(bs), -2, 3) : uniform(size(bs), -3, 3);
            if (op === "eq" || op === "ge") b.set(a.subarray(0, Math.min(a.length, b.length, 3)));
            expectClose(
              `${op} ${as}⊕${bs}`,
              w.binary(op, a, as, b, bs, out),
              ref.binary(op, a, as, b, bs, out),
            );
          }
        });
      }
      it("special values (÷0, ∞, NaN) and the threaded path", () => {
        const a = Float32Array.from(SPECIAL);
        const b = Float32Array.from([...SPECIAL].reverse());
        for (const op of BINARY) {
          expectClose(
            `${op} special`,
            w.binary(op, a, [13], b, [13], [13]),
            ref.binary(op, a, [13], b, [13], [13]),
          );
        }
        const x = uniform(1025 * 1024);
        const y = uniform(1024);
        expectThreaded(w, "binary", true, () =>
          expectClose(
            "add big",
            w.binary("add", x, [1025, 1024], y, [1024], [1025, 1024]),
            ref.binary("add", x, [1025, 1024], y, [1024], [1025, 1024]),
          ),
        );
      });
    });

    describe("matmul", () => {
      const shapes: [number, number, number, number][] = [
        [1, 1, 1, 1],
        [1, 3, 5, 7], // fewer than 4 rows, tails everywhere
        [2, 13, 17, 11],
        [3, 37, 45, 29],
        [1, 70, 300, 9], // k > 256: two k slices
        [1, 5, 7, 300], // n > 256: two column blocks
        [1, 130, 33, 260], // m > 64: several row blocks
        [5, 1, 37, 19], // one row: the thin path (dots, or rows of B)
        [3, 2, 70, 600], // two rows, n > 512: two column blocks of the thin path
        [4, 29, 1, 33], // depth 1: an outer product
        [2, 17, 2, 530], // depth 2, n > 512
        [1, 1, 300, 700], // a batch-1 linear layer (thin, possibly threaded)
        [6, 1, 2000, 17], // a latent alignment's gradient g·Pᵀ: narrow (dots), or thin over 8 depth slices
        [2, 70, 100, 5], // narrow, many rows: dots in row chunks
        [3, 2, 600, 40], // two rows, three depth slices (thin)
      ];
      for (const [batch, m, k, n] of shapes) {
        for (const [transA, transB] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ]) {
          it(`(${batch}, ${m}, ${k}, ${n}) transA=${transA} transB=${transB}`, () => {
            const s = 1 / Math.sqrt(k);
            const a = uniform(batch * m * k, -s, s);
            const b = uniform(batch * k * n, -s, s);
            const p: MatmulParams = {
              batch,
              m,
              k,
              n,
              transA,
              transB,
              aOffsets: Int32Array.from({ length: batch }, (_, i) => i * m * k),
              bOffsets: Int32Array.from({ length: batch }, (_, i) => i * k * n),
            };
            expectClose("matmul", w.matmul(a, b, p), ref.matmul(a, b, p));
          });
        }
      }
      it("broadcast batch offsets (one B for every A) and the threaded path", () => {
        const [batch, m, k, n] = [4, 67, 131, 45];
        const a = uniform(batch * m * k, -0.1, 0.1);
        const b = uniform(k * n, -0.1, 0.1);
        const p: MatmulParams = {
          batch,
          m,
          k,
          n,
          transA: false,
          transB: true,
          aOffsets: Int32Array.from({ length: batch }, (_, i) => i * m * k),
          bOffsets: new Int32Array(batch),
        };
        expectThreaded(w, "matmul", true, () =>
          expectClose("matmul", w.matmul(a, b, p), ref.matmul(a, b, p)),
        );
        const small: MatmulParams = {
          ...p,
          batch: 1,
          m: 3,
          aOffsets: new Int32Array(1),
          bOffsets: new Int32Array(1),
        };
        expectThreaded(w, "matmul", false, () =>
          expectClose("matmul", w.matmul(a, b, small), ref.matmul(a, b, small)),
        );
      });
      it("matmulAccumulate adds the product into its target, every layout (where the backend has it)", () => {
        const acc = w.matmulAccumulate?.bind(w);
        if (!acc) return; // optional kernel: this backend adds gradients another way
        for (const [m, k, n] of [
          [1, 37, 19], // thin
          [29, 1, 33], // depth 1
          [37, 45, 29],
          [70, 300, 9], // k > 256: the second depth slice adds too
          [1, 2000, 17], // narrow (dots) or thin over 8 depth slices: every slice adds
          [2, 600, 40], // thin, three depth slices
        ]) {
          for (const [transA, transB] of [
            [false, false],
            [true, false],
            [false, true],
            [true, true],
          ]) {
            const a = uniform(m * k, -0.5, 0.5);
            const b = uniform(k * n, -0.5, 0.5);
            const start = uniform(m * n, -1, 1);
            const p: MatmulParams = {
              batch: 1,
              m,
              k,
              n,
              transA,
              transB,
              aOffsets: new Int32Array(1),
              bOffsets: new Int32Array(1),
            };
            const into = Float32Array.from(start);
            acc(a, b, p, into);
            const product = ref.matmul(a, b, p);
            expectClose(
              `matmulAccumulate (${m}, ${k}, ${n}) ${transA} ${transB}`,
              into,
              start.map((v, i) => v + product[i]),
            );
          }
        }
        expect(() =>
          acc(
            new Float32Array(4),
            new Float32Array(4),
            {
              batch: 1,
              m: 2,
              k: 2,
              n: 2,
              transA: false,
              transB: false,
              aOffsets: new Int32Array(1),
              bOffsets: new Int32Array(1),
            },
            new Float32Array(3),
          ),
        ).toThrow(/matmulAccumulate: into 3 ≠ 1·2·2/);
      });
      it("a row's product does not depend on how many rows share the call (bit for bit)", () => {
        // Greedy decoding drops finished rows: the rows that stay must keep their numbers.
        // k 600: three depth slices (a gemv as deep as a vocabulary); n 260: two column blocks.
        for (const [k, n] of [
          [37, 19],
          [200, 70],
          [1, 33],
          [600, 45],
          [300, 260],
          [100, 5], // narrow: dot products
        ]) {
          for (const transB of [false, true]) {
            const rows = 13;
            const a = uniform(rows * k, -1, 1);
            const b = uniform(k * n, -1, 1);
            const p = (m: number): MatmulParams => ({
              batch: 1,
              m,
              k,
              n,
              transA: false,
              transB,
              aOffsets: new Int32Array(1),
              bOffsets: new Int32Array(1),
            });
            const all = w.matmul(a, b, p(rows));
            for (const m of [1, 2, 3, 7]) {
              const some = w.matmul(a.subarray(0, m * k), b, p(m));
              expect([...some], `(m ${m}, k ${k}, n ${n}, transB ${transB})`).toEqual([
                ...all.subarray(0, m * n),
              ]);
            }
          }
        }
      });
      it("addInto adds in place (where the backend has it)", () => {
        const add = w.addInto?.bind(w);
        if (!add) return;
        const into = uniform(10_001, -1, 1);
        const from = uniform(10_001, -1, 1);
        const want = into.map((v, i) => v + from[i]);
        add(into, from);
        expectClose("addInto", into, want, 0);
        const rows = uniform(7 * 300, -1, 1);
        const bias = uniform(300, -1, 1);
        const wantRows = rows.map((v, i) => v + bias[i % 300]);
        add(rows, bias);
        expectClose("addInto rows", rows, wantRows, 0);
        expect(() => add(new Float32Array(3), new Float32Array(4))).toThrow(
          /addInto: from's 4 must divide into's 3/,
        );
        expect(() => add(new Float32Array(10), new Float32Array(4))).toThrow(
          /addInto: from's 4 must divide into's 10/,
        );
      });
      it("adamStep: torch.optim.Adam's single-precision update (where the backend has it)", () => {
        const k = w.adamStep?.bind(w);
        if (!k) return;
        const n = 5003;
        const wt = uniform(n, -1, 1);
        const g = uniform(n, -0.1, 0.1);
        const m = uniform(n, -0.01, 0.01);
        const v = uniform(n, 0, 0.001);
        const [stepSize, b1, b2, bc2, eps] = [
          0.01 / (1 - 0.9 ** 3),
          0.9,
          0.999,
          Math.sqrt(1 - 0.999 ** 3),
          1e-8,
        ];
        const f = Math.fround;
        // The update in float32, op for op (torch: mul_/add_, mul_/addcmul_, sqrt/div/add_, addcdiv_).
        const want = { w: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n) };
        for (let i = 0; i < n; i++) {
          const mi = f(f(m[i] * f(b1)) + f(g[i] * f(1 - f(b1))));
          const vi = f(f(v[i] * f(b2)) + f(f(g[i] * g[i]) * f(1 - f(b2))));
          want.m[i] = mi;
          want.v[i] = vi;
          want.w[i] = f(wt[i] + f(f(-stepSize) * f(mi / f(f(f(Math.sqrt(vi)) / f(bc2)) + f(eps)))));
        }
        k(wt, g, m, v, stepSize, b1, b2, bc2, eps);
        expectClose("adam m", m, want.m, 1e-7);
        expectClose("adam v", v, want.v, 1e-7);
        expectClose("adam w", wt, want.w, 1e-6);
        expect(() =>
          k(
            new Float32Array(3),
            new Float32Array(2),
            new Float32Array(3),
            new Float32Array(3),
            1,
            0.9,
            0.99,
            1,
            1e-8,
          ),
        ).toThrow(/adamStep: w, g, m and v must have one length/);
      });
      it("scale: x · coef rounded once from double, as a JavaScript loop (where the backend has it)", () => {
        const k = w.scale?.bind(w);
        if (!k) return;
        const x = uniform(5001, -3, 3);
        const coef = 0.123456789012345;
        expect([...k(x, coef)]).toEqual([...Float32Array.from(x, (v) => v * coef)]);
      });
      it("sumOfSquares sums x² in double (where the backend has it)", () => {
        const k = w.sumOfSquares?.bind(w);
        if (!k) return;
        const x = uniform(10_007, -2, 2);
        let want = 0;
        for (const v of x) want += v * v;
        expect(Math.abs(k(x) - want)).toBeLessThan(1e-9 * want);
        expect(k(new Float32Array(0))).toBe(0);
      });
      it("k = 0 gives zeros, empty outputs are empty", () => {
        const p: MatmulParams = {
          batch: 1,
          m: 2,
          k: 0,
          n: 3,
          transA: false,
          transB: false,
          aOffsets: new Int32Array(1),
          bOffsets: new Int32Array(1),
        };
        expect([...w.matmul(new Float32Array(0), new Float32Array(0), p)]).toEqual([0, 0, 0, 0, 0, 0]);
      });
    });

    describe("axis-wise kernels", () => {
      const views: [number, number, number][] = [
        [1, 1, 1],
        [5, 1003, 1],
        [3, 17, 1],
        [4, 13, 6], // strided, inner not a multiple of 4
        [2, 7, 9],
        [1, 5, 4],
        [6, 1, 5],
      ];
      it("reduce sum/max/min", () => {
        for (const op of ["sum", "max", "min"] as const) {
          for (const [o, n, i] of views) {
            const x = uniform(o * n * i, -5, 5);
            expectClose(`${op} ${[o, n, i]}`, w.reduce(op, x, o, n, i), ref.reduce(op, x, o, n, i));
          }
          const nan = Float32Array.from([1, Number.NaN, 3, 2, 5, 6, -Infinity, 0]);
          expectClose(`${op} NaN`, w.reduce(op, nan, 2, 4, 1), ref.reduce(op, nan, 2, 4, 1));
          expectClose(
            `${op} n=0`,
            w.reduce(op, new Float32Array(0), 2, 0, 3),
            ref.reduce(op, new Float32Array(0), 2, 0, 3),
          );
        }
        const big = uniform(300 * 3500);
        expectThreaded(w, "reduce", true, () =>
          expectClose("sum big", w.reduce("sum", big, 300, 3500, 1), ref.reduce("sum", big, 300, 3500, 1)),
        );
      });
      it("softmax and log-softmax, with masked (−∞) entries and fully masked lanes", () => {
        for (const log of [false, true]) {
          // [7, 2001, 1]: rows long enough for the fast backends' single-precision exp path
          for (const [o, n, i] of [...views, [7, 2001, 1] as const]) {
            const x = uniform(o * n * i, -8, 8);
            for (let k = 0; k < x.length; k += 3) x[k] = -Infinity;
            expectClose(
              `softmax ${[o, n, i]} log=${log}`,
              w.softmax(x, o, n, i, log),
              ref.softmax(x, o, n, i, log),
            );
          }
          // Lanes whose every entry is −∞: zeros (log: −∞), never NaN.
          const masked = Float32Array.from({ length: 3 * 5 * 6 }, (_, k) => (k % 6 < 2 ? -Infinity : k / 7));
          for (const [o, n, i] of [
            [3, 5, 6],
            [15, 6, 1],
          ] as const) {
            const y = w.softmax(masked, o, n, i, log);
            expect(y.some(Number.isNaN)).toBe(false);
            expectClose(`masked ${[o, n, i]} log=${log}`, y, ref.softmax(masked, o, n, i, log));
          }
          const allMasked = new Float32Array(10).fill(-Infinity);
          expect([...w.softmax(allMasked, 1, 10, 1, log)]).toEqual([
            ...ref.softmax(allMasked, 1, 10, 1, log),
          ]);
        }
        const big = uniform(128 * 1000, -5, 5);
        expectThreaded(w, "softmax", true, () =>
          expectClose(
            "softmax big",
            w.softmax(big, 128, 1000, 1, false),
            ref.softmax(big, 128, 1000, 1, false),
          ),
        );
      });
      it("softmax into `out`, and in place (out = x): the same numbers as a fresh result, bit for bit", () => {
        for (const log of [false, true]) {
          for (const [o, n, i] of [...views, [7, 2001, 1] as const, [3, 40, 1] as const]) {
            const x = uniform(o * n * i, -8, 8);
            for (let k = 0; k < x.length; k += 5) x[k] = -Infinity;
            const fresh = w.softmax(x, o, n, i, log);
            const out = new Float32Array(x.length);
            expect(w.softmax(x, o, n, i, log, out)).toBe(out);
            expect(Array.from(out), `out ${[o, n, i]} log=${log}`).toEqual(Array.from(fresh));
            const inPlace = Float32Array.from(x);
            expect(w.softmax(inPlace, o, n, i, log, inPlace)).toBe(inPlace);
            expect(Array.from(inPlace), `in place ${[o, n, i]} log=${log}`).toEqual(Array.from(fresh));
          }
        }
        expect(() => w.softmax(new Float32Array(6), 2, 3, 1, false, new Float32Array(5))).toThrow(
          /softmax: out 5 ≠ x 6/,
        );
      });
      it("softmaxBackward equals the composed gradient, masked lanes included (where the backend has it)", () => {
        const k = w.softmaxBackward?.bind(w);
        if (!k) return; // optional: autograd composes it from mul, sum and sub
        for (const log of [false, true]) {
          for (const [o, n, i] of [...views, [7, 2001, 1] as const]) {
            const x = uniform(o * n * i, -8, 8);
            for (let j = 0; j < x.length; j += 5) x[j] = -Infinity;
            const y = ref.softmax(x, o, n, i, log);
            const g = uniform(y.length, -1, 1);
            // dx = y (g − Σ g y), or g − exp(y) Σ g, the sums along the middle axis in double.
            const want = new Float32Array(y.length);
            for (let a = 0; a < o; a++)
              for (let c = 0; c < i; c++) {
                let s = 0;
                for (let b = 0; b < n; b++) {
                  const at = (a * n + b) * i + c;
                  s += log ? g[at] : g[at] * y[at];
                }
                for (let b = 0; b < n; b++) {
                  const at = (a * n + b) * i + c;
                  want[at] = log ? g[at] - Math.exp(y[at]) * s : y[at] * (g[at] - s);
                }
              }
            const got = k(y, g, o, n, i, log);
            expect(got.some(Number.isNaN), `NaN ${[o, n, i]} log=${log}`).toBe(false);
            expectClose(`softmaxBackward ${[o, n, i]} log=${log}`, got, want);
          }
        }
        expect(() => k(new Float32Array(4), new Float32Array(3), 1, 4, 1, false)).toThrow(
          /softmaxBackward: y 4, g 3 ≠ 1·4·1/,
        );
      });
      it("softmax propagates NaN: a row with a NaN is NaN, not a fully masked row of zeros", () => {
        const N = Number.NaN;
        const I = Number.NEGATIVE_INFINITY;
        // Rows of 3: all NaN, one NaN among numbers, NaN among −∞ (not "every entry masked"), NaN
        // before −∞ and a number; then a row of 21 (vector body and tail) with NaN in lane 0, one
        // with NaN only in the tail, and one that is all NaN.
        const short = [N, N, N, 1, N, 2, I, N, I, N, I, 3];
        const long = (f: (j: number) => number) => Array.from({ length: 21 }, (_, j) => f(j));
        const rows = [
          [short, 4, 3],
          [long((j) => (j === 0 ? N : j / 3)), 1, 21],
          [long((j) => (j === 19 ? N : j / 3)), 1, 21],
          [long(() => N), 1, 21],
        ] as const;
        for (const log of [false, true]) {
          for (const [x, o, n] of rows) {
            const xs = Float32Array.from(x);
            const want = ref.softmax(xs, o, n, 1, log);
            expect(want.every(Number.isNaN), "the oracle: NaN everywhere").toBe(true);
            expectClose(`softmax NaN rows ${o}×${n} log=${log}`, w.softmax(xs, o, n, 1, log), want);
          }
        }
      });
      it("strided softmax (inner > 1) propagates NaN too", () => {
        const N = Number.NaN;
        const I = Number.NEGATIVE_INFINITY;
        // outer 2, n 5 along the softmax axis, inner 7 lanes (the strided path): lane 0 all NaN, lane
        // 1 one NaN among numbers, lane 2 NaN among −∞, lane 3 NaN last, lane 4 all −∞ (masked: 0s),
        // lanes 5–6 finite.
        const [o, n, inner] = [2, 5, 7];
        const x = uniform(o * n * inner);
        for (let a = 0; a < o; a++) {
          for (let j = 0; j < n; j++) {
            const at = (lane: number) => (a * n + j) * inner + lane;
            x[at(0)] = N;
            if (j === 2) x[at(1)] = N;
            x[at(2)] = j === 1 ? N : I;
            if (j === n - 1) x[at(3)] = N;
            x[at(4)] = I;
          }
        }
        for (const log of [false, true]) {
          const want = ref.softmax(x, o, n, inner, log);
          for (let a = 0; a < o; a++) {
            for (let j = 0; j < n; j++) {
              for (let lane = 0; lane < inner; lane++) {
                const nan = Number.isNaN(want[(a * n + j) * inner + lane]);
                expect(nan, `oracle lane ${lane}`).toBe(lane < 4);
              }
            }
          }
          expectClose(`strided softmax NaN log=${log}`, w.softmax(x, o, n, inner, log), want);
        }
      });
      it("argmax (first index on ties)", () => {
        for (const [o, n, i] of views) {
          const x = Float32Array.from(uniform(o * n * i), (v) => Math.round(v * 3)); // many ties
          expect([...w.argmax(x, o, n, i)]).toEqual([...ref.argmax(x, o, n, i)]);
        }
      });
    });

    describe("data movement", () => {
      it("permute: runs, 2-D transposes and general orders", () => {
        const cases: [number[], number[]][] = [
          [
            [2, 3, 4, 5],
            [0, 2, 1, 3],
          ], // head split: contiguous runs
          [
            [2, 3, 4, 5],
            [0, 1, 3, 2],
          ], // last two axes swapped: tiled transpose
          [
            [2, 3, 4, 5],
            [3, 1, 0, 2],
          ],
          [
            [13, 17],
            [1, 0],
          ],
          [
            [1, 7, 1, 9],
            [3, 2, 1, 0],
          ],
          [
            [5, 1, 3],
            [1, 0, 2],
          ], // collapses to a copy
          [
            [6, 10, 3],
            [2, 0, 1],
          ],
          [[9], [0]],
          [
            [2, 1, 3],
            [0, 2, 1],
          ], // a length-1 axis between two source neighbours: a copy
          [
            [4, 1, 3, 2],
            [3, 0, 2, 1],
          ],
          [
            [1, 1],
            [1, 0],
          ], // one element
        ];
        for (const [shape, perm] of cases) {
          const x = uniform(size(shape));
          expect([...w.permute(x, shape, perm)], `${shape} ${perm}`).toEqual([
            ...ref.permute(x, shape, perm),
          ]);
        }
      });
      it("indexSelect and indexAdd (repeated indices)", () => {
        for (const [o, n, i] of [
          [3, 5, 7],
          [2, 9, 1],
          [1, 4, 8],
        ]) {
          const idx = Int32Array.from([n - 1, 0, 2, 2, 0]);
          const x = uniform(o * n * i);
          expect([...w.indexSelect(x, o, n, i, idx)]).toEqual([...ref.indexSelect(x, o, n, i, idx)]);
          const g = uniform(o * idx.length * i);
          expectClose("indexAdd", w.indexAdd(g, o, n, i, idx), ref.indexAdd(g, o, n, i, idx));
        }
      });
      it("concat (including an empty part)", () => {
        const sizes = [3, 0, 5, 1];
        const [outer, inner] = [4, 3];
        const parts = sizes.map((s) => uniform(outer * s * inner));
        expect([...w.concat(parts, outer, sizes, inner)]).toEqual([
          ...ref.concat(parts, outer, sizes, inner),
        ]);
      });
    });

    describe("fused attention (forward and backward)", () => {
      it("NaN propagates: a query row of NaN scores is NaN, not a fully masked row (zeros)", () => {
        const N = Number.NaN;
        // bh 3, t 5, s 9 (d 4, dv 3): slice 0 has a NaN query (row 2: every score NaN); slice 1 a
        // NaN key (key 4: every row sees one NaN score); slice 2 a NaN bias entry (row 3, key 6),
        // next to keys masked with −∞; the other rows of slices 0 and 2 stay finite.
        const bh = 3;
        const t = 5;
        // s 9: the row maximum's scalar tail sees the NaN; s 8: only its vector body does.
        for (const s of [9, 8]) {
          const d = 4;
          const dv = 3;
          const q = uniform(bh * t * d);
          const k = uniform(bh * s * d);
          const v = uniform(bh * s * dv);
          for (let c = 0; c < d; c++) q[(0 * t + 2) * d + c] = N;
          k[(1 * s + 4) * d + 1] = N;
          const bias = new Float32Array(bh * t * s);
          for (let j = 0; j < s; j++) bias[2 * t * s + 3 * s + j] = j < 3 ? Number.NEGATIVE_INFINITY : 0;
          bias[2 * t * s + 3 * s + 6] = N;
          const p: FusedAttentionParams = {
            bh,
            t,
            s,
            d,
            dv,
            scale: 0.5,
            causal: false,
            bias: {
              data: bias,
              offsets: Int32Array.from({ length: bh }, (_, h) => h * t * s),
              strides: [s, 1],
            },
          };
          const fr = ref.attentionForward!(q, k, v, p);
          const nanRows = [2, 5, 6, 7, 8, 9, 13]; // (slice · t + row) rows the oracle makes NaN
          for (let row = 0; row < bh * t; row++) {
            const out = fr.output.subarray(row * dv, (row + 1) * dv);
            expect(out.every(Number.isNaN), `oracle row ${row}`).toBe(nanRows.includes(row));
          }
          const fw = w.attentionForward!(q, k, v, p);
          expectClose(`NaN attention output (s ${s})`, fw.output, fr.output);
          // The saved log-sum-exp too (the backward recomputes the weights from it): NaN on the same rows.
          for (let row = 0; row < bh * t; row++) {
            expect(Number.isNaN(fr.lse[row]), `oracle lse row ${row}`).toBe(nanRows.includes(row));
          }
          expectClose(`NaN attention lse (s ${s})`, fw.lse, fr.lse);
        }
      });

      it("NaN propagates without a bias too (the scale folded into the exponent), causal or not", () => {
        const N = Number.NaN;
        // No bias: the kernels take the scale inside the exponent and a plain row maximum, which may
        // skip a NaN. Slice 0: query row 1 all NaN, which causal masking turns into NaN beside −∞
        // (the row must not pass for fully masked). Slice 1: one NaN key element at key 200, in the
        // second key block and inside a vector, so only the exponential sees it. 300 keys: three
        // blocks of keys, a scalar tail.
        const bh = 2;
        const t = 80;
        const s = 300;
        const d = 16;
        const dv = 8;
        for (const causal of [false, true]) {
          const q = uniform(bh * t * d);
          const k = uniform(bh * s * d);
          const v = uniform(bh * s * dv);
          for (let c = 0; c < d; c++) q[(0 * t + 1) * d + c] = N;
          k[(1 * s + 200) * d + 3] = N;
          const p: FusedAttentionParams = { bh, t, s, d, dv, scale: 0.3, causal };
          const fr = ref.attentionForward!(q, k, v, p);
          // Oracle: slice 0 row 1 NaN; slice 1 every row that sees key 200 (all rows, or none under
          // causal with t = 80 < 200).
          for (let row = 0; row < bh * t; row++) {
            const want = row === 1 || (row >= t && !causal);
            const out = fr.output.subarray(row * dv, (row + 1) * dv);
            expect(out.every(Number.isNaN), `oracle row ${row} causal ${causal}`).toBe(want);
            expect(out.some(Number.isNaN), `oracle row ${row} causal ${causal}`).toBe(want);
          }
          const fw = w.attentionForward!(q, k, v, p);
          expectClose(`NaN attention output, no bias, causal ${causal}`, fw.output, fr.output);
          expectClose(`NaN attention lse, no bias, causal ${causal}`, fw.lse, fr.lse);
        }
      });

      interface Case {
        name: string;
        bh: number;
        t: number;
        s: number;
        d: number;
        dv: number;
        causal?: boolean;
        bias?: "full" | "keys" | "queries" | "transposed" | "padding";
        threaded?: boolean;
      }
      const cases: Case[] = [
        { name: "tiny, odd sizes", bh: 2, t: 3, s: 5, d: 4, dv: 3 },
        { name: "d, dv not multiples of 8", bh: 3, t: 7, s: 9, d: 5, dv: 11 },
        { name: "causal, T = S", bh: 2, t: 70, s: 70, d: 16, dv: 16, causal: true },
        { name: "causal, T < S", bh: 1, t: 9, s: 130, d: 8, dv: 8, causal: true },
        {
          name: "causal, T > S (rows past S see every key)",
          bh: 1,
          t: 130,
          s: 67,
          d: 8,
          dv: 24,
          causal: true,
        },
        { name: "full (T, S) bias", bh: 2, t: 33, s: 65, d: 8, dv: 8, bias: "full" },
        { name: "per-key bias (stride 0 over queries)", bh: 2, t: 10, s: 131, d: 12, dv: 4, bias: "keys" },
        { name: "per-query bias (stride 0 over keys)", bh: 2, t: 10, s: 21, d: 8, dv: 8, bias: "queries" },
        { name: "transposed bias (general strides)", bh: 1, t: 6, s: 13, d: 8, dv: 8, bias: "transposed" },
        {
          name: "padding with fully masked queries + causal",
          bh: 3,
          t: 12,
          s: 12,
          d: 8,
          dv: 8,
          bias: "padding",
          causal: true,
        },
        {
          name: "threaded: several query and key blocks",
          bh: 4,
          t: 200,
          s: 257,
          d: 32,
          dv: 40,
          causal: true,
          threaded: true,
        },
        {
          name: "threaded: long keys (S = 1000)",
          bh: 2,
          t: 64,
          s: 1000,
          d: 64,
          dv: 64,
          bias: "keys",
          threaded: true,
        },
      ];
      for (const c of cases) {
        it(c.name, () => {
          const q = uniform(c.bh * c.t * c.d);
          const k = uniform(c.bh * c.s * c.d);
          const v = uniform(c.bh * c.s * c.dv);
          const p: FusedAttentionParams = {
            bh: c.bh,
            t: c.t,
            s: c.s,
            d: c.d,
            dv: c.dv,
            scale: 1 / Math.sqrt(c.d),
            causal: c.causal ?? false,
            bias: c.bias ? makeBias(c.bias, c.bh, c.t, c.s) : undefined,
          };
          const fr = ref.attentionForward!(q, k, v, p);
          let fw = fr;
          expectThreaded(w, "attnForward", c.threaded ?? false, () => {
            fw = w.attentionForward!(q, k, v, p);
          });
          expectClose(`${c.name} output`, fw.output, fr.output);
          expectClose(`${c.name} lse`, fw.lse, fr.lse);
          expect(fw.output.some(Number.isNaN), "no NaN").toBe(false);
          const dO = uniform(c.bh * c.t * c.dv);
          const br = ref.attentionBackward!(q, k, v, fr.output, fr.lse, dO, p);
          let bw = br;
          expectThreaded(w, "attnBackwardQ", c.threaded ?? false, () => {
            bw = w.attentionBackward!(q, k, v, fr.output, fr.lse, dO, p);
          });
          expectClose(`${c.name} dq`, bw.dq, br.dq);
          expectClose(`${c.name} dk`, bw.dk, br.dk);
          expectClose(`${c.name} dv`, bw.dv, br.dv);
          if (c.bias === "padding") {
            // Slice 2 has no allowed key: zero output and zero gradients, lse = −∞.
            const rows = fw.output.subarray(2 * c.t * c.dv);
            expect(rows.every((x) => x === 0)).toBe(true);
            expect(fw.lse.subarray(2 * c.t).every((x) => x === -Infinity)).toBe(true);
            expect(bw.dq.subarray(2 * c.t * c.d).every((x) => x === 0)).toBe(true);
          }
        });
      }
    });
  },
);

function size(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    return x === 1 ? y : x;
  });
}

/** Biases in the kernel's (offsets, t-stride, s-stride) form. */
function makeBias(
  kind: "full" | "keys" | "queries" | "transposed" | "padding",
  bh: number,
  t: number,
  s: number,
) {
  switch (kind) {
    case "full": // one (T, S) matrix for every slice
      return {
        data: uniform(t * s, -2, 2),
        offsets: new Int32Array(bh),
        strides: [s, 1] as [number, number],
      };
    case "keys": // (BH, 1, S), with some keys disallowed
      return {
        data: Float32Array.from(uniform(bh * s, -1, 1), (x, j) => (j % 7 === 3 ? -Infinity : x)),
        offsets: Int32Array.from({ length: bh }, (_, h) => h * s),
        strides: [0, 1] as [number, number],
      };
    case "queries": // (BH, T, 1)
      return {
        data: uniform(bh * t, -1, 1),
        offsets: Int32Array.from({ length: bh }, (_, h) => h * t),
        strides: [1, 0] as [number, number],
      };
    case "transposed": // an (S, T) matrix read transposed
      return {
        data: uniform(t * s, -1, 1),
        offsets: new Int32Array(bh),
        strides: [1, t] as [number, number],
      };
    case "padding": {
      // slice h allows keys j < lengths[h]; slice 2 allows none
      const lengths = [s, 5, 0];
      const data = new Float32Array(bh * s);
      for (let h = 0; h < bh; h++) for (let j = lengths[h % 3]; j < s; j++) data[h * s + j] = -Infinity;
      return {
        data,
        offsets: Int32Array.from({ length: bh }, (_, h) => h * s),
        strides: [0, 1] as [number, number],
      };
    }
  }
}
