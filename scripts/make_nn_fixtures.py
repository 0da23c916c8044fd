#!/usr/bin/env python3
"""Generate the PyTorch reference fixtures for qkv's nn layer (src/nn).

Run:  /usr/bin/python3 scripts/make_nn_fixtures.py

Writes test/fixtures/nn/{lstm,layers,losses,optim}.json.

Method (the conventions of scripts/make_fixtures.py)
------
* Every input, parameter and loss weight is drawn in float32 (so its value is exactly representable
  in float32), then converted to float64; everything is computed in float64, so the stored values
  and gradients are exact references (to float64 rounding).
* A case with outputs o_1, o_2, ... defines the scalar loss  L = sum_k sum(o_k * R_k)  with R_k random
  float32-valued tensors stored under "loss" (same keys as "expected"), and stores dL/d(every float
  input and parameter) under "grads".
* Integer inputs (token ids, targets) are stored under "indices" as {"shape", "data"} of ints.
* Optimizer cases ("optim") store the model, data and hyperparameters, and the parameters after each
  step (trajectory); schedule cases store the lr before every epoch.
* Each case is seeded on its own (torch.manual_seed of a CRC of the file and case name), so adding or
  removing a case does not change the others.

Tensors are stored as {"shape": [...], "data": [flat row-major list]}; numbers are plain JSON floats
written with Python's shortest round-trip repr of the float64 value.
"""

from __future__ import annotations

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures_common import finish, ij, leaf, module_params, randn, seed, tj, write_fixture  # noqa: E402
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "test", "fixtures", "nn")
GENERATOR = "scripts/make_nn_fixtures.py"
F64 = torch.float64

torch.set_default_dtype(torch.float32)


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------


# ----------------------------------------------------------------------------------------------
# lstm.json: LSTM and LSTMCell
# ----------------------------------------------------------------------------------------------


def lstm_case(
    name: str,
    *,
    T: int = 5,
    B: int | None = 3,
    I: int = 4,
    H: int = 5,
    layers: int = 1,
    bidirectional: bool = False,
    batch_first: bool = False,
    bias: bool = True,
    initial_state: bool = False,
    lengths: list[int] | None = None,
) -> dict:
    seed("lstm", name)
    mod = nn.LSTM(I, H, num_layers=layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional)
    params = module_params(mod)
    D = 2 if bidirectional else 1
    if B is None:
        x = leaf(randn(T, I))
        state_shape = (layers * D, H)
    else:
        x = leaf(randn(B, T, I) if batch_first else randn(T, B, I))
        state_shape = (layers * D, B, H)
    inputs = {"x": x}
    hx = None
    if initial_state:
        inputs["h0"] = leaf(randn(*state_shape, scale=0.5))
        inputs["c0"] = leaf(randn(*state_shape, scale=0.5))
        hx = (inputs["h0"], inputs["c0"])
    if lengths is None:
        out, (h, c) = mod(x, hx)
    else:
        assert B is not None and len(lengths) == B
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
        out_packed, (h, c) = mod(packed, hx)
        out, _ = pad_packed_sequence(out_packed, batch_first=batch_first, total_length=T)
    config = {
        "inputSize": I,
        "hiddenSize": H,
        "numLayers": layers,
        "bidirectional": bidirectional,
        "batchFirst": batch_first,
        "bias": bias,
        "lengths": lengths,
    }
    return finish(name=name, op="lstm", config=config, inputs=inputs, params=params, outputs={"output": out, "h": h, "c": c})


def lstm_cell_case(name: str, *, B: int | None = 3, I: int = 4, H: int = 5, bias: bool = True, state: bool = True) -> dict:
    seed("lstm", name)
    mod = nn.LSTMCell(I, H, bias=bias)
    params = module_params(mod)
    lead = () if B is None else (B,)
    inputs = {"x": leaf(randn(*lead, I))}
    hx = None
    if state:
        inputs["h0"] = leaf(randn(*lead, H, scale=0.5))
        inputs["c0"] = leaf(randn(*lead, H, scale=0.5))
        hx = (inputs["h0"], inputs["c0"])
    h, c = mod(inputs["x"], hx)
    config = {"inputSize": I, "hiddenSize": H, "bias": bias}
    return finish(name=name, op="lstmCell", config=config, inputs=inputs, params=params, outputs={"h": h, "c": c})


