"""Framework setting -> engine parameters, as data.

Each twin declares one :class:`Setting` per framework option it reproduces and builds
its plans *through* that object (:meth:`Setting.plan`), so the documentation table
(:func:`markdown_table`, written to ``docs/framework-settings.md``) is generated from
the very values the code runs with and cannot drift.

Regenerate the doc with ``python -m upsampling.frameworks._mapping > docs/framework-settings.md``
(a test checks it is current).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from upsampling import plan as _plan
from upsampling.errors import InvalidArgumentError

__all__ = ["Setting", "all_settings", "markdown_table"]

_BUILDERS = {
    "interpolation_plan": _plan.interpolation_plan,
    "window_plan": _plan.window_plan,
    "area_plan": _plan.area_plan,
    "nearest_loop_plan": _plan.nearest_loop_plan,
}

REGISTRY: list[Setting] = []


@dataclass(frozen=True)
class Setting:
    """One framework option and the engine plan builder + parameters that reproduce it.

    framework : "PyTorch", "TensorFlow", "OpenCV", "Pillow", "ONNX".
    call : how the user writes it, e.g. ``interpolate(mode='bilinear', align_corners=False)``.
    builder : a plan builder in :mod:`upsampling.plan`.
    params : that builder's keyword arguments (fixed for this setting).
    note : the quirk, with its source, when there is one.
    per_call : builder arguments the twin derives from each call (e.g. Pillow's reduce factor);
        :meth:`plan` needs them, so views that plan every setting for bare sizes skip these.
    """

    framework: str
    call: str
    builder: str
    params: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    per_call: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.builder not in _BUILDERS:
            raise InvalidArgumentError("builder", self.builder, "a plan builder: " + ", ".join(_BUILDERS))
        REGISTRY.append(self)

    def plan(self, n_in: int, n_out: int, **per_call: Any) -> _plan.AxisPlan:
        """Build this setting's plan for one axis; ``per_call`` adds size-dependent values."""
        return _BUILDERS[self.builder](n_in, n_out, **{**self.params, **per_call})


TWINS = ("pytorch", "tensorflow", "opencv", "pillow", "onnx")


def twin_modules() -> list[str]:
    """The twin modules present in this installation."""
    from upsampling._optional import module_available

    return [name for name in TWINS if module_available(f"upsampling.frameworks.{name}")]


#: The order settings are listed in: framework, then declaration order.
_RANK = {"PyTorch": 0, "TensorFlow": 1, "OpenCV": 2, "Pillow": 3, "ONNX": 4}


def all_settings() -> list[Setting]:
    """Every registered setting, after importing every twin module, in framework order and then
    declaration order (independent of which twin a process happened to import first)."""
    for name in twin_modules():
        importlib.import_module(f"upsampling.frameworks.{name}")
    return sorted(REGISTRY, key=lambda s: _RANK.get(s.framework, len(_RANK)))


def _fmt(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items()) or "–"


def markdown_table() -> str:
    """The generated table: framework setting -> engine builder and parameters."""
    lines = [
        "# Framework settings and the engine parameters they map to",
        "",
        "Generated from the twins' own `Setting` objects by "
        "`python -m upsampling.frameworks._mapping`; do not edit by hand.",
        "Builders are in `upsampling.plan`; coordinate conventions in `upsampling.coords`.",
        "",
        "| framework | setting | plan builder | engine parameters | note |",
        "|---|---|---|---|---|",
    ]
    for s in all_settings():
        call, note, params = (v.replace("|", "\\|") for v in (s.call, s.note, _fmt(s.params)))
        lines.append(f"| {s.framework} | `{call}` | `{s.builder}` | {params} | {note} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    # Run as a script this file is "__main__"; the twins register with the imported module.
    from upsampling.frameworks import _mapping

    print(_mapping.markdown_table(), end="")
