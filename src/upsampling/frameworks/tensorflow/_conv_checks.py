"""TensorFlow's argument checks for its convolutions, in its order and with its messages.

Dtype rules, int-or-list arguments (``nn_ops._get_sequence``), padding, ranks, and the
validation of a transposed convolution's ``output_shape`` (``conv_grad_shape_utils.cc``),
with the crop before each axis it implies.  Used by :mod:`.conv`; sizes come from
:mod:`upsampling.shapes`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Literal, Union

import numpy as np

from upsampling import _checks
from upsampling.errors import DTypeError, InvalidArgumentError, ShapeError, UnsupportedError
from upsampling.shapes import (
    describe_sizes,
    effective_kernel_size,
    forward_size,
    padding_pair,
    truncated_forward_size,
    valid_conv_transpose_output_sizes,
)

IntOrSeq = Union[int, Sequence[int]]
#: TensorFlow padding: "SAME", "VALID" or explicit ``[[0, 0], [top, bottom], [left, right], [0, 0]]``.
TFPadding = Union[Literal["SAME", "VALID"], Sequence[Sequence[int]]]
DataFormat1D = Literal["NWC", "NCW"]
DataFormat2D = Literal["NHWC", "NCHW"]
DataFormat3D = Literal["NDHWC", "NCDHW"]

FORMATS = {n: f.__args__ for n, f in ((1, DataFormat1D), (2, DataFormat2D), (3, DataFormat3D))}
AXIS_NAMES = {1: ("width",), 2: ("height", "width"), 3: ("depth", "height", "width")}
KERNEL_NAMES = {1: ("kw",), 2: ("kh", "kw"), 3: ("kd", "kh", "kw")}
# Conv2D / Conv2DBackpropInput register T in {half, bfloat16, float, double, int32}; the 3-D
# ops have no int32 kernels.
DTYPES = {
    1: (np.float16, np.float32, np.float64, np.int32),
    2: (np.float16, np.float32, np.float64, np.int32),
    3: (np.float16, np.float32, np.float64),
}


def tf_arrays(input: Any, filters: Any, nd: int, op: str, convert: str | None) -> tuple[np.ndarray, np.ndarray]:
    """TensorFlow's dtype rule for NumPy arguments.

    TF converts a NumPy argument to the dtype of the argument converted before it: the
    transposed ops convert ``filters`` first (``conv2d_backprop_input(input_sizes, filter,
    out_backprop)``), the forward ops ``input`` first; ``conv1d``/``conv1d_transpose`` convert
    each separately and refuse a mismatch.  We follow that, except that a float array is never
    truncated to int32 (TF does it silently; we refuse).
    """
    x = _checks.numeric_array("input", input)
    w = _checks.numeric_array("filters", filters)
    allowed = DTYPES[nd]
    target = w.dtype if convert == "filters" else x.dtype
    if x.dtype != w.dtype:
        if convert is None:
            raise DTypeError(
                "input",
                f"array of dtype {x.dtype}",
                f"the same dtype as filters ({w.dtype})",
                f"TensorFlow's {op} refuses mixed dtypes; cast one of them, e.g. input.astype(filters.dtype).",
            )
        other = x if convert == "filters" else w
        if np.issubdtype(target, np.integer) and np.issubdtype(other.dtype, np.floating):
            raise DTypeError(
                "input" if convert == "filters" else "filters",
                f"array of dtype {other.dtype}",
                f"{target} like {'filters' if convert == 'filters' else 'input'}, or a float dtype for both",
                "TensorFlow would truncate the floats to integers; cast explicitly if that is what you want.",
            )
    if target not in allowed:  # a dtype equals its scalar type
        names = ", ".join(np.dtype(t).name for t in allowed)
        raise DTypeError(
            "filters" if convert == "filters" else "input",
            f"array of dtype {target}",
            f"one of {names} (TensorFlow's {op} kernels)",
            "Cast it first, e.g. .astype(np.float32).",
        )
    return x.astype(target, copy=False), w.astype(target, copy=False)


def tf_sequence(
    parameter: str, value: Any, nd: int, channels_last: bool, op: str, *, exact: bool = False, positive: bool = True
) -> tuple[int, ...]:
    """``nn_ops._get_sequence``: an int, or a list of 1, nd or nd+2 values; then the kernels' checks."""
    if value is None:
        return (1,) * nd
    if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, (str, bytes)):
        items = list(np.asarray(value).ravel().tolist()) if isinstance(value, np.ndarray) else list(value)
    else:
        if exact:
            raise InvalidArgumentError(
                parameter, value, f"a list of {nd + 2} ints (TensorFlow's {op} takes no scalar {parameter})"
            )
        items = [value]
    lengths = (nd + 2,) if exact else tuple(sorted({1, nd, nd + 2}))
    if len(items) not in lengths:
        allowed = " or ".join(str(n) for n in lengths)
        raise InvalidArgumentError(
            parameter,
            value,
            f"an int or a list of length {allowed}",
            f"(TensorFlow: {parameter} should be of length {', '.join(map(str, lengths))}.)",
        )
    items = [_checks.integer(parameter, v) for v in items]
    if len(items) == nd + 2:
        outer = (items[0], items[-1]) if channels_last else (items[0], items[1])
        if outer != (1, 1):
            kind = "strides" if parameter.startswith("stride") else "dilations"
            raise UnsupportedError(
                parameter,
                value,
                message=(
                    f"{parameter}={value!r}: the batch and channel entries must be 1. (TensorFlow: Current "
                    f"implementation does not yet support {kind} in the batch and depth dimensions.)"
                ),
            )
        items = items[1:-1] if channels_last else items[2:]
    elif len(items) == 1:
        items = items * nd
    for v in items if positive else ():
        if v < 1:
            tf_text = (
                f"Stride must be > 0, but got {v}"
                if parameter.startswith("stride")
                else "Dilated rates should be larger than 0."
            )
            raise InvalidArgumentError(
                parameter,
                value,
                "positive integers",
                f"(TensorFlow: {tf_text})",
            )
    return tuple(items)


