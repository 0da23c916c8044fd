#!/usr/bin/env python3
"""Generate the PyTorch reference fixtures for qkv's attention tests.

Run:  /usr/bin/python3 scripts/make_fixtures.py

Writes test/fixtures/attention/{attend,sdpa,mha}.json.

Method
------
* Every input, parameter and loss weight is drawn in float32 (so its value is exactly
  representable in float32), then converted to float64; everything is computed in float64,
  so the stored reference values and gradients are (to float64 rounding) exact.
* Each case defines a scalar loss  L = sum(output * R_out) + sum(weights * R_w)  with R_out, R_w
  random float32-valued tensors stored under "loss" (R_w is null when no weights are returned),
  and stores dL/d(every float input and parameter) under "grads".
* Each case is seeded on its own (torch.manual_seed of a CRC of the file and case name), so adding
  or removing a case does not change the others.

Masks (attend and sdpa) follow qkv's convention: a mask says which keys are ALLOWED; allowed -> additive 0,
disallowed -> -inf. A query row whose keys are all disallowed gives all-zero weights, zero output and zero
gradient (never NaN). The masked softmax below implements exactly that. MHA cases use PyTorch's own
nn.MultiheadAttention arguments (key_padding_mask: True = IGNORE; bool attn_mask: True = NOT allowed;
float attn_mask: added to the scores), stored under "torch_masks".

Tensors are stored as {"shape": [...], "data": [flat row-major list]}; numbers are plain JSON floats written
with Python's shortest round-trip repr of the float64 value.
"""

from __future__ import annotations

import json
import math
import os
import sys
import zlib

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures_common import is_f32_exact, leaf, randn, write_fixture  # noqa: E402
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "test", "fixtures", "attention")
GENERATOR = "scripts/make_fixtures.py"
F64 = torch.float64
NEG_INF = float("-inf")

torch.set_default_dtype(torch.float32)


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------


def seed_for(file: str, name: str) -> int:
    return zlib.crc32(f"{file}/{name}".encode()) & 0x7FFFFFFF


def tensor_json(t: torch.Tensor, *, as_int: bool = False) -> dict:
    t = t.detach().cpu()
    shape = list(t.shape)
    if as_int:
        data = [int(x) for x in t.reshape(-1).tolist()]
    else:
        data = [float(x) for x in t.to(F64).reshape(-1).tolist()]
        for x in data:
            assert math.isfinite(x), "non-finite value in a stored tensor"
    return {"shape": shape, "data": data}


def masked_softmax(s: torch.Tensor) -> torch.Tensor:
    """Softmax over the last dim that gives all-zero rows (and zero gradient) where every entry is -inf."""
    m = s.detach().amax(-1, keepdim=True)
    m = torch.where(torch.isinf(m) & (m < 0), torch.zeros_like(m), m)
    e = torch.exp(s - m)
    d = e.sum(-1, keepdim=True)
    return e / torch.where(d == 0, torch.ones_like(d), d)


def check_softmax(s: torch.Tensor, w: torch.Tensor) -> None:
    """For rows with at least one allowed key, the NaN-free softmax must equal torch.softmax."""
    s = s.detach()
    w = w.detach()
    live = ~torch.isinf(s).logical_and(s < 0).all(-1)
    ref = torch.softmax(s, -1)
    assert torch.allclose(w[live], ref[live], rtol=1e-12, atol=1e-15), "masked softmax != torch.softmax"


# ---- mask specs (qkv convention) -> additive bias ---------------------------------------------