def make_lstm() -> list[dict]:
    return [
        lstm_case("lstm_1layer"),
        lstm_case("lstm_2layers", layers=2),
        lstm_case("lstm_bidirectional", bidirectional=True),
        lstm_case("lstm_2layers_bidirectional", layers=2, bidirectional=True),
        lstm_case("lstm_batch_first", batch_first=True),
        lstm_case("lstm_batch_first_2layers_bidirectional", layers=2, bidirectional=True, batch_first=True),
        lstm_case("lstm_initial_state_2layers", layers=2, initial_state=True),
        lstm_case("lstm_initial_state_bidirectional_batch_first", bidirectional=True, batch_first=True, initial_state=True),
        lstm_case("lstm_no_bias", bias=False, layers=2),
        lstm_case("lstm_unbatched_initial_state", B=None, bidirectional=True, initial_state=True),
        lstm_case("lstm_long_T12_H8", T=12, B=2, I=3, H=8),
        lstm_case(
            "lstm_lengths_2layers_bidirectional_state",
            B=4,
            layers=2,
            bidirectional=True,
            initial_state=True,
            lengths=[3, 5, 2, 4],
        ),
        lstm_case("lstm_lengths_batch_first_bidirectional", B=3, bidirectional=True, batch_first=True, lengths=[5, 1, 3]),
        lstm_case("lstm_lengths_batch_first_1layer_state", B=3, batch_first=True, initial_state=True, lengths=[2, 5, 4]),
        lstm_case("lstm_lengths_max_below_T", B=3, lengths=[3, 2, 3]),
        lstm_cell_case("lstm_cell"),
        lstm_cell_case("lstm_cell_no_state", state=False),
        lstm_cell_case("lstm_cell_no_bias", bias=False),
        lstm_cell_case("lstm_cell_unbatched", B=None),
    ]


# ----------------------------------------------------------------------------------------------
# layers.json: Linear, Embedding, LayerNorm
# ----------------------------------------------------------------------------------------------


def linear_case(name: str, *, lead: tuple[int, ...] = (3,), n_in: int = 4, n_out: int = 5, bias: bool = True) -> dict:
    seed("layers", name)
    mod = nn.Linear(n_in, n_out, bias=bias)
    params = module_params(mod)
    x = leaf(randn(*lead, n_in))
    config = {"inFeatures": n_in, "outFeatures": n_out, "bias": bias}
    return finish(name=name, op="linear", config=config, inputs={"x": x}, params=params, outputs={"output": mod(x)})


def embedding_case(name: str, *, V: int = 7, D: int = 4, padding_idx: int | None = None, ids_shape=(3, 4)) -> dict:
    seed("layers", name)
    mod = nn.Embedding(V, D, padding_idx=padding_idx)
    params = module_params(mod)
    ids = torch.randint(0, V, ids_shape)
    if padding_idx is not None:
        pad = padding_idx % V
        assert bool((params["weight"][pad] == 0).all()), "padding row must start at zero"
        ids.view(-1)[0] = pad
        ids.view(-1)[-1] = pad
        # make the padding row non-zero so a wrong forward would show (PyTorch keeps whatever is there)
        with torch.no_grad():
            params["weight"][pad] = randn(D)
    ids.view(-1)[1] = ids.view(-1)[2]  # a repeated id: gradients must add up
    out = mod(ids)
    config = {"numEmbeddings": V, "embeddingDim": D, "paddingIdx": padding_idx}
    return finish(name=name, op="embedding", config=config, inputs={}, params=params, outputs={"output": out}, indices={"ids": ij(ids)})


def layer_norm_case(
    name: str, *, shape=(2, 3, 6), normalized=(6,), affine: bool = True, eps: float = 1e-5, scale: float = 1.0
) -> dict:
    seed("layers", name)
    mod = nn.LayerNorm(list(normalized), eps=eps, elementwise_affine=affine)
    params = module_params(mod)
    if affine:  # random affine parameters so their gradients and effect are tested
        with torch.no_grad():
            params["weight"].copy_(randn(*normalized))
            params["bias"].copy_(randn(*normalized))
    x = leaf((randn(*shape, scale=scale).float() + 0.5).double())  # off-centre (in float32), so the mean matters
    config = {"normalizedShape": list(normalized), "elementwiseAffine": affine, "eps": eps}
    return finish(name=name, op="layerNorm", config=config, inputs={"x": x}, params=params, outputs={"output": mod(x)})


