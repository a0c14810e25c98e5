"""Train, evaluate and apply a segmentation model; the run folder the commands share.

A run folder ``runs/NAME`` holds::

    config.json      the TrainConfig (model, upsampler, dataset, seed, sizes, ...)
    checkpoint.pt    model + optimiser + history after the last finished epoch
    metrics.csv      one row per epoch: train loss, val loss, val mIoU, val pixel accuracy, time
    curves.png       loss and mIoU per epoch (needs matplotlib)

Every file is written to a temporary name and renamed (:mod:`upsampling._files`): an interrupted
epoch leaves the previous epoch's files, never half of one.  ``checkpoint.pt`` holds plain data
only -- tensors, numbers, strings, lists and dicts -- and is read with
``torch.load(weights_only=True)`` (:func:`read_checkpoint`): opening a run never runs code from it.
A checkpoint that does not load that way, or whose fields are not the ones :func:`train` writes,
is refused with :class:`~upsampling.errors.CheckpointError`; :func:`convert_checkpoint` rewrites
an old one you trust (``upsampling convert-checkpoint RUN --trust``).

Determinism: epoch ``e`` seeds torch with ``(seed, e)`` and draws its training canvases from
``(seed, e)``, so ``--resume`` continues exactly where an uninterrupted run would be.
"""

from __future__ import annotations

import csv
import json
import math
import os
import pickle
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from upsampling._files import atomic_output
from upsampling.data import build_dataset
from upsampling.errors import CheckpointError, InvalidArgumentError
from upsampling.models.metrics import confusion_matrix, scores
from upsampling.models.registry import count_parameters, create_model

__all__ = [
    "CONFIG_RANGES",
    "TrainConfig",
    "config_problem",
    "convert_checkpoint",
    "evaluate",
    "load_run",
    "predict",
    "read_checkpoint",
    "train",
    "write_curves",
]

CHECKPOINT = "checkpoint.pt"
FIELDS = ["epoch", "train_loss", "val_loss", "val_miou", "val_pixel_accuracy", "lr", "seconds"]
#: The files a run folder holds (train refuses a folder holding any of them unless resuming).
RUN_FILES = (CHECKPOINT, "config.json", "metrics.csv", "curves.png")


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
    with atomic_output(path, overwrite=True) as tmp:  # the last good checkpoint survives an interruption
        torch.save(state, tmp)


def _write_json(path: Path, data: Any, *, overwrite: bool = True) -> None:
    with atomic_output(path, overwrite=overwrite) as tmp:
        tmp.write_text(json.dumps(data, indent=2) + "\n")


def _write_metrics(out: Path, history: list[dict]) -> None:
    with atomic_output(out / "metrics.csv", overwrite=True) as tmp, open(tmp, "w", newline="") as fh:
        w = csv.DictWriter(fh, FIELDS)
        w.writeheader()
        for row in history:
            w.writerow({k: row[k] for k in FIELDS})


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
    try:
        with atomic_output(path, overwrite=True) as tmp:
            fig.savefig(tmp, dpi=100, format="png")
    finally:
        plt.close(fig)
    return path


# ---------------------------------------------------------------------------------------------
# checkpoints: plain data in, plain data out


def _convert_hint(path: Path) -> str:
    return (f"If you wrote this run yourself with an older version and trust the file, convert it once with "
            f"'upsampling convert-checkpoint {path.parent} --trust' (that loads it with pickle, which runs any code "
            "it holds).")