def spec_bias(spec: dict | None, *, batched: bool, B: int, T: int, S: int, heads: bool) -> torch.Tensor | None:
    """Additive float64 bias broadcastable to (B, T, S) (attend) or (B, H, T, S) (sdpa, heads=True)."""
    if spec is None:
        return None
    kind = spec["kind"]
    if kind == "padding":
        lengths = spec["lengths"]
        assert batched and len(lengths) == B
        bias = torch.zeros(B, 1, S, dtype=F64)
        for b, n in enumerate(lengths):
            bias[b, :, n:] = NEG_INF
        return bias.unsqueeze(1) if heads else bias
    if kind == "causal":
        allowed = torch.tril(torch.ones(T, S, dtype=torch.bool))
        return torch.zeros(T, S, dtype=F64).masked_fill(~allowed, NEG_INF)
    if kind == "allowed":
        a = spec["allowed"]
        allowed = torch.tensor(a["data"], dtype=torch.bool).reshape(a["shape"])
        return torch.zeros(allowed.shape, dtype=F64).masked_fill(~allowed, NEG_INF)
    if kind == "bias":
        bt = spec["bias"]
        bias = torch.tensor(bt["data"], dtype=F64).reshape(bt["shape"])
        if heads and bias.dim() == 3:  # (B, T, S) -> (B, 1, T, S)
            bias = bias.unsqueeze(1)
        return bias
    if kind == "combined":
        parts = [spec_bias(p, batched=batched, B=B, T=T, S=S, heads=heads) for p in spec["parts"]]
        total = parts[0]
        for p in parts[1:]:
            total = total + p
        return total
    raise ValueError(kind)


def finish_case(
    *,
    name: str,
    op: str,
    config: dict,
    inputs: dict[str, torch.Tensor],
    params: dict[str, torch.Tensor],
    mask: dict | None,
    output: torch.Tensor,
    weights: torch.Tensor | None,
    grad_leaves: dict[str, torch.Tensor],
    extra: dict | None = None,
    fully_masked: torch.Tensor | None = None,
) -> dict:
    """Draw the loss weights, differentiate, check, and serialize one case."""
    r_out = randn(*output.shape)
    r_w = randn(*weights.shape) if weights is not None else None
    loss = (output * r_out).sum()
    if weights is not None:
        loss = loss + (weights * r_w).sum()
    names = list(grad_leaves)
    grads = torch.autograd.grad(loss, [grad_leaves[n] for n in names], allow_unused=True)
    grad_json = {}
    for n, g in zip(names, grads):
        if g is None:
            g = torch.zeros_like(grad_leaves[n])
        assert torch.isfinite(g).all(), f"{name}: non-finite gradient for {n}"
        grad_json[n] = tensor_json(g)

    assert torch.isfinite(output).all(), f"{name}: non-finite output"
    if weights is not None:
        assert torch.isfinite(weights).all(), f"{name}: non-finite weights"
    for n, t in list(inputs.items()) + list(params.items()):
        assert is_f32_exact(t), f"{name}: {n} is not float32-representable"
    assert is_f32_exact(r_out) and (r_w is None or is_f32_exact(r_w))

    if fully_masked is not None and bool(fully_masked.any()):
        # fully_masked: bool, broadcastable to weights.shape[:-1]
        fm = fully_masked.expand(weights.shape[:-1])
        assert bool((weights.detach()[fm] == 0).all()), f"{name}: fully masked rows must have zero weights"
        assert bool((output.detach()[fm] == 0).all()), f"{name}: fully masked rows must have zero output"

    case = {
        "name": name,
        "op": op,
        "config": config,
        "inputs": {n: tensor_json(t) for n, t in inputs.items()},
        "params": {n: tensor_json(t) for n, t in params.items()},
        "mask": mask,
    }
    if extra:
        case.update(extra)
    case["loss"] = {"output": tensor_json(r_out), "weights": tensor_json(r_w) if r_w is not None else None}
    case["expected"] = {
        "output": tensor_json(output),
        "weights": tensor_json(weights) if weights is not None else None,
    }
    case["grads"] = grad_json
    return case


# ----------------------------------------------------------------------------------------------
# A) attend: generic attention with pluggable score functions
# ----------------------------------------------------------------------------------------------


def attend_scores(score: str, q, k, p: dict, config: dict):
    """q (..., T, Dq), k (..., S, Dk) -> e (..., T, S)."""
    if score == "dot":
        return q @ k.transpose(-1, -2)
    if score == "scaledDot":
        scale = config.get("scale")
        if scale is None:
            scale = 1.0 / math.sqrt(k.shape[-1])
        return (q @ k.transpose(-1, -2)) * scale
    if score == "general":
        return q @ p["W"] @ k.transpose(-1, -2)
    if score == "concat":
        dq = q.shape[-1]
        W = p["W"]
        hq = q @ W[:, :dq].T  # (..., T, A)
        hk = k @ W[:, dq:].T  # (..., S, A)
        h = torch.tanh(hq.unsqueeze(-2) + hk.unsqueeze(-3))  # (..., T, S, A)
        return h @ p["v"]
    if score == "additive":
        hq = q @ p["W1"].T
        hk = k @ p["W2"].T
        pre = hq.unsqueeze(-2) + hk.unsqueeze(-3)
        if "b" in p:
            pre = pre + p["b"]
        return torch.tanh(pre) @ p["v"]
    if score == "location":
        e = q @ p["W"].T  # (..., T, S)
        assert e.shape[-1] == k.shape[-2]
        return e
    raise ValueError(score)


