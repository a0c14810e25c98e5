"""The result of :func:`upsampling.port.translate`: :class:`Translation`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from upsampling.port.calls import TITLES

__all__ = ["Translation"]


@dataclass
class Translation:
    """The result of :func:`translate`.

    Attributes
    ----------
    source : the source call, as understood (normalised text).
    target : the target framework (``"pytorch"``, ``"tensorflow"``, ``"opencv"``, ``"pillow"``,
        ``"onnx"`` or ``"engine"``).
    code : Python statements computing ``y`` from ``x`` in :attr:`layout` with the conventional
        names (``torch``, ``F``, ``tf``, ``cv2``, ``np``, ``Image``; ONNX and the engine import
        what they use).  For a convolution it also reads ``weight``, the source framework's weight
        array as NumPy, and converts its layout.
    layout : the layout of ``x`` and ``y`` in :attr:`code` (e.g. ``"NCHW"``).
    exact : the same sample positions and weights (per-axis matrices equal within float rounding).
    bit_identical : True only where proved (the same framework kernel, or ``verify=True`` found
        identical bits); False when ``verify`` found a difference; None when not known.
    max_error : the largest ``|difference|`` any input with values in a unit range can give
        (computed exactly from the two operations' matrices; ~1e-7 or 0 when exact).
    holds_for : ``"all input sizes"`` or ``"the input shape given"``; :attr:`reason` says why.
    """

    source: str
    target: str
    code: str
    layout: str
    exact: bool
    bit_identical: bool | None
    max_error: float
    holds_for: str
    reason: str
    input_shape: tuple[int, ...]
    source_layout: str
    output_shape: tuple[int, ...]
    call: str
    kind: str = "resize"
    composition: bool = False
    source_does: str = ""
    target_does: str = ""
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    node: dict[str, Any] | None = None
    measured_error: float | None = None

    def explain(self) -> str:
        """Why the two are equal (or where they differ), in a few lines."""
        title = TITLES.get(self.target, self.target)
        lines = [
            f"source: {self.source}  (x {self.source_layout} {_shape(self.input_shape)})",
            f"  computes: {self.source_does}" if self.source_does else None,
        ]
        if not self.code:
            lines.append(f"target: {title}: no equivalent; {self.reason}")
            lines += [f"  {d}" for d in self.differences]
            lines += [f"note: {n}" for n in self.notes]
            return "\n".join(line for line in lines if line is not None)
        lines += [
            f"target: {title}, x and y in {self.layout}, y {_shape(self.output_shape)}",
            f"  computes: {self.target_does}" if self.target_does else None,
        ]
        if self.exact:
            what = "a composition" if self.composition else "one call"
            same = ("the same crops of the same full transposed convolution" if self.kind == "conv_transpose"
                    else "the same sample positions and weights")
            lines.append(f"exact ({what}): {same}; largest difference {self.max_error:.2g} per unit of input range "
                         "(float rounding)")
        else:
            lines.append(f"not exact: no {title} call or composition (padding, one resize, a crop or step) samples like the source; "
                         f"closest: {self.call}, worst error {self.max_error:.3g} per unit of input range")
            lines += [f"  why: {d}" for d in self.differences]
        lines.append(f"holds for {self.holds_for}: {self.reason}")
        if self.bit_identical is True:
            lines.append("bit-identical: yes")
        elif self.bit_identical is False:
            lines.append("bit-identical: no (equal within float rounding only)")
        if self.measured_error is not None:
            lines.append(f"measured live: largest |difference| {self.measured_error:.3g} per unit of input range")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(line for line in lines if line is not None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (``--json``)."""
        d = asdict(self)
        d["input_shape"] = list(self.input_shape)
        d["output_shape"] = list(self.output_shape)
        return json.loads(json.dumps(d, default=_jsonable))

    def __str__(self) -> str:
        return self.code


def _jsonable(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, (set, frozenset, tuple)):
        return list(v)
    return str(v)


def _shape(shape: Sequence[int]) -> str:
    return "x".join(str(v) for v in shape)