def _refuse(path: Path, problem: str) -> CheckpointError:
    return CheckpointError("checkpoint", str(path), message=f"{path}: {problem}")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_config(path: Path, config: Any) -> TrainConfig:
    """The run's TrainConfig from a checkpoint's plain dict; refuses unknown keys, wrong types and
    sizes that would build an absurd model (a checkpoint is input like any other)."""
    from upsampling.models.registry import MODELS, UPSAMPLE_CHOICES

    fields = TrainConfig.__dataclass_fields__
    if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
        raise _refuse(path, "its 'config' is not a dict of settings: not a checkpoint written by 'upsampling train'")
    unknown = sorted(set(config) - set(fields))
    if unknown:
        raise _refuse(path, f"its config has settings this version does not know: {', '.join(unknown[:5])}")
    kinds = {"model": str, "upsample": str, "dataset": str, "data": (str, type(None)), "model_options": dict,
             "num_classes": (int, type(None)), "in_channels": (int, type(None)), "time_limit": (int, float, type(None)),
             "lr": (int, float)}
    for key, value in config.items():
        want = kinds.get(key, int)
        if isinstance(value, bool) or not isinstance(value, want):
            raise _refuse(path, f"its config has {key}={value!r:.60}, of the wrong type")
    cfg = TrainConfig(**config)
    problem = config_problem(cfg)
    if problem is not None:
        raise _refuse(path, f"its config has {problem[0].lstrip('-').replace('-', '_')}={problem[1]!r:.40}; "
                      f"expected {problem[2]}")
    if cfg.model not in MODELS or cfg.upsample not in UPSAMPLE_CHOICES:
        raise _refuse(path, f"its config names model {cfg.model!r:.40} / upsampler {cfg.upsample!r:.40}, which this "
                      "version does not have")
    allowed = MODEL_OPTION_RANGES[cfg.model]
    for key, value in cfg.model_options.items():
        if key not in allowed:
            raise _refuse(path, f"its config has model option {key!r:.40}, which {cfg.model} does not take "
                          f"(it takes {', '.join(allowed)})")
        lo, hi, count = allowed[key]
        values = list(value) if isinstance(value, (list, tuple)) and count > 1 else [value]
        if len(values) != count or not all(
                isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi for v in values):
            what = f"{count} integers" if count > 1 else "an integer"
            raise _refuse(path, f"its config has model option {key}={value!r:.60}; expected {what} from {lo} to {hi}")
    return cfg


#: Allowed ranges of a run's integer settings (the command line's options and a checkpoint's config):
#: large enough for real work, small enough that no setting alone asks for absurd memory or time.
CONFIG_RANGES: dict[str, tuple[int, int]] = {
    "epochs": (1, 100_000),
    "seed": (0, 2**32 - 1),
    "batch_size": (1, 65_536),
    "size": (8, 4096),
    "train_samples": (1, 1_000_000),
    "val_samples": (1, 1_000_000),
    "threads": (1, 1024),
    "num_classes": (2, 4096),
    "in_channels": (1, 4096),
}


#: Model options a checkpoint's config may carry: ``name: (low, high, exactly how many values)``; bounded so
#: that no config alone builds a model of absurd size (U-Net base 256 is ~115 M parameters).
MODEL_OPTION_RANGES: dict[str, dict[str, tuple[int, int, int]]] = {
    "unet": {"base": (1, 256, 1), "depth": (1, 6, 1)},
    "fcn8s": {"widths": (1, 1024, 5)},
}


def config_problem(cfg: TrainConfig) -> tuple[str, Any, str] | None:
    """The first setting of ``cfg`` out of range, as ``(field, value, what is allowed)``; None if all fit."""
    for key, (lo, hi) in CONFIG_RANGES.items():
        value = getattr(cfg, key)
        if value is None and key in ("num_classes", "in_channels"):
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            return key, value, f"an integer from {lo:,} to {hi:,}"
    if isinstance(cfg.lr, bool) or not isinstance(cfg.lr, (int, float)) or not (math.isfinite(cfg.lr) and cfg.lr > 0):
        return "lr", cfg.lr, "a finite learning rate > 0"
    if cfg.time_limit is not None and (isinstance(cfg.time_limit, bool) or not isinstance(cfg.time_limit, (int, float))
                                       or not (math.isfinite(cfg.time_limit) and cfg.time_limit > 0)):
        return "time_limit", cfg.time_limit, "a finite number of seconds > 0"
    return None


