"""Rewriting an upsampling node into an equivalent form that the runtimes compute per spec.

Every candidate replaces one node by a few standard nodes reading the same input and writing
the same output, and is accepted only when every installed runtime computes it equal to the
*original* node's spec output (the twin) on random inputs.  Candidates, cheapest first:

* **attributes**: ``exclude_outside`` dropped where it has no effect (nearest, plain linear:
  ONNX Runtime refuses it there); ``half_pixel`` for ``pytorch_half_pixel`` (equal where no
  output length is 1); ``sizes`` for ``scales`` (equal where the scale is the length ratio);
  ``Slice`` after a Resize whose float32 output length is one too long.
* **Pad + Resize + Slice**: most coordinate modes are affine, ``x = α·i + β``.  A Resize of
  another mode (``asymmetric``, ``half_pixel`` or ``align_corners``) with scale ``m/α`` on the
  input padded by ``p`` replicated pixels, sliced from ``c`` with step ``m``, samples the same
  positions when ``c`` comes out an integer; replicated pixels are what the clamped linear
  coordinate, the clamped nearest index and cubic's replicated taps read anyway.  Nearest
  rounding modes map onto each other by a shift (``round`` = ``floor(x + 0.5)`` away from
  ties).  This is how a node is written for a runtime that supports only some modes
  (``target_modes``, e.g. TensorRT 7's ``asymmetric``).
* **the plan**: the node's own per-axis plan, read from the spec twin, as constant ``Gather``
  indices (nearest) or ``MatMul`` weight matrices (linear, cubic, antialias), with ``Where`` for
  ``tf_crop_and_resize``'s extrapolated samples.  Every runtime computes these the same way; they
  need static input heights and widths and cost ``n_out·n_in`` weights per axis.
* ConvTranspose: explicit ``pads`` for ``auto_pad``/``output_shape`` (the twin's rule: the odd
  element at the end for ``SAME_UPPER``, at the start otherwise), with ``Pad`` (+ ``Add`` for the
  bias) where the output is longer than the full transposed convolution.
"""

from __future__ import annotations

from collections.abc import Sequence

from upsampling.port.onnx_graph import NodeFacts
from upsampling.port.rewrite.check import measure, tolerance, verify
from upsampling.port.rewrite.conv import conv_candidates
from upsampling.port.rewrite.nodes import Replacement, node_spec
from upsampling.port.rewrite.plan import axis_matrix, plan_candidate
from upsampling.port.rewrite.resize import attribute_candidates, composition_candidates
from upsampling.port.rewrite.targets import TARGET_PRESETS, TargetMode, parse_target_modes

__all__ = ["TARGET_PRESETS", "Replacement", "TargetMode", "axis_matrix", "candidates", "measure", "node_spec",
           "parse_target_modes", "tolerance", "verify"]


def candidates(f: NodeFacts, targets: Sequence[TargetMode] | None, allow_plan: bool = True) -> list[Replacement | str]:
    """Every rewrite of ``f`` to try, cheapest first; strings say why a kind is not possible."""
    if f.op_type == "ConvTranspose":
        return list(conv_candidates(f))
    found: list[Replacement | str] = []
    found += attribute_candidates(f)
    found += composition_candidates(f, targets)
    if allow_plan:
        found.append(plan_candidate(f))
    return found
