"""``upsampling train``, ``evaluate``, ``segment``, ``convert-checkpoint``: segmentation runs (extras torch, cli, plot).

``register(app)`` adds the four commands to the main app.  The work itself is in
:mod:`upsampling.models.training`; these commands parse options, report progress and write files.
Bad names (model, upsampler, dataset) raise :class:`~upsampling.errors.OptionError` listing the
valid ones, which the CLI prints as one line with exit code 2.  The commands' parameters have the
names of :class:`~upsampling.models.training.TrainConfig`'s fields and the training functions'
parameters (``out``, ``resume``, ``lr``...), so the library's refusals come out with the flags.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from upsampling._files import is_file
from upsampling.errors import InvalidArgumentError, OptionError

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
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Start a new run in an --out that holds one (its files are replaced when the first epoch ends).")] = False,
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
    if not (math.isfinite(lr) and lr > 0):
        raise OptionError("--lr", "a finite learning rate > 0 (e.g. 3e-3)", lr)
    if time_limit is not None and not (math.isfinite(time_limit) and time_limit > 0):
        raise OptionError("--time-limit", "a finite number of seconds > 0", time_limit)
    if base is not None and not 1 <= base <= 256:
        raise OptionError("--base", "a U-Net width from 1 to 256 channels", base)
    if resume and overwrite:
        raise OptionError("--overwrite", "either --resume (continue the run) or --overwrite (start a new one)", "both")
    multiple = 32 if model == "fcn8s" else 8
    if size % multiple:
        raise OptionError("--size", f"a multiple of {multiple} for --model {model}", size)
    _torch()
    from upsampling.models.training import TrainConfig, config_problem, read_checkpoint, train

    opts = {} if base is None or model != "unet" else {"base": base}
    cfg = TrainConfig(model=model, upsample=upsample, dataset=dataset, data=data, epochs=epochs, seed=seed,
                      batch_size=batch_size, lr=lr, size=size, train_samples=train_samples, val_samples=val_samples,
                      num_classes=num_classes, model_options=opts, threads=threads,
                      time_limit=time_limit)
    problem = config_problem(cfg)
    if problem is not None:
        field, value, allowed = problem
        raise InvalidArgumentError(field, value, allowed)
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
        if is_file(ckpt):
            first[0] = int(read_checkpoint(ckpt)["epoch"]) + 1  # plain data only: nothing in it runs
    try:
        history = train(cfg, out, resume=resume, overwrite=overwrite, progress=report)
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
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace the JSON and PNG if they exist.")] = False,
) -> None:
    """Confusion matrix, per-class IoU, mIoU and pixel accuracy (ignore index honoured) of a run."""
    _choice("--split", split, ("test", "val"))
    checkpoint = Path(run) / "checkpoint.pt"
    if not is_file(checkpoint):
        raise OptionError("RUN", "a run folder holding checkpoint.pt (made by 'upsampling train')", run)
    json_path = Path(json_out or Path(run) / f"eval-{split}.json")
    png_path = Path(png or Path(run) / f"confusion-{split}.png")
    from upsampling._files import check_outputs

    check_outputs([("json_out", json_path, (".json",)), ("png", png_path, (".png",))], overwrite=overwrite,
                  inputs=[checkpoint])
    _torch()
    from upsampling._files import atomic_output
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
    with atomic_output(json_path, overwrite=overwrite, option="json_out") as tmp:
        tmp.write_text(json.dumps(result, indent=1) + "\n")
    _confusion_png(result, png_path, overwrite)
    print(f"wrote {json_path}, {png_path}")


def _confusion_png(result: dict, path: Path, overwrite: bool = False) -> None:
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
    from upsampling._files import atomic_output

    try:
        with atomic_output(path, overwrite=overwrite, option="png") as tmp:
            fig.savefig(tmp, dpi=100, format="png")
    finally:
        plt.close(fig)


def segment_command(
    image: Annotated[str, typer.Argument(help="An image file (PNG, JPEG, ...).")],
    run: Annotated[str, typer.Option("--run", help="A run folder written by 'upsampling train'.")],
    out: Annotated[str, typer.Option("--out", help="The colour-palette mask (PNG).")] = "mask.png",
    overlay: Annotated[Optional[str], typer.Option("--overlay", help="Also write the mask blended over the image (PNG).")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace --out / --overlay if they exist.")] = False,
) -> None:
    """Segment one image with a trained run: palette mask PNG (and an overlay)."""
    if not is_file(image):
        raise OptionError("IMAGE", "an existing image file", image)
    checkpoint = Path(run) / "checkpoint.pt"
    if not is_file(checkpoint):
        raise OptionError("--run", "a run folder holding checkpoint.pt (made by 'upsampling train')", run)
    from upsampling._files import check_outputs

    # every output is checked before any work: a refused --overlay never leaves a mask behind
    check_outputs([("out", out, (".png",)), ("overlay", overlay, (".png",))], overwrite=overwrite,
                  inputs=[image, checkpoint])
    from upsampling.explain.images import image_header

    width, height, pil_mode, _ = image_header(image, "image")
    _torch()
    import numpy as np
    import torch

    import upsampling
    from upsampling.cli import budget
    from upsampling.data.folders import read_image, voc_palette
    from upsampling.models import upsample_argmax
    from upsampling.models.training import load_run

    cfg, model, _ = load_run(run)
    torch.set_num_threads(max(1, int(cfg.threads)))
    # The network needs sides that halve cleanly: run it at the nearest multiple, then bring the
    # class scores back to the image's own size with the fused resize -> argmax (no full-size scores).
    m = 32 if cfg.model == "fcn8s" else 2 ** cfg.model_options.get("depth", 3)
    hh, ww = max(m, round(height / m) * m), max(m, round(width / m) * m)
    per_px = budget.activation_probe(model, int(cfg.in_channels or 3), 4 * m)
    budget.check(budget.segment_job((width, height), pil_mode, (ww, hh), per_px, int(cfg.num_classes or 1),
                                    overlay is not None))
    rgb = read_image(Path(image))  # (3, H, W) in [0, 1]; raises naming the file when unreadable
    x = rgb.mean(0, keepdims=True) if cfg.in_channels == 1 else rgb
    h, w = x.shape[1:]
    xin = x if (hh, ww) == (h, w) else upsampling.resize(x, (hh, ww), layout="CHW")
    with torch.no_grad():
        logits = model(torch.from_numpy(np.ascontiguousarray(xin, dtype=np.float32))[None])[0]
    del xin
    labels = upsample_argmax(logits.numpy(), (h, w), layout="CHW") if (hh, ww) != (h, w) else logits.argmax(0).numpy()
    del logits
    labels = labels.astype(np.uint8)
    from PIL import Image

    from upsampling._files import atomic_output

    palette = voc_palette()
    mask = Image.fromarray(labels, mode="P")
    mask.putpalette(palette.ravel().tolist())
    with atomic_output(out, overwrite=overwrite, option="out") as tmp:
        mask.save(tmp, format="PNG")
    counts = np.bincount(labels.ravel(), minlength=cfg.num_classes)
    present = ", ".join(f"{c}: {n}" for c, n in enumerate(counts) if n)
    print(f"wrote {out} ({w}x{h} pixels; pixels per class {present})")
    if overlay is not None:
        blend = _overlay(x, labels, palette)
        with atomic_output(overlay, overwrite=overwrite, option="overlay") as tmp:
            Image.fromarray(blend).save(tmp, format="PNG")
        print(f"wrote {overlay} ({w}x{h} pixels)")


def _overlay(x, labels, palette):  # noqa: ANN001, ANN202 - arrays
    """The mask over the image (alpha 0.55 where the class is not background), uint8 ``(H, W, 3)``;
    computed a band of rows at a time so its float temporaries stay small."""
    import numpy as np

    h, w = labels.shape
    blend = np.empty((h, w, 3), np.uint8)
    rows = max(1, 2**20 // max(1, 3 * w))
    for r in range(0, h, rows):
        xs = x[:, r:r + rows]
        base = (np.repeat(xs, 3, 0) if xs.shape[0] == 1 else xs).transpose(1, 2, 0) * 255
        lab = labels[r:r + rows]
        colour = palette[lab].astype(np.float32)
        alpha = np.where(lab[..., None] > 0, 0.55, 0.0)
        blend[r:r + rows] = (base * (1 - alpha) + colour * alpha).clip(0, 255).astype(np.uint8)
    return blend


def convert_checkpoint_command(
    run: Annotated[str, typer.Argument(help="A run folder whose checkpoint.pt an older version wrote.")],
    trust: Annotated[bool, typer.Option("--trust", help="Confirm you wrote this run yourself: converting loads it with pickle, which runs any code it holds.")] = False,
) -> None:
    """Rewrite an old run's checkpoint.pt as plain data (tensors, numbers, strings), which every command reads
    with torch.load(weights_only=True).  The original is kept as checkpoint.pt.pickle."""
    if not is_file(Path(run) / "checkpoint.pt"):
        raise OptionError("RUN", "a run folder holding checkpoint.pt", run)
    if not trust:
        raise OptionError("--trust", "--trust to confirm you trust this file: converting loads it with pickle, "
                          "which runs any code it holds; never convert a run someone else gave you")
    _torch()
    from upsampling.models.training import convert_checkpoint

    path = convert_checkpoint(run, trust=True)
    print(f"converted {path} to plain data (the original is {path}.pickle); every command now reads it without pickle")


def register(app: typer.Typer) -> None:
    """Add ``train``, ``evaluate``, ``segment`` and ``convert-checkpoint`` to ``app``."""
    app.command("train")(train_command)
    app.command("evaluate")(evaluate_command)
    app.command("segment")(segment_command)
    app.command("convert-checkpoint")(convert_checkpoint_command)
