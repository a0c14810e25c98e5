"""Words for what a call computes and for why two calls differ, from the registry's own data.

Every phrase is built from a :class:`~upsampling.frameworks._mapping.Setting`'s builder and
parameters (or a :class:`~upsampling.spec.ResizeSpec`'s fields) and the formulas of
:data:`upsampling.coords.CONVENTIONS`, so the explanations follow the code that runs.
"""

from __future__ import annotations

from typing import Any

from upsampling.coords import CONVENTIONS
from upsampling.frameworks._mapping import Setting

__all__ = ["call_words", "difference_words", "kernel_class", "operation_params", "param_distance"]

_MODE = {"nearest": "nearest", "linear": "bilinear", "cubic": "bicubic", "lanczos4": "Lanczos (radius 4)",
         "area": "area"}
_KERNEL = {
    "triangle": "triangle (bilinear)", "keys_a-0.5": "Keys cubic a=-0.5", "keys_a-0.5_pillow": "Keys cubic a=-0.5",
    "lanczos3": "Lanczos-3", "lanczos3_pillow": "Lanczos-3", "lanczos5": "Lanczos-5", "gaussian_tf": "TF's Gaussian",
    "mitchell": "Mitchell-Netravali", "box_pillow": "box", "hamming_pillow": "Hamming", "mks2013": "Magic Kernel Sharp 2013",
    "mks2021": "Magic Kernel Sharp 2021",
}
_NEAREST = {"floor": "index floor(x)", "ceil": "index ceil(x)", "round_prefer_floor": "x rounded, halves down",
            "round_prefer_ceil": "x rounded, halves up"}


def operation_params(call: Any) -> dict[str, Any]:
    """The engine parameters a call runs with: its first setting's, or its spec's."""
    spec = None
    if hasattr(call, "spec") and callable(getattr(call, "spec")):
        spec = call.spec()
    elif hasattr(call, "spec"):
        spec = call.spec
    if spec is not None:
        return {
            "builder": "interpolation_plan" if spec.mode != "area" else "area_plan",
            "mode": spec.mode,
            "coordinate_transformation_mode": spec.coordinate_transformation_mode,
            "nearest_mode": spec.nearest_mode,
            "cubic_coeff_a": spec.cubic_coeff_a,
            "exclude_outside": spec.exclude_outside,
            "antialias": spec.antialias,
            "rule": "overlap",
        }
    settings = call.settings()
    if not settings:
        return {}
    s: Setting = settings[0]
    return {"builder": s.builder, **s.params}


def kernel_class(call: Any) -> tuple:
    """The kernel family of a call, across builders: ``("linear",)``, ``("cubic", a)``, ``("nearest",)``..."""
    p = operation_params(call)
    builder = p.get("builder")
    if builder == "nearest_loop_plan" or p.get("mode") == "nearest":
        return ("nearest",)
    if builder == "interpolation_plan":
        mode = p.get("mode", "linear")
        return ("cubic", float(p.get("cubic_coeff_a", -0.75))) if mode == "cubic" else (mode,)
    if builder == "window_plan":
        name = p.get("kernel_name", "")
        return {"triangle": ("linear",), "keys_a-0.5": ("cubic", -0.5), "keys_a-0.5_pillow": ("cubic", -0.5),
                "lanczos3_pillow": ("lanczos3",), "box_pillow": ("area",)}.get(name, (name,))
    return ("area",)


def param_distance(source: Any, target: Any) -> int:
    """How many of the engine parameters (builder, mode, convention, rounding, a, exclude,
    antialias, kernel) two calls disagree on: ranks equally exact candidates by likeness."""
    a, b = operation_params(source), operation_params(target)
    keys = ("builder", "mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside",
            "antialias", "kernel_name", "rule", "cubic_table_size")
    return sum(a.get(k) != b.get(k) for k in keys)


def _interpolation_words(p: dict[str, Any]) -> str:
    mode = p.get("mode", "linear")
    ctm = p.get("coordinate_transformation_mode", "half_pixel")
    words = [_MODE.get(mode, mode), f"{ctm} ({CONVENTIONS[ctm].formula})" if ctm in CONVENTIONS else ctm]
    if mode == "nearest":
        words.append(_NEAREST.get(p.get("nearest_mode", "round_prefer_floor"), ""))
    if mode == "cubic":
        words.append(f"Keys a={p.get('cubic_coeff_a', -0.75):g}")
        words.append("out-of-image taps dropped and renormalised" if p.get("exclude_outside") else "edge replicated")
        if p.get("cubic_table_size"):
            words.append(f"weights from a {p['cubic_table_size']}-entry table")
    if p.get("antialias"):
        words.append("kernel stretched when downscaling (antialias)")
    if p.get("precision") == "float32" or p.get("rounding_precision") == "float32":
        words.append("float32 coordinates")
    return ", ".join(w for w in words if w)


