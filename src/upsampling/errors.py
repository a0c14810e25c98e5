"""Every error the library raises, in one place.

Each error carries the offending ``parameter``, the ``value`` received and what
is ``allowed``, so a message always answers "which argument, what did I pass,
what should I pass".  All of them subclass :class:`UpsamplingError` and one of
the built-in ``ValueError`` / ``TypeError`` / ``ImportError``, so callers that
already catch those keep working.

Messages name parameters as Python callers write them (``padding``, ``overwrite=True``); the
command line renders the same error under its own names (``--padding``, ``--overwrite``) with
:meth:`UpsamplingError.render`.  Only :class:`OptionError` is written in the command line's words,
and only :mod:`upsampling.cli` raises it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
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
    "NotALinearResize",
    "OptionError",
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


def _shown(value: Any) -> str:
    """A received value as the command line echoes it: text quoted, on one line, at most 60 characters."""
    text = value if isinstance(value, str) else _short(value)
    text = " ".join(str(text).split())  # one line, whatever was pasted
    if len(text) > 60:
        text = text[:57] + "..."
    return repr(text) if isinstance(value, str) else text


def expected_line(name: str, allowed: str | None, value: Any = None, hint: str | None = None) -> str:
    """``NAME: expected ALLOWED, got VALUE (HINT)``: how the command line words a refused value."""
    text = f"{name}: expected {allowed or 'another value'}"
    if value is not None:
        text += f", got {_shown(value)}"
    if hint:
        text += f" ({hint})"
    return text


_NO_VALUE: Any = object()


def python_name(name: str, value: Any = _NO_VALUE) -> str:
    """How a Python caller writes a parameter: ``out``, or ``resume=True`` when a value is given."""
    return name if value is _NO_VALUE else f"{name}={value!r}"


#: ``names(parameter)`` or ``names(parameter, value)``: how a message spells a parameter
#: (:func:`python_name`, or the command line's flag).
Names = Callable[..., str]


class UpsamplingError(Exception):
    """Base class of every error raised by ``upsampling``.

    Parameters
    ----------
    parameter : the argument's name as the caller wrote it (``"size"``, ``"strides"``).
    value : what was received.
    allowed : a short phrase saying what is accepted.
    hint : optional advice on how to fix the call.
    message : a complete message that replaces the generated one: a string, or, when it names
        parameters, a function of a :data:`Names` speller (``lambda n: f"pass {n('overwrite', True)}"``)
        so that :meth:`render` can spell them as the caller knows them.
    """

    def __init__(
        self,
        parameter: str | None = None,
        value: Any = None,
        allowed: str | None = None,
        hint: str | None = None,
        *,
        message: str | Callable[[Names], str] | None = None,
    ) -> None:
        self.parameter = parameter
        self.value = value
        self.allowed = allowed
        self.hint = hint
        self._message = message
        super().__init__(self.render())

    def render(self, names: Mapping[str, str] | None = None) -> str:
        """The message with parameters spelled as in ``names`` (``{"padding": "--padding"}``: the
        command line's flags; a boolean flag given ``True`` is spelled as the bare flag); names
        not in ``names`` keep their Python spelling.  Without ``names``: ``str(self)``."""
        if names is None:
            spell: Names = python_name
        else:
            def spell(name: str, value: Any = _NO_VALUE) -> str:
                flag = names.get(name)
                if flag is None:
                    return python_name(name, value)
                return flag if value is _NO_VALUE or value is True else f"{flag} {value}"

        if callable(self._message):
            return _cap(self._message(spell))
        if self._message is not None:
            return _cap(self._message)
        if names is not None and self.parameter in names:
            return _cap(expected_line(names[self.parameter], self.allowed, self.value, self.hint))
        message = f"{self.parameter}={_short(self.value)} is not allowed"
        if self.allowed:
            message += f"; expected {self.allowed}"
        message += "."
        if self.hint:
            message += f" {self.hint}"
        return _cap(message)

    def __reduce__(self) -> tuple:
        # Pickled (a Dask worker's error travels to the client) without the message function.
        state = dict(self.__dict__)
        if callable(state.get("_message")):
            state["_message"] = str(self)
        return _restore, (type(self), str(self), state)


def _restore(cls: type, text: str, state: dict) -> UpsamplingError:
    error = cls.__new__(cls)
    Exception.__init__(error, text)
    error.__dict__.update(state)
    return error


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


class NotALinearResize(UpsamplingError, ValueError):
    """The callable handed to :mod:`upsampling.port` (``identify``, ``audit``) is not a linear,
    separable resize of the two spatial axes."""


class OptionError(InvalidArgumentError):
    """A command-line value that cannot be used, in the command line's own words: raised only by
    :mod:`upsampling.cli` (the library names Python parameters; the command line renders them as
    flags).

    ``option`` is the flag (``"--kernel"``) or argument (``"IN"``), ``expected`` a phrase saying
    what is accepted, ``got`` the offending text (omitted from the message when None) and ``hint``
    optional advice.
    """

    def __init__(self, option: str, expected: str, got: Any = None, hint: str = "") -> None:
        self.option = option
        self.expected = expected
        self.got = got
        super().__init__(option, got, expected, hint or None, message=expected_line(option, expected, got, hint))
