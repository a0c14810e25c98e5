"""Segmentation scores from a confusion matrix (NumPy): per-class IoU, mIoU, pixel accuracy."""

from __future__ import annotations

import numpy as np

__all__ = ["confusion_matrix", "scores"]


def confusion_matrix(pred: np.ndarray, target: np.ndarray, num_classes: int, ignore_index: int | None = 255) -> np.ndarray:
    """``cm[t, p]`` = pixels of true class ``t`` predicted ``p`` (int64 ``(K, K)``); ``ignore_index`` pixels are skipped.

    >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 1, 255]), 2)
    array([[1, 0],
           [0, 1]])
    """
    pred, target = np.asarray(pred).ravel(), np.asarray(target).ravel()
    keep = (target >= 0) & (target < num_classes)
    if ignore_index is not None:
        keep &= target != ignore_index
    idx = target[keep].astype(np.int64) * num_classes + pred[keep].astype(np.int64)
    return np.bincount(idx, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def scores(cm: np.ndarray) -> dict:
    """``{"iou": [K] (NaN for a class absent from both truth and prediction), "miou", "pixel_accuracy"}``.

    ``IoU_k = TP / (TP + FP + FN)``; mIoU is the mean over classes with a defined IoU (as VOC's
    devkit averages over the classes present).
    """
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    union = cm.sum(0) + cm.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, tp / union, np.nan)
    total = cm.sum()
    return {
        "iou": iou.tolist(),
        "miou": float(np.nanmean(iou)) if np.isfinite(iou).any() else float("nan"),
        "pixel_accuracy": float(tp.sum() / total) if total else float("nan"),
    }
