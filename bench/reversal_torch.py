"""PyTorch peer of the explorer's reversal training step, for bench/reversal-speed.ts (issue 19).

  /usr/bin/python3 bench/reversal_torch.py --batches tmp/reversal-batches.json \
      --weights tmp/reversal-weights.json --threads 1 --warmup 10 --steps 40

The model is bench/seq2seq_torch.py's `build_model` (the port of src/models/seq2seq/model.ts) with the
page's recipe (web/src/reversal.ts DEFAULT_REVERSAL): embed 16, hidden 32 per direction, decoder 64,
luong-dot, input feeding, dropout 0. It starts from qkv's own initial weights (the state dict qkv
dumped, loaded strictly: every name and shape must match) and trains on qkv's own batches, so the
first loss must equal qkv's (printed; bench/reversal-speed.ts compares). One step as ReversalRun.step:
lr = 0.02 · 0.5^(step/150), zero_grad, teacher-forced forward, cross-entropy (ignore_index 0, mean),
backward, clip_grad_norm_(1), Adam step, loss.item().

Prints one JSON line on stdout: {median_ms, ms_per_step, step_ms, first_loss, losses, ...}.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seq2seq_torch import PAD, blas_note, build_model, gemm_gflops  # noqa: E402

LR, HALF_LIFE, E, H = 0.02, 150, 16, 32


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batches", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--steps", type=int, default=40)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    with open(args.batches) as f:
        batches = json.load(f)
    with open(args.weights) as f:
        weights = json.load(f)
    if len(batches) < args.warmup + args.steps:
        raise SystemExit(f"{args.batches}: {len(batches)} batches, asked for {args.warmup}+{args.steps}")
    vocab = weights["src_embed.weight"]["shape"][0]
    model = build_model(torch, vocab, vocab, E=E, H=H, dropout=0.0, attention="luong-dot")
    state = {k: torch.tensor(v["data"], dtype=torch.float32).view(v["shape"]) for k, v in weights.items()}
    model.load_state_dict(state, strict=True)
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=LR)
    model.train()
    tensors = [
        (
            torch.tensor(b["src"], dtype=torch.long).view(b["B"], b["S"]),
            torch.tensor(b["srcLengths"], dtype=torch.long),
            torch.tensor(b["tgtIn"], dtype=torch.long).view(b["B"], b["T"]),
            torch.tensor(b["tgtOut"], dtype=torch.long),
        )
        for b in batches[: args.warmup + args.steps]
    ]

    def step(i, src, src_len, tgt_in, tgt_out):
        for g in opt.param_groups:
            g["lr"] = LR * 0.5 ** (i / HALF_LIFE)
        opt.zero_grad()
        logits = model(src, src_len, tgt_in)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out, ignore_index=PAD)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return loss.item()

    losses, step_ms = [], []
    for i, t in enumerate(tensors):
        t0 = time.perf_counter()
        losses.append(step(i, *t))
        if i >= args.warmup:
            step_ms.append((time.perf_counter() - t0) * 1000)
    s = sorted(step_ms)
    n = len(s)
    med = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    print(
        json.dumps(
            {
                "median_ms": med,
                "ms_per_step": sum(step_ms) / n,
                "step_ms": [round(x, 3) for x in step_ms],
                "first_loss": losses[0],
                "losses": [round(x, 6) for x in losses],
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
