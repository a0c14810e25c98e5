"""Porting resizes and transposed convolutions between frameworks.

* :func:`translate`: the exact equivalent of a call in another framework, as runnable code, or
  the closest one with its worst error and the reason;
* :func:`identify`: which known framework setting an unknown resize (a callable, or an
  input/output pair) is.

Both compare operations through their per-axis matrices (:mod:`upsampling.port.operator`), read
from the framework twins; no framework is imported unless ``verify=`` asks to run one.

>>> from upsampling import port
>>> t = port.translate("tf.compat.v1.image.resize_bilinear(x, (64, 64), align_corners=True)",
...                    to="pytorch", input_shape=(1, 33, 47, 3))
>>> t.exact, t.layout
(True, 'NCHW')
>>> print(t.code)
y = F.interpolate(x, size=(64, 64), mode='bilinear', align_corners=True)
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from upsampling.port.identify import Match, identify
    from upsampling.port.translate import Translation, translate

__all__ = ["Match", "Translation", "identify", "translate"]

# Loaded on first use: `upsampling resize` imports upsampling.port.calls (and so this package),
# and identify/translate with their imports cost it about 12 ms of CPU at every start.
_LAZY = {"Match": "identify", "identify": "identify", "Translation": "translate", "translate": "translate"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = __import__(f"{__name__}.{_LAZY[name]}", fromlist=[name])
    value = getattr(module, name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """``port.identify`` and ``port.translate`` stay the functions: importing the submodules of
    the same names (``from upsampling.port.translate import ...``) makes the import system bind
    the submodule on the package, which would hide the function."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("identify", "translate") and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
