"""Validators that return normalised values or raise an error from :mod:`upsampling.errors`.

Every public function validates through these, so a message has the same shape
everywhere: parameter, value received, what is allowed.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import numbers
import warnings
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import numpy as np

from upsampling._options import _options
from upsampling.errors import DTypeError, InvalidArgumentError, OutputTooLargeError

T = TypeVar("T")


def choice(parameter: str, value: Any, allowed: Sequence[T]) -> T:
    """Return ``value`` if it is one of ``allowed``; otherwise raise listing the choices."""
    for a in allowed:
        try:
            # same kind of value only: True is not 1, and an array's == is not a truth value
            if value is a or (isinstance(value, type(a)) and not isinstance(value, (bool, np.bool_)) and value == a):
                return a
        except (TypeError, ValueError):
            break
    raise InvalidArgumentError(parameter, value, "one of " + ", ".join(repr(a) for a in allowed))


def boolean(parameter: str, value: Any, *, numpy: bool = True, none: bool = False, hint: str | None = None) -> Any:
    """``value`` if it is ``True`` or ``False`` (a NumPy bool too, unless ``numpy=False``;
    ``None`` too when ``none``, returned as is); otherwise raise.

    Strings, numbers and arrays are refused: ``bool("False")`` is True, so taking their truth
    value would silently do the opposite of what was asked.  The error is a :class:`DTypeError`
    (a ``TypeError``), as PyTorch's and TensorFlow's are for a non-bool flag.
    """
    if value is True or value is False:
        return value
    if numpy and isinstance(value, np.bool_):
        return bool(value)
    if none and value is None:
        return None
    allowed = "True or False" + (" (a Python bool)" if not numpy else "") + (" or None" if none else "")
    raise DTypeError(parameter, value, allowed, hint)


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


def _as_float(parameter: str, value: Any, allowed: str, too_large: str | None = None) -> float:
    """``value`` as a float when it is a real number (NumPy numbers accepted, bools refused);
    else an error saying ``allowed``, or ``too_large`` for an int beyond float64 (10**400)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise InvalidArgumentError(parameter, value, allowed)
    try:
        return float(value)
    except OverflowError:
        raise InvalidArgumentError(parameter, value, too_large or allowed) from None


def positive_finite(parameter: str, value: Any) -> float:
    """A finite real number > 0."""
    value = _as_float(parameter, value, "a finite number > 0")
    if not math.isfinite(value) or value <= 0:
        raise InvalidArgumentError(parameter, value, "a finite number > 0")
    return value


def finite(parameter: str, value: Any) -> float:
    if type(value) is float and math.isfinite(value):  # the common case, without the ABC checks
        return value
    value = _as_float(parameter, value, "a finite number")
    if not math.isfinite(value):
        raise InvalidArgumentError(parameter, value, "a finite number")
    return value


def real(parameter: str, value: Any) -> float:
    """A real number as a float, NaN and infinities included (a fill value may be NaN)."""
    if type(value) is float:
        return value
    return _as_float(
        parameter, value, "a real number (NaN and infinities allowed)", "a real number within float64's range"
    )


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


def as_array(parameter: str, value: Any, dtype: Any = None) -> np.ndarray:
    """``np.asarray(value, dtype)``, refusing what NumPy cannot make into one rectangular array
    (a ragged nested list, a string where numbers go, an int beyond the dtype) with our error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.VisibleDeprecationWarning)
            return np.asarray(value, dtype=dtype)
    except (ValueError, TypeError, OverflowError, np.exceptions.VisibleDeprecationWarning) as exc:
        what = "a rectangular array (or nested list) of real numbers"
        raise InvalidArgumentError(parameter, value, what, f"NumPy could not convert it: {exc}".split("\n")[0]) from None


def numeric_array(parameter: str, value: Any) -> np.ndarray:
    """Return ``value`` as an ndarray of a real numeric dtype (bool and complex refused)."""
    if type(value) is np.ndarray and value.dtype.kind in "fiu":  # the common case, fast
        return value
    arr = as_array(parameter, value)
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


# The argument a work-bytes refusal names when the code that notices it (a plan builder) does
# not know which of its caller's arguments asked for the size: set by the caller around the
# building (``with sizes_named("scales"):``), "size" otherwise.
_SIZE_PARAMETER: contextvars.ContextVar[str] = contextvars.ContextVar("upsampling_size_parameter", default="size")


@contextlib.contextmanager
def sizes_named(parameter: str):
    """Within the block, work-bytes refusals name ``parameter`` (the argument that set the size)."""
    token = _SIZE_PARAMETER.set(parameter)
    try:
        yield
    finally:
        _SIZE_PARAMETER.reset(token)


#: The work limit never goes below this when it follows ``max_output_bytes``: plans of a few
#: KiB are no danger, and a small output limit must not refuse the plans of a small output.
WORK_FLOOR_BYTES = 64 * 2**20


def work_limit() -> int:
    """``options(max_work_bytes=...)``; when that is ``None`` (the default),
    ``max(max_output_bytes, 64 MiB)``."""
    limit = _options.get("max_work_bytes")
    return max(_options["max_output_bytes"], WORK_FLOOR_BYTES) if limit is None else limit


def work_bytes(parameter: str | None, nbytes: int, what: str, fix: str = "resize in tiles (upsampling.dask)") -> int:
    """Refuse, before allocating, a call whose plans and intermediate arrays (everything but
    its output) would take more than :func:`work_limit` bytes."""
    limit = work_limit()
    if nbytes > limit:
        parameter = parameter or _SIZE_PARAMETER.get()
        raise OutputTooLargeError(
            parameter,
            nbytes,
            f"work memory of at most {limit:,} bytes",
            message=(
                f"{parameter} asks for {what} of about {nbytes:,} bytes besides the output: more than the "
                f"limit of {limit:,} bytes. Raise it with upsampling.set_options(max_work_bytes=...), or "
                f"{fix}."
            ),
        )
    return nbytes
