"""Ablation: upsampler × model on the digits test split, plus the fused upsample->argmax measurement.

    .venv/bin/python benchmarks/ablation.py --out runs/ablation            # the full grid
    .venv/bin/python benchmarks/ablation.py --configs unet:bilinear --epochs 2   # one cell, quickly

For every (model, upsampler): train with ``upsampling.models.training.train`` (same seed, data and
schedule for all), evaluate on the test canvases, count parameters, and compute a checkerboard
score of the *untrained* network: the fraction of the output's spectral energy at high spatial
frequencies (max(|fy|, |fx|) >= 1/4 cycle per pixel) for a constant input, 8 border pixels cropped
(the zero padding's edge is not a checkerboard).  0 means a flat output; a stride-2 transposed
convolution's period-2 pattern puts its energy at 1/2 cycle per pixel.

Writes ``OUT/ablation.md`` (markdown tables) and ``OUT/ablation.json``; prints the tables.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from pathlib import Path

import numpy as np
import torch

import upsampling
from upsampling.argmax import upsample_argmax
from upsampling.models import UPSAMPLE_CHOICES, count_parameters, create_model
from upsampling.models.training import TrainConfig, evaluate, read_checkpoint, train

DEFAULT = [("unet", u) for u in UPSAMPLE_CHOICES] + [("fcn8s", "transposed_bilinear_init"), ("fcn8s", "bilinear")]


def checkerboard_score(model: torch.nn.Module, size: int = 64, margin: int = 8) -> float:
    model.eval()
    with torch.no_grad():
        y = model(torch.full((1, model_in_channels(model), size, size), 0.5))[0].double().numpy()
    y = y[:, margin:-margin, margin:-margin]
    spec = np.abs(np.fft.fft2(y)) ** 2
    f = np.abs(np.fft.fftfreq(y.shape[-1]))
    high = np.maximum(f[:, None], f[None, :]) >= 0.25
    return float(spec[:, high].sum() / spec.sum())


def model_in_channels(model: torch.nn.Module) -> int:
    first = next(m for m in model.modules() if isinstance(m, torch.nn.Conv2d))
    return first.in_channels


def argmax_measurement(repeats: int = 3) -> list[dict]:
    """Time and peak extra memory (tracemalloc) of argmax(resize(...)) vs the fused kernel, 1×21×128×128 -> 1024².

    Measured with the NumPy kernel (``upsampling.options(kernel="numpy")``): tracemalloc sees NumPy's
    allocations but not Numba's, so the default Numba kernel would under-report.  The fused kernel
    resizes bands of output rows; its band budget (``_BAND_BYTES``, 64 MiB by default) is shown at
    the default and at 4 MiB.
    """
    from upsampling.kernels import argmax as argmax_module

    rng = np.random.default_rng(0)
    logits = rng.standard_normal((1, 21, 128, 128)).astype(np.float32)
    reference = None
    rows = []
    cases = [("argmax(resize(logits))", None), ("upsample_argmax(logits), band budget 64 MiB", 64 * 2**20),
             ("upsample_argmax(logits), band budget 4 MiB", 4 * 2**20)]
    default_band = argmax_module._BAND_BYTES
    for name, band in cases:
        if band is None:
            def fn():
                return np.argmax(upsampling.resize(logits, (1024, 1024), layout="NCHW"), axis=1)
        else:
            def fn():
                return upsample_argmax(logits, (1024, 1024), layout="NCHW")
        try:
            if band is not None:
                argmax_module._BAND_BYTES = band
            with upsampling.options(kernel="numpy"):
                fn()
                times = []
                for _ in range(repeats):
                    t = time.perf_counter()
                    fn()
                    times.append(time.perf_counter() - t)
                tracemalloc.start()
                labels = fn()
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
        finally:
            argmax_module._BAND_BYTES = default_band
        if reference is None:
            reference = labels
        rows.append({"method": name, "seconds": min(times), "peak_mib": peak / 2**20,
                     "equal": bool(np.array_equal(labels, reference))})
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="runs/ablation")
    p.add_argument("--configs", nargs="*", help="model:upsample pairs (default: U-Net × all five, FCN-8s × two)")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--train-samples", type=int, default=1024)
    p.add_argument("--val-samples", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--base", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--skip-argmax", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    configs = [tuple(c.split(":")) for c in args.configs] if args.configs else DEFAULT
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    results_path = out / "ablation.json"
    previous = json.loads(results_path.read_text()) if results_path.exists() else {}
    done = {(r["model"], r["upsample"]): r for r in previous.get("rows", [])}
    for model_name, up in configs:
        opts = {"base": args.base} if model_name == "unet" else {}
        torch.manual_seed(args.seed)
        untrained = create_model(model_name, upsample=up, num_classes=11, in_channels=1, **opts)
        cb = checkerboard_score(untrained, args.size)
        run = out / f"{model_name}-{up}"
        cfg = TrainConfig(model=model_name, upsample=up, epochs=args.epochs, seed=args.seed, batch_size=args.batch_size,
                          lr=args.lr, size=args.size, train_samples=args.train_samples, val_samples=args.val_samples,
                          model_options=opts, threads=args.threads)
        history = train(cfg, run, resume=(run / "checkpoint.pt").exists(),
                        progress=lambda e: print(f"  {model_name}/{up} epoch {e['epoch']}: val mIoU {e['val_miou']:.4f} "
                                                 f"({e['seconds']:.0f}s)", flush=True) if e["kind"] == "epoch" else None)
        res = evaluate(run, "test")
        state = read_checkpoint(run / "checkpoint.pt")  # plain data only (weights_only=True)
        hist = state["history"]
        row = {"model": model_name, "upsample": up, "test_miou": res["miou"], "test_pixel_accuracy": res["pixel_accuracy"],
               "parameters": count_parameters(untrained), "train_seconds": sum(h["seconds"] for h in hist),
               "epochs": len(hist), "checkerboard": cb, "val_miou_per_epoch": [h["val_miou"] for h in hist]}
        print(f"{model_name}/{up}: test mIoU {row['test_miou']:.4f}, pixel acc {row['test_pixel_accuracy']:.4f}, "
              f"{row['train_seconds']:.0f}s, checkerboard {cb:.2e}", flush=True)
        done[(model_name, up)] = row
        rows = list(done.values())
        results_path.write_text(json.dumps({"args": vars(args), "rows": rows}, indent=1) + "\n")
    lines = [
        f"Digits test split ({args.val_samples} canvases {args.size}×{args.size}), {args.epochs} epochs × "
        f"{args.train_samples} training canvases, batch {args.batch_size}, AdamW lr {args.lr} cosine, seed {args.seed}, "
        f"torch threads {args.threads}.",
        "",
        "| model | upsampler | test mIoU | pixel acc. | parameters | training time | checkerboard (untrained) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['model']} | {r['upsample']} | {r['test_miou']:.4f} | {r['test_pixel_accuracy']:.4f} | "
                     f"{r['parameters']:,} | {r['train_seconds'] / 60:.1f} min ({r['epochs']} ep) | {r['checkerboard']:.2e} |")
    if not args.skip_argmax:
        lines += ["", "Fused upsample -> argmax: logits 1×21×128×128 float32 -> 1024×1024 labels (bilinear half-pixel, "
                  "NumPy kernel; the full-resolution scores alone are 84 MiB).", "",
                  "| method | time (best of 3) | peak extra memory (tracemalloc) | labels equal |", "|---|---|---|---|"]
        for r in argmax_measurement():
            lines.append(f"| `{r['method']}` | {r['seconds']:.3f} s | {r['peak_mib']:.1f} MiB | {r['equal']} |")
    text = "\n".join(lines) + "\n"
    (out / "ablation.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
