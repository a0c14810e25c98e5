"""Every error the library raises, in one place.

Each error carries the offending ``parameter``, the ``value`` received and what
is ``allowed``, so a message always answers "which argument, what did I pass,
what should I pass".  All of them subclass :class:`UpsamplingError` and one of
the built-in ``ValueError`` / ``TypeError`` / ``ImportError``, so callers that
already catch those keep working.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "UpsamplingError",
    "InvalidArgumentError",
    "ShapeError",
    "OutputTooLargeError",
    "UnsupportedError",
    "DTypeError",
    "MissingExtraError",
]


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
        super().__init__(message)


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
