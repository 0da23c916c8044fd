"""PyTorch peer for qkv's benchmark harness (bench/run.ts runs it as a subprocess, one per cell).

  python3 bench/torch_bench.py --probe
  python3 bench/torch_bench.py --workload '<json from bench/common.ts>' --budget-ms 8000 \
      --max-runs 100 --warmup full|reduced|none [--check-dir DIR]

Same timing protocol as bench/common.ts (warm-up, then timed runs until the budget, median), 2 threads.
Forward: softmax(Q Kᵀ · 1/√d) V with explicit matmuls under no_grad (the same graph as the ONNX model);
the MHA training step uses nn.MultiheadAttention. Prints one line "@@RESULT {json}".
"""

import argparse
import json
import math
import os
import re
import resource
import statistics
import sys
import time

THREADS = 2
MARKER = "@@RESULT "


def report(obj):
    print(MARKER + json.dumps(obj), flush=True)


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1048576


def blas_note(torch):
    """Which BLAS this torch build uses: its BLAS_INFO, and the BLAS library a matmul actually loaded."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    info = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if "blas" in os.path.basename(path).lower() or "mkl" in os.path.basename(path).lower():
                libs.add(os.path.realpath(path))
    names = ", ".join(
        p + (" (netlib reference BLAS)" if re.search(r"/blas/libblas\.so", p) else "") for p in sorted(libs)
    )
    return f"BLAS_INFO={info.group(1) if info else '?'}; loaded: {names or 'no BLAS library'}"


def sgemm_note(torch):
    """The machine's sgemm ceiling as this BLAS reaches it: best of 5 float32 2048³ matmuls."""
    n = 2048
    a = torch.rand(n, n)
    b = torch.rand(n, n)
    a @ b
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return f"sgemm {n}³ {2 * n ** 3 / best / 1e9:.0f} GFLOP/s (best of 5)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--probe", action="store_true")
    ap.add_argument("--workload")
    ap.add_argument("--budget-ms", type=float, default=8000)
    ap.add_argument("--max-runs", type=int, default=100)
    ap.add_argument("--warmup", default="full")
    ap.add_argument("--check-dir")
    args = ap.parse_args()
    try:
        import torch
    except Exception as e:  # noqa: BLE001
        report({"available": False, "reason": f"import torch failed: {e}"})
        return
    torch.set_num_threads(THREADS)
    if args.probe:
        blas = blas_note(torch)
        if "netlib reference BLAS" in blas:
            # Nobody runs PyTorch on the netlib reference BLAS: refuse it as a baseline.
            report({"available": False,
                    "reason": f"refused: PyTorch loaded the netlib reference BLAS ({blas}); "
                              "install libopenblas0-pthread"})
            return
        report({
            "available": True,
            "version": f"{torch.__version__} (Python {sys.version.split()[0]})",
            "notes": [f"{torch.get_num_threads()} threads", blas, sgemm_note(torch)],
        })
        return

    w = json.loads(args.workload)
    t_start = time.perf_counter()
    torch.manual_seed(0)

    def attention_runner(shape, check_dir=None):
        B, H, N, d = shape
        if check_dir:
            def load(name):
                with open(os.path.join(check_dir, name), "rb") as f:
                    return torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(B, H, N, d)
            q, k, v = load("q.f32"), load("k.f32"), load("v.f32")
        else:
            q, k, v = (torch.rand(B, H, N, d) * 2 - 1 for _ in range(3))
        scale = 1 / math.sqrt(d)

        def run():
            with torch.no_grad():
                return torch.matmul(torch.softmax(torch.matmul(q, k.transpose(-2, -1)) * scale, dim=-1), v)

        return run

    def mha_runner(B, T, E, heads):
        mha = torch.nn.MultiheadAttention(E, heads, batch_first=True)
        x = torch.rand(B, T, E) * 2 - 1

        def run():
            mha.zero_grad(set_to_none=True)
            out, _ = mha(x, x, x, need_weights=False)
            out.square().mean().backward()

        return run

    if w["kind"] == "forward":
        shape = w["shape"]
        run = attention_runner(shape, args.check_dir)
        B, H, N, d = shape
        reduced = attention_runner([B, H, max(N // 4, 1), d])
    elif w["kind"] == "mha-train":
        run = mha_runner(w["B"], w["T"], w["E"], w["heads"])
        reduced = mha_runner(max(w["B"] // 4, 1), w["T"], w["E"], w["heads"])
    else:
        report({"status": "n/a", "reason": "n/a (qkv only)"})
        return

    warmup = "none"
    if args.warmup == "full":
        t0 = time.perf_counter()
        n = 0
        while True:
            run()
            n += 1
            # the protocol of bench/common.ts: at least 10 runs and 250 ms, never past 1 s
            spent = time.perf_counter() - t0
            if (n >= 10 and spent >= 0.25) or spent >= 1.0:
                break
        warmup = f"{n} full-size"
    elif args.warmup == "reduced":
        reduced()
        warmup = "1 at N/4"

    rss_before = rss_mb()
    times = []
    spent = 0.0
    out = None
    while True:
        t0 = time.perf_counter()
        out = run()
        dt = (time.perf_counter() - t0) * 1000
        times.append(dt)
        spent += dt
        if len(times) >= args.max_runs or spent + dt > args.budget_ms:
            break
    if args.check_dir and out is not None:
        with open(os.path.join(args.check_dir, "pytorch.f32"), "wb") as f:
            f.write(out.contiguous().numpy().astype("float32").tobytes())
    report({
        "status": "ok",
        "medianMs": statistics.median(times),
        "minMs": min(times),
        "runs": len(times),
        "warmup": warmup,
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rssBeforeMb": rss_before,
        "cellS": time.perf_counter() - t_start,
        "notes": [f"{torch.get_num_threads()} threads"],
    })


if __name__ == "__main__":
    main()
