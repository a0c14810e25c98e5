"""ONNX ``Resize`` and ``Upsample`` written with their attributes (and ``sizes=``/``scales=``/``roi=``
values), or as ``onnx.helper.make_node(...)``."""

from __future__ import annotations

import ast
from typing import Any

from upsampling import _checks
from upsampling.errors import InvalidArgumentError
from upsampling.port.calls import ONNXResize
from upsampling.port.parse.literals import boolean, choice, fail, read_value

__all__ = ["node_op", "onnx_kwargs", "onnx_resize", "onnx_upsample"]


def node_op(node: ast.Call) -> str | None:
    if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


_ONNX_ATTRS = ("mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside",
               "antialias", "extrapolation_value", "axes", "keep_aspect_ratio_policy")


def _onnx_spatial(fn: str, name: str, values: Any, axes: Any, kind: type) -> tuple:
    """The H and W values of ONNX ``sizes``/``scales`` (4 values N, C, H, W; 2 values; or per ``axes``)."""
    values = values if isinstance(values, tuple) else (values,)
    number = (lambda v: _checks.integer(name, v)) if kind is int else (lambda v: _checks.finite(name, v))
    values = tuple(number(v) for v in values)
    if axes is not None:
        axes = axes if isinstance(axes, tuple) else (axes,)
        if sorted(axes) != [2, 3] and sorted(axes) != [-2, -1]:
            raise InvalidArgumentError("axes", axes, message=f"{fn}: axes must be the H and W axes [2, 3] of NCHW")
        if len(values) != 2:
            raise InvalidArgumentError(name, values, message=f"{fn}: {name} needs one value per axis in axes")
        return values
    if len(values) == 4:
        if kind is float and values[:2] != (1.0, 1.0):
            raise InvalidArgumentError(name, values, message=f"{fn}: {name} must keep N and C (1, 1, sh, sw)")
        return values[2:]
    if len(values) == 2:
        return values
    raise InvalidArgumentError(name, values, message=f"{fn}: {name} must have 4 values (N, C, H, W) or 2 (H, W)")


def onnx_kwargs(fn: str, text: str, node: ast.Call) -> tuple[dict[str, Any], int]:
    keywords = [k for k in node.keywords]
    a: dict[str, Any] = {}
    for kw in keywords:
        if kw.arg is None:
            raise fail(text, f"{fn}: **kwargs cannot be read")
        a[kw.arg] = read_value(fn, text, kw.arg, kw.value)
    opset = _checks.integer("opset", a.pop("opset", 19), minimum=1)
    for k in ("name", "doc_string", "domain", "inputs", "outputs"):
        a.pop(k, None)
    return a, opset


def onnx_resize(fn: str, text: str, node: ast.Call) -> ONNXResize:
    a, opset = onnx_kwargs(fn, text, node)
    allowed = set(_ONNX_ATTRS) | {"sizes", "scales", "roi"}
    for k in a:
        if k not in allowed:
            raise InvalidArgumentError(k, a[k], message=f"ONNX Resize has no attribute or input {k!r}; it takes "
                                       + ", ".join(sorted(allowed)))
    if a.get("keep_aspect_ratio_policy", "stretch") != "stretch":
        raise InvalidArgumentError("keep_aspect_ratio_policy", a["keep_aspect_ratio_policy"],
                                   message="ONNX Resize: only keep_aspect_ratio_policy='stretch' is supported here")
    if opset < 11:  # Resize-10: scales and mode only, sampled as Upsample-9 (asymmetric, nearest floor)
        extra = sorted(k for k in a if k not in ("scales", "mode"))
        if extra:
            raise InvalidArgumentError(extra[0], a[extra[0]], message=f"ONNX Resize-{max(opset, 10)} takes scales= "
                                       "and mode= only (coordinate modes came with opset 11)")
        a.update(coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    axes = a.get("axes")
    sizes = a.get("sizes")
    scales = a.get("scales")
    if (sizes is None) == (scales is None):
        raise InvalidArgumentError("sizes", sizes, message="ONNX Resize: give the values of exactly one of sizes= "
                                   "and scales= (e.g. sizes=[1, 3, 64, 64])")
    roi = a.get("roi")
    if roi is not None:
        roi = tuple(_checks.finite("roi", v) for v in (roi if isinstance(roi, tuple) else (roi,)))
        if len(roi) == 8:
            roi = (roi[2], roi[3], roi[6], roi[7])
        elif len(roi) != 4:
            raise InvalidArgumentError("roi", roi, message="ONNX Resize: roi must have 8 values (starts and ends of "
                                       "N, C, H, W) or 4 (H and W)")
    mode = choice("Resize", "mode", a.get("mode", "nearest"), ("nearest", "linear", "cubic"))
    ctm = choice("Resize", "coordinate_transformation_mode", a.get("coordinate_transformation_mode", "half_pixel"),
                  ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
                   "tf_crop_and_resize"))
    return ONNXResize(
        sizes=None if sizes is None else _onnx_spatial("Resize", "sizes", sizes, axes, int),
        scales=None if scales is None else _onnx_spatial("Resize", "scales", scales, axes, float),
        mode=mode, coordinate_transformation_mode=ctm,
        nearest_mode=choice("Resize", "nearest_mode", a.get("nearest_mode", "round_prefer_floor"),
                             ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")),
        cubic_coeff_a=_checks.finite("cubic_coeff_a", a.get("cubic_coeff_a", -0.75)),
        exclude_outside=boolean("Resize", "exclude_outside", a.get("exclude_outside", 0)),
        antialias=boolean("Resize", "antialias", a.get("antialias", 0)), roi=roi,
        extrapolation_value=_checks.finite("extrapolation_value", a.get("extrapolation_value", 0.0)),
        opset=max(opset, 10),
    )


def onnx_upsample(fn: str, text: str, node: ast.Call) -> ONNXResize:
    a, opset = onnx_kwargs(fn, text, node)
    for k in a:
        if k not in ("scales", "mode"):
            raise InvalidArgumentError(k, a[k], message="ONNX Upsample takes scales= and mode= only")
    if a.get("scales") is None:
        raise InvalidArgumentError("scales", None, message="ONNX Upsample: give scales=[1, 1, sh, sw]")
    mode = choice("Upsample", "mode", a.get("mode", "nearest"), ("nearest", "linear", "bilinear"))
    return ONNXResize(scales=_onnx_spatial("Upsample", "scales", a["scales"], None, float),
                      mode="linear" if mode == "bilinear" else mode, opset=min(opset, 9))
