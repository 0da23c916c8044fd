#!/usr/bin/env python3
"""PyTorch reference fixtures for the LSTM seq2seq's coverage and local attention kinds.

Run:  /usr/bin/python3 scripts/make_kinds_fixtures.py   (any Python with torch)

Writes test/fixtures/models/seq2seq-kinds.json: for each kind (coverage, local-m, local-p) the twin in
scripts/qkv_torch.py (written from the papers, independently of the TypeScript) with float32-valued
weights, a padded batch, and in float64: the teacher-forced logits and attention weights, the loss
(cross-entropy over non-padding targets, mean), its gradient for every parameter, and the greedy
decoding of the batch. test/models/seq2seq-kinds-parity.test.ts loads the weights into qkv and
compares.
"""

from __future__ import annotations

import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures_common import F64, ij, randn, seed, tj, write_fixture  # noqa: E402
from qkv_torch import Seq2Seq  # noqa: E402

FILE = "seq2seq-kinds"
B, S, T = 3, 6, 7
LENGTHS = [6, 4, 2]


def case(name: str, kind: str, window: int | None) -> dict:
    seed(FILE, name)
    config = {
        "srcVocabSize": 11,
        "tgtVocabSize": 9,
        "embedDim": 4,
        "hiddenSize": 3,
        "attention": kind,
        "attentionDim": 5,
        "dropout": 0,
    }
    if window is not None:
        config["attentionWindow"] = window
    m = Seq2Seq(config, dropout=0.0)
    with torch.no_grad():
        for n, p in m.named_parameters():
            p.copy_(randn(*p.shape, scale=0.5).to(p.dtype))
        m.src_embed.weight[0].zero_()
        m.tgt_embed.weight[0].zero_()
    m = m.double()
    src = torch.zeros(B, S, dtype=torch.long)
    for b, n in enumerate(LENGTHS):
        src[b, :n] = torch.randint(4, 11, (n,))
    tgt_len = [7, 5, 3]
    tgt_in = torch.zeros(B, T, dtype=torch.long)
    tgt_out = torch.zeros(B, T, dtype=torch.long)
    for b, n in enumerate(tgt_len):
        y = torch.randint(4, 9, (n - 1,))
        tgt_in[b, 0] = 2
        tgt_in[b, 1:n] = y
        tgt_out[b, : n - 1] = y
        tgt_out[b, n - 1] = 3
    lengths = torch.tensor(LENGTHS)
    logits, weights = m(src, lengths, tgt_in)
    loss = F.cross_entropy(logits.reshape(B * T, -1), tgt_out.reshape(-1), ignore_index=0)
    names = [n for n, _ in m.named_parameters()]
    grads = torch.autograd.grad(loss, [p for _, p in m.named_parameters()])
    with torch.no_grad():
        greedy = m.greedy(src, lengths, 8)
    return {
        "name": name,
        "config": config,
        "params": {n: tj(p) for n, p in m.named_parameters()},
        "src": ij(src),
        "srcLengths": LENGTHS,
        "tgtIn": ij(tgt_in),
        "tgtOut": ij(tgt_out),
        "expected": {"logits": tj(logits), "weights": tj(weights), "loss": float(loss.detach())},
        "grads": {n: tj(g) for n, g in zip(names, grads)},
        "greedy": greedy,
    }


def main() -> None:
    torch.set_default_dtype(F64)
    cases = [
        case("coverage", "coverage", None),
        case("local-m D=1", "local-m", 1),
        case("local-p D=1", "local-p", 1),
        case("local-p D=2", "local-p", 2),
    ]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "models")
    os.makedirs(out, exist_ok=True)
    path, size = write_fixture(out, "scripts/make_kinds_fixtures.py", FILE, cases)
    print(f"wrote {path} ({size} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
