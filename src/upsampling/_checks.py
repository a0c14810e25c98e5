"""Validators that return normalised values or raise an error from :mod:`upsampling.errors`.

Every public function validates through these, so a message has the same shape
everywhere: parameter, value received, what is allowed.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import numpy as np

from upsampling._options import _options
from upsampling.errors import DTypeError, InvalidArgumentError, OutputTooLargeError

T = TypeVar("T")


def choice(parameter: str, value: Any, allowed: Sequence[T]) -> T:
    """Return ``value`` if it is one of ``allowed``; otherwise raise listing the choices."""
    try:
        ok = value in allowed
    except TypeError:  # unhashable or incomparable
        ok = False
    if not ok:
        raise InvalidArgumentError(parameter, value, "one of " + ", ".join(repr(a) for a in allowed))
    return value  # type: ignore[return-value]


def is_integer(value: Any) -> bool:
    if type(value) is int:  # the common case, without the ABC checks (this runs on every call)
        return True
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def integer(parameter: str, value: Any, *, minimum: int | None = None, what: str | None = None) -> int:
    """An int (NumPy ints accepted, bools refused), optionally ``>= minimum``."""
    if not is_integer(value):
        raise InvalidArgumentError(parameter, value, what or "an integer")
    value = int(value)
    if minimum is not None and value < minimum:
        raise InvalidArgumentError(parameter, value, what or f"an integer >= {minimum}")
    return value


def positive_int(parameter: str, value: Any) -> int:
    return integer(parameter, value, minimum=1, what="a positive integer")


def positive_finite(parameter: str, value: Any) -> float:
    """A finite real number > 0."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise InvalidArgumentError(parameter, value, "a finite number > 0")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise InvalidArgumentError(parameter, value, "a finite number > 0")
    return value


def finite(parameter: str, value: Any) -> float:
    if type(value) is float and math.isfinite(value):  # the common case, without the ABC checks
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise InvalidArgumentError(parameter, value, "a finite number")
    value = float(value)
    if not math.isfinite(value):
        raise InvalidArgumentError(parameter, value, "a finite number")
    return value


def sequence(parameter: str, value: Any, length: int | Iterable[int] | None = None) -> list[Any]:
    """Turn a list/tuple/1-D array into a list, checking its length if asked."""
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise InvalidArgumentError(parameter, value, "a 1-D sequence")
        value = value.tolist()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InvalidArgumentError(parameter, value, "a sequence (list or tuple)")
    value = list(value)
    if length is not None:
        lengths = (length,) if isinstance(length, int) else tuple(length)
        if len(value) not in lengths:
            want = " or ".join(str(n) for n in lengths)
            raise InvalidArgumentError(parameter, value, f"a sequence of length {want}")
    return value


def numeric_array(parameter: str, value: Any) -> np.ndarray:
    """Return ``value`` as an ndarray of a real numeric dtype (bool and complex refused)."""
    if type(value) is np.ndarray and value.dtype.kind in "fiu":  # the common case, fast
        return value
    arr = np.asarray(value)
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise DTypeError(
            parameter,
            f"array of dtype {arr.dtype}",
            "a real numeric dtype (float16, float32, float64 or an integer type)",
            "Cast it first, e.g. x.astype(np.float32).",
        )
    return arr


def output_bytes(parameter: str, shape: Sequence[int], dtype: Any) -> int:
    """Estimate an output's size and refuse it before allocation when over the limit."""
    itemsize = np.dtype(dtype).itemsize
    count = 1
    for n in shape:
        count *= int(n)
    nbytes = count * itemsize
    limit = _options["max_output_bytes"]
    if nbytes > limit:
        raise OutputTooLargeError(
            parameter,
            tuple(int(n) for n in shape),
            f"an output of at most {limit:,} bytes",
            f"This output would need {nbytes:,} bytes ({np.dtype(dtype).name}). Raise the limit with "
            "upsampling.set_options(max_output_bytes=...) or process the array in tiles "
            "(upsampling.dask).",
            message=(
                f"{parameter} gives an output of shape {tuple(int(n) for n in shape)} "
                f"({np.dtype(dtype).name}), which needs {nbytes:,} bytes: more than the limit of "
                f"{limit:,} bytes. Raise the limit with upsampling.set_options(max_output_bytes=...) "
                "or process the array in tiles (upsampling.dask)."
            ),
        )
    return nbytes
