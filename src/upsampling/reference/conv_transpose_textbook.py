"""Transposed convolution the way it is taught: insert zeros, pad, convolve with the rotated kernel.

The three steps, with TensorFlow's conventions (``tf.nn.conv2d_transpose``):

1. **Zero insertion.** Put ``stride - 1`` zeros between neighbouring input elements.  ``n``
   elements become ``(n - 1)·s + 1`` -- not ``n·s``: no zeros after the last one.
2. **Padding.** Pad the result so that a stride-1 "valid" convolution with the kernel
   yields the requested output size ``out``: ``k_eff - 1 - p`` zeros before, where ``p`` is the
   *forward* convolution's padding before the axis (``VALID``: 0, so ``k_eff - 1``, the full
   kernel overlap; ``SAME``: TensorFlow's ``total // 2``), and whatever makes the padded length
   ``out + k_eff - 1`` after.  (``k_eff = (k - 1)·d + 1``.)  A negative amount crops instead.
3. **Convolution.** Slide the kernel, rotated by 180° (flipped along every spatial axis;
   with dilation, its taps ``d`` apart), over the padded array with stride 1 and multiply-add.
   With channels, the kernel ``w[c_in, c_out]`` connects input channel ``c_in`` to output
   channel ``c_out`` (within a group).

This is ``tensorflow/core/kernels/conv_grad_shape_utils.cc::ConvBackpropExtractAndVerifyDimension``
(``expanded_output_size``, ``pad_before``, ``pad_after``) written out.  Every intermediate array
is returned in a :class:`TextbookSteps`, so the steps can be printed or drawn.

Slow and literal on purpose; :func:`upsampling.conv_transpose.conv_transpose` is the fast
path and the tests check that the two agree.

Examples
--------
>>> import numpy as np
>>> steps = conv_transpose_textbook(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((3, 3)), strides=2)
>>> steps.zero_inserted
array([[1., 0., 2.],
       [0., 0., 0.],
       [3., 0., 4.]])
>>> steps.pads, steps.padded.shape, steps.output.shape
(((2, 2), (2, 2)), (7, 7), (5, 5))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from upsampling import _checks
from upsampling.errors import InvalidArgumentError, ShapeError
from upsampling.shapes import padding_pair, valid_conv_transpose_output_sizes

__all__ = ["TextbookSteps", "conv_transpose_textbook"]


@dataclass(frozen=True)
class TextbookSteps:
    """Every intermediate of :func:`conv_transpose_textbook`.

    Arrays are single-channel (``(H, W)`` / ``(W,)``) when the call was, otherwise
    ``(N, C, *spatial)`` with kernels ``(C_in, C_out/groups, *k)``.

    Attributes
    ----------
    input, kernel : the arguments as arrays.
    strides, dilations : per spatial axis.
    padding : the forward convolution's padding as given (``"SAME"``, ``"VALID"`` or pairs).
    output_size : per spatial axis.
    zero_inserted : step 1, spatial sizes ``(n - 1)·s + 1``.
    pads : step 2, ``(before, after)`` per axis (negative: cropped).
    pad_reasons : step 2, one sentence per axis saying where the amounts come from.
    padded : step 2's result, spatial sizes ``output_size + k_eff - 1``.
    dilated_kernel : the kernel with ``d - 1`` zeros between taps (the kernel itself when d == 1).
    rotated_kernel : ``dilated_kernel`` flipped along every spatial axis (180°).
    output : step 3, spatial sizes ``output_size``.
    """

    input: np.ndarray
    kernel: np.ndarray
    strides: tuple[int, ...]
    dilations: tuple[int, ...]
    padding: Any
    output_size: tuple[int, ...]
    zero_inserted: np.ndarray
    pads: tuple[tuple[int, int], ...]
    pad_reasons: tuple[str, ...]
    padded: np.ndarray
    dilated_kernel: np.ndarray
    rotated_kernel: np.ndarray
    output: np.ndarray


def _per_axis(parameter: str, value: Any, nd: int, minimum: int | None) -> tuple[int, ...]:
    if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, (str, bytes)):
        items = _checks.sequence(parameter, value, (1, nd))
        items = items * nd if len(items) == 1 else items
    else:
        items = [value] * nd
    return tuple(_checks.integer(parameter, v, minimum=minimum) for v in items)


def insert_zeros(x: np.ndarray, strides: Sequence[int]) -> np.ndarray:
    """Step 1: ``stride - 1`` zeros between neighbours along each of the last ``len(strides)`` axes."""
    nd = len(strides)
    lead = x.shape[: x.ndim - nd]
    spatial = x.shape[x.ndim - nd :]
    out = np.zeros(lead + tuple((n - 1) * s + 1 for n, s in zip(spatial, strides)), dtype=x.dtype)
    out[(Ellipsis, *(slice(None, None, s) for s in strides))] = x
    return out


def pad_or_crop(x: np.ndarray, pads: Sequence[tuple[int, int]]) -> np.ndarray:
    """Step 2: zeros around the last ``len(pads)`` axes; a negative amount crops that side."""
    nd = len(pads)
    widths = [(0, 0)] * (x.ndim - nd) + [(max(b, 0), max(a, 0)) for b, a in pads]
    y = np.pad(x, widths)
    crop = tuple(slice(max(-b, 0), y.shape[x.ndim - nd + i] - max(-a, 0)) for i, (b, a) in enumerate(pads))
    return y[(Ellipsis, *crop)]


def dilate_kernel(w: np.ndarray, dilations: Sequence[int]) -> np.ndarray:
    """The kernel with ``d - 1`` zeros between taps (a dilated kernel is a sparse larger kernel)."""
    return insert_zeros(w, dilations)


def rotate_180(w: np.ndarray, nd: int) -> np.ndarray:
    """Flip the last ``nd`` axes: the 180° rotation of a 2-D kernel."""
    return w[(Ellipsis, *([slice(None, None, -1)] * nd))]


def correlate_stride1(padded: np.ndarray, kernel: np.ndarray, groups: int) -> np.ndarray:
    """Step 3: stride-1 "valid" sliding multiply-add.

    padded ``(N, C_in, *P)``, kernel ``(C_in, C_out/groups, *K)`` -> ``(N, C_out, *(P - K + 1))``:
    ``out[n, m, y] = sum_{c in m's group} sum_t padded[n, c, y + t] · kernel[c, m, t]``.
    """
    nd = kernel.ndim - 2
    n, c_in = padded.shape[:2]
    m_per_group = kernel.shape[1]
    c_per_group = c_in // groups
    out_spatial = tuple(p - k + 1 for p, k in zip(padded.shape[2:], kernel.shape[2:]))
    out = np.zeros((n, groups * m_per_group, *out_spatial), dtype=np.result_type(padded, kernel))
    for g in range(groups):
        cin = slice(g * c_per_group, (g + 1) * c_per_group)
        cout = slice(g * m_per_group, (g + 1) * m_per_group)
        for t in np.ndindex(*kernel.shape[2:]):  # each kernel position
            window = padded[(slice(None), cin, *(slice(ti, ti + o) for ti, o in zip(t, out_spatial)))]
            weights = kernel[(cin, slice(None), *t)]  # (C_in/groups, C_out/groups)
            out[:, cout] += np.tensordot(window, weights, axes=([1], [0])).transpose(0, nd + 1, *range(1, nd + 1))
    return out


def conv_transpose_textbook(
    x: Any,
    kernel: Any,
    strides: int | Sequence[int] = 1,
    padding: Any = "VALID",
    output_size: int | Sequence[int] | None = None,
    dilations: int | Sequence[int] = 1,
    groups: int = 1,
) -> TextbookSteps:
    """Transposed convolution in the seed's three steps, every intermediate kept.

    Parameters
    ----------
    x : a single-channel signal ``(W,)`` or image ``(H, W)`` with a kernel of the same rank, or
        ``(N, C_in, *spatial)`` (3 or more axes) with a kernel ``(C_in, C_out/groups, *k)``
        (PyTorch / ONNX layout).
    kernel : see ``x``.
    strides, dilations : int or one per spatial axis.
    padding : the *forward* convolution's padding, TensorFlow style: ``"VALID"`` (default),
        ``"SAME"``, or one ``(before, after)`` pair per spatial axis.
    output_size : int or one per spatial axis; default ``(n-1)·s + k_eff`` for ``VALID``,
        ``n·s`` for ``SAME``, ``(n-1)·s + k_eff - before - after`` for pairs.  Must be one of
        :func:`upsampling.valid_conv_transpose_output_sizes` (TensorFlow's rule).
    groups : channel groups (channelled form only).

    Returns
    -------
    TextbookSteps
        ``.output`` equals ``upsampling.conv2d_transpose`` (after layout conversion) and the
        scatter reference.
    """
    x = _checks.numeric_array("x", x)
    kernel = _checks.numeric_array("kernel", kernel)
    single = x.ndim <= 2
    if x.ndim != kernel.ndim:
        raise ShapeError(
            "kernel",
            f"array of shape {kernel.shape}",
            f"the same number of axes as x {x.shape}: (W,)/(H, W) with a (k,)/(kh, kw) kernel, or "
            "(N, C_in, *spatial) with (C_in, C_out/groups, *k)",
        )
    xc = x[None, None] if single else x
    wc = kernel[None, None] if single else kernel
    nd = xc.ndim - 2
    groups = _checks.positive_int("groups", groups)
    if xc.shape[1] != wc.shape[0] or xc.shape[1] % groups:
        raise ShapeError(
            "kernel", f"array of shape {kernel.shape}", f"kernel.shape[0] == C_in = {xc.shape[1]}, divisible by groups"
        )
    s = _per_axis("strides", strides, nd, 1)
    d = _per_axis("dilations", dilations, nd, 1)
    if isinstance(padding, str):
        pads_fwd: list[Any] = [_checks.choice("padding", padding, ("SAME", "VALID"))] * nd
    else:
        pads_fwd = _checks.sequence("padding", padding, nd)
    spatial, ksize = xc.shape[2:], wc.shape[2:]
    k_eff = [(k - 1) * di + 1 for k, di in zip(ksize, d)]
    if output_size is None:
        out = tuple(
            n * si if p == "SAME" else (n - 1) * si + ke - sum(padding_pair(p, n, k, si, di))
            for n, k, si, di, ke, p in zip(spatial, ksize, s, d, k_eff, pads_fwd)
        )
    else:
        out = _per_axis("output_size", output_size, nd, 1)
    for n, k, si, di, p, o in zip(spatial, ksize, s, d, pads_fwd, out):
        valid = valid_conv_transpose_output_sizes(n, k, si, p, di)
        if o not in valid:
            raise InvalidArgumentError("output_size", o, f"one of {list(valid)} for input size {n}")

    # Step 1: zero insertion.
    zero_inserted = insert_zeros(xc, s)

    # Step 2: padding.
    pads, reasons = [], []
    for n, k, si, di, ke, p, o in zip(spatial, ksize, s, d, k_eff, pads_fwd, out):
        fwd_before, fwd_after = padding_pair(p, o, k, si, di)
        expanded = (n - 1) * si + 1
        before = ke - 1 - fwd_before
        after = o + ke - 1 - expanded - before
        pads.append((before, after))
        why = {
            "VALID": "VALID: the forward convolution pads nothing",
            "SAME": f"SAME: the forward convolution of {o} pads ({fwd_before}, {fwd_after}), odd pixel after",
        }.get(p if isinstance(p, str) else "", f"explicit forward padding ({fwd_before}, {fwd_after})")
        reasons.append(
            f"{why}; before = k_eff-1-{fwd_before} = {before}; after = out+k_eff-1-expanded-before = "
            f"{o}+{ke - 1}-{expanded}-{before} = {after} (k_eff = {ke}, expanded = ({n}-1)*{si}+1 = {expanded})"
        )
    padded = pad_or_crop(zero_inserted, pads)

    # Step 3: stride-1 correlation with the (dilated) kernel rotated by 180 degrees.
    dilated = dilate_kernel(wc, d)
    rotated = rotate_180(dilated, nd)
    output = correlate_stride1(padded, rotated, groups)

    def view(a: np.ndarray) -> np.ndarray:
        return a[0, 0] if single else a

    return TextbookSteps(
        input=x,
        kernel=kernel,
        strides=s,
        dilations=d,
        padding=padding,
        output_size=tuple(out),
        zero_inserted=view(zero_inserted),
        pads=tuple(pads),
        pad_reasons=tuple(reasons),
        padded=view(padded),
        dilated_kernel=view(dilated),
        rotated_kernel=view(rotated),
        output=view(output),
    )
