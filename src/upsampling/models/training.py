"""Train, evaluate and apply a segmentation model; the run folder the commands share.

A run folder ``runs/NAME`` holds::

    config.json      the TrainConfig (model, upsampler, dataset, seed, sizes, ...)
    checkpoint.pt    model + optimiser + history after the last finished epoch (written to
                     checkpoint.pt.tmp, then renamed: an interrupted epoch never damages it)
    metrics.csv      one row per epoch: train loss, val loss, val mIoU, val pixel accuracy, time
    curves.png       loss and mIoU per epoch (needs matplotlib)

Determinism: epoch ``e`` seeds torch with ``(seed, e)`` and draws its training canvases from
``(seed, e)``, so ``--resume`` continues exactly where an uninterrupted run would be.
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from upsampling.data import build_dataset
from upsampling.errors import InvalidArgumentError
from upsampling.models.metrics import confusion_matrix, scores
from upsampling.models.registry import count_parameters, create_model

__all__ = ["TrainConfig", "evaluate", "load_run", "predict", "train", "write_curves"]

CHECKPOINT = "checkpoint.pt"
FIELDS = ["epoch", "train_loss", "val_loss", "val_miou", "val_pixel_accuracy", "lr", "seconds"]


@dataclass
class TrainConfig:
    model: str = "unet"
    upsample: str = "bilinear"
    dataset: str = "digits"
    data: str | None = None
    epochs: int = 10
    seed: int = 0
    batch_size: int = 32
    lr: float = 3e-3
    size: int = 64
    train_samples: int = 1024
    val_samples: int = 256
    num_classes: int | None = None
    in_channels: int | None = None
    model_options: dict = field(default_factory=dict)
    threads: int = 2
    time_limit: float | None = None  # seconds of training; stop after the epoch that crosses it


def _batches(ds, batch_size: int, order=None):
    n = len(ds)
    order = range(n) if order is None else order
    order = list(order)
    for i in range(0, n, batch_size):
        items = [ds[j] for j in order[i:i + batch_size]]
        x = torch.from_numpy(np.stack([a for a, _ in items]).astype(np.float32))
        y = torch.from_numpy(np.stack([b for _, b in items]).astype(np.int64))
        yield x, y


def _dataset(cfg: TrainConfig, split: str, epoch: int = 0):
    n = cfg.train_samples if split == "train" else cfg.val_samples
    return build_dataset(cfg.dataset, split, data=cfg.data, size=cfg.size, seed=cfg.seed, epoch=epoch, n=n,
                         num_classes=cfg.num_classes)


def _build(cfg: TrainConfig) -> torch.nn.Module:
    return create_model(cfg.model, upsample=cfg.upsample, num_classes=cfg.num_classes, in_channels=cfg.in_channels,
                        **cfg.model_options)


@torch.no_grad()
def predict(model: torch.nn.Module, ds, batch_size: int = 64, ignore_index: int = 255) -> tuple[np.ndarray, float]:
    """``(confusion matrix, mean loss)`` of ``model`` on ``ds``."""
    model.eval()
    k = model.head.out_channels if hasattr(model, "head") else model.score32.out_channels
    cm = np.zeros((k, k), np.int64)
    loss_sum, pixels = 0.0, 0
    for x, y in _batches(ds, batch_size):
        logits = model(x)
        loss_sum += float(F.cross_entropy(logits, y, ignore_index=ignore_index, reduction="sum"))
        pixels += int((y != ignore_index).sum())
        cm += confusion_matrix(logits.argmax(1).numpy(), y.numpy(), k, ignore_index)
    return cm, loss_sum / max(pixels, 1)


def _save_checkpoint(path: Path, state: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # atomic: the last good checkpoint survives an interruption


def _write_metrics(out: Path, history: list[dict]) -> None:
    tmp = out / "metrics.csv.tmp"
    with open(tmp, "w", newline="") as fh:
        w = csv.DictWriter(fh, FIELDS)
        w.writeheader()
        for row in history:
            w.writerow({k: row[k] for k in FIELDS})
    os.replace(tmp, out / "metrics.csv")


def write_curves(out: Path, history: list[dict]) -> Path | None:
    """Loss and mIoU per epoch to ``out/curves.png`` (None without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    ep = [r["epoch"] for r in history]
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.4))
    a.plot(ep, [r["train_loss"] for r in history], "o-", label="train")
    a.plot(ep, [r["val_loss"] for r in history], "o-", label="val")
    a.set_xlabel("epoch"), a.set_ylabel("cross-entropy"), a.legend(), a.set_title("loss")
    b.plot(ep, [r["val_miou"] for r in history], "o-", color="C2")
    b.set_xlabel("epoch"), b.set_ylabel("mIoU"), b.set_title("validation mIoU"), b.set_ylim(0, 1)
    fig.tight_layout()
    path = out / "curves.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def train(cfg: TrainConfig, out: str | os.PathLike, *, resume: bool = False,
          progress: Callable[[dict], None] | None = None) -> list[dict]:
    """Train ``cfg`` into the run folder ``out``; returns the per-epoch history.

    ``progress(event)`` is called with ``{"kind": "batch", "epoch", "batch", "batches", "loss"}`` and
    ``{"kind": "epoch", **row}``.  ``resume=True`` continues from ``out/checkpoint.pt`` (its config
    wins, except ``epochs``); without it an existing checkpoint is refused.
    """
    out = Path(out)
    torch.set_num_threads(max(1, int(cfg.threads)))
    ckpt_path = out / CHECKPOINT
    state = None
    if ckpt_path.exists():
        if not resume:
            raise InvalidArgumentError("--out", str(out), message=f"--out {out} already holds a run ({ckpt_path}); "
                                       "pass --resume to continue it or choose another --out")
        state = torch.load(ckpt_path, weights_only=False)
        epochs, limit = cfg.epochs, cfg.time_limit
        cfg = TrainConfig(**state["config"])
        cfg.epochs, cfg.time_limit = epochs, limit
    elif resume:
        raise InvalidArgumentError("--resume", str(out), message=f"--resume: {ckpt_path} does not exist")
    train0 = _dataset(cfg, "train", 0)
    if cfg.num_classes is None:
        cfg.num_classes = train0.num_classes
    if cfg.in_channels is None:
        cfg.in_channels = train0.in_channels
    ignore = getattr(train0, "ignore_index", 255)
    val = _dataset(cfg, "val")
    torch.manual_seed(cfg.seed)
    model = _build(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=1e-4)
    history: list[dict] = []
    start = 0
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        history, start = state["history"], state["epoch"]
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2) + "\n")
    spent = sum(r["seconds"] for r in history)
    for epoch in range(start + 1, cfg.epochs + 1):
        if cfg.time_limit is not None and spent >= cfg.time_limit:
            break
        t0 = time.perf_counter()
        torch.manual_seed(cfg.seed * 100_003 + epoch)
        ds = train0 if epoch == 1 and cfg.dataset != "digits" else _dataset(cfg, "train", epoch)
        order = torch.randperm(len(ds)).tolist()
        batches = math.ceil(len(ds) / cfg.batch_size)
        model.train()
        total, seen = 0.0, 0
        for b, (x, y) in enumerate(_batches(ds, cfg.batch_size, order)):
            # cosine decay over the planned epochs, per batch
            lr = cfg.lr * 0.5 * (1 + math.cos(math.pi * ((epoch - 1) + b / batches) / cfg.epochs))
            for g in opt.param_groups:
                g["lr"] = lr
            loss = F.cross_entropy(model(x), y, ignore_index=ignore)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(x)
            seen += len(x)
            if progress:
                progress({"kind": "batch", "epoch": epoch, "batch": b + 1, "batches": batches, "loss": loss.item()})
        seconds = time.perf_counter() - t0
        cm, val_loss = predict(model, val, ignore_index=ignore)
        s = scores(cm)
        row = {"epoch": epoch, "train_loss": total / max(seen, 1), "val_loss": val_loss, "val_miou": s["miou"],
               "val_pixel_accuracy": s["pixel_accuracy"], "lr": lr, "seconds": seconds}
        history.append(row)
        spent += seconds
        _save_checkpoint(ckpt_path, {"epoch": epoch, "model": model.state_dict(), "optimizer": opt.state_dict(),
                                     "history": history, "config": asdict(cfg),
                                     "parameters": count_parameters(model)})
        _write_metrics(out, history)
        write_curves(out, history)
        if progress:
            progress({"kind": "epoch", **row})
    return history


