"""The one place where optional imports fail helpfully."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from upsampling.errors import MissingExtraError


def module_available(name: str) -> bool:
    """True when ``name`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            message=(
                f"{module!r} is needed for this feature but could not be imported ({exc}). "
                f"Install it with: pip install 'upsampling[{extra}]'"
            )
        ) from None