def tf_padding(padding: Any, nd: int, channels_last: bool, op: str) -> list[Any]:
    """One padding per spatial axis: "SAME", "VALID" or a ``(before, after)`` pair."""
    if isinstance(padding, str):
        if padding not in ("SAME", "VALID"):
            raise InvalidArgumentError(
                "padding",
                padding,
                "'SAME', 'VALID' or an explicit list" if nd == 2 else "'SAME' or 'VALID'",
                "Upper case, as TensorFlow requires." if padding.upper() in ("SAME", "VALID") else None,
            )
        return [padding] * nd
    if nd != 2 or not isinstance(padding, (Sequence, np.ndarray)):
        raise InvalidArgumentError(
            "padding",
            padding,
            "'SAME' or 'VALID'" if nd != 2 else "'SAME', 'VALID' or a list of 4 (before, after) pairs",
            f"TensorFlow's {op} accepts explicit padding lists only for 2-D convolutions."
            if nd != 2
            else None,
        )
    pairs = [list(p) if isinstance(p, (Sequence, np.ndarray)) else p for p in padding]
    if len(pairs) != nd + 2 or any(not isinstance(p, list) or len(p) != 2 for p in pairs):
        raise InvalidArgumentError(
            "padding",
            padding,
            f"a list of {nd + 2} (before, after) pairs in data_format order, e.g. "
            "[[0, 0], [top, bottom], [left, right], [0, 0]] for NHWC",
        )
    pairs = [[_checks.integer("padding", v) for v in p] for p in pairs]
    outer = [pairs[0], pairs[-1]] if channels_last else [pairs[0], pairs[1]]
    if any(v != 0 for p in outer for v in p):
        raise UnsupportedError(
            "padding",
            padding,
            message=f"padding={padding!r}: the batch and channel pairs must be [0, 0]. (TensorFlow: Nonzero "
            "explicit padding in the batch or depth dimensions is not supported)",
        )
    spatial = pairs[1:-1] if channels_last else pairs[2:]
    if any(v < 0 for p in spatial for v in p):
        raise InvalidArgumentError(
            "padding",
            padding,
            "non-negative amounts",
            "(TensorFlow: All elements of explicit_paddings must be nonnegative)",
        )
    return [tuple(p) for p in spatial]


def describe_padding(p: Any) -> str:
    return f"padding={p!r}" if isinstance(p, str) else f"explicit padding {tuple(p)}"


def check_ranks(x: np.ndarray, w: np.ndarray, nd: int, data_format: str) -> None:
    if x.ndim != nd + 2:
        raise ShapeError("input", f"array of shape {x.shape}", f"a {nd + 2}-D array in {data_format} layout")
    if w.ndim != nd + 2:
        layout = "[" + ", ".join(KERNEL_NAMES[nd]) + ", out_channels/groups, in_channels]"
        raise ShapeError("filters", f"array of shape {w.shape}", f"a {nd + 2}-D array {layout}")


def check_kernel(w: np.ndarray, nd: int) -> None:
    if min(w.shape[:nd]) < 1:
        raise ShapeError("filters", f"array of shape {w.shape}", "kernel sizes >= 1")