def load_run(run: str | os.PathLike) -> tuple[TrainConfig, torch.nn.Module, dict]:
    """``(config, model in eval mode, checkpoint)`` of a run folder."""
    path = Path(run) / CHECKPOINT
    if not path.is_file():
        raise InvalidArgumentError("RUN", str(run), message=f"RUN {run} is not a run folder: {path} does not exist "
                                   "(create one with 'upsampling train --out ...')")
    state = torch.load(path, weights_only=False)
    cfg = TrainConfig(**state["config"])
    model = _build(cfg)
    model.load_state_dict(state["model"])
    model.eval()
    return cfg, model, state


def evaluate(run: str | os.PathLike, split: str = "test", batch_size: int = 64) -> dict:
    """Scores of a run on ``split`` (digits: the test canvases; folders: their val part)."""
    cfg, model, state = load_run(run)
    torch.set_num_threads(max(1, int(cfg.threads)))
    ds = _dataset(cfg, split)
    ignore = getattr(ds, "ignore_index", 255)
    cm, loss = predict(model, ds, batch_size, ignore_index=ignore)
    s = scores(cm)
    return {"run": str(run), "split": split, "dataset": cfg.dataset, "model": cfg.model, "upsample": cfg.upsample,
            "epochs": state["epoch"], "samples": len(ds), "ignore_index": ignore, "loss": loss,
            "class_names": list(getattr(ds, "class_names", [str(i) for i in range(len(cm))])),
            "confusion_matrix": cm.tolist(), **s}
