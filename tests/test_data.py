"""The digits canvases (deterministic, split by source digit, labels from the ink threshold) and the
VOC / images+masks folder loaders on small folders written here, including their bad-input errors."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")
Image = pytest.importorskip("PIL.Image")

import upsampling  # noqa: E402
from upsampling.data import (  # noqa: E402
    INK_THRESHOLD,
    SPLITS,
    DigitsSegmentation,
    MaskFolder,
    VOCSegmentation,
    build_dataset,
    make_canvas,
    voc_palette,
)
from upsampling.data.digits import digit_scans  # noqa: E402


def test_splits_partition_the_scans():
    images, targets = digit_scans()
    ranges = sorted(SPLITS.values())
    assert ranges[0][0] == 0 and ranges[-1][1] == len(images) == 1797
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    for lo, hi in ranges:  # every class in every split
        assert set(targets[lo:hi]) == set(range(10))


def test_canvas_labels_follow_the_ink_threshold():
    rng = np.random.default_rng(3)
    lo, hi = SPLITS["val"]
    image, labels, placed = make_canvas(rng, np.arange(lo, hi), size=64)
    assert placed and image.dtype == np.float32 and labels.dtype == np.uint8
    _, targets = digit_scans()
    for src, cls, top, left, s in placed:
        assert lo <= src < hi and targets[src] == cls
        box_img, box_lab = image[top:top + s, left:left + s], labels[top:top + s, left:left + s]
        np.testing.assert_array_equal(box_lab == cls + 1, box_img >= INK_THRESHOLD)
        expected = upsampling.resize(digit_scans()[0][src], (s, s), layout="HW")
        np.testing.assert_array_equal(box_img, expected)
    assert set(np.unique(labels)) <= set(range(11))


def test_digits_dataset_is_deterministic_and_epochs_differ():
    a = DigitsSegmentation("train", n=4, size=48, seed=1, epoch=0)
    b = DigitsSegmentation("train", n=4, size=48, seed=1, epoch=0)
    c = DigitsSegmentation("train", n=4, size=48, seed=1, epoch=1)
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.array_equal(a.labels, c.labels)
    x, y = a[0]
    assert x.shape == (1, 48, 48) and y.shape == (48, 48) and y.dtype == np.int64


def test_digits_bad_split():
    with pytest.raises(upsampling.InvalidArgumentError, match="'train', 'val', 'test'"):
        DigitsSegmentation("holdout", n=1)


# --- folders ---------------------------------------------------------------------------------


def _palette_png(path, labels):
    im = Image.fromarray(labels.astype(np.uint8), mode="P")
    im.putpalette(voc_palette().ravel().tolist())
    im.save(path)


def _voc(root, n=3, size=(10, 12)):
    for sub in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (root / sub).mkdir(parents=True)
    rng = np.random.default_rng(0)
    ids = [f"2007_{i:06d}" for i in range(n)]
    for i in ids:
        Image.fromarray(rng.integers(0, 256, size + (3,), dtype=np.uint8)).save(root / "JPEGImages" / f"{i}.jpg")
        lab = rng.integers(0, 21, size)
        lab[0] = 255
        _palette_png(root / "SegmentationClass" / f"{i}.png", lab)
    (root / "ImageSets/Segmentation/train.txt").write_text("\n".join(ids[:2]) + "\n")
    (root / "ImageSets/Segmentation/val.txt").write_text(ids[2] + "\n")
    return ids


def test_voc_loader(tmp_path):
    ids = _voc(tmp_path)
    train = VOCSegmentation(tmp_path, "train")
    assert len(train) == 2 and len(VOCSegmentation(tmp_path, "val")) == 1
    x, y = train[0]
    assert x.shape == (3, 10, 12) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    stored = np.asarray(Image.open(tmp_path / "SegmentationClass" / f"{ids[0]}.png"))
    np.testing.assert_array_equal(y, stored)  # palette index = class; 255 kept as ignore
    assert (y[0] == 255).all()
    xs, ys = VOCSegmentation(tmp_path, "train", size=(20, 24))[0]
    assert xs.shape == (3, 20, 24) and set(np.unique(ys)) <= set(np.unique(y))  # nearest: no blended labels


def test_voc_bad_input_names_the_file(tmp_path):
    ids = _voc(tmp_path)
    with pytest.raises(upsampling.InvalidArgumentError, match="trainval.txt: is missing; split lists present: train, val"):
        VOCSegmentation(tmp_path, "trainval")
    (tmp_path / "SegmentationClass" / f"{ids[1]}.png").unlink()
    with pytest.raises(upsampling.InvalidArgumentError, match=f"{ids[1]}.png: is missing"):
        VOCSegmentation(tmp_path, "train")
    (tmp_path / "JPEGImages" / f"{ids[2]}.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(upsampling.InvalidArgumentError, match=f"{ids[2]}.jpg: cannot be read"):
        VOCSegmentation(tmp_path, "val")[0]
    with pytest.raises(upsampling.InvalidArgumentError, match="JPEGImages: is missing"):
        (tmp_path / "empty").mkdir()
        VOCSegmentation(tmp_path / "empty")


def _outside_secret(tmp_path):
    """A file outside the data folder, at ``tmp_path/outside/secret.{jpg,png}``, that a hostile list
    or link tries to reach."""
    (tmp_path / "outside").mkdir()
    Image.fromarray(np.zeros((10, 12, 3), np.uint8)).save(tmp_path / "outside" / "secret.jpg")
    _palette_png(tmp_path / "outside" / "secret.png", np.zeros((10, 12)))


@pytest.mark.parametrize("bad_id,problem", [
    ("../../outside/secret", "climbs out of the data folder"),
    ("sub/../../../outside/secret", "climbs out of the data folder"),
    ("/etc/passwd", "is an absolute path"),
])
def test_voc_ids_that_leave_the_folder_are_refused(tmp_path, bad_id, problem):
    _outside_secret(tmp_path)
    root = tmp_path / "data" / "VOC"
    ids = _voc(root)
    listing = root / "ImageSets/Segmentation/train.txt"
    listing.write_text(f"{ids[0]}\n\n{bad_id}\n")
    with pytest.raises(upsampling.InvalidArgumentError) as info:
        VOCSegmentation(root, "train")
    message = str(info.value)
    assert f"{listing}: line 3: id {bad_id!r} {problem}" in message, message
    assert "\n" not in message


@pytest.mark.parametrize("what", ["image", "mask", "folder"])
def test_symlinks_leading_outside_the_data_folder_are_refused(tmp_path, what):
    _outside_secret(tmp_path)
    root = tmp_path / "VOC"
    ids = _voc(root)
    if what == "image":
        link = root / "JPEGImages" / f"{ids[0]}.jpg"
        link.unlink()
        link.symlink_to(tmp_path / "outside" / "secret.jpg")
    elif what == "mask":
        link = root / "SegmentationClass" / f"{ids[0]}.png"
        link.unlink()
        link.symlink_to(tmp_path / "outside" / "secret.png")
    else:
        link = root / "JPEGImages"
        (tmp_path / "outside" / "JPEGImages").mkdir()
        for i in ids:
            (root / "JPEGImages" / f"{i}.jpg").rename(tmp_path / "outside" / "JPEGImages" / f"{i}.jpg")
        link.rmdir()
        link.symlink_to(tmp_path / "outside" / "JPEGImages")
    with pytest.raises(upsampling.InvalidArgumentError, match="leads outside the data folder") as info:
        VOCSegmentation(root, "train")
    assert str(info.value).startswith(f"{link}: ") and "line 1" in str(info.value)


def test_symlinks_inside_the_data_folder_and_a_symlinked_data_folder_are_fine(tmp_path):
    real = tmp_path / "disk" / "VOC"
    ids = _voc(real)
    (real / "JPEGImages" / "alias.jpg").symlink_to(real / "JPEGImages" / f"{ids[0]}.jpg")
    (real / "SegmentationClass" / "alias.png").symlink_to(f"{ids[0]}.png")
    (real / "ImageSets/Segmentation/train.txt").write_text("alias\n")
    (tmp_path / "VOC").symlink_to(real)
    assert len(VOCSegmentation(tmp_path / "VOC", "train")) == 1


def test_mask_folder_symlinks_leading_outside_are_refused(tmp_path):
    _outside_secret(tmp_path)
    _folder(tmp_path / "d")
    (tmp_path / "d" / "images" / "s1.png").unlink()
    (tmp_path / "d" / "images" / "s1.png").symlink_to(tmp_path / "outside" / "secret.png")
    with pytest.raises(upsampling.InvalidArgumentError, match="s1.png: leads outside the data folder"):
        MaskFolder(tmp_path / "d", num_classes=3)


def _folder(root, n=5, num_classes=3):
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(1)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(root / "images" / f"s{i}.png")
        Image.fromarray(rng.integers(0, num_classes, (8, 8)).astype(np.uint8), mode="L").save(root / "masks" / f"s{i}.png")


def test_mask_folder_loader_and_split(tmp_path):
    _folder(tmp_path)
    every = MaskFolder(tmp_path, num_classes=3)
    assert len(every) == 5
    train, val = MaskFolder(tmp_path, "train", num_classes=3), MaskFolder(tmp_path, "val", num_classes=3)
    assert len(train) == 4 and len(val) == 1 and val.pairs[0][0].name == "s4.png"
    x, y = every[2]
    assert x.shape == (3, 8, 8) and y.max() < 3
    ds = build_dataset("folder", "train", data=str(tmp_path), size=16, num_classes=3)
    assert ds[0][0].shape == (3, 16, 16)


def test_mask_folder_bad_input_names_the_file(tmp_path):
    _folder(tmp_path)
    (tmp_path / "masks" / "s1.png").rename(tmp_path / "masks" / "other.png")
    with pytest.raises(upsampling.InvalidArgumentError, match="s1.png: has no mask"):
        MaskFolder(tmp_path, num_classes=3)
    (tmp_path / "images" / "s1.png").unlink()
    with pytest.raises(upsampling.InvalidArgumentError, match="other.png: has no image"):
        MaskFolder(tmp_path, num_classes=3)
    (tmp_path / "masks" / "other.png").unlink()
    Image.fromarray(np.full((8, 8), 7, np.uint8), mode="L").save(tmp_path / "masks" / "s2.png")
    with pytest.raises(upsampling.InvalidArgumentError, match=r"s2.png: has labels \[7\] outside the classes 0..2"):
        MaskFolder(tmp_path, num_classes=3)[1]
    Image.fromarray(np.zeros((9, 8), np.uint8), mode="L").save(tmp_path / "masks" / "s3.png")
    with pytest.raises(upsampling.InvalidArgumentError, match="s3.png: is 8x9 but its image s3.png is 8x8"):
        MaskFolder(tmp_path, num_classes=3)[2]
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "masks" / "s0.png")
    with pytest.raises(upsampling.InvalidArgumentError, match="s0.png: is a RGB image"):
        MaskFolder(tmp_path, num_classes=3)[0]
    with pytest.raises(upsampling.InvalidArgumentError, match="missing"):
        MaskFolder(tmp_path / "nowhere", num_classes=3)


def test_build_dataset_names():
    with pytest.raises(upsampling.InvalidArgumentError, match="digits, voc, folder"):
        build_dataset("cityscapes", "train")
    with pytest.raises(upsampling.InvalidArgumentError, match="data: expected a folder for name='voc'") as info:
        build_dataset("voc", "train")
    assert info.value.render({"data": "--data", "name": "--dataset"}) == "--data: expected a folder for --dataset voc"
