"""Segmentation data: the bundled digits canvases and loaders for folders on disk.

NumPy only (samples are arrays); :mod:`upsampling.models.training` batches them into tensors.

* :class:`DigitsSegmentation` -- real handwritten scans (scikit-learn's ``load_digits``) placed on
  canvases, 11 classes, no download (docs/dataset-digits.md).
* :class:`VOCSegmentation` -- PASCAL VOC's ``JPEGImages/`` + ``SegmentationClass/`` layout.
* :class:`MaskFolder` -- ``images/`` + ``masks/``.
* :func:`build_dataset` -- one of :data:`DATASETS` by name.
"""

from __future__ import annotations

from upsampling.data.digits import CLASS_NAMES, INK_THRESHOLD, NUM_CLASSES, SPLITS, DigitsSegmentation, make_canvas
from upsampling.data.folders import MaskFolder, VOCSegmentation, voc_palette
from upsampling.errors import InvalidArgumentError

__all__ = [
    "CLASS_NAMES",
    "DATASETS",
    "INK_THRESHOLD",
    "NUM_CLASSES",
    "SPLITS",
    "DigitsSegmentation",
    "MaskFolder",
    "VOCSegmentation",
    "build_dataset",
    "make_canvas",
    "voc_palette",
]

#: dataset names the commands accept.
DATASETS = ("digits", "voc", "folder")


def digits_layout(size: int) -> dict:
    """Digits per canvas and digit sides for a canvas of ``size``: 64 -> 3..5 digits of 16..24 px,
    32 -> 2..3 digits of 10..14 px (at most 1.75× the 8×8 scan's resolution lost, never downscaled)."""
    if size >= 64:
        return {"digits": (3, 5), "digit_size": (16, 24)}
    if size >= 48:
        return {"digits": (2, 4), "digit_size": (12, 18)}
    return {"digits": (2, 3), "digit_size": (10, min(14, size))}


def build_dataset(name: str, split: str, *, data: str | None = None, size: int = 64, seed: int = 0, epoch: int = 0,
                  n: int | None = None, num_classes: int | None = None):
    """The dataset ``name`` (one of :data:`DATASETS`) for ``split``.

    digits: ``n`` canvases of ``size`` (default 1024 train, 256 val/test), new ones per ``epoch``
    for train.  voc / folder: the folder ``data`` (required), samples resized to ``size``.
    """
    if name not in DATASETS:
        raise InvalidArgumentError("name", name, "one of " + ", ".join(DATASETS))
    if name == "digits":
        default_n = 1024 if split == "train" else 256
        return DigitsSegmentation(split, n=default_n if n is None else n, size=size, seed=seed,
                                  epoch=epoch if split == "train" else 0, **digits_layout(size))
    if data is None:
        raise InvalidArgumentError("data", None, message=lambda n: f"{n('data')}: expected a folder for {n('name', name)}")
    if name == "voc":
        return VOCSegmentation(data, "train" if split == "train" else "val", num_classes=num_classes or 21, size=size)
    if num_classes is None:
        raise InvalidArgumentError("num_classes", None, message=lambda n: (
            f"{n('num_classes')}: expected the number of classes for {n('name', 'folder')}"))
    return MaskFolder(data, split, num_classes=num_classes, size=size)