def attend_case(
    name: str,
    score: str,
    *,
    B: int | None = 2,
    T: int = 3,
    S: int = 4,
    Dv: int = 6,
    A: int = 6,
    config_extra: dict | None = None,
    mask: dict | None = None,
    with_b: bool = False,
    mask_builder=None,
) -> dict:
    torch.manual_seed(seed_for("attend", name))
    config = {"score": score}
    if config_extra:
        config.update(config_extra)
    Dq = 5
    Dk = 5 if score in ("dot", "scaledDot") else 7
    if score == "location":
        Dk = 7
    lead = (B,) if B is not None else ()
    q = leaf(randn(*lead, T, Dq))
    k = leaf(randn(*lead, S, Dk))
    v = leaf(randn(*lead, S, Dv))
    p: dict[str, torch.Tensor] = {}
    s = 0.5
    if score == "general":
        p["W"] = leaf(randn(Dq, Dk, scale=s))
    elif score == "concat":
        p["W"] = leaf(randn(A, Dq + Dk, scale=s))
        p["v"] = leaf(randn(A))
    elif score == "additive":
        p["W1"] = leaf(randn(A, Dq, scale=s))
        p["W2"] = leaf(randn(A, Dk, scale=s))
        p["v"] = leaf(randn(A))
        if with_b:
            p["b"] = leaf(randn(A, scale=s))
    elif score == "location":
        p["W"] = leaf(randn(S, Dq, scale=s))

    if mask_builder is not None:
        mask = mask_builder(B, T, S)
    e = attend_scores(score, q, k, p, config)
    bias = spec_bias(mask, batched=B is not None, B=B or 1, T=T, S=S, heads=False)
    sc = e if bias is None else e + bias
    w = masked_softmax(sc)
    check_softmax(sc, w)
    out = w @ v
    fully = None
    if bias is not None:
        fully = torch.isinf(sc.detach()).logical_and(sc.detach() < 0).all(-1)
    leaves = {"query": q, "keys": k, "values": v, **p}
    return finish_case(
        name=name,
        op="attend",
        config=config,
        inputs={"query": q, "keys": k, "values": v},
        params=p,
        mask=mask,
        output=out,
        weights=w,
        grad_leaves=leaves,
        fully_masked=fully,
    )


def make_attend() -> list[dict]:
    cases = [
        attend_case("dot", "dot"),
        attend_case("scaled_dot", "scaledDot"),
        attend_case("scaled_dot_scale_0.3", "scaledDot", config_extra={"scale": 0.3}),
        attend_case("general", "general"),
        attend_case("concat", "concat"),
        attend_case("additive", "additive"),
        attend_case("additive_with_bias", "additive", with_b=True),
        attend_case("location", "location"),
        attend_case("dot_padding_4_2", "dot", mask={"kind": "padding", "lengths": [4, 2]}),
        attend_case("dot_causal", "dot", T=4, S=4, mask={"kind": "causal"}),
    ]

    # allowed (T, S) with one fully disallowed row (row 1)
    def allowed_mask(B, T, S):
        a = (torch.rand(T, S) < 0.6).to(torch.int64)
        a[0, 0] = 1
        a[2, S - 1] = 1
        a[1, :] = 0
        return {"kind": "allowed", "allowed": tensor_json(a, as_int=True)}

    cases.append(attend_case("dot_allowed_row_fully_masked", "dot", mask_builder=allowed_mask))

    def bias_mask(B, T, S):
        return {"kind": "bias", "bias": tensor_json(randn(B, T, S))}

    cases.append(attend_case("dot_bias_BTS", "dot", mask_builder=bias_mask))
    cases.append(
        attend_case(
            "dot_combined_padding_causal",
            "dot",
            T=4,
            S=4,
            mask={"kind": "combined", "parts": [{"kind": "padding", "lengths": [4, 3]}, {"kind": "causal"}]},
        )
    )
    cases.append(attend_case("dot_padding_4_0_empty_batch", "dot", mask={"kind": "padding", "lengths": [4, 0]}))
    cases.append(attend_case("additive_padding_3_2", "additive", mask={"kind": "padding", "lengths": [3, 2]}))
    cases.append(attend_case("dot_unbatched", "dot", B=None))
    return cases


