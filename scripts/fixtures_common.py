"""Helpers shared by the PyTorch fixture generators (make_fixtures.py, make_nn_fixtures.py,
make_transformer_fixtures.py).

Inputs are drawn in float32 (so they are exactly representable in the Float32Arrays of qkv) and the
reference is computed in float64, so the stored values are exact for those inputs.
"""

import math
import zlib

import torch
import torch.nn as nn

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


def seed(file: str, name: str) -> None:
    torch.manual_seed(zlib.crc32(f"{file}/{name}".encode()) & 0x7FFFFFFF)


def tj(t: torch.Tensor) -> dict:
    t = t.detach().cpu()
    data = [float(x) for x in t.to(F64).reshape(-1).tolist()]
    assert all(math.isfinite(x) for x in data), "non-finite value in a stored tensor"
    return {"shape": list(t.shape), "data": data}


def ij(t) -> dict:
    t = torch.as_tensor(t)
    return {"shape": list(t.shape), "data": [int(x) for x in t.reshape(-1).tolist()]}


def module_params(mod: nn.Module) -> dict[str, torch.Tensor]:
    """The module's parameters as float64 leaves (PyTorch names), after checking they are float32 values."""
    mod.double()
    out = {}
    for name, p in mod.named_parameters():
        assert is_f32_exact(p), f"{name} is not float32-representable"
        out[name] = p
    return out


def finish(
    *,
    name: str,
    op: str,
    config: dict,
    inputs: dict[str, torch.Tensor],
    params: dict[str, torch.Tensor],
    outputs: dict[str, torch.Tensor],
    indices: dict | None = None,
    extra: dict | None = None,
) -> dict:
    """Draw the loss weights, differentiate w.r.t. every float input and parameter, check, serialize."""
    loss_w = {k: randn(*o.shape) for k, o in outputs.items()}
    loss = sum((o * loss_w[k]).sum() for k, o in outputs.items())
    leaves = {**inputs, **params}
    names = [n for n, t in leaves.items() if t.requires_grad]
    grads = torch.autograd.grad(loss, [leaves[n] for n in names], allow_unused=True)
    grad_json = {}
    for n, g in zip(names, grads):
        if g is None:
            g = torch.zeros_like(leaves[n])
        assert torch.isfinite(g).all(), f"{name}: non-finite gradient for {n}"
        grad_json[n] = tj(g)
    for n, t in leaves.items():
        assert is_f32_exact(t), f"{name}: {n} is not float32-representable"
    case = {
        "name": name,
        "op": op,
        "config": config,
        "inputs": {n: tj(t) for n, t in inputs.items()},
        "indices": indices or {},
        "params": {n: tj(t) for n, t in params.items()},
    }
    if extra:
        case.update(extra)
    case["loss"] = {k: tj(w) for k, w in loss_w.items()}
    case["expected"] = {k: tj(o) for k, o in outputs.items()}
    case["grads"] = grad_json
    return case
