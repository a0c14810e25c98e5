"""What every twin shares: refusing with the framework's own message."""

from __future__ import annotations

from typing import Any, NoReturn

from upsampling.errors import InvalidArgumentError, UpsamplingError

__all__ = ["refuse"]


def refuse(parameter: str, value: Any, message: str, cls: type[UpsamplingError] = InvalidArgumentError) -> NoReturn:
    """Raise ``cls`` (an :mod:`upsampling.errors` class) naming ``parameter`` and ``value``, with the
    framework's own ``message``."""
    raise cls(parameter, value, message=message)