# ----------------------------------------------------------------------------------------------
# B) sdpa: scaled dot-product attention (Vaswani et al. 2017, eq. 1), with GQA
# ----------------------------------------------------------------------------------------------


def sdpa_case(
    name: str,
    *,
    B: int = 2,
    Hq: int = 2,
    Hk: int = 2,
    T: int = 3,
    S: int = 5,
    D: int = 4,
    Dv: int = 3,
    scale: float | None = None,
    causal: bool = False,
    mask: dict | None = None,
    mask_builder=None,
) -> dict:
    torch.manual_seed(seed_for("sdpa", name))
    q = leaf(randn(B, Hq, T, D))
    k = leaf(randn(B, Hk, S, D))
    v = leaf(randn(B, Hk, S, Dv))
    if mask_builder is not None:
        mask = mask_builder(B, T, S)
    assert Hq % Hk == 0
    rep = Hq // Hk
    kk = k.repeat_interleave(rep, dim=1) if rep > 1 else k
    vv = v.repeat_interleave(rep, dim=1) if rep > 1 else v
    sc_val = scale if scale is not None else 1.0 / math.sqrt(D)
    sc = (q @ kk.transpose(-1, -2)) * sc_val
    bias = spec_bias(mask, batched=True, B=B, T=T, S=S, heads=True)
    if bias is not None:
        sc = sc + bias
    if causal:
        sc = sc + spec_bias({"kind": "causal"}, batched=True, B=B, T=T, S=S, heads=True)
    w = masked_softmax(sc)
    check_softmax(sc, w)
    out = w @ vv
    fully = torch.isinf(sc.detach()).logical_and(sc.detach() < 0).all(-1)
    return finish_case(
        name=name,
        op="sdpa",
        config={"scale": scale, "causal": causal},
        inputs={"query": q, "key": k, "value": v},
        params={},
        mask=mask,
        output=out,
        weights=w,
        grad_leaves={"query": q, "key": k, "value": v},
        fully_masked=fully,
    )


def make_sdpa() -> list[dict]:
    def bias_ts(B, T, S):
        return {"kind": "bias", "bias": tensor_json(randn(T, S))}

    return [
        sdpa_case("plain"),
        sdpa_case("scale_0.5", scale=0.5),
        sdpa_case("causal", T=5, S=5, causal=True),
        sdpa_case("causal_rect_T3_S5", T=3, S=5, causal=True),
        sdpa_case("padding_5_2", mask={"kind": "padding", "lengths": [5, 2]}),
        sdpa_case("bias_TS", mask_builder=bias_ts),
        sdpa_case("gqa_hq4_hk2", Hq=4, Hk=2),
        sdpa_case("gqa_hq4_hk2_causal", Hq=4, Hk=2, T=5, S=5, causal=True),
    ]


# ----------------------------------------------------------------------------------------------
# C) mha: torch.nn.MultiheadAttention
# ----------------------------------------------------------------------------------------------


