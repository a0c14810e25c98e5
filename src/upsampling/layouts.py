"""Tensor and weight layouts of TensorFlow, PyTorch and ONNX, and the conversions between them.

Weights of a transposed convolution (``d`` spatial axes, ``g`` groups)

========== ========================================= =====================================
framework  layout                                    e.g. 2-D, in=4, out=6, g=2, 3x3
========== ========================================= =====================================
TensorFlow ``[k_1, ..., k_d, out/g, in]``            ``(3, 3, 3, 4)``
PyTorch    ``[in, out/g, k_1, ..., k_d]``            ``(4, 3, 3, 3)``
ONNX       ``[in, out/g, k_1, ..., k_d]`` (= PyTorch) ``(4, 3, 3, 3)``
========== ========================================= =====================================

TensorFlow's ``filters`` is the *forward* convolution's filter (``[k..., in_fwd/g, out_fwd]``)
read backwards, so one transposition serves both the forward and the transposed
convolutions: ``tf_to_torch_weight`` turns a ``tf.nn.conv2d`` filter into a
``torch.nn.functional.conv2d`` weight (``[out, in/g, k...]``) as well.

Activations: TensorFlow defaults to channels-last (``NHWC``), PyTorch and ONNX use
channels-first (``NCHW``); :func:`to_channels_first` / :func:`to_channels_last` move the
channel axis for any rank.

Every function returns a view where NumPy can (``np.transpose``); copy it if you
write into it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from upsampling import _checks
from upsampling.errors import ShapeError

__all__ = [
    "onnx_to_tf_weight",
    "onnx_to_torch_weight",
    "tf_to_onnx_weight",
    "tf_to_torch_weight",
    "to_channels_first",
    "to_channels_last",
    "torch_to_onnx_weight",
    "torch_to_tf_weight",
]


def _weight(parameter: str, w: Any) -> np.ndarray:
    arr = _checks.as_array(parameter, w)
    if arr.ndim < 3:
        raise ShapeError(
            parameter,
            f"array of shape {arr.shape}",
            "a weight with at least 3 axes (two channel axes and 1 to 3 spatial axes)",
        )
    return arr


def tf_to_torch_weight(w: Any) -> np.ndarray:
    """TensorFlow ``[k_1..k_d, out/g, in]`` -> PyTorch ``[in, out/g, k_1..k_d]``.

    For ``tf.nn.conv2d_transpose`` filters this gives the ``conv_transpose2d`` weight;
    for ``tf.nn.conv2d`` filters (``[k..., in/g, out]``) the ``conv2d`` weight
    (``[out, in/g, k...]``).  2-D: ``w.transpose(3, 2, 0, 1)``.

    >>> tf_to_torch_weight(np.zeros((3, 3, 5, 4))).shape
    (4, 5, 3, 3)
    """
    w = _weight("w", w)
    d = w.ndim - 2
    return w.transpose(d + 1, d, *range(d))


def torch_to_tf_weight(w: Any) -> np.ndarray:
    """PyTorch ``[in, out/g, k_1..k_d]`` -> TensorFlow ``[k_1..k_d, out/g, in]`` (inverse of
    :func:`tf_to_torch_weight`; 2-D: ``w.transpose(2, 3, 1, 0)``).

    >>> torch_to_tf_weight(np.zeros((4, 5, 3, 3))).shape
    (3, 3, 5, 4)
    """
    w = _weight("w", w)
    return w.transpose(*range(2, w.ndim), 1, 0)


def onnx_to_torch_weight(w: Any) -> np.ndarray:
    """ONNX ``ConvTranspose`` ``W`` -> PyTorch weight: the same layout ``[in, out/g, k...]``,
    returned unchanged (a function so that code converting between the three reads the same
    way in every direction)."""
    return _weight("w", w)


def torch_to_onnx_weight(w: Any) -> np.ndarray:
    """PyTorch weight -> ONNX ``W``: the same layout, returned unchanged."""
    return _weight("w", w)


def tf_to_onnx_weight(w: Any) -> np.ndarray:
    """TensorFlow ``[k..., out/g, in]`` -> ONNX ``[in, out/g, k...]`` (as :func:`tf_to_torch_weight`)."""
    return tf_to_torch_weight(w)


def onnx_to_tf_weight(w: Any) -> np.ndarray:
    """ONNX ``[in, out/g, k...]`` -> TensorFlow ``[k..., out/g, in]`` (as :func:`torch_to_tf_weight`)."""
    return torch_to_tf_weight(w)


def to_channels_first(x: Any) -> np.ndarray:
    """``(N, *spatial, C)`` -> ``(N, C, *spatial)`` (NHWC -> NCHW for 4-D)."""
    x = _checks.as_array("x", x)
    if x.ndim < 2:
        raise ShapeError("x", f"array of shape {x.shape}", "an array (N, *spatial, C) of at least 2 axes")
    return np.moveaxis(x, -1, 1)


def to_channels_last(x: Any) -> np.ndarray:
    """``(N, C, *spatial)`` -> ``(N, *spatial, C)`` (NCHW -> NHWC for 4-D)."""
    x = _checks.as_array("x", x)
    if x.ndim < 2:
        raise ShapeError("x", f"array of shape {x.shape}", "an array (N, C, *spatial) of at least 2 axes")
    return np.moveaxis(x, 1, -1)
