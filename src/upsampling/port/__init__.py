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

from upsampling.port.identify import Match, identify
from upsampling.port.translate import Translation, translate

__all__ = ["Match", "Translation", "identify", "translate"]
