/**
 * What the compiled backends share: the numeric codes of the element-wise and reduction ops (the
 * AssemblyScript kernels in wasm/assembly and the C++ kernels in native/src switch on these numbers),
 * and the work above which a kernel is spread over threads (≈ multiply-adds, or elements for exp-heavy
 * ops; waking the workers costs a few tens of microseconds).
 */
import type { BinaryOp, ReduceOp, UnaryOp } from "./contract.js";

export const UNARY_CODE: Readonly<Record<UnaryOp, number>> = {
  neg: 0,
  exp: 1,
  log: 2,
  tanh: 3,
  sigmoid: 4,
  relu: 5,
  sqrt: 6,
  abs: 7,
  sign: 8,
  square: 9,
  reciprocal: 10,
  erf: 11,
};

export const BINARY_CODE: Readonly<Record<BinaryOp, number>> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  pow: 4,
  maximum: 5,
  minimum: 6,
  eq: 7,
  gt: 8,
  ge: 9,
};

export const REDUCE_CODE: Readonly<Record<ReduceOp, number>> = { sum: 0, max: 1, min: 2 };

/** Unary ops whose cost per element is a transcendental function (they go parallel sooner). */
export const COSTLY_UNARY: ReadonlySet<UnaryOp> = new Set(["exp", "log", "tanh", "sigmoid", "erf"]);

export const PAR_MATMUL = 1 << 19;
export const PAR_ATTENTION = 1 << 19;
export const PAR_TRANSCENDENTAL = 1 << 16;
export const PAR_ELEMENTWISE = 1 << 20;