def make_layers() -> list[dict]:
    return [
        linear_case("linear"),
        linear_case("linear_3d_input", lead=(2, 3)),
        linear_case("linear_no_bias", bias=False),
        embedding_case("embedding"),
        embedding_case("embedding_padding_idx_2", padding_idx=2),
        embedding_case("embedding_padding_idx_negative", padding_idx=-1, ids_shape=(2, 5)),
        layer_norm_case("layer_norm"),
        layer_norm_case("layer_norm_last_two_dims", normalized=(3, 6)),
        layer_norm_case("layer_norm_no_affine", affine=False),
        layer_norm_case("layer_norm_eps_1e-3_small_inputs", eps=1e-3, scale=0.05),
    ]


# ----------------------------------------------------------------------------------------------
# losses.json: crossEntropy, nllLoss, mseLoss
# ----------------------------------------------------------------------------------------------


def ce_case(
    name: str,
    *,
    shape=(6, 5),
    reduction: str = "mean",
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    ignore_at: tuple[int, ...] = (),
    op: str = "crossEntropy",
) -> dict:
    seed("losses", name)
    C = shape[-1]
    logits = leaf(randn(*shape, scale=2.0))
    targets = torch.randint(0, C, shape[:-1])
    for i in ignore_at:
        targets.view(-1)[i] = ignore_index
    if op == "crossEntropy":
        # PyTorch wants the class axis second: (N, C) or (B, C, T)
        inp = logits if logits.dim() == 2 else logits.movedim(-1, 1)
        out = F.cross_entropy(inp, targets, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
        # the formula the docs give, by hand
        lp = F.log_softmax(logits, -1)
        valid = targets != ignore_index
        safe = torch.where(valid, targets, torch.zeros_like(targets))
        nll = -lp.gather(-1, safe.unsqueeze(-1)).squeeze(-1)
        smooth = -lp.mean(-1)
        per = torch.where(valid, (1 - label_smoothing) * nll + label_smoothing * smooth, torch.zeros_like(nll))
        ref = {"none": per, "sum": per.sum(), "mean": per.sum() / valid.sum()}[reduction]
        assert torch.allclose(ref, out, rtol=1e-12, atol=1e-14), f"{name}: cross-entropy by hand != torch"
    else:
        lp_in = F.log_softmax(logits, -1)
        inp = lp_in if lp_in.dim() == 2 else lp_in.movedim(-1, 1)
        out = F.nll_loss(inp, targets, ignore_index=ignore_index, reduction=reduction)
        # the loss is taken of logits here: the fixture's input is the logits, nllLoss gets logSoftmax(logits)
    config = {"reduction": reduction, "ignoreIndex": ignore_index, "labelSmoothing": label_smoothing}
    return finish(
        name=name,
        op=op,
        config=config,
        inputs={"logits": logits},
        params={},
        outputs={"output": out},
        indices={"targets": ij(targets)},
    )


def mse_case(name: str, *, shape=(3, 4), reduction: str = "mean") -> dict:
    seed("losses", name)
    x = leaf(randn(*shape))
    y = leaf(randn(*shape))
    out = F.mse_loss(x, y, reduction=reduction)
    return finish(
        name=name, op="mseLoss", config={"reduction": reduction}, inputs={"input": x, "target": y}, params={}, outputs={"output": out}
    )


def make_losses() -> list[dict]:
    return [
        ce_case("ce_mean"),
        ce_case("ce_sum", reduction="sum"),
        ce_case("ce_none", reduction="none"),
        ce_case("ce_ignore_index_default", ignore_at=(1, 4)),
        ce_case("ce_ignore_index_0_sum", ignore_index=0, ignore_at=(0, 2, 3), reduction="sum"),
        ce_case("ce_label_smoothing_0.1", label_smoothing=0.1),
        ce_case("ce_label_smoothing_0.1_ignore_none", label_smoothing=0.1, ignore_at=(2,), reduction="none"),
        ce_case("ce_3d_BTC", shape=(2, 4, 5)),
        ce_case("ce_3d_ignore_smoothing_mean", shape=(2, 4, 5), ignore_index=0, ignore_at=(1, 6, 7), label_smoothing=0.1),
        ce_case("ce_3d_ignore_smoothing_none", shape=(2, 3, 6), ignore_at=(4,), label_smoothing=0.1, reduction="none"),
        ce_case("ce_3d_ignore_sum", shape=(3, 2, 4), ignore_at=(0, 5), reduction="sum"),
        ce_case("nll_mean_ignore", op="nllLoss", ignore_at=(3,)),
        ce_case("nll_3d_none", op="nllLoss", shape=(2, 3, 4), reduction="none", ignore_at=(1,)),
        mse_case("mse_mean"),
        mse_case("mse_sum", reduction="sum"),
        mse_case("mse_none", shape=(2, 3, 2), reduction="none"),
    ]


# ----------------------------------------------------------------------------------------------
# optim.json: optimizer trajectories, gradient clipping, schedules
# ----------------------------------------------------------------------------------------------


def optim_case(
    name: str,
    kind: str,
    options: dict,
    *,
    steps: int = 3,
    clip: float | None = None,
    groups: bool = False,
    scheduler: dict | None = None,
) -> dict:
    """A linear model y = x W^T + b with loss mean((y - Y)^2), `steps` optimizer steps."""
    seed("optim", name)
    X = randn(8, 4)
    Y = randn(8, 3)
    W = leaf(randn(3, 4, scale=0.5))
    b = leaf(randn(3, scale=0.5))
    init = {"W": tj(W), "b": tj(b)}
    torch_opts = {
        "lr": options["lr"],
        **{
            {"weightDecay": "weight_decay"}.get(k, k): (tuple(v) if k == "betas" else v)
            for k, v in options.items()
            if k not in ("lr",)
        },
    }
    if groups:
        # W with the options, b with its own lr
        params = [{"params": [W]}, {"params": [b], "lr": options["lr"] * 10}]
    else:
        params = [W, b]
    cls = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW}[kind]
    opt = cls(params, **torch_opts)
    sched = None
    if scheduler is not None:
        assert scheduler["kind"] == "StepLR"
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=scheduler["stepSize"], gamma=scheduler["gamma"])
    trajectory, losses, norms = [], [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((X @ W.T + b - Y) ** 2).mean()
        loss.backward()
        losses.append(float(loss))
        if clip is not None:
            norms.append(float(torch.nn.utils.clip_grad_norm_([W, b], clip)))
        opt.step()
        if sched is not None:
            sched.step()
        trajectory.append({"W": tj(W), "b": tj(b)})
    return {
        "name": name,
        "op": "optim",
        "optimizer": kind,
        "options": options,
        "groups": groups,
        "clip": clip,
        "scheduler": scheduler,
        "data": {"X": tj(X), "Y": tj(Y)},
        "init": init,
        "losses": losses,
        "clipNorms": norms if clip is not None else None,
        "trajectory": trajectory,
    }


def schedule_case(name: str, kind: str, options: dict, *, epochs: int = 12, lr: float = 0.1, metrics=None) -> dict:
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    if kind == "StepLR":
        s = torch.optim.lr_scheduler.StepLR(opt, step_size=options["stepSize"], gamma=options["gamma"])
    elif kind == "ExponentialLR":
        s = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=options["gamma"])
    elif kind == "CosineAnnealingLR":
        s = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=options["tMax"], eta_min=options["etaMin"])
    elif kind == "NoamLR":
        d, w = options["dModel"], options["warmupSteps"]

        def rate(step: int) -> float:  # The Annotated Transformer's rate(), factor 1
            step = max(step, 1)
            return d ** (-0.5) * min(step ** (-0.5), step * w ** (-1.5))

        s = torch.optim.lr_scheduler.LambdaLR(opt, rate)
    elif kind == "ReduceLROnPlateau":
        s = torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt,
            mode=options["mode"],
            factor=options["factor"],
            patience=options["patience"],
            threshold=options["threshold"],
            threshold_mode=options["thresholdMode"],
            cooldown=options["cooldown"],
            min_lr=options["minLr"],
        )
    else:
        raise ValueError(kind)
    lrs = []
    for e in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        if kind == "ReduceLROnPlateau":
            s.step(metrics[e])
        else:
            s.step()
    return {"name": name, "op": "schedule", "scheduler": kind, "options": options, "lr": lr, "metrics": metrics, "lrs": lrs}


