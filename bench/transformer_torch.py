"""PyTorch peer of the bundled Transformer recipe's training step, for bench/transformer-train-speed.ts
(issue 19).

  /usr/bin/python3 bench/transformer_torch.py --batches tmp/transformer-batches.json \
      --weights tmp/transformer-init.safetensors --config tmp/transformer-config.json \
      --threads 1 --warmup 3 --steps 20 --check 2

The model is scripts/qkv_torch.py's `TransformerModel` (torch.nn.Transformer, batch_first, qkv's
state-dict names) plus the latent alignment layer of src/models/transformer/model.ts (`latent`),
written out below op for op as qkv computes it:
  a  = softmax(align_q(h) · align_k(M)ᵀ / √d, padded sources −∞)                  (B, T, S)
  hj = dropout(tanh(W_x x_j + W_h h_t)), [W_x | W_h] = align_combine.weight,
       x = dropout(√d · E_src[src])                                                  (B, T, S, d)
  logits = log(Σ_j a_tj softmax(out(hj))_tj + 1e-30)                               (B, T, V)
It starts from qkv's initial weights (the safetensors file qkv wrote, loaded strictly: every name and
shape) and trains on qkv's batches. One step as src/train/step.ts `trainStep` with the recipe's
options: Noam lr = 0.34 · d^−0.5 · min(s^−0.5, s · 400^−1.5), s = max(step, 1); zero_grad,
teacher-forced forward, cross-entropy (ignore_index 0, label smoothing 0.1, mean), backward,
clip_grad_norm_(1), Adam (0.9, 0.999, 1e-8) step, loss.item().

Before the timed run, `--check` steps of the same model with dropout 0 (train mode) from the same
weights: their losses are what qkv's must equal (no dropout masks to differ). The timed run then has
the recipe's dropout (masks from torch's generator, so its losses after step 0 are not qkv's).

Prints one JSON line on stdout: {median_ms, total_ms, step_ms, check_losses, losses, fingerprint, ...}.
"""

import argparse
import array
import hashlib
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
from seq2seq_torch import blas_note, gemm_gflops  # noqa: E402

PAD = 0
LATENT_FLOOR = 1e-30


