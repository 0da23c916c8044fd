/**
 * Tensors print their values as PyTorch does: `String(t)`, `t.toString()` and Node's `util.inspect`
 * against the strings torch printed for the same float32 tensors (test/tensor/fixtures/print.json,
 * made by scripts/make_print_fixtures.py): notation, widths, line wrapping, nesting, `...` past 1000
 * elements, `requires_grad=True`; and, written by hand, `grad_fn` and the meta device.
 */
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { type Tensor, tensor, zeros } from "../../src/tensor/index.js";
import { onMetaDevice } from "../../src/tensor/meta.js";

interface Case {
  name: string;
  shape: number[];
  values: (number | string)[] | { hash: number };
  requiresGrad: boolean;
  expected: string;
}

const fixture = JSON.parse(readFileSync(new URL("./fixtures/print.json", import.meta.url), "utf8")) as {
  cases: Case[];
};

function build(c: Case): Tensor {
  const n = c.shape.reduce((a, b) => a * b, 1);
  const values = Array.isArray(c.values)
    ? c.values.map((v) => (v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v))) // "nan" → NaN
    : Array.from(
        { length: n },
        (_, i) => (((i * 2654435761) % 4294967296) / 4294967296 - 0.5) * (c.values as { hash: number }).hash,
      );
  return tensor(Float32Array.from(values), c.shape, { requiresGrad: c.requiresGrad });
}

describe("Tensor.toString prints like torch", () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const t = build(c);
      expect(String(t)).toBe(c.expected);
      expect(t.toString()).toBe(c.expected);
      expect(inspect(t)).toBe(c.expected);
    });
  }

  it("names the op of a recorded result", () => {
    const x = tensor([1, 2], [2], { requiresGrad: true });
    expect(String(x.mul(2))).toBe("tensor([2., 4.], grad_fn=<MulBackward>)");
    expect(String(x.sum())).toBe("tensor(3., grad_fn=<SumBackward>)");
    expect(String(x.detach())).toBe("tensor([1., 2.])");
  });

  it("puts a suffix that does not fit on its own line", () => {
    const t = tensor(
      Float32Array.from({ length: 8 }, (_, i) => i + 0.5),
      [8],
      { requiresGrad: true },
    );
    expect(String(t)).toBe(
      "tensor([0.5000, 1.5000, 2.5000, 3.5000, 4.5000, 5.5000, 6.5000, 7.5000],\n       requires_grad=True)",
    );
  });

  it("prints a meta tensor's size, as torch", () => {
    const t = onMetaDevice(() => zeros([2, 3]));
    expect(String(t)).toBe("tensor(..., device='meta', size=(2, 3))");
  });
});
