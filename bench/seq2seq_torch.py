"""PyTorch peer of qkv's seq2seq training step, for bench/train-speed.ts (issue 4).

  /usr/bin/python3 bench/seq2seq_torch.py --threads 1 --batch 64 --warmup 2 --steps 10

The SAME model as src/models/seq2seq/model.ts with the config of bench/train-speed.ts (embedDim 64,
hiddenSize 128 bidirectional, decoder 256, luong-general, input feeding, dropout 0.1), and the SAME
batches as qkv's trainer (src/train/tasks.ts + src/data/batching.ts, ported below): SCAN simple read
from the train file, tokens split on spaces, shuffled with mulberry32(seed), the first 10 % held out
for validation, vocabularies built from the remaining training pairs (frequency, then token), sorted
by (source length, target length, index), cut into batches, batch order shuffled with
mulberry32(seed·1000) (epoch 1). The first `warmup` batches warm up; the next `steps` are timed.
One training step as src/train/trainer.ts: zero_grad, teacher-forced forward, cross-entropy
(ignore_index 0, mean), backward, clip_grad_norm_(1), Adam(lr 1e-3) step, loss.item().

The per-step computation mirrors qkv's op for op: the general score e = sᵀ W h projects the keys
once per sentence (k′ = W h, as qkv's encode does; luong-dot scores the memory itself), the padding mask
is an additive bias, h̃ = tanh(W_c [c; s]) without bias. The encoder uses pack_padded_sequence (the
PyTorch idiom for `lengths`; qkv runs all S steps and carries the state over padding).

Prints one JSON line on stdout: {ms_per_step, tokens_per_step, steps, params, threads, ...} (wall
time; cpu_ms_per_step is the process's CPU time, all threads, which a loaded machine inflates less).
"""

import argparse
import hashlib
import json
import os
import re
import sys
import time
from array import array

M32 = 0xFFFFFFFF
PAD, UNK, SOS, EOS = 0, 1, 2, 3
SPECIALS = ["<pad>", "<unk>", "<sos>", "<eos>"]


# ---------------------------------------------------------------- data: a port of src/data + src/train/tasks.ts
def mulberry32(seed):
    """src/data/random.ts: the same float sequence as the JS generator (32-bit arithmetic)."""
    state = seed & M32

    def imul(a, b):
        return (a * b) & M32

    def rng():
        nonlocal state
        state = (state + 0x6D2B79F5) & M32
        t = state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296

    return rng


def shuffle_in_place(items, rng):
    for i in range(len(items) - 1, 0, -1):
        j = int(rng() * (i + 1))
        items[i], items[j] = items[j], items[i]
    return items


LINE_RE = re.compile(r"^IN:\s+(.*?)\s+OUT:\s+(.*?)\s*$")


