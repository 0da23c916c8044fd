#!/usr/bin/env python3
"""Generate the PyTorch reference fixtures for qkv's Transformer layers (src/nn/transformer*.ts).

Run:  /usr/bin/python3 scripts/make_transformer_fixtures.py

Writes test/fixtures/nn/transformer.json with cases for F.gelu, nn.TransformerEncoderLayer,
nn.TransformerDecoderLayer, nn.TransformerEncoder, nn.TransformerDecoder and nn.Transformer
(PyTorch 1.13 semantics): both norm placements (norm_first), relu and gelu, batch_first and
sequence-first layouts, padding masks (key_padding_mask) and causal masks.

Method (the conventions of scripts/make_nn_fixtures.py, helpers in fixtures_common.py)
------
* Parameters keep PyTorch's initialisation, except biases and LayerNorm affine parameters (zeros and
  ones at initialisation, which would hide a wrong gradient) which are redrawn; every value is drawn
  in float32, then the module is converted to float64 and run there, so the stored values and
  gradients are exact references for qkv's float32 computation.
* Modules run in training mode with dropout = 0: the same function as evaluation mode, and PyTorch's
  inference fast path (nested tensors) stays off.
* The loss is L = sum(output * R) with R random; "grads" holds dL/d(every input and parameter).
* Masks are stored as qkv sees them: "srcLengths"/"tgtLengths" (padding: keys j >= length are not
  allowed) and "srcCausal"/"tgtCausal" (key j allowed for query i iff j <= i). PyTorch receives the
  equivalent boolean masks (True = not allowed).
"""

from __future__ import annotations

import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures_common import finish, leaf, module_params, randn, seed, write_fixture  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "test", "fixtures", "nn")
GENERATOR = "scripts/make_transformer_fixtures.py"
FILE = "transformer"

torch.set_default_dtype(torch.float32)

E, NHEAD, FF = 8, 2, 16
B, S, T = 3, 5, 4


def redraw_affine(mod: nn.Module) -> None:
    """Biases ~ 0.1·N(0, 1) and LayerNorm weights ~ 1 + 0.1·N(0, 1), all float32 values."""
    with torch.no_grad():
        for name, p in mod.named_parameters():
            leafname = name.rsplit(".", 1)[-1]
            is_norm = ".norm" in f".{name}" and leafname == "weight"
            if "bias" in leafname:
                p.copy_(torch.randn(p.shape) * torch.tensor(0.1))
            elif is_norm:
                p.copy_(torch.tensor(1.0) + torch.randn(p.shape) * torch.tensor(0.1))


def padding(lengths: list[int] | None, L: int) -> torch.Tensor | None:
    """PyTorch key_padding_mask (B, L): True = padded (not allowed)."""
    if lengths is None:
        return None
    return torch.arange(L)[None, :] >= torch.tensor(lengths)[:, None]


def causal(L: int) -> torch.Tensor:
    """PyTorch attn_mask (L, L): True = not allowed (j > i)."""
    return torch.triu(torch.ones(L, L, dtype=torch.bool), diagonal=1)


def layer_kwargs(activation: str, norm_first: bool, batch_first: bool) -> dict:
    return dict(
        d_model=E,
        nhead=NHEAD,
        dim_feedforward=FF,
        dropout=0.0,
        activation=activation,
        layer_norm_eps=1e-5,
        batch_first=batch_first,
        norm_first=norm_first,
    )


def qkv_config(activation: str, norm_first: bool, batch_first: bool, **extra) -> dict:
    return {
        "dModel": E,
        "nhead": NHEAD,
        "dimFeedforward": FF,
        "dropout": 0.0,
        "activation": activation,
        "layerNormEps": 1e-5,
        "batchFirst": batch_first,
        "normFirst": norm_first,
        **extra,
    }


def seq(L: int, batch_first: bool, unbatched: bool = False) -> torch.Tensor:
    if unbatched:
        return leaf(randn(L, E))
    return leaf(randn(B, L, E) if batch_first else randn(L, B, E))


def prepare(mod: nn.Module) -> dict:
    redraw_affine(mod)
    mod.train()
    return module_params(mod)