def call_words(call: Any) -> str:
    """One line: what the call computes along each axis."""
    p = operation_params(call)
    builder = p.get("builder")
    if builder == "interpolation_plan":
        return _interpolation_words(p)
    if builder == "window_plan":
        kernel = _KERNEL.get(p.get("kernel_name", ""), p.get("kernel_name", "?"))
        return (f"{kernel} window centred at (i + 0.5)·in/out, stretched by in/out when downscaling "
                "(antialias), taps inside the image renormalised")
    if builder == "area_plan":
        rule = p.get("rule")
        return {
            "overlap": "area: each output averages the box [i·in/out, (i+1)·in/out), pixels weighted by overlap",
            "adaptive": "area: adaptive average pooling (whole pixels floor(i·in/out) .. ceil((i+1)·in/out) - 1)",
            "opencv_overlap": "area: OpenCV's box overlap (overlaps under 1e-3 dropped)",
            "opencv_linear": "area upscaling: OpenCV's 'area mode' bilinear",
            "block": "Image.reduce's block means, then the filter",
        }.get(rule, f"area ({rule})")
    if builder == "nearest_loop_plan":
        return "nearest, index int(xx) with xx = (i + 0.5)·in/out summed step by step in double (Pillow's loop)"
    return "?"


def difference_words(source: Any, target: Any) -> list[str]:
    """Why two calls sample differently, one phrase per differing ingredient."""
    a, b = operation_params(source), operation_params(target)
    out: list[str] = []
    if a.get("builder") != b.get("builder"):
        tables = [_table_words(who) for p, who in ((a, "source"), (b, "target")) if p.get("cubic_table_size")]
        if not (tables and kernel_class(source) == kernel_class(target)):  # the same kernel but for the table
            out.append(f"the source is {call_words(source)}; the target is {call_words(target)}")
        return out + tables
    if a.get("builder") == "interpolation_plan":
        if a.get("mode") != b.get("mode"):
            out.append(f"{_MODE.get(a.get('mode'), a.get('mode'))} vs {_MODE.get(b.get('mode'), b.get('mode'))}")
        ca, cb = a.get("coordinate_transformation_mode"), b.get("coordinate_transformation_mode")
        if ca != cb:
            fa = CONVENTIONS[ca].formula if ca in CONVENTIONS else ca
            fb = CONVENTIONS[cb].formula if cb in CONVENTIONS else cb
            out.append(f"the source samples at {ca} ({fa}), the target at {cb} ({fb})")
        if a.get("mode") == b.get("mode") == "nearest" and a.get("nearest_mode") != b.get("nearest_mode"):
            out.append(f"rounding: {_NEAREST.get(a.get('nearest_mode'))} vs {_NEAREST.get(b.get('nearest_mode'))}")
        if a.get("mode") == b.get("mode") == "cubic":
            if a.get("cubic_coeff_a", -0.75) != b.get("cubic_coeff_a", -0.75):
                out.append(f"Keys a={a.get('cubic_coeff_a', -0.75):g} vs a={b.get('cubic_coeff_a', -0.75):g}")
            if bool(a.get("exclude_outside")) != bool(b.get("exclude_outside")):
                drop = "drops out-of-image taps and renormalises"
                out.append(f"the {'source' if a.get('exclude_outside') else 'target'} {drop}, the other replicates the edge")
            if bool(a.get("cubic_table_size")) != bool(b.get("cubic_table_size")):
                out.append(_table_words("source" if a.get("cubic_table_size") else "target"))
        if bool(a.get("antialias")) != bool(b.get("antialias")):
            out.append("antialias on one side only")
        if not out and a.get("mode") == "nearest":
            out.append("the same rule, computed in different float precision: the rounded index differs where "
                       "x lands within a rounding error of a pixel boundary")
    elif a.get("builder") == "window_plan":
        if a.get("kernel_name") != b.get("kernel_name"):
            out.append(f"kernel {a.get('kernel_name')} vs {b.get('kernel_name')}")
        if a.get("span_rule") != b.get("span_rule"):
            out.append("which taps a window reaches at its edge (TF and Pillow count them differently)")
    elif a.get("builder") == "area_plan" and a.get("rule") != b.get("rule"):
        out.append(f"{call_words(source)} vs {call_words(target)}")
    if not out:
        ra, rb = source.size_rule(), target.size_rule()
        if ra != rb:
            out.append(f"sizes and scales: the source follows {_rule_words(ra)}, the target {_rule_words(rb)}")
        else:
            out.append("the same formula, computed in different float precision")
    return out


def _table_words(who: str) -> str:
    other = "target" if who == "source" else "source"
    return (f"the {who} reads its cubic weights from TensorFlow's 1,024-entry table (resize_bicubic_op.cc); the "
            f"{other} has no such table and computes them exactly")


def _rule_words(rule: tuple) -> str:
    if rule[0] == "size":
        return "the output size (sampling scale in/out)"
    if rule[0] == "scale":
        return f"the scale {rule[1]} (sampling scale 1/scale, output {rule[2]}(n·scale))"
    if rule[0] in ("floor_size", "round_size"):
        return f"the output size {rule[0].split('_')[0]}(n·{rule[1]}) (sampling scale in/out)"
    return str(rule)