def read_scan(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = re.split(r"\r?\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    pairs = []
    for i, line in enumerate(lines):
        m = LINE_RE.match(line)
        if not m:
            raise ValueError(f"{path}:{i + 1}: not a SCAN line")
        pairs.append((m.group(1).split(), m.group(2).split()))
    return pairs


def build_vocab(sentences):
    """src/data/vocab.ts Vocab.build: frequency descending, ties by token (code-unit order; ASCII here)."""
    counts = {}
    for s in sentences:
        for tok in s:
            counts[tok] = counts.get(tok, 0) + 1
    kept = sorted((t for t in counts if t not in SPECIALS), key=lambda t: (-counts[t], t))
    return {t: i for i, t in enumerate(SPECIALS + kept)}


def collate(examples, idx):
    rows = [examples[i] for i in idx]
    B = len(rows)
    src_len = [len(s) for s, _ in rows]
    tgt_len = [len(t) + 1 for _, t in rows]
    S, T = max(1, *src_len), max(1, *tgt_len)
    src, tgt_in, tgt_out = [PAD] * (B * S), [PAD] * (B * T), [PAD] * (B * T)
    for b, (s, t) in enumerate(rows):
        src[b * S : b * S + len(s)] = s
        tgt_in[b * T] = SOS
        tgt_in[b * T + 1 : b * T + 1 + len(t)] = t
        tgt_out[b * T : b * T + len(t)] = t
        tgt_out[b * T + len(t)] = EOS
    return {"B": B, "S": S, "T": T, "src": src, "src_len": src_len, "tgt_in": tgt_in, "tgt_out": tgt_out,
            "tgt_len": tgt_len}


def load_batches(path, batch_size, seed):
    """loadTask("scan-simple", {seed}) then makeBatches(…, {shuffle, sortByLength, seed: seed·1000 + 0})."""
    pairs = read_scan(path)
    shuffle_in_place(pairs, mulberry32(seed))
    n_valid = int(len(pairs) * 0.1 + 0.5)  # Math.round
    train = pairs[n_valid:]
    sv, tv = build_vocab(s for s, _ in train), build_vocab(t for _, t in train)
    examples = [([sv.get(w, UNK) for w in s], [tv.get(w, UNK) for w in t]) for s, t in train]
    order = sorted(range(len(examples)), key=lambda i: (len(examples[i][0]), len(examples[i][1]), i))
    chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    shuffle_in_place(chunks, mulberry32(seed * 1000))
    return [collate(examples, c) for c in chunks], len(train), len(sv), len(tv)


def fingerprint(batches):
    """sha256 of every batch's int32 src, tgtIn, tgtOut (little-endian); bench/train-speed.ts compares."""
    h = hashlib.sha256()
    for b in batches:
        for k in ("src", "tgt_in", "tgt_out"):
            a = array("i", b[k])
            if sys.byteorder != "little":
                a.byteswap()
            h.update(a.tobytes())
    return h.hexdigest()[:16]


# ---------------------------------------------------------------- model: src/models/seq2seq/model.ts
def build_model(torch, src_vocab, tgt_vocab, E=64, H=128, dropout=0.1, attention="luong-general"):
    """luong-general (e = sᵀ W h) or luong-dot (e = sᵀ h: no attn_w, the keys are the memory itself)."""
    if attention not in ("luong-general", "luong-dot"):
        raise ValueError(f"build_model: attention must be luong-general or luong-dot, got {attention}")
    nn, F = torch.nn, torch.nn.functional
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    Dh, Hd = 2 * H, 2 * H

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.src_embed = nn.Embedding(src_vocab, E, padding_idx=0)
            self.tgt_embed = nn.Embedding(tgt_vocab, E, padding_idx=0)
            self.encoder = nn.LSTM(E, H, num_layers=1, bidirectional=True, batch_first=True)
            self.bridge_h = nn.Linear(Dh, Hd)
            self.bridge_c = nn.Linear(Dh, Hd)
            self.decoder = nn.LSTMCell(E + Hd, Hd)  # input feeding: [E; h̃_{t-1}]
            self.combine = nn.Linear(Dh + Hd, Hd, bias=False)
            self.out = nn.Linear(Hd, tgt_vocab)
            self.dropout = nn.Dropout(dropout)
            if attention == "luong-general":
                bound = 1 / Dh**0.5
                self.attn_w = nn.Parameter(torch.empty(Hd, Dh).uniform_(-bound, bound))

        def forward(self, src, src_len, tgt_in):
            B, S = src.shape
            T = tgt_in.shape[1]
            emb = self.dropout(self.src_embed(src))
            if bool((src_len == S).all()):  # no padding: the plain call (what a user writes then)
                memory, (h, c) = self.encoder(emb)
            else:
                packed = pack_padded_sequence(emb, src_len, batch_first=True, enforce_sorted=False)
                out, (h, c) = self.encoder(packed)
                memory, _ = pad_packed_sequence(out, batch_first=True, total_length=S)  # (B, S, Dh)
            h = torch.tanh(self.bridge_h(h.transpose(0, 1).reshape(B, Dh)))
            c = self.bridge_c(c.transpose(0, 1).reshape(B, Dh))
            feed = torch.zeros(B, Hd)
            valid = torch.arange(S).unsqueeze(0) < src_len.unsqueeze(1)
            bias = torch.zeros(B, 1, S).masked_fill(~valid.unsqueeze(1), float("-inf"))
            # The keys' half of the score, k′ = W h, once per sentence (as qkv's encode does).
            wk = F.linear(memory, self.attn_w) if attention == "luong-general" else memory  # (B, S, Hd)
            logits = []
            for t in range(T):
                e = self.dropout(self.tgt_embed(tgt_in[:, t]))
                h, c = self.decoder(torch.cat([e, feed], 1), (h, c))
                scores = torch.bmm(h.unsqueeze(1), wk.transpose(1, 2)) + bias  # (B, 1, S)
                weights = torch.softmax(scores, -1)
                context = torch.bmm(weights, memory).squeeze(1)  # (B, Dh)
                h_tilde = self.dropout(torch.tanh(self.combine(torch.cat([context, h], 1))))
                logits.append(self.out(h_tilde))
                feed = h_tilde
            return torch.stack(logits, 1)  # (B, T, V)

    return Seq2Seq()


def blas_note(torch):
    info = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    torch.ones(64, 64) @ torch.ones(64, 64)
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            name = os.path.basename(line.split()[-1]).lower()
            if "blas" in name or "mkl" in name or "dnnl" in name:
                libs.add(os.path.realpath(line.split()[-1]))
    return f"BLAS_INFO={info.group(1) if info else '?'}; loaded: {', '.join(sorted(libs)) or 'none'}"


def gemm_gflops(torch, n=512, reps=5):
    """Single matmul rate (n³, float32) at the current thread count: tells a fast BLAS from a slow one."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    t0 = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * n**3 * reps / (time.perf_counter() - t0) / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", default=os.environ.get("QKV_DATA_DIR", "/work/shared/data"))
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    path = os.path.join(args.data, "scan", "tasks_train_simple.txt")
    batches, train_pairs, src_vocab, tgt_vocab = load_batches(path, args.batch, args.seed)
    used = batches[: args.warmup + args.steps]
    if len(used) < args.warmup + args.steps:
        raise SystemExit(f"only {len(batches)} batches, asked for {args.warmup}+{args.steps}")

    model = build_model(torch, src_vocab, tgt_vocab)
    params = list(model.parameters())
    n_params = sum(p.numel() for p in params)
    print(
        "params: " + ", ".join(f"{n}={p.numel()}" for n, p in model.named_parameters()) + f"; total {n_params}",
        file=sys.stderr,
    )
    opt = torch.optim.Adam(params, lr=1e-3)
    model.train()
    tensors = [
        (
            torch.tensor(b["src"], dtype=torch.long).view(b["B"], b["S"]),
            torch.tensor(b["src_len"], dtype=torch.long),
            torch.tensor(b["tgt_in"], dtype=torch.long).view(b["B"], b["T"]),
            torch.tensor(b["tgt_out"], dtype=torch.long),
        )
        for b in used
    ]

    def step(src, src_len, tgt_in, tgt_out):
        opt.zero_grad()
        logits = model(src, src_len, tgt_in)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out, ignore_index=PAD)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return loss.item()

    for i in range(args.warmup):
        step(*tensors[i])
    step_ms, cpu_ms, losses = [], [], []
    for i in range(args.warmup, args.warmup + args.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        losses.append(step(*tensors[i]))
        step_ms.append((time.perf_counter() - t0) * 1000)
        cpu_ms.append((time.process_time() - c0) * 1000)
    timed = used[args.warmup :]
    tokens = sum(sum(b["tgt_len"]) for b in timed)
    print(
        json.dumps(
            {
                "ms_per_step": sum(step_ms) / len(step_ms),
                "tokens_per_step": tokens / len(timed),
                "cpu_ms_per_step": sum(cpu_ms) / len(cpu_ms),
                "steps": args.steps,
                "params": n_params,
                "threads": args.threads,
                "warmup": args.warmup,
                "batch": args.batch,
                "step_ms": [round(x, 3) for x in step_ms],
                "cpu_ms": [round(x, 3) for x in cpu_ms],
                "losses": [round(x, 5) for x in losses],
                "shapes": [[b["B"], b["S"], b["T"]] for b in timed],
                "fingerprint": fingerprint(used),
                "train_pairs": train_pairs,
                "steps_per_epoch": len(batches),
                "vocab": [src_vocab, tgt_vocab],
                "torch": torch.__version__,
                "torch_threads": torch.get_num_threads(),
                "blas": blas_note(torch),
                "gemm_gflops": round(gemm_gflops(torch), 2),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
