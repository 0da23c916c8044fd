#!/usr/bin/env python3
"""PyTorch references for the Transformer's modern self-attention (src/attention/multi-head.ts with
`rotary`, `alibi`, `window` and `numKvHeads`; the TransformerModel options positions "rope" / "alibi",
kvHeads and window).

Run:  python3 -m venv /tmp/venv-X && /tmp/venv-X/bin/pip install --no-index --find-links /opt/wheels torch
      /tmp/venv-X/bin/python scripts/make_position_fixtures.py

Writes test/fixtures/attention/positions.json: multi-head self-attention over x (B, T, E) with packed
in_proj_weight ((H + 2Hk)·dH, E) (W^Q, W^K, W^V stacked), in_proj_bias, out_proj, computed here by
  * RoPE: a reference written in this script from RoFormer eq. 34 with complex numbers: feature pair
    (x_2i, x_2i+1) at position m is the complex number x_2i + i·x_2i+1, multiplied by e^{i·m·θ_i},
    θ_i = 10000^(−2i/dH) (qkv rotates with cos/sin tables and a pair swap; a different formulation);
  * ALiBi: the slopes of the paper's code (get_slopes, Press et al. 2022), bias −m_h·|i − j| added as a
    float attn_mask to torch's F.scaled_dot_product_attention;
  * grouped-query attention: torch's F.scaled_dot_product_attention(enable_gqa=True) on Hk kv heads;
  * the window: a boolean mask (causal: i − w < j ≤ i; band: |i − j| < w), with padding of the keys.
Every input is drawn in float32 and computed in float64 (fixtures_common), with gradients of
L = sum(output · R) for x and every weight.
"""

from __future__ import annotations

import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures_common import finish, leaf, randn, seed, write_fixture  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "test", "fixtures", "attention")
GENERATOR = "scripts/make_position_fixtures.py"
FILE = "positions"

B, T, E, H = 2, 6, 16, 4
DH = E // H


def get_slopes(n: int) -> list[float]:
    """ALiBi head slopes, as the paper's code (github.com/ofirpress/attention_with_linear_biases)."""

    def power_of_2(n):
        start = 2 ** (-(2 ** -(math.log2(n) - 3)))
        return [start * start**i for i in range(n)]

    if math.log2(n).is_integer():
        return power_of_2(n)
    c = 2 ** math.floor(math.log2(n))
    return power_of_2(c) + get_slopes(2 * c)[0::2][: n - c]


def rope(x: torch.Tensor) -> torch.Tensor:
    """x (B, h, L, dH) rotated at positions 0 … L−1 (RoFormer eq. 34, as complex multiplication)."""
    L, d = x.shape[-2], x.shape[-1]
    theta = 10000.0 ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)  # (d/2)
    angles = torch.arange(L, dtype=torch.float64)[:, None] * theta[None, :]  # (L, d/2)
    rot = torch.polar(torch.ones_like(angles), angles)  # e^{i m θ}
    z = torch.view_as_complex(x.reshape(*x.shape[:-1], d // 2, 2).contiguous())
    return torch.view_as_real(z * rot).reshape(x.shape)


def attention(x, w_in, b_in, w_out, b_out, *, kv_heads, positions, window, causal, lengths):
    Ek = kv_heads * DH
    q = x @ w_in[:E].T + b_in[:E]
    k = x @ w_in[E : E + Ek].T + b_in[E : E + Ek]
    v = x @ w_in[E + Ek :].T + b_in[E + Ek :]
    heads = lambda t, n: t.reshape(B, T, n, DH).transpose(1, 2)  # noqa: E731
    q, k, v = heads(q, H), heads(k, kv_heads), heads(v, kv_heads)
    if positions == "rope":
        q, k = rope(q), rope(k)
    i = torch.arange(T)[:, None]
    j = torch.arange(T)[None, :]
    allowed = torch.ones(T, T, dtype=torch.bool)
    if causal:
        allowed &= j <= i
    if window is not None:
        allowed &= (j > i - window) if causal else ((i - j).abs() < window)
    allowed = allowed[None, None].expand(B, 1, T, T).clone()
    for b, n in enumerate(lengths):
        allowed[b, :, :, n:] = False
    bias = torch.zeros(B, H, T, T, dtype=torch.float64)
    if positions == "alibi":
        slopes = torch.tensor(get_slopes(H), dtype=torch.float64)
        bias = bias - slopes[None, :, None, None] * (i - j).abs()[None, None].to(torch.float64)
    mask = bias.masked_fill(~allowed, float("-inf"))
    o = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=kv_heads != H)
    return o.transpose(1, 2).reshape(B, T, E) @ w_out.T + b_out


def case(positions: str, kv_heads: int, window: int | None, causal: bool) -> dict:
    name = f"{positions}_kv{kv_heads}_{'w' + str(window) if window else 'nowindow'}_{'causal' if causal else 'band'}"
    seed(FILE, name)
    lengths = [T, T - 2] if not causal else [T, T]
    x = leaf(randn(B, T, E))
    params = {
        "in_proj_weight": leaf(randn(E + 2 * kv_heads * DH, E, scale=0.3)),
        "in_proj_bias": leaf(randn(E + 2 * kv_heads * DH, scale=0.1)),
        "out_proj.weight": leaf(randn(E, E, scale=0.3)),
        "out_proj.bias": leaf(randn(E, scale=0.1)),
    }
    out = attention(
        x,
        params["in_proj_weight"],
        params["in_proj_bias"],
        params["out_proj.weight"],
        params["out_proj.bias"],
        kv_heads=kv_heads,
        positions=positions,
        window=window,
        causal=causal,
        lengths=lengths,
    )
    config = {"numHeads": H, "kvHeads": kv_heads, "positions": positions, "window": window, "causal": causal, "lengths": lengths}
    return finish(name=name, op="selfAttention", config=config, inputs={"x": x}, params=params, outputs={"output": out})


def make() -> list[dict]:
    cases = []
    for positions in ["none", "rope", "alibi"]:
        cases.append(case(positions, 4, None, True))  # decoder self-attention
        cases.append(case(positions, 2, 3, True))  # GQA + causal window
        cases.append(case(positions, 1, None, False))  # MQA, encoder (padding)
        cases.append(case(positions, 2, 2, False))  # GQA + band window, encoder (padding)
    return cases


def main() -> int:
    os.makedirs(OUT_DIR, exist_ok=True)
    print(f"torch {torch.__version__}")
    cases = make()
    path, size = write_fixture(OUT_DIR, GENERATOR, FILE, cases)
    print(f"{os.path.relpath(path, ROOT)}: {len(cases)} cases, {size / 1024:.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