def _check_state(path: Path, state: Any) -> dict:
    if not isinstance(state, dict):
        raise _refuse(path, f"holds a {type(state).__name__}, not the dict 'upsampling train' writes (a checkpoint "
                      "of another program?)")
    missing = [k for k in ("epoch", "model", "config", "optimizer", "history") if k not in state]
    if missing:
        raise _refuse(path, f"has no {', '.join(repr(k) for k in missing)}: not a checkpoint written by "
                      "'upsampling train'")
    if isinstance(state["epoch"], bool) or not isinstance(state["epoch"], int) or state["epoch"] < 0:
        raise _refuse(path, f"its epoch {state['epoch']!r:.40} is not a count of epochs")
    model = state["model"]
    if not isinstance(model, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in model.items()):
        raise _refuse(path, "its 'model' is not a dict of named tensors")
    if not isinstance(state["optimizer"], dict):
        raise _refuse(path, "its 'optimizer' is not a dict")
    history = state["history"]
    if not isinstance(history, list) or not all(
            isinstance(r, dict) and all(k in r and _number(r[k]) for k in FIELDS) for r in history):
        raise _refuse(path, f"its 'history' is not a list of per-epoch rows ({', '.join(FIELDS)})")
    _check_config(path, state["config"])
    return state


def read_checkpoint(path: str | os.PathLike) -> dict:
    """A run's checkpoint as plain data, read with ``torch.load(weights_only=True)``; nothing in it runs.

    Raises
    ------
    CheckpointError
        One line naming the file: it is empty, truncated or not a torch file; it holds objects other
        than tensors and plain containers (pickled code is never run); or its fields are not those
        :func:`train` writes.  The message says how to convert an old run you trust.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _refuse(path, f"cannot be read ({exc.strerror or exc})") from None
    if size == 0:
        raise _refuse(path, "is empty (0 bytes): not a checkpoint (an interrupted copy?)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if "GLOBAL" in line or "Unsupported" in line]
        detail = f" ({lines[0]})" if lines else ""
        raise _refuse(path, "refused: it holds objects other than tensors and plain data, which only pickle can "
                      f"load, and pickle runs code{detail}; nothing in it was run. " + _convert_hint(path)) from None
    except MemoryError:
        raise _refuse(path, "does not fit in memory") from None
    except Exception as exc:  # noqa: BLE001 - truncated zips, foreign pickles, ...: torch raises many kinds
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise _refuse(path, f"is not a readable checkpoint: truncated, damaged or not a torch file "
                      f"({type(exc).__name__}{': ' + first[:120] if first else ''})") from None
    return _check_state(path, state)


def _plain(value: Any, where: str) -> Any:
    """``value`` as tensors and plain containers (what ``weights_only=True`` loads), or refuse."""
    if isinstance(value, np.generic):  # before float: np.float64 is a float subclass, pickled as NumPy's
        return value.item()
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().clone()
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.array(value))
    if isinstance(value, dict):
        return {(k if isinstance(k, (str, int)) else str(k)): _plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    raise CheckpointError("checkpoint", where, message=(
        f"cannot convert: {where} holds a {type(value).__module__}.{type(value).__qualname__}, which is not plain "
        "data (tensors, numbers, strings, lists, dicts)"))


def convert_checkpoint(run: str | os.PathLike, *, trust: bool = False) -> Path:
    """Rewrite ``RUN/checkpoint.pt`` as plain data that :func:`read_checkpoint` accepts.

    Loads the file with pickle (``weights_only=False``), which runs any code the file holds: pass
    ``trust=True`` only for a run you wrote yourself.  The original is kept beside it as
    ``checkpoint.pt.pickle`` (refused if that name exists); the new file is written atomically and
    must then load with ``weights_only=True``.  Returns the path of the converted checkpoint.
    """
    path = Path(run) / CHECKPOINT
    if trust is not True:
        raise InvalidArgumentError("trust", trust, message=(
            f"converting {path} loads it with pickle, which runs any code it holds: pass trust=True "
            "only for a run you wrote yourself"))
    if not path.is_file():
        raise _refuse(path, "does not exist")
    backup = path.with_name(CHECKPOINT + ".pickle")
    if os.path.lexists(backup):
        raise _refuse(backup, "exists already; move it away first (it would receive the original checkpoint)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)  # trusted by the caller
    except Exception as exc:  # noqa: BLE001
        raise _refuse(path, f"cannot be loaded even with pickle ({type(exc).__name__}: {str(exc)[:120]})") from None
    plain = _plain(state, "checkpoint")
    _check_state(path, plain)
    with atomic_output(path, overwrite=True) as tmp:
        torch.save(plain, tmp)
        read_checkpoint(tmp)  # exactly what every command will do; the original stays if this fails
        with atomic_output(backup) as kept:
            shutil.copyfile(path, kept)
    return path


def _check_run_folder(out: Path, resume: bool, overwrite: bool) -> None:
    """Refuse a run folder that cannot be written, before any work."""
    from upsampling.errors import OutputPathError

    if out.exists() and not out.is_dir():
        raise OutputPathError("out", str(out), "a folder", message=lambda n: f"{n('out')} {out}: is a file; expected a run folder")
    ancestor = out
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputPathError("out", str(out), "a writable folder",
                              message=lambda n: f"{n('out')} {out}: {ancestor} is not a writable folder")
    if resume or overwrite:
        return
    present = [name for name in RUN_FILES if os.path.lexists(out / name)]
    if present:
        raise InvalidArgumentError("out", str(out), message=lambda n: (
            f"{n('out')} {out} already holds a run ({', '.join(present)}); pass {n('resume', True)} to continue it, "
            f"{n('overwrite', True)} to start a new run there, or choose another {n('out')}"))


def train(cfg: TrainConfig, out: str | os.PathLike, *, resume: bool = False, overwrite: bool = False,
          progress: Callable[[dict], None] | None = None) -> list[dict]:
    """Train ``cfg`` into the run folder ``out``; returns the per-epoch history.

    ``progress(event)`` is called with ``{"kind": "batch", "epoch", "batch", "batches", "loss"}`` and
    ``{"kind": "epoch", **row}``.  ``resume=True`` continues from ``out/checkpoint.pt`` (its config
    wins, except ``epochs``); without it a folder holding a run's files is refused, unless
    ``overwrite=True`` (a new run there: each file is replaced when the first epoch ends, so an
    interrupted first epoch leaves the old run whole).
    """
    out = Path(out)
    ckpt_path = out / CHECKPOINT
    _check_run_folder(out, resume, overwrite)
    state = None
    if resume:
        if not ckpt_path.exists():
            raise InvalidArgumentError("resume", str(out), message=lambda n: f"{n('resume', True)}: {ckpt_path} does not exist")
        state = read_checkpoint(ckpt_path)
        epochs, limit = cfg.epochs, cfg.time_limit
        cfg = _check_config(ckpt_path, state["config"])
        cfg.epochs, cfg.time_limit = epochs, limit
    torch.set_num_threads(max(1, int(cfg.threads)))
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
        _load_weights(ckpt_path, model, state)
        try:
            opt.load_state_dict(state["optimizer"])
        except (ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise _refuse(ckpt_path, f"its optimizer state does not fit the model ({type(exc).__name__})") from None
        history, start = state["history"], state["epoch"]
    out.mkdir(parents=True, exist_ok=True)
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
        _write_json(out / "config.json", asdict(cfg))  # with each checkpoint: the two always agree
        _write_metrics(out, history)
        write_curves(out, history)
        if progress:
            progress({"kind": "epoch", **row})
    return history


def load_run(run: str | os.PathLike) -> tuple[TrainConfig, torch.nn.Module, dict]:
    """``(config, model in eval mode, checkpoint)`` of a run folder (read by :func:`read_checkpoint`:
    no code from the file runs; a checkpoint that is not plain data raises CheckpointError)."""
    path = Path(run) / CHECKPOINT
    if not path.is_file():
        raise InvalidArgumentError("run", str(run), message=lambda n: (
            f"{n('run')} {run} is not a run folder: {path} does not exist (create one with 'upsampling train')"))
    state = read_checkpoint(path)
    cfg = _check_config(path, state["config"])
    model = _build(cfg)
    _load_weights(path, model, state)
    model.eval()
    return cfg, model, state


def _load_weights(path: Path, model: torch.nn.Module, state: dict) -> None:
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as exc:
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise _refuse(path, f"its weights do not fit the model its config describes ({first[:160]})") from None


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