def make_optim() -> list[dict]:
    plateau = {
        "mode": "min",
        "factor": 0.5,
        "patience": 2,
        "threshold": 0.01,
        "thresholdMode": "rel",
        "cooldown": 1,
        "minLr": 0.01,
    }
    metrics_min = [1.0, 0.9, 0.895, 0.9, 0.91, 0.8, 0.85, 0.86, 0.87, 0.88, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
    return [
        optim_case("sgd", "SGD", {"lr": 0.1}),
        optim_case("sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9}),
        optim_case("sgd_momentum_dampening", "SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.2}),
        optim_case("sgd_nesterov_weight_decay", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weightDecay": 0.01}),
        optim_case("sgd_momentum_maximize", "SGD", {"lr": 0.01, "momentum": 0.5, "maximize": True}),
        optim_case("sgd_momentum_clip_0.5", "SGD", {"lr": 0.1, "momentum": 0.9}, clip=0.5, steps=4),
        optim_case("adam", "Adam", {"lr": 0.01}),
        optim_case("adam_betas_eps", "Adam", {"lr": 0.02, "betas": [0.8, 0.99], "eps": 1e-6}),
        optim_case("adam_weight_decay_amsgrad", "Adam", {"lr": 0.01, "weightDecay": 0.1, "amsgrad": True}, steps=5),
        optim_case("adam_param_groups", "Adam", {"lr": 0.01}, groups=True),
        optim_case("adam_steplr", "Adam", {"lr": 0.05}, steps=5, scheduler={"kind": "StepLR", "stepSize": 2, "gamma": 0.5}),
        optim_case("adamw", "AdamW", {"lr": 0.01}),
        optim_case("adamw_weight_decay_0.1_amsgrad", "AdamW", {"lr": 0.01, "weightDecay": 0.1, "amsgrad": True}, steps=5),
        optim_case("adamw_maximize", "AdamW", {"lr": 0.01, "maximize": True}),
        schedule_case("steplr", "StepLR", {"stepSize": 3, "gamma": 0.5}),
        schedule_case("exponentiallr", "ExponentialLR", {"gamma": 0.9}),
        schedule_case("cosine", "CosineAnnealingLR", {"tMax": 10, "etaMin": 0.001}, epochs=25),
        schedule_case("noam_lambda", "NoamLR", {"dModel": 16, "warmupSteps": 4}, lr=2.0),
        schedule_case("plateau_min", "ReduceLROnPlateau", plateau, epochs=16, metrics=metrics_min),
        schedule_case(
            "plateau_max_abs",
            "ReduceLROnPlateau",
            {**plateau, "mode": "max", "thresholdMode": "abs", "threshold": 0.05, "cooldown": 0, "patience": 1, "minLr": 0.0},
            epochs=12,
            metrics=[0.1, 0.2, 0.22, 0.24, 0.3, 0.3, 0.31, 0.4, 0.4, 0.4, 0.4, 0.4],
        ),
    ]


# ----------------------------------------------------------------------------------------------


def write(file: str, cases: list[dict]) -> tuple[str, int]:
    return write_fixture(OUT_DIR, GENERATOR, file, cases)


def main() -> int:
    os.makedirs(OUT_DIR, exist_ok=True)
    print(f"torch {torch.__version__}")
    for file, make in (("lstm", make_lstm), ("layers", make_layers), ("losses", make_losses), ("optim", make_optim)):
        cases = make()
        path, size = write(file, cases)
        print(f"{os.path.relpath(path, ROOT)}: {len(cases)} cases, {size / 1024:.1f} KiB")
        for c in cases:
            shapes = ", ".join(f"{n}{tuple(t['shape'])}" for n, t in c.get("inputs", {}).items())
            print(f"  {c['name']:<48} {c['op']:<12} {shapes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
