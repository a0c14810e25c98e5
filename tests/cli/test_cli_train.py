"""``upsampling train / evaluate / segment`` end to end in a subprocess, on a tiny U-Net and a few canvases."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

TINY = ["--train-samples", "12", "--val-samples", "6", "--base", "4", "--size", "32", "--batch-size", "6"]


def test_train_resume_evaluate_segment(cli, tmp_path):
    run = tmp_path / "runs" / "tiny"
    r = cli("train", "--model", "unet", "--upsample", "bilinear", "--dataset", "digits", "--epochs", "1",
            "--out", str(run), "--seed", "3", *TINY, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "epoch 1/1" in r.stdout and "val mIoU" in r.stdout and "ETA" in r.stdout
    for name in ("checkpoint.pt", "metrics.csv", "curves.png", "config.json"):
        assert (run / name).is_file(), name
    assert not list(run.glob("*.tmp"))

    # an existing run is never overwritten by accident
    r = cli("train", "--epochs", "2", "--out", str(run), *TINY, cwd=tmp_path)
    assert r.returncode == 2 and "--resume" in r.stderr and "Traceback" not in r.stderr

    r = cli("train", "--epochs", "2", "--out", str(run), "--resume", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "epoch 2/2" in r.stdout and "epoch 1/" not in r.stdout
    rows = list(csv.DictReader(open(run / "metrics.csv")))
    assert [int(x["epoch"]) for x in rows] == [1, 2]
    assert json.loads((run / "config.json").read_text())["seed"] == 3

    r = cli("evaluate", str(run), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    result = json.loads((run / "eval-test.json").read_text())
    assert (run / "confusion-test.png").is_file()
    cm = np.array(result["confusion_matrix"])
    assert cm.shape == (11, 11) and cm.sum() == 6 * 32 * 32
    assert f"mIoU            {result['miou']:.4f}" in r.stdout
    assert result["pixel_accuracy"] == pytest.approx(np.trace(cm) / cm.sum())

    from PIL import Image

    from upsampling.data import DigitsSegmentation

    canvas = DigitsSegmentation("test", n=1, size=36).images[0, 0]  # 36 is not a multiple of 8: resized inside
    Image.fromarray((canvas * 255).astype(np.uint8)).save(tmp_path / "canvas.png")
    r = cli("segment", "canvas.png", "--run", str(run), "--out", "mask.png", "--overlay", "overlay.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    mask = Image.open(tmp_path / "mask.png")
    assert mask.mode == "P" and mask.size == (36, 36) and np.asarray(mask).max() < 11
    assert Image.open(tmp_path / "overlay.png").size == (36, 36)


BAD = [
    (["train", "--model", "segnet"], "--model", "unet, fcn8s"),
    (["train", "--upsample", "deconv"], "--upsample", "bilinear, transposed, transposed_bilinear_init, resize_conv, pixel_shuffle"),
    (["train", "--dataset", "cityscapes"], "--dataset", "digits, voc, folder"),
    (["train", "--dataset", "voc"], "--data", "dataset folder"),
    (["train", "--model", "fcn8s", "--size", "48"], "--size", "multiple of 32"),
    (["train", "--epochs", "0"], "--epochs", ">= 1"),
    (["evaluate", "nowhere"], "RUN", "checkpoint.pt"),
    (["segment", "missing.png", "--run", "nowhere"], "IMAGE", "existing image"),
]


@pytest.mark.parametrize("args,option,words", BAD, ids=[f"{a[0]} {o}" for a, o, _ in BAD])
def test_bad_names_list_the_valid_ones(cli, tmp_path, args, option, words):
    r = cli(*args, cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert option in r.stderr and words in r.stderr, r.stderr


def test_folder_with_bad_mask_names_the_file(cli, tmp_path):
    from PIL import Image

    (tmp_path / "d" / "images").mkdir(parents=True)
    (tmp_path / "d" / "masks").mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "d" / "images" / "a.png")
    r = cli("train", "--dataset", "folder", "--data", "d", "--num-classes", "3", "--size", "8", "--out", "r", cwd=tmp_path)
    assert r.returncode == 2 and "a.png: has no mask" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_cli_lists_match_the_registries():
    from upsampling.cli import train as cli_train
    from upsampling.data import DATASETS
    from upsampling.models import MODELS, UPSAMPLE_CHOICES

    assert cli_train.MODEL_NAMES == tuple(MODELS)
    assert cli_train.UPSAMPLE_NAMES == UPSAMPLE_CHOICES
    assert cli_train.DATASET_NAMES == DATASETS


def test_help(cli):
    for cmd in ("train", "evaluate", "segment"):
        r = cli(cmd, "--help")
        assert r.returncode == 0 and "Usage:" in r.stdout
