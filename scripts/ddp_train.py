#!/usr/bin/env python3
"""Continue training a qkv model in PyTorch on many GPUs (DistributedDataParallel), then bring it back.

Run (docs/SCALING.md):
  npx tsx scripts/export-ids.ts --model runs/x --out runs/x/ids          # the data as qkv's token ids
  torchrun --nproc_per_node=8 scripts/ddp_train.py --checkpoint runs/x/best.json \\
      --data runs/x/ids --out runs/x-torch --epochs 10 --batch-size 64 --lr 1e-3
  qkv eval --model runs/x-torch --split valid                              # back in qkv

Every process loads the qkv checkpoint into the PyTorch mirror (scripts/qkv_torch.py: same state-dict
names), wraps it in DistributedDataParallel and trains on its shard of the data (DistributedSampler);
gradients are averaged across processes every step. The loss is qkv's: cross-entropy over non-padding
target tokens, gradient norm clipped (default 1), Adam. Rank 0 writes <out>/best.json +
best.<sha256>.safetensors, a qkv checkpoint (weights, and the original's vocabularies, tokenizers and
config) that `qkv translate|eval|attend|export --model <out>` read as they are.

Backend: nccl with GPUs, gloo on CPU (`--backend gloo` runs 2 CPU processes on one machine).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qkv_torch import EOS, PAD, SOS, load_checkpoint, save_checkpoint  # noqa: E402


def read_ids(path: str) -> list[tuple[list[int], list[int]]]:
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [(r["src"], r["tgt"]) for r in rows if r["src"]]


def collate(batch):
    """Padded (src, srcLengths, tgtIn, tgtOut) as qkv's makeBatches: tgtIn = SOS + y, tgtOut = y + EOS."""
    B = len(batch)
    S = max(len(s) for s, _ in batch)
    T = max(len(t) for _, t in batch) + 1
    src = torch.full((B, S), PAD, dtype=torch.long)
    tgt_in = torch.full((B, T), PAD, dtype=torch.long)
    tgt_out = torch.full((B, T), PAD, dtype=torch.long)
    for b, (s, t) in enumerate(batch):
        src[b, : len(s)] = torch.tensor(s)
        tgt_in[b, 0] = SOS
        tgt_in[b, 1 : len(t) + 1] = torch.tensor(t, dtype=torch.long)
        tgt_out[b, : len(t)] = torch.tensor(t, dtype=torch.long)
        tgt_out[b, len(t)] = EOS
    return src, torch.tensor([len(s) for s, _ in batch]), tgt_in, tgt_out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, help="qkv checkpoint JSON (runs/x/best.json or last.json)")
    ap.add_argument("--data", required=True, help="folder with train.jsonl (scripts/export-ids.ts)")
    ap.add_argument("--out", required=True, help="folder for the qkv checkpoint written at the end")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=64, help="per process")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--backend", choices=["nccl", "gloo"], default=None, help="default: nccl with GPUs, else gloo")
    args = ap.parse_args()

    cuda = torch.cuda.is_available()
    dist.init_process_group(backend=args.backend or ("nccl" if cuda else "gloo"))
    rank, world = dist.get_rank(), dist.get_world_size()
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device(f"cuda:{local_rank}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    torch.manual_seed(args.seed)

    model, ck = load_checkpoint(args.checkpoint)
    kind = ck["meta"].get("kind", "seq2seq")
    model.to(device).train()
    ddp = DDP(model, device_ids=[local_rank] if cuda else None)
    data = read_ids(os.path.join(args.data, "train.jsonl"))
    sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=True, seed=args.seed)
    loader = DataLoader(data, batch_size=args.batch_size, sampler=sampler, collate_fn=collate)
    opt = torch.optim.Adam(ddp.parameters(), lr=args.lr)
    V = ck["meta"]["config"]["tgtVocabSize"]
    if rank == 0:
        print(f"{kind} from {args.checkpoint}: {len(data)} pairs, {world} processes ({device.type}), "
              f"{len(loader)} steps per epoch of {args.batch_size} pairs per process", flush=True)
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        t0 = time.time()
        total = torch.zeros(2, device=device)  # summed loss · tokens, tokens
        for src, lengths, tgt_in, tgt_out in loader:
            src, tgt_in, tgt_out = src.to(device), tgt_in.to(device), tgt_out.to(device)
            opt.zero_grad()
            out = ddp(src, lengths.to(device), tgt_in)
            logits = out[0] if isinstance(out, tuple) else out
            loss = F.cross_entropy(logits.reshape(-1, V), tgt_out.reshape(-1), ignore_index=PAD)
            loss.backward()  # DDP averages the gradients of all processes here
            if args.clip > 0:
                torch.nn.utils.clip_grad_norm_(ddp.parameters(), args.clip)
            opt.step()
            n = (tgt_out != PAD).sum()
            total += torch.stack([loss.detach() * n, n.to(loss.dtype)])
        dist.all_reduce(total)
        if rank == 0:
            print(f"epoch {epoch + 1}: loss {float(total[0] / total[1]):.4f} ({time.time() - t0:.1f} s)", flush=True)
    if rank == 0:
        path = save_checkpoint(model.to("cpu"), ck, args.out, "best", note=f"DDP x{world}")
        print(f"wrote {path}", flush=True)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
