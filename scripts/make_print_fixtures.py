#!/usr/bin/env python3
"""Generate the expected strings of qkv's Tensor.toString from PyTorch's own printing.

Run:  python3 scripts/make_print_fixtures.py     (any Python with torch; default print options)

Writes test/tensor/fixtures/print.json: {torch: version, cases: [...]}, cases {name, shape, values, requiresGrad, expected}
where `expected` is str(t) of the float32 tensor t. `values` is either the flat list of values or
{"hash": scale}: value i = ((i * 2654435761 mod 2^32) / 2^32 - 0.5) * scale, rounded to float32
(computed exactly in float64 in both languages), so the large (summarised) cases stay small here.
"""
import json
import math
import os

import torch

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "test", "tensor", "fixtures", "print.json")


def hashed(n, scale):
    return [((i * 2654435761 % 4294967296) / 4294967296 - 0.5) * scale for i in range(n)]


CASES = [
    ("integers, requires grad", [2, 2], [1, 2, 3, 4], True),
    ("fixed, mixed signs", [2, 3], [0.5, -1.25, 3.14159, 0, -0.001, 42.4242], False),
    ("scientific: ratio over 1000", [3], [1.5, -0.03125, 1e-5], False),
    ("scientific: below 1e-4", [2], [5e-5, 7e-5], False),
    ("integers, ratio over 1000", [3], [1, 2000, -3], False),
    ("integers over 1e8", [2], [3e8, 1], False),
    ("nan and inf", [5], [math.nan, math.inf, -math.inf, 1.5, 0], False),
    ("integers with nan and inf", [4], [math.nan, math.inf, -math.inf, 2], False),
    ("all zero", [3], [0, 0, 0], False),
    ("negative zero", [2], [-0.0, 1], False),
    ("round half to even", [4], [0.03125, 1.03125, -0.15625, 2.00005], False),
    ("scalar", [], [1.5], False),
    ("integer scalar", [], [-7], False),
    ("scientific scalar", [], [123456789.0], False),
    ("empty", [0], [], False),
    ("empty 2-D", [0, 3], [], False),
    ("one element", [1, 1, 1], [0.25], False),
    ("long vector wraps", [100], {"hash": 6}, False),
    ("wide values wrap", [30], {"hash": 2e6}, False),
    ("1000 elements: not summarised", [1000], {"hash": 2}, False),
    ("1001 elements: summarised", [1001], {"hash": 2}, False),
    ("3-D", [2, 3, 4], {"hash": 10}, True),
    ("matrix summarised", [40, 40], {"hash": 4}, False),
    ("4-D summarised", [4, 5, 6, 10], {"hash": 3}, False),
    ("summarised rows, short last axis", [600, 2], {"hash": 1}, False),
    ("summarised with scientific edge values", [2000], {"hash": 1e-3}, False),
]


def main():
    out = []
    for name, shape, values, requires_grad in CASES:
        flat = hashed(math.prod(shape), values["hash"]) if isinstance(values, dict) else values
        t = torch.tensor(flat, dtype=torch.float32).reshape(shape)
        t.requires_grad_(requires_grad)
        out.append(
            {
                "name": name,
                "shape": shape,
                "values": values if isinstance(values, dict) else [v if math.isfinite(v) else str(v) for v in flat],
                "requiresGrad": requires_grad,
                "expected": str(t),
            }
        )
    with open(FIXTURE, "w") as f:
        json.dump({"torch": torch.__version__, "cases": out}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
