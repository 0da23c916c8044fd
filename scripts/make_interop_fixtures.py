#!/usr/bin/env python3
"""The road to PyTorch and back: fixtures for test/models/pytorch-interop.test.ts.

Run:  npx tsx scripts/make-interop-weights.ts        # qkv trains the models, writes *.qkv.safetensors
      /usr/bin/python3 scripts/make_interop_fixtures.py

For every test/fixtures/interop/<name>.qkv.safetensors (a Transformer or an LSTM seq2seq trained for a
few steps by qkv; metadata `kind` and `config`):

1. qkv → PyTorch. The state dict is loaded, strictly and by name, into the PyTorch mirror of the model
   (scripts/qkv_torch.py: torch.nn.Transformer plus embeddings and output projection, or the seq2seq of
   nn.LSTM, nn.LSTMCell and the attention kind's parameters). The mirror runs in float64 on fixed
   inputs — teacher-forced logits, the attention weights (seq2seq) and greedy decoding — and the
   results are stored: the test loads the same file into qkv and must give the same numbers.
2. PyTorch → qkv. The mirror (float32, dropout 0) trains for a few Adam steps on fixed batches
   (cross-entropy ignoring padding, gradient norm clipped to 1, as qkv's trainer) and its state dict is
   written to <name>.torch.safetensors. The losses of each step and the trained model's outputs on the
   fixed inputs are stored: the test loads the PyTorch weights into qkv and compares outputs, and
   repeats the training in qkv from the same start and compares the losses.

Modules run in eval mode with gradients enabled (so nn.Transformer's fast path, which zeroes padded
positions, stays off) or in training mode with dropout 0. Writes test/fixtures/interop/interop.json.
"""

from __future__ import annotations

import glob
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures_common import ij, seed, tj, write_fixture  # noqa: E402
from qkv_torch import EOS, PAD, SOS, load_checkpoint, load_qkv, save_checkpoint, save_qkv  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "test", "fixtures", "interop")
GENERATOR = "scripts/make_interop_fixtures.py"
FILE = "interop"
LR = 1e-2
STEPS = 5
MAX_LEN = 8


def ids(B: int, L: int, lengths: list[int], V: int) -> torch.Tensor:
    """(B, L) ids in 4 … V−1, padding after each row's length."""
    x = torch.randint(4, V, (B, L))
    x[torch.arange(L)[None, :] >= torch.tensor(lengths)[:, None]] = PAD
    return x


def fixed_inputs(V_src: int, V_tgt: int) -> dict:
    src_lengths = [6, 4, 2]
    tgt_lengths = [5, 3, 4]
    tgt = ids(3, 5, tgt_lengths, V_tgt)
    tgt_in = torch.cat([torch.full((3, 1), SOS), tgt[:, :-1]], 1)
    tgt_in[torch.arange(5)[None, :] >= torch.tensor(tgt_lengths)[:, None]] = PAD
    return {"src": ids(3, 6, src_lengths, V_src), "srcLengths": torch.tensor(src_lengths), "tgtIn": tgt_in}


def training_batch(V_src: int, V_tgt: int, B: int = 4) -> dict:
    """A padded batch as qkv's makeBatches builds it: tgtIn = SOS + target, tgtOut = target + EOS."""
    src_lengths = torch.randint(2, 6, (B,))
    tgt_lengths = torch.randint(1, 5, (B,))
    S, T = int(src_lengths.max()), int(tgt_lengths.max()) + 1
    src = ids(B, S, src_lengths.tolist(), V_src)
    tgt = ids(B, T - 1, tgt_lengths.tolist(), V_tgt)
    tgt_in = torch.full((B, T), PAD)
    tgt_out = torch.full((B, T), PAD)
    for b in range(B):
        n = int(tgt_lengths[b])
        tgt_in[b, 0] = SOS
        tgt_in[b, 1 : n + 1] = tgt[b, :n]
        tgt_out[b, :n] = tgt[b, :n]
        tgt_out[b, n] = EOS
    return {"src": src, "srcLengths": src_lengths, "tgtIn": tgt_in, "tgtOut": tgt_out}


def logits_of(model, kind: str, x: dict):
    if kind == "transformer":
        return model(x["src"], x["srcLengths"], x["tgtIn"]), None
    return model(x["src"], x["srcLengths"], x["tgtIn"])


