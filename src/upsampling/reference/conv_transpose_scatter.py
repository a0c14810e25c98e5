"""Transposed convolution as a scatter: every input element stamps a scaled copy of the kernel.

The view that gives the operation its other name ("fractionally strided" / "backwards"
convolution): input element ``x[i]`` is multiplied by the whole kernel and the product is
added into the output starting at ``i·stride`` (kernel taps ``dilation`` apart).  Overlapping
stamps add up -- where the kernel size is not a multiple of the stride they overlap
unevenly, which is the checkerboard pattern of Odena et al. (Distill, 2016).  The stamped
canvas is the *full* output ``(in-1)·s + (k-1)·d + 1``; each framework then keeps a window of
it (``pads_begin``; beyond the canvas, zeros).

Slow and literal on purpose (one Python iteration per input element and channel): it is an
independent check of :func:`upsampling.conv_transpose.conv_transpose` and of the textbook
steps in :mod:`upsampling.reference.conv_transpose_textbook`, and what
``upsampling.options(kernel="reference")`` runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["conv_transpose_scatter", "stamp_canvas"]


def stamp_canvas(
    x: np.ndarray, w: np.ndarray, strides: Sequence[int], dilations: Sequence[int], groups: int = 1
) -> np.ndarray:
    """The full output: the sum of every input element's stamp ``x[n, c, i] * w[c]``.

    x : ``(N, C_in, *in)``; w : ``(C_in, C_out/groups, *k)`` (PyTorch / ONNX layout).
    Returns ``(N, C_out, *full)``, ``full = (in-1)·s + (k-1)·d + 1``, in ``np.result_type(x, w)``.
    """
    n, c_in = x.shape[:2]
    spatial, kernel = x.shape[2:], w.shape[2:]
    m_per_group = w.shape[1]
    c_per_group = c_in // groups
    full = [(size - 1) * s + (k - 1) * d + 1 for size, k, s, d in zip(spatial, kernel, strides, dilations)]
    canvas = np.zeros((n, groups * m_per_group, *full), dtype=np.result_type(x, w))
    for i in np.ndindex(*spatial):
        # where this element's stamp lands: kernel tap j at i·s + j·d
        region = tuple(slice(ia * s, ia * s + (k - 1) * d + 1, d) for ia, k, s, d in zip(i, kernel, strides, dilations))
        for c in range(c_in):
            g = c // c_per_group
            channels = slice(g * m_per_group, (g + 1) * m_per_group)
            value = x[(slice(None), c, *i)].reshape((n, 1) + (1,) * len(kernel))  # one number per batch item
            canvas[(slice(None), channels, *region)] += value * w[c]  # scaled copy of the kernel
    return canvas


def conv_transpose_scatter(
    x: np.ndarray,
    w: np.ndarray,
    strides: Sequence[int],
    dilations: Sequence[int],
    pads_begin: Sequence[int],
    output_size: Sequence[int],
    groups: int = 1,
) -> np.ndarray:
    """Stamp every input element, then keep ``output_size`` elements starting at ``pads_begin``.

    Arguments as :func:`upsampling.conv_transpose.conv_transpose` (already validated, every
    sequence one int per spatial axis).  A negative ``pads_begin`` or a window running past the
    canvas reads zeros.  Returns ``(N, C_out, *output_size)``.
    """
    canvas = stamp_canvas(x, w, strides, dilations, groups)
    out = np.zeros(canvas.shape[:2] + tuple(output_size), dtype=canvas.dtype)
    src, dst = [], []
    for start, size, full in zip(pads_begin, output_size, canvas.shape[2:]):
        lo, hi = max(start, 0), min(start + size, full)  # the part of the window inside the canvas
        if hi <= lo:
            return out
        src.append(slice(lo, hi))
        dst.append(slice(lo - start, hi - start))
    out[(slice(None), slice(None), *dst)] = canvas[(slice(None), slice(None), *src)]
    return out
