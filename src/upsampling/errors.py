"""Every error the library raises, in one place.

Each error carries the offending ``parameter``, the ``value`` received and what
is ``allowed``, so a message always answers "which argument, what did I pass,
what should I pass".  All of them subclass :class:`UpsamplingError` and one of
the built-in ``ValueError`` / ``TypeError`` / ``ImportError``, so callers that
already catch those keep working.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "UpsamplingError",
    "InvalidArgumentError",
    "ShapeError",
    "OutputTooLargeError",
    "UnsupportedError",
    "DTypeError",
    "MissingExtraError",
    "OutputPathError",
    "JobTooLargeError",
    "CheckpointError",
    "SchedulerUnreachableError",
]

#: The longest message an error carries; what any message echoes is cut to fit (a pasted
#: megabyte, or a 300-digit size computed from ``scale=1e300``, never floods a terminal or log).
MAX_MESSAGE = 1000
_LONG_NUMBER = re.compile(r"\d{1,3}(?:,\d{3}){8,}|\d{25,}")


def _approx(match: re.Match) -> str:
    digits = match.group(0).replace(",", "")
    return f"~{digits[0]}.{digits[1:3]}e+{len(digits) - 1}"


def _cap(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` with integers of 25+ digits (``1234...`` or ``1,234,...``) written as ``~d.dde+N``,
    cut to ``limit`` characters."""
    text = _LONG_NUMBER.sub(_approx, text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short(value: Any, limit: int = 80) -> str:
    """``repr(value)`` in at most ``limit`` characters (long integers as ``~d.dde+N``)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a hostile __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    return _cap(text, limit)


class UpsamplingError(Exception):
    """Base class of every error raised by ``upsampling``.

    Parameters
    ----------
    parameter : the argument's name as the caller wrote it (``"size"``, ``"strides"``).
    value : what was received.
    allowed : a short phrase saying what is accepted.
    hint : optional advice on how to fix the call.
    message : a complete message that replaces the generated one.
    """

    def __init__(
        self,
        parameter: str | None = None,
        value: Any = None,
        allowed: str | None = None,
        hint: str | None = None,
        *,
        message: str | None = None,
    ) -> None:
        self.parameter = parameter
        self.value = value
        self.allowed = allowed
        self.hint = hint
        if message is None:
            message = f"{parameter}={_short(value)} is not allowed"
            if allowed:
                message += f"; expected {allowed}"
            message += "."
            if hint:
                message += f" {hint}"
        super().__init__(_cap(message))


class InvalidArgumentError(UpsamplingError, ValueError):
    """An argument has a value outside what the operation accepts."""


class ShapeError(UpsamplingError, ValueError):
    """Shapes do not fit together (rank, channels, or an output size that cannot be produced)."""


class OutputTooLargeError(UpsamplingError, ValueError):
    """The output would exceed the byte limit set with :func:`upsampling.set_options`."""


class UnsupportedError(UpsamplingError, ValueError):
    """A framework twin refuses a combination because the framework itself refuses it."""


class DTypeError(UpsamplingError, TypeError):
    """The array's dtype (or the argument's type) is not supported."""


class MissingExtraError(UpsamplingError, ImportError):
    """An optional dependency is needed; the message names the extra to install."""


class OutputPathError(InvalidArgumentError):
    """An output path that cannot be written safely: it exists (without ``overwrite``), it is an
    input of the same job, its folder is missing or not writable, or it is a folder."""


class JobTooLargeError(OutputTooLargeError):
    """A whole job (decoded input, intermediates, every result kept) would need more memory than
    the machine has available; raised before any of it is allocated."""


class CheckpointError(UpsamplingError, ValueError):
    """A checkpoint that is refused: it is not a plain-data checkpoint of this library (it does not
    load with ``torch.load(weights_only=True)``, it is truncated or empty, or its fields are not
    the ones a run writes).  Nothing in it was executed."""


class SchedulerUnreachableError(UpsamplingError, ConnectionError):
    """No ``dask.distributed`` scheduler answered at the given address within the timeout (or
    something else answered there)."""