def fingerprint(batches):
    """sha256 of the int32 src, tgtIn, tgtOut of each batch (little-endian), as the .ts side."""
    h = hashlib.sha256()
    for b in batches:
        for k in ("src", "tgtIn", "tgtOut"):
            a = array.array("i", b[k])
            if sys.byteorder != "little":
                a.byteswap()
            h.update(a.tobytes())
    return h.hexdigest()[:16]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batches", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--check", type=int, default=2)
    args = ap.parse_args()

    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from qkv_torch import TransformerModel, read_safetensors, sinusoidal

    torch.set_num_threads(args.threads)
    with open(args.config) as f:
        recipe = json.load(f)
    with open(args.batches) as f:
        batches = json.load(f)
    n = args.warmup + args.steps
    if len(batches) < max(n, args.check):
        raise SystemExit(f"{args.batches}: {len(batches)} batches, asked for {args.warmup}+{args.steps}")
    state, _ = read_safetensors(args.weights)
    config = recipe["config"]
    d = config["dModel"]

    class LatentTransformer(TransformerModel):
        """qkv's TransformerModel with latentAlignment (state-dict names align_q, align_k, align_combine)."""

        def __init__(self, config, dropout):
            super().__init__(config, dropout)
            self.align_q = nn.Linear(d, d, bias=False)
            self.align_k = nn.Linear(d, d, bias=False)
            self.align_combine = nn.Linear(2 * d, d, bias=False)

        def forward(self, src, src_lengths, tgt_in):
            S = src.shape[1]
            pad = torch.arange(S)[None, :] >= src_lengths[:, None]  # True = padding
            scaled = self.src_embed(src) * math.sqrt(d)
            x = self.dropout(scaled + sinusoidal(S, d, 0, scaled.dtype))
            memory = self.transformer.encoder(x, src_key_padding_mask=pad)
            words = self.dropout(scaled)  # the source embeddings the positions predict from (own mask)
            T = tgt_in.shape[1]
            causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
            y = self.embed(self.tgt_embed, tgt_in)
            h = self.transformer.decoder(y, memory, tgt_mask=causal, memory_key_padding_mask=pad)
            scores = (self.align_q(h) @ self.align_k(memory).transpose(1, 2)) * (1 / math.sqrt(d))
            a = torch.softmax(scores.masked_fill(pad[:, None, :], float("-inf")), -1)  # (B, T, S)
            # W_c [x_j; h_t] = W_x x_j + W_h h_t, as qkv computes it (no (B, T, S, 2d) concatenation)
            wc = self.align_combine.weight
            xw, hw = F.linear(words, wc[:, :d]), F.linear(h, wc[:, d:])  # (B, S, d), (B, T, d)
            hj = self.dropout(torch.tanh(xw[:, None] + hw[:, :, None]))  # (B, T, S, d)
            probs = torch.softmax(self.out(hj), -1)  # (B, T, S, V)
            mixed = (a[:, :, None, :] @ probs)[:, :, 0]  # (B, T, V)
            return torch.log(mixed + LATENT_FLOOR)

    tensors = [
        (
            torch.tensor(b["src"], dtype=torch.long).view(b["B"], b["S"]),
            torch.tensor(b["srcLengths"], dtype=torch.long),
            torch.tensor(b["tgtIn"], dtype=torch.long).view(b["B"], b["T"]),
            torch.tensor(b["tgtOut"], dtype=torch.long),
        )
        for b in batches[: max(n, args.check)]
    ]
    lr0, warm, smooth = recipe["lr"], recipe["warmup"], recipe["labelSmoothing"]

    def run(dropout, count, timed_from):
        model = LatentTransformer(config, dropout)
        model.load_state_dict({k: v.to(torch.float32) for k, v in state.items()}, strict=True)
        model.train()
        params = list(model.parameters())
        opt = torch.optim.Adam(params, lr=lr0)
        losses, step_ms = [], []
        cpu0 = time.process_time()
        for i, (src, src_len, tgt_in, tgt_out) in enumerate(tensors[:count]):
            t0 = time.perf_counter()
            s = max(i, 1)
            for g in opt.param_groups:
                g["lr"] = lr0 * d**-0.5 * min(s**-0.5, s * warm**-1.5)
            opt.zero_grad()
            logits = model(src, src_len, tgt_in)
            loss = F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), tgt_out, ignore_index=PAD, label_smoothing=smooth
            )
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, recipe["clip"])
            opt.step()
            losses.append(loss.item())
            if i >= timed_from:
                step_ms.append((time.perf_counter() - t0) * 1000)
            if i + 1 == timed_from:
                cpu0 = time.process_time()
        return losses, step_ms, (time.process_time() - cpu0) * 1000

    torch.manual_seed(1)
    check_losses, _, _ = run(0.0, args.check, args.check)
    torch.manual_seed(1)
    losses, step_ms, cpu_ms = run(config["dropout"], n, args.warmup)
    s = sorted(step_ms)
    m = len(s)
    med = s[m // 2] if m % 2 else (s[m // 2 - 1] + s[m // 2]) / 2
    print(
        json.dumps(
            {
                "median_ms": med,
                "total_ms": sum(step_ms),
                "cpu_ms": cpu_ms,
                "step_ms": [round(x, 3) for x in step_ms],
                "check_losses": check_losses,
                "losses": [round(x, 6) for x in losses],
                "fingerprint": fingerprint(batches[:n]),
                "threads": args.threads,
                "torch_threads": torch.get_num_threads(),
                "torch": torch.__version__,
                "blas": blas_note(torch),
                "gemm_gflops": round(gemm_gflops(torch), 2),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
