"""qkv's models as PyTorch modules, with the same state-dict names, and safetensors in and out.

Used by scripts/make_interop_fixtures.py (the round-trip fixtures) and scripts/ddp_train.py (continue
training on many GPUs, docs/SCALING.md). Needs only torch (Debian's python3-torch 1.13 works).

  TransformerModel  mirrors src/models/transformer/model.ts: √d-scaled embeddings, sinusoidal or learned
                    positions ("pos_embed.weight"), torch.nn.Transformer (batch_first, final norms),
                    output projection "out" (tied to "tgt_embed.weight" when tieOutput).
  Seq2Seq           mirrors src/models/seq2seq/model.ts: bidirectional nn.LSTM encoder (packed by
                    lengths), bridges, nn.LSTMCell decoder, attention kinds none / bahdanau /
                    luong-{dot,general,concat,location}, coverage (Tu et al. 2016, linguistic
                    coverage C_t = C_{t-1} + a_t in the additive score) and Luong's local-m / local-p
                    (window |s - p_t| <= D, local-p's Gaussian sigma = D/2) with the parameter names of
                    src/models/seq2seq/attention-kinds.ts.
  read_safetensors / write_safetensors   the format: 8-byte little-endian header length N, N bytes of
                    JSON header, raw little-endian data (no `safetensors` package needed).
  load_qkv(path)    the model a qkv safetensors file describes (metadata "kind" and "config").

Ids: 0 = padding, 1 = <unk>, 2 = <sos>, 3 = <eos> (src/data/vocab.ts).
"""

from __future__ import annotations

import json
import math
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD, UNK, SOS, EOS = 0, 1, 2, 3

# --------------------------------------------------------------------------------------------------
# safetensors
# --------------------------------------------------------------------------------------------------

_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
_NAMES = {v: k for k, v in _DTYPES.items()}


def read_safetensors(path: str) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """(tensors, metadata) of a .safetensors file; offsets are checked to be inside the data."""
    with open(path, "rb") as fh:
        blob = fh.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise ValueError(f"{path}: header length {n} exceeds the file")
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    data = blob[8 + n :]
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        dtype = _DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        if not 0 <= begin <= end <= len(data):
            raise ValueError(f"{path}: tensor {name} has offsets {begin}…{end} outside the data")
        buf = bytearray(data[begin:end])
        t = torch.frombuffer(buf, dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors, metadata


def write_safetensors(path: str, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> None:
    """Writes tensors (contiguous little-endian copies; shared tensors once per name) and string metadata."""
    header: dict = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        raw = t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(text)))
        fh.write(text)
        for c in chunks:
            fh.write(c)


# --------------------------------------------------------------------------------------------------
# Transformer (src/models/transformer)
# --------------------------------------------------------------------------------------------------