def gelu_case() -> dict:
    seed(FILE, "gelu")
    x = torch.cat([randn(24, scale=2.0), torch.tensor([0.0, -1e-4, 1e-4, 3.5, -3.5, 6.0, -6.0, -9.0], dtype=torch.float32).double()])
    x = leaf(x)
    return finish(name="gelu", op="gelu", config={}, inputs={"x": x}, params={}, outputs={"output": F.gelu(x)})


def encoder_layer_case(name: str, *, activation: str, norm_first: bool, batch_first: bool, lengths=None, is_causal=False, unbatched=False) -> dict:
    seed(FILE, name)
    mod = nn.TransformerEncoderLayer(**layer_kwargs(activation, norm_first, batch_first))
    params = prepare(mod)
    src = seq(S, batch_first, unbatched)
    out = mod(src, src_mask=causal(S) if is_causal else None, src_key_padding_mask=padding(lengths, S))
    config = qkv_config(activation, norm_first, batch_first, srcLengths=lengths, srcCausal=is_causal)
    return finish(name=name, op="encoderLayer", config=config, inputs={"src": src}, params=params, outputs={"output": out})


def decoder_layer_case(name: str, *, activation: str, norm_first: bool, batch_first: bool, src_lengths=None, tgt_lengths=None, tgt_causal=True) -> dict:
    seed(FILE, name)
    mod = nn.TransformerDecoderLayer(**layer_kwargs(activation, norm_first, batch_first))
    params = prepare(mod)
    tgt = seq(T, batch_first)
    memory = seq(S, batch_first)
    out = mod(
        tgt,
        memory,
        tgt_mask=causal(T) if tgt_causal else None,
        tgt_key_padding_mask=padding(tgt_lengths, T),
        memory_key_padding_mask=padding(src_lengths, S),
    )
    config = qkv_config(
        activation, norm_first, batch_first, srcLengths=src_lengths, tgtLengths=tgt_lengths, tgtCausal=tgt_causal
    )
    return finish(name=name, op="decoderLayer", config=config, inputs={"tgt": tgt, "memory": memory}, params=params, outputs={"output": out})


def encoder_case(name: str, *, activation: str, norm_first: bool, batch_first: bool, layers: int, norm: bool, lengths=None) -> dict:
    seed(FILE, name)
    layer = nn.TransformerEncoderLayer(**layer_kwargs(activation, norm_first, batch_first))
    norm_mod = nn.LayerNorm(E, eps=1e-5) if norm else None
    mod = nn.TransformerEncoder(layer, layers, norm=norm_mod, enable_nested_tensor=False)
    # TransformerEncoder deep-copies the layer: give each copy its own values.
    for sub in mod.layers:
        for p in sub.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
    params = prepare(mod)
    src = seq(S, batch_first)
    out = mod(src, src_key_padding_mask=padding(lengths, S))
    config = qkv_config(activation, norm_first, batch_first, numLayers=layers, norm=norm, srcLengths=lengths, srcCausal=False)
    return finish(name=name, op="encoder", config=config, inputs={"src": src}, params=params, outputs={"output": out})


def decoder_case(name: str, *, activation: str, norm_first: bool, batch_first: bool, layers: int, norm: bool, src_lengths=None, tgt_lengths=None) -> dict:
    seed(FILE, name)
    layer = nn.TransformerDecoderLayer(**layer_kwargs(activation, norm_first, batch_first))
    norm_mod = nn.LayerNorm(E, eps=1e-5) if norm else None
    mod = nn.TransformerDecoder(layer, layers, norm=norm_mod)
    for sub in mod.layers:
        for p in sub.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
    params = prepare(mod)
    tgt = seq(T, batch_first)
    memory = seq(S, batch_first)
    out = mod(
        tgt,
        memory,
        tgt_mask=causal(T),
        tgt_key_padding_mask=padding(tgt_lengths, T),
        memory_key_padding_mask=padding(src_lengths, S),
    )
    config = qkv_config(
        activation, norm_first, batch_first, numLayers=layers, norm=norm, srcLengths=src_lengths, tgtLengths=tgt_lengths, tgtCausal=True
    )
    return finish(name=name, op="decoder", config=config, inputs={"tgt": tgt, "memory": memory}, params=params, outputs={"output": out})


