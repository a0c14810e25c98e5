"""``upsampling train``, ``upsampling evaluate``, ``upsampling segment``: segmentation runs (extras torch, cli, plot).

``register(app)`` adds the three commands to the main app.  The work itself is in
:mod:`upsampling.models.training`; these commands parse options, report progress and write files.
Bad names (model, upsampler, dataset) raise :class:`~upsampling.explain.parse.OptionError` listing the
valid ones, which the CLI prints as one line with exit code 2.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from upsampling.explain.parse import OptionError

__all__ = ["register"]

MODEL_NAMES = ("unet", "fcn8s")  # mirrors upsampling.models.MODELS (checked in the tests) without importing torch
UPSAMPLE_NAMES = ("bilinear", "transposed", "transposed_bilinear_init", "resize_conv", "pixel_shuffle")
DATASET_NAMES = ("digits", "voc", "folder")


def _choice(option: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise OptionError(option, "one of " + ", ".join(allowed), value)
    return value


def _plain() -> bool:
    return bool(os.environ.get("UPSAMPLING_PLAIN")) or not sys.stdout.isatty()


def _torch():
    from upsampling._optional import require

    require("torch", "torch")
    require("sklearn", "torch")


def _fmt_eta(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 60}:{seconds % 60:02d}"


def train_command(
    model: Annotated[str, typer.Option("--model", help="Architecture: " + ", ".join(MODEL_NAMES) + ".")] = "unet",
    upsample: Annotated[str, typer.Option("--upsample", help="Decoder upsampler: " + ", ".join(UPSAMPLE_NAMES) + ".")] = "bilinear",
    dataset: Annotated[str, typer.Option("--dataset", help="digits (bundled), voc or folder (need --data).")] = "digits",
    data: Annotated[Optional[str], typer.Option("--data", help="Dataset folder for --dataset voc / folder.")] = None,
    num_classes: Annotated[Optional[int], typer.Option("--num-classes", help="Classes of a --dataset folder (VOC: 21).")] = None,
    epochs: Annotated[int, typer.Option("--epochs", help="Epochs to train (with --resume: the new total).")] = 10,
    out: Annotated[str, typer.Option("--out", help="Run folder: checkpoint.pt, metrics.csv, curves.png, config.json.")] = "runs/unet-bilinear",
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run in --out from its last checkpoint.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the weights, the canvases and the batch order.")] = 0,
    size: Annotated[int, typer.Option("--size", help="Canvas / image side in pixels (U-Net: multiple of 8, FCN-8s: of 32).")] = 64,
    train_samples: Annotated[int, typer.Option("--train-samples", help="Training canvases per epoch (digits).")] = 1024,
    val_samples: Annotated[int, typer.Option("--val-samples", help="Validation / test canvases (digits).")] = 256,
    batch_size: Annotated[int, typer.Option("--batch-size")] = 16,
    lr: Annotated[float, typer.Option("--lr", help="Peak learning rate (AdamW, cosine decay).")] = 3e-3,
    base: Annotated[Optional[int], typer.Option("--base", help="U-Net width (channels of the first stage).")] = None,
    threads: Annotated[int, typer.Option("--threads", help="torch CPU threads.")] = 2,
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help="Stop after the epoch that brings training time past this many seconds.")] = None,
) -> None:
    """Train a segmentation model; checkpoint every epoch, metrics CSV and loss/mIoU plot in --out."""
    _choice("--model", model, MODEL_NAMES)
    _choice("--upsample", upsample, UPSAMPLE_NAMES)
    _choice("--dataset", dataset, DATASET_NAMES)
    if dataset != "digits" and data is None:
        raise OptionError("--data", f"a dataset folder for --dataset {dataset}")
    for name, v, lo in (("--epochs", epochs, 1), ("--size", size, 8), ("--train-samples", train_samples, 1),
                        ("--val-samples", val_samples, 1), ("--batch-size", batch_size, 1), ("--threads", threads, 1)):
        if v < lo:
            raise OptionError(name, f"an integer >= {lo}", v)
    multiple = 32 if model == "fcn8s" else 8
    if size % multiple:
        raise OptionError("--size", f"a multiple of {multiple} for --model {model}", size)
    _torch()
    from upsampling.models.training import TrainConfig, train

    opts = {} if base is None or model != "unet" else {"base": base}
    cfg = TrainConfig(model=model, upsample=upsample, dataset=dataset, data=data, epochs=epochs, seed=seed,
                      batch_size=batch_size, lr=lr, size=size, train_samples=train_samples, val_samples=val_samples,
                      num_classes=num_classes, model_options=opts, threads=threads,
                      time_limit=time_limit)
    plain = _plain()
    start = time.perf_counter()
    state: dict = {"bar": None, "progress": None}

    def report(event: dict) -> None:
        if event["kind"] == "batch":
            if plain:
                return
            if state["progress"] is None:
                from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

                state["progress"] = Progress(TextColumn("epoch {task.fields[epoch]}"), BarColumn(),
                                             TextColumn("{task.completed}/{task.total} batches"),
                                             TextColumn("loss {task.fields[loss]:.4f}"), TimeElapsedColumn(),
                                             TextColumn("ETA"), TimeRemainingColumn(), transient=True)
                state["progress"].start()
            p = state["progress"]
            if state["bar"] is None or state["epoch"] != event["epoch"]:
                if state["bar"] is not None:
                    p.remove_task(state["bar"])
                state["bar"] = p.add_task("train", total=event["batches"], epoch=event["epoch"], loss=event["loss"])
                state["epoch"] = event["epoch"]
            p.update(state["bar"], completed=event["batch"], loss=event["loss"])
            return
        done = event["epoch"]
        per_epoch = (time.perf_counter() - start) / max(done - first[0] + 1, 1)
        line = (f"epoch {done}/{epochs}  train loss {event['train_loss']:.4f}  val loss {event['val_loss']:.4f}  "
                f"val mIoU {event['val_miou']:.4f}  pixel acc {event['val_pixel_accuracy']:.4f}  "
                f"{event['seconds']:.1f}s  ETA {_fmt_eta(per_epoch * (epochs - done))}")
        if state["progress"] is not None:
            state["progress"].console.print(line)
        else:
            print(line, flush=True)

    first = [1]
    if resume:
        ckpt = Path(out) / "checkpoint.pt"
        if ckpt.exists():
            import torch

            first[0] = int(torch.load(ckpt, weights_only=False)["epoch"]) + 1
    try:
        history = train(cfg, out, resume=resume, progress=report)
    finally:
        if state["progress"] is not None:
            state["progress"].stop()
    if not history:
        print(f"nothing to do: {out} already has {epochs} epochs")
        return
    last = history[-1]
    if last["epoch"] < epochs:
        print(f"stopped after epoch {last['epoch']}: --time-limit {time_limit:g}s reached "
              f"(continue with --resume --epochs {epochs})")
    print(f"wrote {out}/checkpoint.pt (epoch {last['epoch']}), {out}/metrics.csv, {out}/curves.png; "
          f"val mIoU {last['val_miou']:.4f}")


def evaluate_command(
    run: Annotated[str, typer.Argument(help="A run folder written by 'upsampling train'.")],
    split: Annotated[str, typer.Option("--split", help="test (default) or val.")] = "test",
    json_out: Annotated[Optional[str], typer.Option("--json", help="Where to write the scores (default RUN/eval-SPLIT.json).")] = None,
    png: Annotated[Optional[str], typer.Option("--png", help="Confusion-matrix image (default RUN/confusion-SPLIT.png).")] = None,
) -> None:
    """Confusion matrix, per-class IoU, mIoU and pixel accuracy (ignore index honoured) of a run."""
    _choice("--split", split, ("test", "val"))
    if not (Path(run) / "checkpoint.pt").is_file():
        raise OptionError("RUN", "a run folder holding checkpoint.pt (made by 'upsampling train')", run)
    _torch()
    from upsampling.models.training import evaluate

    result = evaluate(run, split)
    names = result["class_names"]
    width = max(max(len(n) for n in names), len("pixel accuracy"))
    print(f"{result['model']} / {result['upsample']} on {result['dataset']} {split} "
          f"({result['samples']} samples, ignore index {result['ignore_index']}, epoch {result['epochs']})")
    print(f"{'class'.ljust(width)}  IoU")
    for n, v in zip(names, result["iou"]):
        print(f"{n.ljust(width)}  {'   n/a' if v != v else f'{v:.4f}'}")
    print(f"{'mIoU'.ljust(width)}  {result['miou']:.4f}")
    print(f"{'pixel accuracy'.ljust(width)}  {result['pixel_accuracy']:.4f}")
    json_path = Path(json_out or Path(run) / f"eval-{split}.json")
    json_path.write_text(json.dumps(result, indent=1) + "\n")
    png_path = Path(png or Path(run) / f"confusion-{split}.png")
    _confusion_png(result, png_path)
    print(f"wrote {json_path}, {png_path}")


def _confusion_png(result: dict, path: Path) -> None:
    import numpy as np

    from upsampling._optional import require

    require("matplotlib", "plot")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cm = np.asarray(result["confusion_matrix"], dtype=np.float64)
    norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    k = len(cm)
    fig, ax = plt.subplots(figsize=(0.5 * k + 3, 0.5 * k + 2.4))
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(k), result["class_names"], rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(k), result["class_names"], fontsize=8)
    ax.set_xlabel("predicted"), ax.set_ylabel("true")
    ax.set_title(f"{result['model']} / {result['upsample']}: mIoU {result['miou']:.3f} (rows normalised)", fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def segment_command(
    image: Annotated[str, typer.Argument(help="An image file (PNG, JPEG, ...).")],
    run: Annotated[str, typer.Option("--run", help="A run folder written by 'upsampling train'.")],
    out: Annotated[str, typer.Option("--out", help="The colour-palette mask (PNG).")] = "mask.png",
    overlay: Annotated[Optional[str], typer.Option("--overlay", help="Also write the mask blended over the image (PNG).")] = None,
) -> None:
    """Segment one image with a trained run: palette mask PNG (and an overlay)."""
    if not Path(image).is_file():
        raise OptionError("IMAGE", "an existing image file", image)
    if not (Path(run) / "checkpoint.pt").is_file():
        raise OptionError("--run", "a run folder holding checkpoint.pt (made by 'upsampling train')", run)
    for option, path in (("--out", out), ("--overlay", overlay)):
        if path is not None and not path.lower().endswith(".png"):
            raise OptionError(option, "a file name ending in .png", path)
    _torch()
    import numpy as np
    import torch

    import upsampling
    from upsampling.data.folders import read_image, voc_palette
    from upsampling.models import upsample_argmax
    from upsampling.models.training import load_run

    cfg, model, _ = load_run(run)
    torch.set_num_threads(max(1, int(cfg.threads)))
    rgb = read_image(Path(image))  # (3, H, W) in [0, 1]; raises naming the file when unreadable
    x = rgb.mean(0, keepdims=True) if cfg.in_channels == 1 else rgb
    h, w = x.shape[1:]
    # The network needs sides that halve cleanly: run it at the nearest multiple, then bring the
    # class scores back to the image's own size with the fused resize -> argmax (no full-size scores).
    m = 32 if cfg.model == "fcn8s" else 2 ** cfg.model_options.get("depth", 3)
    hh, ww = max(m, round(h / m) * m), max(m, round(w / m) * m)
    xin = x if (hh, ww) == (h, w) else upsampling.resize(x, (hh, ww), layout="CHW")
    with torch.no_grad():
        logits = model(torch.from_numpy(np.ascontiguousarray(xin, dtype=np.float32))[None])[0]
    labels = upsample_argmax(logits.numpy(), (h, w), layout="CHW") if (hh, ww) != (h, w) else logits.argmax(0).numpy()
    labels = labels.astype(np.uint8)
    from PIL import Image

    palette = voc_palette()
    mask = Image.fromarray(labels, mode="P")
    mask.putpalette(palette.ravel().tolist())
    mask.save(out)
    counts = np.bincount(labels.ravel(), minlength=cfg.num_classes)
    present = ", ".join(f"{c}: {n}" for c, n in enumerate(counts) if n)
    print(f"wrote {out} ({w}x{h} pixels; pixels per class {present})")
    if overlay is not None:
        base = (np.repeat(x, 3, 0) if x.shape[0] == 1 else x).transpose(1, 2, 0) * 255
        colour = palette[labels].astype(np.float32)
        alpha = np.where(labels[..., None] > 0, 0.55, 0.0)
        blend = (base * (1 - alpha) + colour * alpha).clip(0, 255).astype(np.uint8)
        Image.fromarray(blend).save(overlay)
        print(f"wrote {overlay} ({w}x{h} pixels)")


def register(app: typer.Typer) -> None:
    """Add ``train``, ``evaluate`` and ``segment`` to ``app``."""
    app.command("train")(train_command)
    app.command("evaluate")(evaluate_command)
    app.command("segment")(segment_command)
