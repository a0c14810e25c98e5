"""Checks of the lazy faces' arguments, before any graph is built: the array, its layout, the
resize (one :class:`~upsampling.spec.ResizeSpec`), the sizes it gives and the output chunks."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from upsampling import _checks
from upsampling._optional import require
from upsampling._options import _options
from upsampling.errors import InvalidArgumentError, OutputTooLargeError, ShapeError
from upsampling.plan import AxisPlan
from upsampling.spec import ResizeSpec

da = require("dask.array", extra="dask")


def _as_dask(parameter: str, array: Any):
    """``array`` as a Dask array (NumPy input is wrapped with automatic chunks)."""
    if not isinstance(array, da.Array):
        array = da.asarray(_checks.numeric_array(parameter, array))
    if any(math.isnan(n) for n in array.shape):
        raise ShapeError(
            parameter,
            f"dask array of shape {array.shape}",
            "known chunk sizes",
            "Call array.compute_chunk_sizes() first.",
        )
    # Same dtype rule and message as the in-memory engine.
    _checks.numeric_array(parameter, np.empty(0, dtype=array.dtype))
    return array


def _default_layout(parameter: str, array: Any, layout: str | None) -> str:
    """``layout``, or for ``None`` the one a 2-D (``HW``) or 4-D (``NHWC``) array implies."""
    if layout is not None:
        return layout
    by_rank = {2: "HW", 4: "NHWC"}
    if array.ndim in by_rank:
        return by_rank[array.ndim]
    raise ShapeError(
        parameter,
        f"array of shape {array.shape}",
        "an explicit layout for a 3-D array",
        "Pass layout='HWC' (channels last) or layout='CHW' (channels first).",
    )


def _resize_of(
    parameter: str, x: Any, size: Any, options: Mapping[str, Any]
) -> tuple[ResizeSpec, dict[int, AxisPlan]]:
    """The validated resize of ``x`` (anything with ``shape``, ``ndim`` and ``dtype``) and its
    plans; outputs too large to count or to plan are refused before the plans are built."""
    spec = ResizeSpec.from_call(size, options)
    out_shape = spec.output_shape(x.shape, parameter)
    _check_sizes(spec, x.shape, out_shape, x.dtype)
    return spec, spec.plans(x.shape, parameter)


def _estimated_taps(spec: ResizeSpec, n_in: int, n_out: int, k: int) -> int:
    """An upper bound on a plan's taps per output, from the mode and scale (before building it)."""
    ratio = n_in / n_out if spec.scale is None else 1.0 / spec.scale[k]
    if spec.mode == "nearest":
        return 1
    if spec.mode == "area":
        return math.ceil(ratio) + 2
    radius = 1.0 if spec.mode == "linear" else 2.0
    if spec.antialias and ratio > 1:
        return 2 * math.ceil(radius * ratio) + 1
    return 2 * math.ceil(radius)


def _check_sizes(
    spec: ResizeSpec, in_shape: Sequence[int], out_shape: Sequence[int], dtype: np.dtype
) -> None:
    """Refuse outputs whose byte count overflows, or whose plans would not fit in memory."""
    nbytes = math.prod(int(n) for n in out_shape) * np.dtype(dtype).itemsize
    if nbytes >= 2**63:
        raise OutputTooLargeError(
            "size",
            tuple(out_shape),
            "an output of fewer than 2**63 bytes",
            message=(
                f"size gives an output of shape {tuple(int(n) for n in out_shape)}, which needs "
                f"{nbytes:,} bytes: that overflows a 64-bit byte count. Pass a smaller size or scale."
            ),
        )
    limit = _options["max_output_bytes"]
    axes = spec.axes(in_shape)
    n_out = tuple(int(out_shape[a]) for a in axes)
    for k, a in enumerate(axes):
        plan_bytes = n_out[k] * _estimated_taps(spec, int(in_shape[a]), n_out[k], k) * 16
        if plan_bytes > limit:
            raise OutputTooLargeError(
                "size",
                n_out,
                "output lengths whose resize plans fit in memory",
                message=(
                    f"size gives an output length of {n_out[k]:,} on a spatial axis; its resize plan "
                    f"(indices and weights per output sample) would need about {plan_bytes:,} bytes, "
                    f"more than the limit of {limit:,} bytes. Pass a smaller size or scale, or raise "
                    "upsampling.set_options(max_output_bytes=...)."
                ),
            )


def _output_chunks(
    x, plans: Mapping[int, AxisPlan], chunks: Any, parameter: str = "chunks"
) -> dict[int, tuple[int, ...]]:
    """Output chunks of each spatial axis.

    Default: each input chunk length scaled by ``min(1, n_out/n_in)`` -- upscaled blocks keep
    the input's chunk length (a task reads a smaller window), downscaled blocks shrink with
    the scale (a task reads about one input chunk).
    """
    axes = sorted(plans)
    if chunks is None:
        out = {}
        for a in axes:
            p = plans[a]
            c_in = max(x.chunks[a])
            n = max(1, min(c_in, round(c_in * p.n_out / p.n_in)))
            out[a] = da.core.normalize_chunks((n,), (p.n_out,))[0]
        return out
    spec = chunks
    if _checks.is_integer(spec):
        spec = (spec, spec)
    elif isinstance(spec, Mapping) and set(spec) == set(axes):
        spec = tuple(spec[a] for a in axes)
    if not isinstance(spec, (tuple, list)) or len(spec) != 2:
        raise InvalidArgumentError(
            parameter,
            chunks,
            f"an int, a pair (rows, columns) of ints or of tuples of chunk lengths, or a dict {{{axes[0]}: .., {axes[1]}: ..}}",
        )
    out = {}
    for a, c in zip(axes, spec, strict=True):
        n_out = plans[a].n_out
        if _checks.is_integer(c):
            c = _checks.positive_int(parameter, c)
            out[a] = da.core.normalize_chunks((min(c, n_out),), (n_out,))[0]
        else:
            try:
                lengths = tuple(_checks.positive_int(parameter, v) for v in c)
            except TypeError:
                raise InvalidArgumentError(parameter, chunks, "ints or tuples of positive ints") from None
            if sum(lengths) != n_out:
                raise InvalidArgumentError(
                    parameter, chunks, f"chunk lengths that sum to the output length {n_out} on axis {a}"
                )
            out[a] = lengths
    return out
