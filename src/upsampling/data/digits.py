"""A real segmentation dataset that needs no download: scikit-learn's handwritten digits on canvases.

``load_digits()`` ships 1,797 real 8×8 scans (UCI optdigits; each value 0..16 counts the inked
pixels of a 4×4 block of the original 32×32 binary bitmap).  A canvas places several digits,
each upscaled with :func:`upsampling.resize` (half-pixel bilinear), at random non-overlapping
positions; the label of a pixel is ``digit class + 1`` where the upscaled ink fraction is at
least :data:`INK_THRESHOLD`, else 0 (background): 11 classes.

Split by source-digit index (contiguous blocks, so no scan is in two splits): train
``[0, 1258)``, val ``[1258, 1528)``, test ``[1528, 1797)``.  Everything is a pure function of
``(split, index, seed)``: the same canvas comes back on every machine.  Dataset card:
docs/dataset-digits.md.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

import upsampling
from upsampling._optional import require
from upsampling.errors import InvalidArgumentError

__all__ = ["CLASS_NAMES", "INK_THRESHOLD", "NUM_CLASSES", "SPLITS", "DigitsSegmentation", "digit_scans", "make_canvas"]

#: source-digit index ranges of each split (contiguous blocks of load_digits' order).
SPLITS: dict[str, tuple[int, int]] = {"train": (0, 1258), "val": (1258, 1528), "test": (1528, 1797)}
_SPLIT_ID = {"train": 0, "val": 1, "test": 2}
NUM_CLASSES = 11
CLASS_NAMES = ("background",) + tuple(f"digit {d}" for d in range(10))
#: A pixel is "digit" where the bilinearly upscaled ink fraction (scan value / 16) is >= 0.5:
#: at least half of the 4×4 block of the original bitmap it interpolates was inked -- the
#: 0.5 iso-contour of the ink coverage, the natural estimate of the stroke's edge.
INK_THRESHOLD = 0.5


@functools.cache
def digit_scans() -> tuple[np.ndarray, np.ndarray]:
    """``(images, targets)``: float32 ``(1797, 8, 8)`` ink fractions in [0, 1] and int64 classes 0..9."""
    datasets = require("sklearn.datasets", "torch")
    d = datasets.load_digits()
    return (d.images / 16.0).astype(np.float32), d.target.astype(np.int64)


@functools.lru_cache(maxsize=4096)
def _upscaled(index: int, size: int) -> np.ndarray:
    images, _ = digit_scans()
    return upsampling.resize(images[index], (size, size), layout="HW")


def make_canvas(rng: np.random.Generator, indices: np.ndarray, size: int = 64, digits: tuple[int, int] = (2, 4),
                digit_size: tuple[int, int] = (14, 24), noise: float = 0.0) -> tuple[np.ndarray, np.ndarray, list]:
    """One canvas: ``(image float32 (size, size) in [0, 1], labels uint8 (size, size), placed)``.

    ``placed`` lists ``(source_index, class, top, left, digit_size)`` for each digit.  Digits are
    drawn from ``indices``, scaled to a random square side in ``digit_size`` and placed without
    overlapping (a digit that finds no free spot in 50 tries is skipped).
    """
    _, targets = digit_scans()
    image = np.zeros((size, size), np.float32)
    labels = np.zeros((size, size), np.uint8)
    taken = np.zeros((size, size), bool)
    placed = []
    for _ in range(int(rng.integers(digits[0], digits[1] + 1))):
        src = int(indices[rng.integers(len(indices))])
        s = int(rng.integers(digit_size[0], digit_size[1] + 1))
        for _try in range(50):
            top, left = (int(v) for v in rng.integers(0, size - s + 1, 2))
            if not taken[top:top + s, left:left + s].any():
                break
        else:
            continue
        glyph = _upscaled(src, s)
        taken[top:top + s, left:left + s] = True
        image[top:top + s, left:left + s] = glyph
        labels[top:top + s, left:left + s] = np.where(glyph >= INK_THRESHOLD, targets[src] + 1, 0)
        placed.append((src, int(targets[src]), top, left, s))
    if noise:
        image = np.clip(image + rng.normal(0, noise, image.shape).astype(np.float32), 0, 1)
    return image, labels, placed


@dataclass
class DigitsSegmentation:
    """``n`` canvases of one split as arrays: ``images`` float32 ``(n, 1, size, size)``, ``labels`` int64 ``(n, size, size)``.

    ``epoch`` varies the canvases (training draws new placements each epoch); val/test keep
    ``epoch=0``.  Canvas ``i`` is generated from ``default_rng([seed, split, epoch, i])``.
    """

    split: str = "train"
    n: int = 1000
    size: int = 64
    seed: int = 0
    epoch: int = 0
    digits: tuple[int, int] = (3, 5)
    digit_size: tuple[int, int] = (14, 24)

    num_classes = NUM_CLASSES
    in_channels = 1
    class_names = CLASS_NAMES
    ignore_index = 255

    def __post_init__(self) -> None:
        if self.split not in SPLITS:
            raise InvalidArgumentError("split", self.split, "one of " + ", ".join(repr(s) for s in SPLITS))
        if self.size < self.digit_size[1]:
            raise InvalidArgumentError("size", self.size, f"a canvas side >= the largest digit ({self.digit_size[1]})")
        lo, hi = SPLITS[self.split]
        self.indices = np.arange(lo, hi)
        images, labels = [], []
        for i in range(self.n):
            rng = np.random.default_rng([self.seed, _SPLIT_ID[self.split], self.epoch, i])
            im, lab, _ = make_canvas(rng, self.indices, self.size, self.digits, self.digit_size)
            images.append(im)
            labels.append(lab)
        self.images = np.stack(images)[:, None] if images else np.zeros((0, 1, self.size, self.size), np.float32)
        self.labels = np.stack(labels).astype(np.int64) if labels else np.zeros((0, self.size, self.size), np.int64)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        return self.images[i], self.labels[i]