def outputs(model, kind: str, x: dict) -> dict:
    """Teacher-forced logits (+ attention weights) and greedy ids, in float64."""
    model = model.double().eval()
    with torch.enable_grad():  # keeps nn.Transformer off its inference fast path
        logits, weights = logits_of(model, kind, x)
        greedy = model.greedy(x["src"], x["srcLengths"], MAX_LEN)
    out = {"logits": tj(logits)}
    if weights is not None:
        out["weights"] = tj(weights)
    out["greedy"] = greedy
    return out


def checkpoint_case() -> dict:
    """A qkv checkpoint folder (ckpt-qkv, written by `qkv train`) continued in PyTorch and written back as a
    qkv checkpoint folder (ckpt-torch) with qkv_torch.save_checkpoint — what scripts/ddp_train.py does."""
    import shutil

    seed(FILE, "checkpoint")
    src_dir, out_dir = os.path.join(OUT_DIR, "ckpt-qkv"), os.path.join(OUT_DIR, "ckpt-torch")
    model, ck = load_checkpoint(os.path.join(src_dir, "best.json"), dropout=0.0)
    config = ck["meta"]["config"]
    Vs, Vt = config["srcVocabSize"], config["tgtVocabSize"]
    model = model.float().train()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    for _ in range(STEPS):
        b = training_batch(Vs, Vt)
        opt.zero_grad()
        logits, _ = model(b["src"], b["srcLengths"], b["tgtIn"])
        F.cross_entropy(logits.reshape(-1, Vt), b["tgtOut"].reshape(-1), ignore_index=PAD).backward()
        opt.step()
    shutil.rmtree(out_dir, ignore_errors=True)
    save_checkpoint(model, ck, out_dir, "best", note=f"{STEPS} Adam steps in PyTorch")
    x = fixed_inputs(Vs, Vt)
    return {
        "name": "checkpoint",
        "kind": ck["meta"].get("kind", "seq2seq"),
        "config": config,
        "from": "ckpt-qkv",
        "folder": "ckpt-torch",
        "input": {k: ij(v) for k, v in x.items()},
        "maxLength": MAX_LEN,
        "expected": outputs(model, "seq2seq", x),
    }


def main() -> None:
    torch.set_default_dtype(torch.float32)
    files = sorted(glob.glob(os.path.join(OUT_DIR, "*.qkv.safetensors")))
    if not files:
        raise SystemExit("no test/fixtures/interop/*.qkv.safetensors: run `npx tsx scripts/make-interop-weights.ts` first")
    cases = []
    for path in files:
        name = os.path.basename(path)[: -len(".qkv.safetensors")]
        seed(FILE, name)
        model, kind, config = load_qkv(path, dropout=0.0)
        Vs, Vt = config["srcVocabSize"], config["tgtVocabSize"]
        x = fixed_inputs(Vs, Vt)
        qkv_out = outputs(load_qkv(path, dropout=0.0)[0], kind, x)

        # PyTorch trains from the qkv weights, in float32 (its ordinary training precision).
        batches = [training_batch(Vs, Vt) for _ in range(STEPS)]
        model = model.float().train()
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        losses = []
        for b in batches:
            opt.zero_grad()
            logits, _ = logits_of(model, kind, b)
            loss = F.cross_entropy(logits.reshape(-1, Vt), b["tgtOut"].reshape(-1), ignore_index=PAD)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            losses.append(float(loss))
        torch_file = f"{name}.torch.safetensors"
        save_qkv(
            os.path.join(OUT_DIR, torch_file),
            model,
            kind,
            config,
            trainedBy=f"PyTorch {torch.__version__} ({GENERATOR}), {STEPS} Adam steps from {name}.qkv.safetensors",
        )
        torch_out = outputs(model, kind, x)
        cases.append(
            {
                "name": name,
                "kind": kind,
                "config": config,
                "weights": os.path.basename(path),
                "input": {k: ij(v) for k, v in x.items()},
                "maxLength": MAX_LEN,
                "expected": qkv_out,
                "train": {
                    "lr": LR,
                    "clip": 1.0,
                    "batches": [{k: ij(v) for k, v in b.items()} for b in batches],
                    "losses": losses,
                    "weights": torch_file,
                    "expected": torch_out,
                },
            }
        )
        print(f"{name}: losses {losses[0]:.4f} → {losses[-1]:.4f}; greedy {qkv_out['greedy'][0]} / {torch_out['greedy'][0]}")
    cases.append(checkpoint_case())
    p, n = write_fixture(OUT_DIR, GENERATOR, FILE, cases)
    print(f"wrote {p} ({n} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