def mha_case(
    name: str,
    *,
    B: int = 2,
    E: int = 8,
    H: int = 2,
    T: int = 5,
    S: int | None = None,
    kdim: int | None = None,
    vdim: int | None = None,
    bias: bool = True,
    batch_first: bool = True,
    need_weights: bool = True,
    average_weights: bool = True,
    self_attn: bool = True,
    kpm_lengths: list[int] | None = None,
    attn_mask_kind: str | None = None,  # None | "causal_bool" | "float"
) -> dict:
    seed = seed_for("mha", name)
    torch.manual_seed(seed)
    mod = nn.MultiheadAttention(
        E, H, dropout=0.0, bias=bias, kdim=kdim, vdim=vdim, batch_first=batch_first
    )
    # PyTorch zero-initializes in_proj_bias and out_proj.bias; give them random float32 values so the
    # bias paths are actually exercised by the fixture (stored in "params" like every other parameter).
    with torch.no_grad():
        for pname, prm in mod.named_parameters():
            if pname.endswith("bias"):
                prm.copy_(torch.randn(prm.shape, dtype=torch.float32) * 0.1)
    mod = mod.double()
    kdim_ = kdim if kdim is not None else E
    vdim_ = vdim if vdim is not None else E
    if self_attn:
        assert S is None and kdim is None and vdim is None
        S = T
    S = S if S is not None else T

    def layout(n: int, d: int) -> tuple[int, ...]:
        return (B, n, d) if batch_first else (n, B, d)

    if self_attn:
        x = leaf(randn(*layout(T, E)))
        q_in = k_in = v_in = x
        inputs = {"query": x}
        leaves: dict[str, torch.Tensor] = {"query": x}
    else:
        q_in = leaf(randn(*layout(T, E)))
        k_in = leaf(randn(*layout(S, kdim_)))
        v_in = leaf(randn(*layout(S, vdim_)))
        inputs = {"query": q_in, "key": k_in, "value": v_in}
        leaves = {"query": q_in, "key": k_in, "value": v_in}

    kpm = None
    kpm_json = None
    if kpm_lengths is not None:
        assert len(kpm_lengths) == B and all(n > 0 for n in kpm_lengths)
        kpm = torch.zeros(B, S, dtype=torch.bool)
        for b, n in enumerate(kpm_lengths):
            kpm[b, n:] = True
        kpm_json = tensor_json(kpm.to(torch.int64), as_int=True)

    attn_mask = None
    attn_json = None
    if attn_mask_kind == "causal_bool":
        assert S == T
        attn_mask = torch.triu(torch.ones(T, S, dtype=torch.bool), diagonal=1)  # True = not allowed
        attn_json = {**tensor_json(attn_mask.to(torch.int64), as_int=True), "dtype": "bool"}
    elif attn_mask_kind == "float":
        attn_mask = randn(T, S)
        attn_json = {**tensor_json(attn_mask), "dtype": "float"}
    elif attn_mask_kind is not None:
        raise ValueError(attn_mask_kind)

    out, w = mod(
        q_in,
        k_in,
        v_in,
        key_padding_mask=kpm,
        need_weights=need_weights,
        attn_mask=attn_mask,
        average_attn_weights=average_weights,
    )
    if need_weights:
        expect_w = (B, T, S) if average_weights else (B, H, T, S)
        assert tuple(w.shape) == expect_w, (name, tuple(w.shape), expect_w)
        # rows sum to one (no fully masked rows in MHA cases)
        assert torch.allclose(w.detach().sum(-1), torch.ones((), dtype=F64), atol=1e-12)
    else:
        assert w is None
    assert tuple(out.shape) == layout(T, E)

    check_mha_by_hand(mod, q_in, k_in, v_in, kpm, attn_mask, out, w, batch_first, average_weights)

    params = {n: t.detach().clone() for n, t in mod.state_dict().items()}
    named = dict(mod.named_parameters())
    assert set(named) == set(params), (set(named), set(params))
    for n, prm in named.items():
        leaves[n] = prm

    config = {
        "embedDim": E,
        "numHeads": H,
        "kdim": kdim_,
        "vdim": vdim_,
        "bias": bias,
        "batchFirst": batch_first,
        "needWeights": need_weights,
        "averageWeights": average_weights,
        "self": self_attn,
        "seed": seed,
    }
    return finish_case(
        name=name,
        op="mha",
        config=config,
        inputs=inputs,
        params=params,
        mask=None,
        output=out,
        weights=w,
        grad_leaves=leaves,
        extra={"torch_masks": {"key_padding_mask": kpm_json, "attn_mask": attn_json}},
    )


