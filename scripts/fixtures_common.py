"""Helpers shared by the PyTorch fixture generators (make_fixtures.py, make_nn_fixtures.py).

Inputs are drawn in float32 (so they are exactly representable in the Float32Arrays of qkv) and the
reference is computed in float64, so the stored values are exact for those inputs.
"""

import torch

F64 = torch.float64


def randn(*shape: int, scale: float = 1.0) -> torch.Tensor:
    """float32 draw (optionally scaled in float32), returned as a float64 tensor with the same values."""
    t = torch.randn(tuple(shape), dtype=torch.float32)
    if scale != 1.0:
        t = t * torch.tensor(scale, dtype=torch.float32)
    return t.to(F64)


def leaf(t: torch.Tensor) -> torch.Tensor:
    return t.detach().clone().to(F64).requires_grad_(True)


def is_f32_exact(t: torch.Tensor) -> bool:
    t = t.detach().to(F64)
    return bool(torch.equal(t.to(torch.float32).to(F64), t))


def write_fixture(out_dir: str, generator: str, file: str, cases: list) -> tuple:
    """Writes {generator, torch, cases} to <out_dir>/<file>.json; returns (path, bytes)."""
    import json
    import os

    names = [c["name"] for c in cases]
    assert len(set(names)) == len(names), "duplicate case names"
    doc = {"generator": generator, "torch": torch.__version__, "cases": cases}
    path = os.path.join(out_dir, f"{file}.json")
    text = json.dumps(doc, allow_nan=False, separators=(",", ":"))
    assert json.loads(text) == doc  # every number reads back as the same float64
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.write("\n")
    return path, len(text) + 1