def sinusoidal(length: int, d: int, offset: int = 0, dtype=torch.float64) -> torch.Tensor:
    """PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(…) (Vaswani et al. 2017, §3.5)."""
    pos = torch.arange(offset, offset + length, dtype=torch.float64)[:, None]
    i2 = torch.arange(0, d, 2, dtype=torch.float64)
    angle = pos / torch.pow(torch.tensor(10000.0, dtype=torch.float64), i2 / d)
    pe = torch.zeros(length, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle)[:, : d // 2]
    return pe.to(dtype)


class LearnedPositions(nn.Module):
    def __init__(self, max_len: int, d: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(max_len, d))


class TransformerModel(nn.Module):
    """qkv's TransformerModel: state-dict names src_embed, tgt_embed, pos_embed (learned), transformer, out."""

    def __init__(self, config: dict, dropout: float | None = None):
        super().__init__()
        c = {
            "dModel": 64,
            "nhead": 4,
            "numEncoderLayers": 2,
            "numDecoderLayers": 2,
            "dropout": 0.1,
            "activation": "relu",
            "normFirst": False,
            "layerNormEps": 1e-5,
            "positions": "sinusoidal",
            "maxLength": 256,
            "tieOutput": True,
            **config,
        }
        c.setdefault("dimFeedforward", 4 * c["dModel"])
        self.config = c
        d = c["dModel"]
        p = c["dropout"] if dropout is None else dropout
        self.src_embed = nn.Embedding(c["srcVocabSize"], d, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(c["tgtVocabSize"], d, padding_idx=PAD)
        self.pos_embed = LearnedPositions(c["maxLength"], d) if c["positions"] == "learned" else None
        self.transformer = nn.Transformer(
            d_model=d,
            nhead=c["nhead"],
            num_encoder_layers=c["numEncoderLayers"],
            num_decoder_layers=c["numDecoderLayers"],
            dim_feedforward=c["dimFeedforward"],
            dropout=p,
            activation=c["activation"],
            layer_norm_eps=c["layerNormEps"],
            batch_first=True,
            norm_first=c["normFirst"],
        )
        # the standard path everywhere (the nested-tensor path zeroes padded positions)
        self.transformer.encoder.enable_nested_tensor = False
        self.out = nn.Linear(d, c["tgtVocabSize"])
        if c["tieOutput"]:
            self.out.weight = self.tgt_embed.weight
        self.dropout = nn.Dropout(p)

    def embed(self, table: nn.Embedding, ids: torch.Tensor, offset: int = 0) -> torch.Tensor:
        x = table(ids) * math.sqrt(self.config["dModel"])
        L = ids.shape[1]
        if self.pos_embed is not None:
            x = x + self.pos_embed.weight[offset : offset + L]
        else:
            x = x + sinusoidal(L, self.config["dModel"], offset, x.dtype).to(x.device)
        return self.dropout(x)

    def encode(self, src: torch.Tensor, src_lengths: torch.Tensor) -> torch.Tensor:
        pad = torch.arange(src.shape[1], device=src.device)[None, :] >= src_lengths[:, None]  # True = padding
        return self.transformer.encoder(self.embed(self.src_embed, src), src_key_padding_mask=pad)

    def decode(self, memory: torch.Tensor, src_lengths: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        T = tgt_in.shape[1]
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool, device=tgt_in.device), diagonal=1)
        pad = torch.arange(memory.shape[1], device=memory.device)[None, :] >= src_lengths[:, None]
        y = self.embed(self.tgt_embed, tgt_in)
        h = self.transformer.decoder(y, memory, tgt_mask=causal, memory_key_padding_mask=pad)
        return self.out(h)

    def forward(self, src: torch.Tensor, src_lengths: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: logits (B, T, V)."""
        return self.decode(self.encode(src, src_lengths), src_lengths, tgt_in)

    def greedy(self, src: torch.Tensor, src_lengths: torch.Tensor, max_len: int) -> list[list[int]]:
        memory = self.encode(src, src_lengths)
        B = src.shape[0]
        ys = torch.full((B, 1), SOS, dtype=torch.long, device=src.device)
        for _ in range(max_len):
            nxt = self.decode(memory, src_lengths, ys)[:, -1].argmax(-1)
            ys = torch.cat([ys, nxt[:, None]], 1)
        return [_until_eos(r[1:].tolist()) for r in ys]


# --------------------------------------------------------------------------------------------------
# LSTM seq2seq (src/models/seq2seq)
# --------------------------------------------------------------------------------------------------


class Seq2Seq(nn.Module):
    """qkv's Seq2Seq: state-dict names src_embed, tgt_embed, encoder, bridge_h, bridge_c, decoder, combine,
    out and the attention kind's attn_* parameters."""

    def __init__(self, config: dict, dropout: float | None = None):
        super().__init__()
        c = {
            "embedDim": 64,
            "hiddenSize": 128,
            "encoderLayers": 1,
            "bidirectional": True,
            "attention": "luong-general",
            "inputFeeding": True,
            "dropout": 0.1,
            "maxSourceLength": 64,
            "attentionWindow": 10,
            **config,
        }
        D = 2 if c["bidirectional"] else 1
        c.setdefault("decoderHiddenSize", D * c["hiddenSize"])
        c.setdefault("attentionDim", c["decoderHiddenSize"])
        self.config = c
        kind = c["attention"]
        E, H, Hd, A = c["embedDim"], c["hiddenSize"], c["decoderHiddenSize"], c["attentionDim"]
        Dh = D * H
        self.Dh, self.Hd = Dh, Hd
        p = c["dropout"] if dropout is None else dropout
        self.src_embed = nn.Embedding(c["srcVocabSize"], E, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(c["tgtVocabSize"], E, padding_idx=PAD)
        self.encoder = nn.LSTM(
            E,
            H,
            num_layers=c["encoderLayers"],
            bidirectional=c["bidirectional"],
            batch_first=True,
            dropout=p if c["encoderLayers"] > 1 else 0.0,
        )
        self.bridge_h = nn.Linear(Dh, Hd)
        self.bridge_c = nn.Linear(Dh, Hd)
        if kind in ("none",):
            feed = Hd
        elif kind in ("bahdanau", "coverage"):
            feed = Dh
        else:
            feed = Hd if c["inputFeeding"] else 0
        ctx = Hd if kind == "none" else Dh
        self.decoder = nn.LSTMCell(E + feed, Hd)
        self.combine = nn.Linear(ctx + Hd, Hd, bias=False)
        self.out = nn.Linear(Hd, c["tgtVocabSize"])
        self.dropout = nn.Dropout(p)
        u = lambda *shape: nn.Parameter(torch.empty(*shape).uniform_(-0.1, 0.1))  # noqa: E731
        if kind == "bahdanau":
            self.attn_w_query, self.attn_v, self.attn_w_key = u(A, Hd), u(A), u(A, Dh)
        elif kind == "luong-dot" and Hd != Dh:
            raise ValueError(f"luong-dot needs decoderHiddenSize ({Hd}) = encoder output size ({Dh})")
        elif kind == "luong-general":
            self.attn_w = u(Hd, Dh)
        elif kind == "luong-concat":
            self.attn_w, self.attn_v = u(A, Hd + Dh), u(A)
        elif kind == "luong-location":
            self.attn_w = u(c["maxSourceLength"], Hd)
        elif kind == "coverage":
            self.attn_w_query, self.attn_v, self.attn_w_key = u(A, Hd), u(A), u(A, Dh)
            self.attn_w_cover = u(A, 1)
        elif kind in ("local-m", "local-p"):
            self.attn_w = u(Hd, Dh)
            if kind == "local-p":
                self.attn_w_p, self.attn_v_p = u(A, Hd), u(A)

    # the key half of each score, once per sentence (attention-kinds.ts)
    def keys(self, memory: torch.Tensor) -> torch.Tensor:
        kind = self.config["attention"]
        if kind in ("bahdanau", "coverage"):
            return memory @ self.attn_w_key.t()
        if kind in ("luong-general", "local-m", "local-p"):
            return memory @ self.attn_w.t()
        if kind == "luong-concat":
            return memory @ self.attn_w[:, self.Hd :].t()
        return memory

    def score(self, q: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """e (N, S) for query q (N, Hd) and keys (N, S, ·)."""
        kind = self.config["attention"]
        if kind == "bahdanau":
            return torch.tanh((q @ self.attn_w_query.t())[:, None, :] + keys) @ self.attn_v
        if kind == "luong-concat":
            return torch.tanh((q @ self.attn_w[:, : self.Hd].t())[:, None, :] + keys) @ self.attn_v
        if kind == "luong-location":
            return (q @ self.attn_w.t())[:, : keys.shape[1]]
        return (keys @ q[:, :, None])[:, :, 0]  # dot, general (on k′ = W h)

    def encode(self, src: torch.Tensor, src_lengths: torch.Tensor) -> dict:
        B, S = src.shape
        emb = self.dropout(self.src_embed(src))
        packed = nn.utils.rnn.pack_padded_sequence(emb, src_lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, (h_n, c_n) = self.encoder(packed)
        memory, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=S)
        L, D = self.config["encoderLayers"], 2 if self.config["bidirectional"] else 1
        top = lambda t: t[(L - 1) * D : L * D].transpose(0, 1).reshape(B, self.Dh)  # noqa: E731
        h = torch.tanh(self.bridge_h(top(h_n)))
        c = self.bridge_c(top(c_n))
        mask = torch.arange(S, device=src.device)[None, :] < src_lengths[:, None]  # True = allowed
        feed = h if self.config["attention"] == "none" else torch.zeros(B, self.Hd, dtype=h.dtype, device=h.device)
        st = {"memory": memory, "keys": self.keys(memory), "mask": mask, "h": h, "c": c, "feed": feed}
        st["lengths"], st["t"] = src_lengths, 0
        if self.config["attention"] == "coverage":
            st["coverage"] = torch.zeros(B, S, dtype=memory.dtype, device=memory.device)
        return st

    def step(self, st: dict, prev: torch.Tensor) -> tuple[torch.Tensor, dict, torch.Tensor | None]:
        kind = self.config["attention"]
        e = self.dropout(self.tgt_embed(prev))

        new = {}

        def look(q):
            scores = self.score(q, st["keys"]).masked_fill(~st["mask"], float("-inf"))
            w = torch.softmax(scores, -1)
            return (w[:, :, None] * st["memory"]).sum(1), w

        def look_coverage(q):
            # e_j = v . tanh(W q + U h_j + V C_j), C_t = C_{t-1} + a_t
            cov = st["coverage"]
            z = (q @ self.attn_w_query.t())[:, None, :] + st["keys"] + cov[:, :, None] * self.attn_w_cover[:, 0]
            scores = (torch.tanh(z) @ self.attn_v).masked_fill(~st["mask"], float("-inf"))
            w = torch.softmax(scores, -1)
            new["coverage"] = cov + w
            return (w[:, :, None] * st["memory"]).sum(1), w

        def look_local(q):
            D = self.config["attentionWindow"]
            S = st["keys"].shape[1]
            n = st["lengths"].to(q.dtype)
            if kind == "local-m":
                p = torch.minimum(torch.full_like(n, float(st["t"])), n - 1)
            else:
                p = n * torch.sigmoid(torch.tanh(q @ self.attn_w_p.t()) @ self.attn_v_p)
            s = torch.arange(S, dtype=q.dtype, device=q.device)[None, :]
            window = (s - p.detach()[:, None]).abs() <= D
            scores = (st["keys"] @ q[:, :, None])[:, :, 0].masked_fill(~(st["mask"] & window), float("-inf"))
            w = torch.softmax(scores, -1)
            if kind == "local-p":
                sigma = D / 2
                w = w * torch.exp(-((s - p[:, None]) ** 2) / (2 * sigma * sigma))
            return (w[:, :, None] * st["memory"]).sum(1), w

        if kind == "none":
            h, c = self.decoder(torch.cat([e, st["feed"]], 1), (st["h"], st["c"]))
            context, w = st["feed"], None
        elif kind in ("bahdanau", "coverage"):
            context, w = (look_coverage if kind == "coverage" else look)(st["h"])
            h, c = self.decoder(torch.cat([e, context], 1), (st["h"], st["c"]))
        else:
            inp = torch.cat([e, st["feed"]], 1) if self.config["inputFeeding"] else e
            h, c = self.decoder(inp, (st["h"], st["c"]))
            context, w = (look_local if kind in ("local-m", "local-p") else look)(h)
        h_tilde = self.dropout(torch.tanh(self.combine(torch.cat([context, h], 1))))
        logits = self.out(h_tilde)
        feed = st["feed"] if kind == "none" else h_tilde
        return logits, {**st, **new, "h": h, "c": c, "feed": feed, "t": st["t"] + 1}, w

    def forward(self, src: torch.Tensor, src_lengths: torch.Tensor, tgt_in: torch.Tensor):
        """Teacher forcing: logits (B, T, V) and attention weights (B, T, S) (None without attention)."""
        st = self.encode(src, src_lengths)
        logits, weights = [], []
        for t in range(tgt_in.shape[1]):
            lg, st, w = self.step(st, tgt_in[:, t])
            logits.append(lg)
            if w is not None:
                weights.append(w)
        return torch.stack(logits, 1), (torch.stack(weights, 1) if weights else None)

    def greedy(self, src: torch.Tensor, src_lengths: torch.Tensor, max_len: int) -> list[list[int]]:
        st = self.encode(src, src_lengths)
        prev = torch.full((src.shape[0],), SOS, dtype=torch.long, device=src.device)
        rows = []
        for _ in range(max_len):
            lg, st, _ = self.step(st, prev)
            prev = lg.argmax(-1)
            rows.append(prev)
        return [_until_eos(r.tolist()) for r in torch.stack(rows, 1)]


def _until_eos(ids: list[int]) -> list[int]:
    return ids[: ids.index(EOS)] if EOS in ids else ids


# --------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------


def build(kind: str, config: dict, dropout: float | None = None) -> nn.Module:
    if kind == "transformer":
        return TransformerModel(config, dropout)
    if kind == "seq2seq":
        return Seq2Seq(config, dropout)
    raise ValueError(f"unknown model kind {kind!r} (transformer or seq2seq)")


def load_qkv(path: str, dropout: float | None = None) -> tuple[nn.Module, str, dict]:
    """The model a qkv safetensors file describes (metadata kind + config), its weights loaded strictly.
    A qkv checkpoint folder's best.json names its weights file; pass that .safetensors file here."""
    tensors, meta = read_safetensors(path)
    if "kind" not in meta or "config" not in meta:
        raise ValueError(f"{path}: metadata needs 'kind' and 'config' (written by qkv)")
    kind, config = meta["kind"], json.loads(meta["config"])
    model = build(kind, config, dropout)
    model.load_state_dict({k: v.to(torch.float32) for k, v in tensors.items()}, strict=True)
    return model, kind, config


def save_qkv(path: str, model: nn.Module, kind: str, config: dict, **extra: str) -> None:
    """Writes a state dict qkv loads (float32, PyTorch names, metadata kind + config)."""
    sd = {k: v.detach().to(torch.float32) for k, v in model.state_dict().items()}
    write_safetensors(path, sd, {"kind": kind, "config": json.dumps(config), **extra})


def load_checkpoint(json_path: str, dropout: float | None = None) -> tuple[nn.Module, dict]:
    """The model of a qkv checkpoint (`<run>/best.json` or `last.json`): its config from the JSON, its
    weights from the safetensors file the JSON names (hash checked; optimizer tensors left out)."""
    import hashlib
    import os

    with open(json_path, encoding="utf-8") as fh:
        ck = json.load(fh)
    if ck.get("format") != "qkv-checkpoint":
        raise ValueError(f"{json_path}: not a qkv checkpoint (format {ck.get('format')!r})")
    weights = os.path.join(os.path.dirname(json_path), ck["tensors"])
    with open(weights, "rb") as fh:
        if hashlib.sha256(fh.read()).hexdigest() != ck["sha256"]:
            raise ValueError(f"{weights}: sha256 differs from {json_path}")
    tensors, _ = read_safetensors(weights)
    meta = ck["meta"]
    model = build(meta.get("kind", "seq2seq"), meta["config"], dropout)
    sd = {k: v.to(torch.float32) for k, v in tensors.items() if not k.startswith("__optim__.")}
    model.load_state_dict(sd, strict=True)
    return model, ck


def save_checkpoint(model: nn.Module, like: dict, out_dir: str, name: str = "best", note: str = "") -> str:
    """Writes `<out_dir>/<name>.json` + `<name>.<sha256>.safetensors`, a qkv checkpoint with the weights of
    `model` and the meta of checkpoint `like` (vocabularies, tokenizers, config), weights only: what
    `qkv translate|eval|attend|export --model out_dir` read. Returns the JSON's path."""
    import hashlib
    import os
    import tempfile

    os.makedirs(out_dir, exist_ok=True)
    sd = {k: v.detach().to(torch.float32).cpu() for k, v in model.state_dict().items()}
    with tempfile.NamedTemporaryFile(dir=out_dir, suffix=".tmp", delete=False) as tmp:
        tmp_path = tmp.name
    write_safetensors(tmp_path, sd, {"format": "pt", "producer": f"qkv_torch.py{note and ' ' + note}"})
    with open(tmp_path, "rb") as fh:
        sha = hashlib.sha256(fh.read()).hexdigest()
    tensors = f"{name}.{sha}.safetensors"
    os.replace(tmp_path, os.path.join(out_dir, tensors))
    meta = dict(like["meta"])
    meta["optimizer"] = {"paramGroups": [], "scalars": {}}
    doc = {"format": "qkv-checkpoint", "version": 1, "tensors": tensors, "sha256": sha, "meta": meta}
    path = os.path.join(out_dir, f"{name}.json")
    with open(path + ".tmp", "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    os.replace(path + ".tmp", path)
    return path
