"""Segmentation folders on disk: PASCAL VOC's layout and a plain ``images/`` + ``masks/`` pair.

Both check the whole folder when built (every image has its mask and vice versa; every file
stays inside the data folder) and each sample when read (the file opens, the mask's labels are classes or the ignore index, the image
and mask sizes agree); every failure raises :class:`~upsampling.errors.InvalidArgumentError`
naming the file.  Samples come back as NumPy arrays -- image float32 ``(3, H, W)`` in [0, 1],
labels int64 ``(H, W)`` -- optionally resized to ``size`` with the engine (image bilinear
half-pixel, labels nearest, so no label is ever blended).

Containment: every file read lies inside the data folder once symlinks are resolved.  A VOC list
id that is absolute or climbs out (``../../outside/secret``) and a symlink (file or sub-folder)
leading outside the data folder are refused, naming the list file, the line and the id (or the
link).  The data folder itself may be a symlink: it is resolved first, and everything under it
must stay under its target.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

import upsampling
from upsampling._optional import require
from upsampling.errors import InvalidArgumentError, Names

__all__ = ["IMAGE_SUFFIXES", "MaskFolder", "VOCSegmentation", "VOC_CLASSES", "voc_palette"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
VOC_CLASSES = (
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
)


def voc_palette(n: int = 256) -> np.ndarray:
    """PASCAL VOC's colour map (``VOCdevkit``'s ``labelcolormap``): ``(n, 3)`` uint8; 255 is (224, 224, 192)."""
    pal = np.zeros((n, 3), np.uint8)
    for i in range(n):
        c, r, g, b = i, 0, 0, 0
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        pal[i] = (r, g, b)
    return pal


def _fail(path: os.PathLike | str, problem: str | Callable[[Names], str]) -> InvalidArgumentError:
    """``PATH: PROBLEM``, naming the parameter ``data``; a ``problem`` that names parameters is a
    function of a speller (:meth:`upsampling.errors.UpsamplingError.render`)."""
    return InvalidArgumentError("data", str(path), message=lambda n: f"{path}: {problem(n) if callable(problem) else problem}")


def _inside(root: Path, path: Path, where: str = "") -> Path:
    """``path`` if it resolves (symlinks followed) to a place inside ``root`` (already resolved);
    else refuse, naming the link and where it leads."""
    real = path.resolve()
    if real != root and not real.is_relative_to(root):
        link = next((p for p in [path, *path.parents] if p.is_symlink()), path)
        raise _fail(link, lambda n: f"{where}leads outside the data folder {root} (to {real}); files are read only "
                          f"from inside it: copy them in, or pass as {n('data')} the folder that holds them all")
    return path


def _id_problem(item: str) -> str | None:
    if "\x00" in item:
        return "is not a file name"
    if os.path.isabs(item) or item.startswith(("/", "\\")) or (len(item) > 1 and item[0].isalpha() and item[1] == ":"):
        return "is an absolute path"
    if ".." in item.replace("\\", "/").split("/"):
        return "climbs out of the data folder with '..'"
    return None


def _open(path: Path):
    Image = require("PIL.Image", "cli")
    try:
        im = Image.open(path)
        im.load()
    except Exception as exc:  # PIL raises several types for broken files
        raise _fail(path, f"cannot be read as an image ({type(exc).__name__}: {exc})") from None
    return im


def read_image(path: Path) -> np.ndarray:
    """An RGB image file as float32 ``(3, H, W)`` in [0, 1]."""
    return (np.asarray(_open(path).convert("RGB"), dtype=np.float32) / 255.0).transpose(2, 0, 1).copy()


def read_mask(path: Path, num_classes: int, ignore_index: int = 255) -> np.ndarray:
    """A label PNG (palette ``P`` or grey ``L``/``I``: the stored value is the class) as int64 ``(H, W)``."""
    im = _open(path)
    if im.mode not in ("P", "L", "I", "I;16"):
        raise _fail(path, f"is a {im.mode} image; a mask must store one class index per pixel (mode P or L)")
    labels = np.asarray(im).astype(np.int64)
    bad = (labels >= num_classes) & (labels != ignore_index) | (labels < 0)
    if bad.any():
        values = sorted(set(np.unique(labels[bad]).tolist()))[:8]
        raise _fail(path, f"has labels {values} outside the classes 0..{num_classes - 1} (and ignore index {ignore_index})")
    return labels


class _Folder:
    num_classes: int
    ignore_index: int
    in_channels = 3
    pairs: list[tuple[Path, Path]]
    size: tuple[int, int] | None

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        image_path, mask_path = self.pairs[i]
        image = read_image(image_path)
        labels = read_mask(mask_path, self.num_classes, self.ignore_index)
        if image.shape[1:] != labels.shape:
            raise _fail(mask_path, f"is {labels.shape[1]}x{labels.shape[0]} but its image {image_path.name} is "
                                   f"{image.shape[2]}x{image.shape[1]} (width x height)")
        if self.size is not None:
            image = upsampling.resize(image, self.size, layout="CHW")
            labels = upsampling.resize(labels, self.size, layout="HW", mode="nearest")
        return image, labels


def _size(size: int | Sequence[int] | None) -> tuple[int, int] | None:
    if size is None:
        return None
    return (int(size), int(size)) if isinstance(size, (int, np.integer)) else (int(size[0]), int(size[1]))


class VOCSegmentation(_Folder):
    """PASCAL VOC's segmentation layout under ``root``::

        JPEGImages/<id>.jpg                   RGB image
        SegmentationClass/<id>.png            palette PNG, index = class (0..20), 255 = ignore (object borders)
        ImageSets/Segmentation/<split>.txt    one <id> per line

    Parameters
    ----------
    root : the ``VOC2012``-style folder.  split : ``"train"``, ``"val"`` (any list file present).
    num_classes : 21 for VOC.  size : resize every sample to ``(H, W)`` (needed to batch).
    """

    def __init__(self, root: str | os.PathLike, split: str = "train", *, num_classes: int = 21,
                 ignore_index: int = 255, size: int | Sequence[int] | None = None) -> None:
        self.root = Path(root)
        self.split, self.num_classes, self.ignore_index, self.size = split, num_classes, ignore_index, _size(size)
        self.class_names = VOC_CLASSES if num_classes == 21 else tuple(f"class {i}" for i in range(num_classes))
        if not self.root.is_dir():
            raise _fail(self.root, "is not a folder (expected a VOC folder with JPEGImages/, SegmentationClass/, ImageSets/)")
        for sub in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
            if not (self.root / sub).is_dir():
                raise _fail(self.root / sub, "is missing (a VOC folder has JPEGImages/, SegmentationClass/, "
                                              "ImageSets/Segmentation/)")
        listing = self.root / "ImageSets" / "Segmentation" / f"{split}.txt"
        if not listing.is_file():
            have = sorted(p.stem for p in (self.root / "ImageSets" / "Segmentation").glob("*.txt"))
            raise _fail(listing, f"is missing; split lists present: {', '.join(have) or 'none'}")
        real = self.root.resolve()
        _inside(real, listing)
        try:
            lines = listing.read_text().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise _fail(listing, f"cannot be read as a text list of ids ({type(exc).__name__})") from None
        ids = [(n, line.strip()) for n, line in enumerate(lines, 1) if line.strip()]
        if not ids:
            raise _fail(listing, "lists no images")
        self.pairs = []
        for n, i in ids:
            where = f"line {n}: id {i[:80]!r} "
            problem = _id_problem(i)
            if problem is not None:
                raise _fail(listing, f"{where}{problem}; ids name files inside {self.root}/JPEGImages and "
                                     "SegmentationClass (refused, nothing read)")
            image = self.root / "JPEGImages" / f"{i}.jpg"
            mask = self.root / "SegmentationClass" / f"{i}.png"
            if not image.is_file():
                raise _fail(image, f"is missing (listed in {listing.name})")
            if not mask.is_file():
                raise _fail(mask, f"is missing: {image.name} has no mask")
            _inside(real, image, f"(listed in {listing} {where.strip()}) ")
            _inside(real, mask, f"(the mask of {listing} {where.strip()}) ")
            self.pairs.append((image, mask))


class MaskFolder(_Folder):
    """A plain pair of folders: ``root/images/<name>.<png|jpg|...>`` and ``root/masks/<name>.png``.

    Masks store one class index per pixel (grey or palette PNG).  Every image needs a mask with
    the same stem and every mask an image.  ``split="val"`` takes every 5th pair (sorted by
    name, from the 5th), ``"train"`` the rest, ``"all"`` everything.
    """

    def __init__(self, root: str | os.PathLike, split: str = "all", *, num_classes: int, ignore_index: int = 255,
                 size: int | Sequence[int] | None = None) -> None:
        self.root = Path(root)
        self.split, self.num_classes, self.ignore_index, self.size = split, int(num_classes), ignore_index, _size(size)
        self.class_names = tuple(["background"] + [f"class {i}" for i in range(1, self.num_classes)])
        images_dir, masks_dir = self.root / "images", self.root / "masks"
        for d in (images_dir, masks_dir):
            if not d.is_dir():
                raise _fail(d, "is missing (expected a folder with images/ and masks/ inside)")
        real = self.root.resolve()
        images = {p.stem: _inside(real, p) for p in sorted(images_dir.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES}
        masks = {p.stem: _inside(real, p) for p in sorted(masks_dir.iterdir()) if p.suffix.lower() == ".png"}
        for stem, p in images.items():
            if stem not in masks:
                raise _fail(p, f"has no mask (expected {masks_dir / (stem + '.png')})")
        for stem, p in masks.items():
            if stem not in images:
                raise _fail(p, f"has no image (expected {images_dir / stem}.png or .jpg)")
        if not images:
            raise _fail(images_dir, "holds no images (" + ", ".join(IMAGE_SUFFIXES) + ")")
        pairs = [(images[s], masks[s]) for s in sorted(images)]
        if split == "all":
            self.pairs = pairs
        elif split in ("train", "val", "test"):
            val = [p for i, p in enumerate(pairs) if i % 5 == 4]
            self.pairs = val if split in ("val", "test") and val else [p for i, p in enumerate(pairs) if i % 5 != 4 or not val]
        else:
            raise InvalidArgumentError("split", split, "one of 'train', 'val', 'test', 'all'")