def check_mha_by_hand(mod, q_in, k_in, v_in, kpm, attn_mask, out, w, batch_first, average_weights) -> None:
    """Recompute nn.MultiheadAttention from its parameters (projections + per-head SDPA + out projection)."""
    with torch.no_grad():
        q, k, v = (t.detach() for t in (q_in, k_in, v_in))
        if not batch_first:
            q, k, v = (t.transpose(0, 1) for t in (q, k, v))
        E, H = mod.embed_dim, mod.num_heads
        if mod._qkv_same_embed_dim:
            wq, wk, wv = mod.in_proj_weight.chunk(3)
        else:
            wq, wk, wv = mod.q_proj_weight, mod.k_proj_weight, mod.v_proj_weight
        bq = bk = bv = None
        if mod.in_proj_bias is not None:
            bq, bk, bv = mod.in_proj_bias.chunk(3)
        Q = torch.nn.functional.linear(q, wq, bq)
        K = torch.nn.functional.linear(k, wk, bk)
        V = torch.nn.functional.linear(v, wv, bv)
        B, T, _ = Q.shape
        S = K.shape[1]
        hd = E // H

        def split(x, n):
            return x.reshape(B, n, H, hd).transpose(1, 2)  # (B, H, n, hd)

        sc = (split(Q, T) @ split(K, S).transpose(-1, -2)) / math.sqrt(hd)
        if attn_mask is not None:
            sc = sc + (attn_mask.to(F64) if attn_mask.dtype != torch.bool else
                       torch.zeros(T, S, dtype=F64).masked_fill(attn_mask, NEG_INF))
        if kpm is not None:
            sc = sc + torch.zeros(B, 1, 1, S, dtype=F64).masked_fill(kpm[:, None, None, :], NEG_INF)
        pw = masked_softmax(sc)
        o = (pw @ split(V, S)).transpose(1, 2).reshape(B, T, E)
        o = mod.out_proj(o)
        if not batch_first:
            o = o.transpose(0, 1)
        assert torch.allclose(o, out.detach(), rtol=1e-10, atol=1e-12), "MHA by hand != torch (output)"
        if w is not None:
            ref_w = pw.mean(1) if average_weights else pw
            assert torch.allclose(ref_w, w.detach(), rtol=1e-10, atol=1e-12), "MHA by hand != torch (weights)"


def make_mha() -> list[dict]:
    return [
        mha_case("self_batch_first_avg", T=5),
        mha_case("self_seq_first", T=4, batch_first=False),
        mha_case("cross_kdim6_vdim7", T=3, S=5, kdim=6, vdim=7, self_attn=False),
        mha_case("self_key_padding_5_3", T=5, kpm_lengths=[5, 3]),
        mha_case("self_causal_bool_attn_mask", T=5, attn_mask_kind="causal_bool"),
        mha_case("cross_float_attn_mask", T=3, S=5, self_attn=False, attn_mask_kind="float"),
        mha_case("self_per_head_weights", T=5, average_weights=False),
        mha_case("self_no_need_weights", T=5, need_weights=False),
        mha_case("self_no_bias", T=5, bias=False),
        mha_case("self_heads4", T=5, H=4),
        mha_case("self_key_padding_per_head", T=5, kpm_lengths=[5, 3], average_weights=False),
    ]


# ----------------------------------------------------------------------------------------------


def write(file: str, cases: list[dict]) -> tuple[str, int]:
    return write_fixture(OUT_DIR, GENERATOR, file, cases)


def main() -> int:
    os.makedirs(OUT_DIR, exist_ok=True)
    print(f"torch {torch.__version__}")
    for file, make in (("attend", make_attend), ("sdpa", make_sdpa), ("mha", make_mha)):
        cases = make()
        path, size = write(file, cases)
        print(f"{os.path.relpath(path, ROOT)}: {len(cases)} cases, {size / 1024:.1f} KiB")
        for c in cases:
            shapes = ", ".join(f"{n}{tuple(t['shape'])}" for n, t in c["inputs"].items())
            mask = c["mask"]["kind"] if c.get("mask") else None
            tm = c.get("torch_masks")
            if tm:
                parts = [k for k, v in tm.items() if v is not None]
                mask = "+".join(parts) or None
            w = c["expected"]["weights"]
            wshape = tuple(w["shape"]) if w else None
            print(f"  {c['name']:<32} {shapes}  mask={mask}  weights={wshape}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