def window_size(n: int, k: int, s: int, pad: Any, d: int) -> int:
    """TensorFlow's forward output size (``GetWindowedOutputSizeVerbose``) for an input of ``n``
    (``n`` may be 0): ``SAME`` ``ceil(n / s)``; else ``(n + p_b + p_a - k_eff + s) / s`` in C++
    integer division (towards zero), refused when negative ("Computed output size would be
    negative").  Equal to :func:`upsampling.shapes.forward_size` for ``n >= 1`` inputs that fit."""
    if pad == "SAME":
        return -(-n // s)
    before, after = (0, 0) if pad == "VALID" else pad
    return truncated_forward_size(n, k, s, before, after, d, stride_first=True)


# The dtypes TensorFlow runs through oneDNN (its MKL kernels); the others run Eigen.
ONEDNN = (np.dtype(np.float32),)


def output_shape_parts(
    output_shape: Any, nd: int, x: np.ndarray, w: np.ndarray, channels_last: bool
) -> tuple[int, int, tuple[int, ...]]:
    """(batch, channels, spatial) of ``output_shape``; 2-D also accepts spatial sizes only."""
    lengths = (nd + 2, nd) if nd == 2 else (nd + 2,)
    if not isinstance(output_shape, (Sequence, np.ndarray, str, bytes)) and hasattr(output_shape, "__iter__"):
        output_shape = list(output_shape)  # tf.TensorShape, torch.Size, generators
    items = _checks.sequence("output_shape", output_shape, lengths)
    values = [_checks.integer("output_shape", v, minimum=0, what="non-negative integers") for v in items]
    batch = x.shape[0]
    if len(values) == nd:  # Conv2DBackpropInput: "input_sizes to contain 4 values or 2 values"
        return batch, w.shape[nd], tuple(values)
    if channels_last:
        return values[0], values[-1], tuple(values[1:-1])
    return values[0], values[1], tuple(values[2:])


@functools.lru_cache(maxsize=256)
def _valid_crop(n_in: int, n_out: int, k: int, s: int, d: int, pad: str) -> int | None:
    """The crop before an axis whose output length ``n_out`` TensorFlow accepts, else ``None``."""
    if n_out not in valid_conv_transpose_output_sizes(n_in, k, s, pad, d):
        return None
    return padding_pair(pad, n_out, k, s, d)[0]


def axis_crop(
    a: int, nd: int, n_in: int, n_out: int, k: int, s: int, d: int, pad: Any, channels_last: bool, op: str,
    onednn: bool = False,
) -> int:
    """Validate one axis of ``output_shape`` as TensorFlow does and return the crop before it.

    ``onednn`` (float32): TF's oneDNN kernel maps an output back with ``(out + p - k_eff) / s + 1``
    in C++ division, so an output shorter than the kernel (by less than the stride) maps back to 1
    where the Eigen kernels' ``(out + p - k_eff + s) / s`` gives 0 (observed: ``conv1d_transpose``
    of one input sample, kernel 3, stride 2, VALID, to 2 samples)."""
    if n_in == 0:  # an empty input axis (TF's Eigen kernels; float32 returned earlier)
        back = window_size(n_out, k, s, pad, d)
        if back != 0:
            dim = a + 1 if channels_last else a + 2
            text = (
                f"Computed output size would be negative: {back}" if back < 0
                else f"Size of out_backprop doesn't match computed: actual = 0, computed = {back} spatial_dim: {dim}"
            )
            raise ShapeError(
                "output_shape", n_out,
                message=f"output_shape[{dim}] = {n_out} does not map back to the input's empty "
                f"{AXIS_NAMES[nd][a]} (TensorFlow: {text})",
            )
        return 0 if n_out == 0 else padding_pair(pad, n_out, k, s, d)[0]
    if isinstance(pad, str):  # "SAME" / "VALID": the common, hashable case (per-call cost)
        before = _valid_crop(n_in, n_out, k, s, d, pad)
        if before is not None:
            return before
    name = AXIS_NAMES[nd][a]
    dim = a + 1 if channels_last else a + 2
    valid = valid_conv_transpose_output_sizes(n_in, k, s, pad, d)
    if onednn and n_in == 1 and pad != "SAME" and n_out not in valid:
        before, after = (0, 0) if pad == "VALID" else pad
        span = n_out + before + after - effective_kernel_size(k, d)
        if -s < span < 0:  # truncated to 0: maps back to 1
            return before
    if n_out not in valid:
        k_eff = effective_kernel_size(k, d)
        back = forward_size(n_out, k, s, pad, d)
        maps = (
            f"maps an output {name} of {n_out} back to an input {name} of {back}"
            if back >= 1
            else f"has no output for an output {name} of {n_out} (shorter than the effective kernel {k_eff})"
        )
        label = "Conv2DCustomBackpropInput" if nd < 3 else "Conv3DBackpropInputOp"
        raise ShapeError(
            "output_shape",
            n_out,
            message=(
                f"output_shape[{dim}] = {n_out} ({name}) does not fit the input: the forward convolution "
                f"({describe_padding(pad)}, stride {s}, kernel {k}, dilation {d}) {maps}, but the input's {name} "
                f"is {n_in}. Valid output {name}s for this input: {describe_sizes(valid)}. (TensorFlow: "
                f"{label}: Size of out_backprop doesn't match computed: actual = {n_in}, computed = {back} "
                f"spatial_dim: {dim} input: {n_out} filter: {k} output: {n_in} stride: {s} dilation: {d})"
            ),
        )
    before, _ = padding_pair(pad, n_out, k, s, d)
    return before