def transformer_case(name: str, *, activation: str, norm_first: bool, batch_first: bool, enc: int, dec: int, src_lengths=None, tgt_lengths=None) -> dict:
    seed(FILE, name)
    mod = nn.Transformer(num_encoder_layers=enc, num_decoder_layers=dec, custom_encoder=None, **layer_kwargs(activation, norm_first, batch_first))
    params = prepare(mod)
    src = seq(S, batch_first)
    tgt = seq(T, batch_first)
    out = mod(
        src,
        tgt,
        tgt_mask=causal(T),
        src_key_padding_mask=padding(src_lengths, S),
        tgt_key_padding_mask=padding(tgt_lengths, T),
        memory_key_padding_mask=padding(src_lengths, S),
    )
    config = qkv_config(
        activation,
        norm_first,
        batch_first,
        numEncoderLayers=enc,
        numDecoderLayers=dec,
        srcLengths=src_lengths,
        tgtLengths=tgt_lengths,
        tgtCausal=True,
    )
    return finish(name=name, op="transformer", config=config, inputs={"src": src, "tgt": tgt}, params=params, outputs={"output": out})


def make() -> list[dict]:
    return [
        gelu_case(),
        encoder_layer_case("encoder_layer_post_relu_batch_first_padding", activation="relu", norm_first=False, batch_first=True, lengths=[5, 3, 4]),
        encoder_layer_case("encoder_layer_pre_gelu_padding_causal", activation="gelu", norm_first=True, batch_first=False, lengths=[2, 5, 4], is_causal=True),
        encoder_layer_case("encoder_layer_post_gelu_no_mask", activation="gelu", norm_first=False, batch_first=False),
        encoder_layer_case("encoder_layer_pre_relu_unbatched_causal", activation="relu", norm_first=True, batch_first=False, is_causal=True, unbatched=True),
        decoder_layer_case("decoder_layer_post_relu_batch_first_masks", activation="relu", norm_first=False, batch_first=True, src_lengths=[5, 2, 4], tgt_lengths=[4, 3, 2]),
        decoder_layer_case("decoder_layer_pre_gelu_masks", activation="gelu", norm_first=True, batch_first=False, src_lengths=[3, 5, 1], tgt_lengths=[2, 4, 4]),
        decoder_layer_case("decoder_layer_post_gelu_causal_only", activation="gelu", norm_first=False, batch_first=False),
        encoder_case("encoder_2_layers_post_relu_norm", activation="relu", norm_first=False, batch_first=True, layers=2, norm=True, lengths=[4, 5, 2]),
        encoder_case("encoder_2_layers_pre_gelu_no_norm", activation="gelu", norm_first=True, batch_first=False, layers=2, norm=False, lengths=[5, 1, 3]),
        decoder_case("decoder_2_layers_pre_relu_norm", activation="relu", norm_first=True, batch_first=True, layers=2, norm=True, src_lengths=[5, 3, 2], tgt_lengths=[4, 2, 3]),
        decoder_case("decoder_2_layers_post_gelu_no_norm", activation="gelu", norm_first=False, batch_first=False, layers=2, norm=False, src_lengths=[2, 5, 4]),
        transformer_case("transformer_post_relu_batch_first", activation="relu", norm_first=False, batch_first=True, enc=2, dec=2, src_lengths=[5, 3, 4], tgt_lengths=[4, 4, 2]),
        transformer_case("transformer_pre_gelu", activation="gelu", norm_first=True, batch_first=False, enc=2, dec=1, src_lengths=[2, 5, 5], tgt_lengths=[3, 4, 1]),
        transformer_case("transformer_pre_relu_no_padding", activation="relu", norm_first=True, batch_first=True, enc=1, dec=2),
    ]


def main() -> int:
    os.makedirs(OUT_DIR, exist_ok=True)
    print(f"torch {torch.__version__}")
    cases = make()
    path, size = write_fixture(OUT_DIR, GENERATOR, FILE, cases)
    print(f"{os.path.relpath(path, ROOT)}: {len(cases)} cases, {size / 1024:.1f} KiB")
    for c in cases:
        shapes = ", ".join(f"{n}{tuple(t['shape'])}" for n, t in c["inputs"].items())
        print(f"  {c['name']:<48} {c['op']:<14} {shapes}  params: {len(c['params'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
