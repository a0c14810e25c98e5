"""Reading a framework call from its text: :mod:`ast`, never ``eval``.

``parse_source("tf.compat.v1.image.resize_bilinear(x, (64, 64), align_corners=True)")`` returns
the :class:`~upsampling.port.calls.Call` it describes.  Arguments must be written as literals
(numbers, strings, booleans, tuples and lists of them, simple arithmetic on numbers) or as the
frameworks' named constants (``cv2.INTER_LINEAR``, ``Image.Resampling.BILINEAR``,
``tf.image.ResizeMethod.BICUBIC``...); the input is whatever name or expression comes first.
Anything else is refused with a message naming the call, the argument and what is accepted.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from upsampling import _checks
from upsampling.errors import InvalidArgumentError
from upsampling.frameworks._mapping import Setting
from upsampling.port.calls import (
    CV_FLAGS,
    PIL_FILTERS,
    Call,
    CVResize,
    EngineResize,
    KerasUpSampling,
    ONNXResize,
    PILResize,
    TF1Resize,
    TFResize,
    TorchInterpolate,
    setting_call,
)
from upsampling.spec import ResizeSpec

__all__ = ["ConvSource", "SUPPORTED", "parse_source"]

SUPPORTED = (
    "tf.image.resize(x, size, method=, antialias=, preserve_aspect_ratio=)",
    "tf.compat.v1.image.resize_bilinear / resize_nearest_neighbor / resize_bicubic / resize_area(x, size, "
    "align_corners=, half_pixel_centers=)",
    "tf.compat.v1.image.resize(x, size, method=, align_corners=)",
    "tf.keras.layers.UpSampling2D(size=, interpolation=), tf.keras.layers.Resizing(height, width, interpolation=)",
    "F.interpolate / torch.nn.functional.interpolate(x, size=, scale_factor=, mode=, align_corners=, antialias=, "
    "recompute_scale_factor=)",
    "nn.Upsample(size=, scale_factor=, mode=, align_corners=), nn.UpsamplingBilinear2d, nn.UpsamplingNearest2d",
    "cv2.resize(x, dsize, fx=, fy=, interpolation=)",
    "img.resize(size, resample=, box=, reducing_gap=) (Pillow)",
    "Resize(sizes= or scales=, mode=, coordinate_transformation_mode=, nearest_mode=, cubic_coeff_a=, "
    "exclude_outside=, antialias=) and Upsample(scales=, mode=) (ONNX attributes)",
    "upsampling.resize(x, size, ...) / ResizeSpec(...)",
    "tf.nn.conv2d_transpose(x, filters, output_shape, strides, padding=, dilations=)",
    "tf.keras.layers.Conv2DTranspose(filters, kernel_size, strides=, padding=, output_padding=, dilation_rate=)",
    "F.conv_transpose2d(x, weight, stride=, padding=, output_padding=, groups=, dilation=)",
    "nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride=, padding=, output_padding=, groups=, "
    "dilation=)",
    "ConvTranspose(strides=, pads=, output_padding=, output_shape=, auto_pad=, kernel_shape=, dilations=, group=) "
    "(ONNX attributes)",
)

_MAX_TEXT = 2000
# names that are modules, not images, in front of ".resize"
_MODULES = ("cv2", "cv", "tf", "tensorflow", "keras", "upsampling", "torch", "F", "nn", "np", "numpy", "scipy",
            "skimage", "jax", "jnp", "mx", "paddle", "onnx", "ort", "math", "PIL", "image", "kornia", "torchvision",
            "albumentations", "A", "T", "transforms")


class _Refusal(Exception):
    pass


@dataclass(frozen=True)
class ConvSource:
    """A transposed convolution read from a call (see :mod:`upsampling.port.conv`).

    framework : ``"tensorflow"`` (``tf.nn.conv2d_transpose``), ``"keras"``, ``"pytorch"``, ``"onnx"``
        or ``"engine"``; ``function`` the name as written; ``args`` the bound literal arguments.
    """

    framework: str
    function: str
    args: tuple[tuple[str, Any], ...]
    text: str

    def get(self, name: str, default: Any = None) -> Any:
        return dict(self.args).get(name, default)


def _fail(text: str, message: str) -> InvalidArgumentError:
    return InvalidArgumentError("source", text, message=f"{message}. Supported calls: " + "; ".join(SUPPORTED))


# -- literals ---------------------------------------------------------------------------------------

_CONSTANTS: dict[str, Any] = {}
for _flag in CV_FLAGS:
    _CONSTANTS[f"cv2.{_flag}"] = ("cv2", _flag)
for _i, _name in enumerate(("NEAREST", "LANCZOS", "BILINEAR", "BICUBIC", "BOX", "HAMMING", "MKS2013", "MKS2021")):
    for _prefix in ("Image.", "Image.Resampling.", "PIL.Image.", "PIL.Image.Resampling.", "Resampling."):
        _CONSTANTS[_prefix + _name] = ("pil", _name)
_CONSTANTS["Image.ANTIALIAS"] = ("pil", "LANCZOS")
for _m in ("BILINEAR", "NEAREST_NEIGHBOR", "BICUBIC", "AREA", "LANCZOS3", "LANCZOS5", "GAUSSIAN", "MITCHELLCUBIC"):
    value = {"NEAREST_NEIGHBOR": "nearest"}.get(_m, _m.lower())
    for _prefix in ("tf.image.ResizeMethod.", "tf.compat.v1.image.ResizeMethod.", "ResizeMethod.",
                    "tf.image.ResizeMethodV1.", "tf.compat.v1.image.ResizeMethodV1."):
        _CONSTANTS[_prefix + _m] = ("tf", value)
_PIL_VALUES = {0: "NEAREST", 1: "LANCZOS", 2: "BILINEAR", 3: "BICUBIC", 4: "BOX", 5: "HAMMING", 6: "MKS2013",
               7: "MKS2021"}
_CV_VALUES = {0: "INTER_NEAREST", 1: "INTER_LINEAR", 2: "INTER_CUBIC", 3: "INTER_AREA", 4: "INTER_LANCZOS4",
              5: "INTER_LINEAR_EXACT", 6: "INTER_NEAREST_EXACT"}


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _literal(node: ast.AST, depth: int = 0) -> Any:
    """A literal value, a named framework constant, or simple arithmetic on numbers."""
    if depth > 20:
        raise _Refusal("the expression is nested too deeply")
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool, type(None))):
        if isinstance(node.value, float) and not math.isfinite(node.value):
            raise _Refusal(f"the number {ast.unparse(node)} (not finite)")
        if isinstance(node.value, int) and abs(node.value) > 10**15:
            raise _Refusal("integers larger than 1e15")
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)):
        if len(node.elts) > 16:
            raise _Refusal("a sequence of more than 16 values")
        return tuple(_literal(e, depth + 1) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _literal(node.operand, depth + 1)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv)):
        a, b = _literal(node.left, depth + 1), _literal(node.right, depth + 1)
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b)):
            if abs(a) > 1e9 or abs(b) > 1e9:
                raise _Refusal("numbers larger than 1e9")
            if isinstance(node.op, (ast.Div, ast.FloorDiv)) and b == 0:
                raise _Refusal("a division by zero")
            return {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
                    ast.Div: lambda: a / b, ast.FloorDiv: lambda: a // b}[type(node.op)]()
    name = _dotted(node)
    if name is not None and name in _CONSTANTS:
        return _CONSTANTS[name]
    if name is not None:
        raise _Refusal(f"the name {name!r} (write the value itself: the call is parsed, not run)")
    raise _Refusal(f"the expression {ast.unparse(node)!r} (write numbers, strings, tuples or framework "
                   "constants: the call is parsed, not run)")


def _bind(fn: str, text: str, call: ast.Call, params: Sequence[str], *, skip_input: bool = True,
          extra_ok: bool = False) -> dict[str, Any]:
    """Positional and keyword arguments bound to ``params`` (the first positional is the input)."""
    args = list(call.args)
    bound: dict[str, Any] = {}
    if any(isinstance(a, ast.Starred) for a in args) or any(k.arg is None for k in call.keywords):
        raise _fail(text, f"{fn}: *args and **kwargs cannot be read; write the arguments out")
    if skip_input and args:
        args = args[1:]
    if len(args) > len(params):
        raise _fail(text, f"{fn}: too many positional arguments ({len(args)}; it takes {', '.join(params)})")
    for name, node in zip(params, args):
        bound[name] = _value(fn, text, name, node)
    for kw in call.keywords:
        if kw.arg not in params and not extra_ok:
            raise InvalidArgumentError(
                kw.arg, ast.unparse(kw.value),
                message=f"{fn}() has no argument {kw.arg!r}; it takes {', '.join(params)}",
            )
        if kw.arg in bound:
            raise InvalidArgumentError(kw.arg, ast.unparse(kw.value), message=f"{fn}() got {kw.arg!r} twice")
        bound[kw.arg] = _value(fn, text, kw.arg, kw.value)
    return bound


def _value(fn: str, text: str, name: str, node: ast.AST) -> Any:
    try:
        return _literal(node)
    except _Refusal as exc:
        if name in ("name", "dst", "bias", "weight", "filters", "W", "B", "X", "input", "roi_input"):
            return _Ignored(ast.unparse(node))
        raise InvalidArgumentError(name, ast.unparse(node), message=f"{fn}: argument {name!r} cannot be read: {exc}") \
            from None


@dataclass(frozen=True)
class _Ignored:
    """An argument that is a variable where only its existence matters (a weight, a name)."""

    text: str


# -- the calls --------------------------------------------------------------------------------------


def _choice(fn: str, name: str, value: Any, allowed: Sequence[Any]) -> Any:
    if value not in allowed:
        raise InvalidArgumentError(name, value, message=f"{fn}: {name}={value!r} is not one of "
                                   + ", ".join(repr(a) for a in allowed))
    return value


def _bool(fn: str, name: str, value: Any) -> bool:
    if isinstance(value, bool) or value in (0, 1):
        return bool(value)
    raise InvalidArgumentError(name, value, message=f"{fn}: {name} must be True or False, got {value!r}")


def _ints(fn: str, name: str, value: Any, count: int, *, positive: bool = False) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,) * count
    if isinstance(value, tuple) and len(value) == count and all(isinstance(v, int) and not isinstance(v, bool)
                                                                  for v in value):
        if positive and min(value) < 1:
            raise InvalidArgumentError(name, value, message=f"{fn}: {name} must be positive, got {value!r}")
        return value
    raise InvalidArgumentError(name, value, message=f"{fn}: {name} must be {count} integers, got {value!r}")


def _numbers(fn: str, name: str, value: Any, count: int) -> tuple[float, ...]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (float(value),) * count
    if isinstance(value, tuple) and len(value) == count and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return tuple(float(v) for v in value)
    raise InvalidArgumentError(name, value, message=f"{fn}: {name} must be a number or {count} numbers, got {value!r}")


def _tf_method(fn: str, value: Any) -> str:
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "tf":
        value = value[1]
    return _choice(fn, "method", value, ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                                         "gaussian", "mitchellcubic"))


def _torch(fn: str, text: str, node: ast.Call, module_form: bool, defaults: dict[str, Any]) -> TorchInterpolate:
    params = ["size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias"]
    if module_form:
        params = params[:5]
    a = {**defaults, **_bind(fn, text, node, params, skip_input=not module_form)}
    size, sf = a.get("size"), a.get("scale_factor")
    if (size is None) == (sf is None):
        raise InvalidArgumentError("size", size, message=f"{fn}: give exactly one of size and scale_factor")
    mode = _choice(fn, "mode", a.get("mode", "nearest"),
                   ("nearest", "nearest-exact", "bilinear", "bicubic", "area", "lanczos", "linear", "trilinear"))
    if mode in ("linear", "trilinear"):
        raise InvalidArgumentError("mode", mode, message=f"{fn}: mode={mode!r} resizes 3-D / 5-D tensors; "
                                   "translate resizes images (4-D, bilinear)")
    ac = a.get("align_corners")
    return TorchInterpolate(
        size=None if size is None else _ints(fn, "size", size, 2),
        scale_factor=None if sf is None else _numbers(fn, "scale_factor", sf, 2),
        mode=mode, align_corners=None if ac is None else _bool(fn, "align_corners", ac),
        antialias=_bool(fn, "antialias", a.get("antialias", False)),
        recompute_scale_factor=None if a.get("recompute_scale_factor") is None else _bool(
            fn, "recompute_scale_factor", a["recompute_scale_factor"]),
    )


def _resize_call(fn: str, text: str, node: ast.Call, receiver_is_image: bool) -> Call | ConvSource | None:
    """The call ``fn(...)`` describes, by framework; None when no framework has it."""
    last = fn.split(".")[-1]
    if last in ("conv2d_transpose", "Conv2DTranspose", "conv_transpose2d", "ConvTranspose2d", "ConvTranspose",
                "Conv2dTranspose") or (last == "make_node" and _node_op(node) == "ConvTranspose"):
        return _conv(fn, text, node)
    for parse in (_tf_call, _torch_call, _cv_call, _onnx_call, _engine_call):
        found = parse(fn, last, text, node)
        if found is not None:
            return found
    if fn in _PIL_UNBOUND:  # Image.resize(img, size, ...)
        return _pil_call(fn, text, node, skip_input=True)
    if last == "resize" and receiver_is_image:  # any <image>.resize(size, ...)
        return _pil_call(fn, text, node, skip_input=False)
    return None


_PIL_UNBOUND = ("Image.resize", "Image.Image.resize", "PIL.Image.Image.resize")


def _tf_call(fn: str, last: str, text: str, node: ast.Call) -> Call | None:
    """``tf.image.resize``, the ``compat.v1`` resizes, Keras ``UpSampling2D`` and ``Resizing``."""
    if last in ("resize_bilinear", "resize_nearest_neighbor", "resize_bicubic", "resize_area"):
        params = ["size", "align_corners", "name"] + (["half_pixel_centers"] if last != "resize_area" else [])
        a = _bind(fn, text, node, params)
        size = _ints(fn, "size", a.get("size"), 2)
        return TF1Resize(op=last, size=size, align_corners=_bool(fn, "align_corners", a.get("align_corners", False)),
                         half_pixel_centers=_bool(fn, "half_pixel_centers", a.get("half_pixel_centers", False)))
    if fn in ("tf.compat.v1.image.resize", "tf.compat.v1.image.resize_images", "tf.image.resize_images"):
        a = _bind(fn, text, node, ["size", "method", "align_corners", "preserve_aspect_ratio", "name"])
        method = _tf_method(fn, a.get("method", "bilinear"))
        ops = {"bilinear": "resize_bilinear", "nearest": "resize_nearest_neighbor", "bicubic": "resize_bicubic",
               "area": "resize_area"}
        if method not in ops:
            raise InvalidArgumentError("method", method, message=f"{fn}: method must be one of " + ", ".join(ops))
        if a.get("preserve_aspect_ratio"):
            raise InvalidArgumentError("preserve_aspect_ratio", True, message=f"{fn}: preserve_aspect_ratio is not "
                                       "supported here; give the size it produces")
        return TF1Resize(op=ops[method], size=_ints(fn, "size", a.get("size"), 2),
                         align_corners=_bool(fn, "align_corners", a.get("align_corners", False)))
    if fn in ("tf.image.resize", "tensorflow.image.resize", "image.resize", "tf.compat.v2.image.resize"):
        a = _bind(fn, text, node, ["size", "method", "preserve_aspect_ratio", "antialias", "name"])
        return TFResize(size=_ints(fn, "size", a.get("size"), 2), method=_tf_method(fn, a.get("method", "bilinear")),
                        antialias=_bool(fn, "antialias", a.get("antialias", False)),
                        preserve_aspect_ratio=_bool(fn, "preserve_aspect_ratio", a.get("preserve_aspect_ratio", False)))
    if last == "UpSampling2D":
        a = _bind(fn, text, node, ["size", "data_format", "interpolation"], skip_input=False)
        if a.get("data_format") not in (None, "channels_last"):
            raise InvalidArgumentError("data_format", a.get("data_format"),
                                       message=f"{fn}: only data_format='channels_last' is supported here")
        interp = _choice(fn, "interpolation", a.get("interpolation", "nearest"),
                         ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area", "gaussian", "mitchellcubic"))
        return KerasUpSampling(factors=_ints(fn, "size", a.get("size", 2), 2, positive=True), interpolation=interp)
    if last == "Resizing" and ("keras" in fn or fn == last):
        a = _bind(fn, text, node, ["height", "width", "interpolation", "crop_to_aspect_ratio"], skip_input=False)
        if a.get("crop_to_aspect_ratio"):
            raise InvalidArgumentError("crop_to_aspect_ratio", True,
                                       message=f"{fn}: crop_to_aspect_ratio=True is not supported here")
        size = (_ints(fn, "height", a.get("height"), 1)[0], _ints(fn, "width", a.get("width"), 1)[0])
        return TFResize(size=size, method=_tf_method(fn, a.get("interpolation", "bilinear")))
    return None


def _torch_call(fn: str, last: str, text: str, node: ast.Call) -> Call | None:
    """``F.interpolate`` and its aliases, ``nn.Upsample`` and the ``Upsampling*2d`` layers."""
    if last in ("interpolate", "upsample") and ("functional" in fn or fn.startswith(("F.", "torch.")) or fn == last):
        return _torch(fn, text, node, False, {})
    if last in ("upsample_bilinear", "upsample_nearest"):
        defaults = {"mode": "bilinear", "align_corners": True} if last == "upsample_bilinear" else {"mode": "nearest"}
        a = _bind(fn, text, node, ["size", "scale_factor"])
        return _torch(fn, text, ast.Call(func=node.func, args=[], keywords=[]), True, {**defaults, **a})
    if last in ("Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d") and (
            "nn" in fn.split(".") or (fn == last and not any(k.arg == "scales" for k in node.keywords))):
        defaults = {"UpsamplingBilinear2d": {"mode": "bilinear", "align_corners": True},
                    "UpsamplingNearest2d": {"mode": "nearest"}}.get(last, {})
        if last != "Upsample":
            a = _bind(fn, text, node, ["size", "scale_factor"], skip_input=False)
            return _torch(fn, text, ast.Call(func=node.func, args=[], keywords=[]), True, {**defaults, **a})
        return _torch(fn, text, node, True, defaults)
    return None


def _named(fn: str, name: str, value: Any, tag: str, by_int: dict[int, str], allowed: Sequence[str],
           prefix: str) -> str:
    """A framework constant given as its name (``cv2.INTER_AREA``) or its integer value (``3``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = (tag, by_int.get(value, value))
    if not (isinstance(value, tuple) and len(value) == 2 and value[0] == tag and value[1] in allowed):
        raise InvalidArgumentError(name, value, message=f"{fn}: {name} must be one of "
                                   + ", ".join(prefix + f for f in allowed))
    return value[1]


def _cv_call(fn: str, last: str, text: str, node: ast.Call) -> Call | None:
    """``cv2.resize(x, dsize, fx=, fy=, interpolation=)``."""
    if fn not in ("cv2.resize", "cv.resize"):
        return None
    a = _bind(fn, text, node, ["dsize", "dst", "fx", "fy", "interpolation"])
    interp = _named(fn, "interpolation", a.get("interpolation", ("cv2", "INTER_LINEAR")), "cv2", _CV_VALUES, CV_FLAGS,
                    "cv2.")
    dsize = a.get("dsize")
    if dsize is not None and not (isinstance(dsize, tuple) and dsize[0] <= 0 and dsize[1] <= 0):
        return CVResize(dsize=_ints(fn, "dsize", dsize, 2), interpolation=interp)
    fx, fy = a.get("fx"), a.get("fy")
    if not fx or not fy:
        raise InvalidArgumentError("dsize", dsize, message=f"{fn}: give dsize=(width, height), or fx and fy")
    return CVResize(dsize=None, fx=float(_numbers(fn, "fx", fx, 1)[0]), fy=float(_numbers(fn, "fy", fy, 1)[0]),
                    interpolation=interp)


def _onnx_call(fn: str, last: str, text: str, node: ast.Call) -> Call | None:
    """ONNX ``Resize(...)`` / ``Upsample(...)`` with their attributes (or ``onnx.helper.make_node``)."""
    if last == "Resize" or (last == "make_node" and _node_op(node) == "Resize"):
        return _onnx_resize(fn, text, node)
    if last == "Upsample" or (last == "make_node" and _node_op(node) == "Upsample"):
        return _onnx_upsample(fn, text, node)
    return None


def _engine_call(fn: str, last: str, text: str, node: ast.Call) -> Call | None:
    """``upsampling.resize(x, ...)`` or ``ResizeSpec(...)``."""
    if fn not in ("upsampling.resize", "ResizeSpec", "upsampling.ResizeSpec", "upsampling.spec.ResizeSpec"):
        return None
    names = ["size", "scale", "mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a",
             "exclude_outside", "antialias", "layout", "roi", "extrapolation_value"]
    a = _bind(fn, text, node, names, skip_input=fn == "upsampling.resize")
    return EngineResize(ResizeSpec(**a))


def _pil_call(fn: str, text: str, node: ast.Call, *, skip_input: bool) -> Call:
    """Pillow's ``Image.resize(size, resample=, box=, reducing_gap=)`` (``resample`` defaults to BICUBIC)."""
    a = _bind(fn, text, node, ["size", "resample", "box", "reducing_gap"], skip_input=skip_input)
    resample = a.get("resample")
    resample = _named(fn, "resample", ("pil", "BICUBIC") if resample is None else resample, "pil", _PIL_VALUES,
                      PIL_FILTERS, "Image.Resampling.")
    box = a.get("box")
    gap = a.get("reducing_gap")
    return PILResize(size=_ints(fn, "size", a.get("size"), 2), resample=resample,
                     box=None if box is None else _numbers(fn, "box", box, 4),
                     reducing_gap=None if gap is None else _numbers(fn, "reducing_gap", gap, 1)[0])


def _node_op(node: ast.Call) -> str | None:
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


def _onnx_kwargs(fn: str, text: str, node: ast.Call) -> tuple[dict[str, Any], int]:
    keywords = [k for k in node.keywords]
    a: dict[str, Any] = {}
    for kw in keywords:
        if kw.arg is None:
            raise _fail(text, f"{fn}: **kwargs cannot be read")
        a[kw.arg] = _value(fn, text, kw.arg, kw.value)
    opset = _checks.integer("opset", a.pop("opset", 19), minimum=1)
    for k in ("name", "doc_string", "domain", "inputs", "outputs"):
        a.pop(k, None)
    return a, opset


def _onnx_resize(fn: str, text: str, node: ast.Call) -> ONNXResize:
    a, opset = _onnx_kwargs(fn, text, node)
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
    mode = _choice("Resize", "mode", a.get("mode", "nearest"), ("nearest", "linear", "cubic"))
    ctm = _choice("Resize", "coordinate_transformation_mode", a.get("coordinate_transformation_mode", "half_pixel"),
                  ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
                   "tf_crop_and_resize"))
    return ONNXResize(
        sizes=None if sizes is None else _onnx_spatial("Resize", "sizes", sizes, axes, int),
        scales=None if scales is None else _onnx_spatial("Resize", "scales", scales, axes, float),
        mode=mode, coordinate_transformation_mode=ctm,
        nearest_mode=_choice("Resize", "nearest_mode", a.get("nearest_mode", "round_prefer_floor"),
                             ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")),
        cubic_coeff_a=_checks.finite("cubic_coeff_a", a.get("cubic_coeff_a", -0.75)),
        exclude_outside=_bool("Resize", "exclude_outside", a.get("exclude_outside", 0)),
        antialias=_bool("Resize", "antialias", a.get("antialias", 0)), roi=roi,
        extrapolation_value=_checks.finite("extrapolation_value", a.get("extrapolation_value", 0.0)),
        opset=max(opset, 10),
    )


def _onnx_upsample(fn: str, text: str, node: ast.Call) -> ONNXResize:
    a, opset = _onnx_kwargs(fn, text, node)
    for k in a:
        if k not in ("scales", "mode"):
            raise InvalidArgumentError(k, a[k], message="ONNX Upsample takes scales= and mode= only")
    if a.get("scales") is None:
        raise InvalidArgumentError("scales", None, message="ONNX Upsample: give scales=[1, 1, sh, sw]")
    mode = _choice("Upsample", "mode", a.get("mode", "nearest"), ("nearest", "linear", "bilinear"))
    return ONNXResize(scales=_onnx_spatial("Upsample", "scales", a["scales"], None, float),
                      mode="linear" if mode == "bilinear" else mode, opset=min(opset, 9))


def _conv(fn: str, text: str, node: ast.Call) -> ConvSource:
    last = fn.split(".")[-1]
    if last == "conv2d_transpose" and fn.startswith("upsampling"):
        a = _bind(fn, text, node, ["filters", "output_shape", "strides", "padding", "data_format", "dilations", "name"])
        return ConvSource("engine", fn, tuple(a.items()), text)
    if last == "conv2d_transpose":
        a = _bind(fn, text, node, ["filters", "output_shape", "strides", "padding", "data_format", "dilations", "name"])
        return ConvSource("tensorflow", fn, tuple(a.items()), text)
    if last in ("Conv2DTranspose", "Conv2dTranspose"):
        names = ["filters", "kernel_size", "strides", "padding", "output_padding", "data_format", "dilation_rate",
                 "activation", "use_bias"]
        a = _bind(fn, text, node, names, skip_input=False, extra_ok=True)
        for k in list(a):
            if k not in names and k not in ("kernel_initializer", "bias_initializer", "name", "groups"):
                raise InvalidArgumentError(k, a[k], message=f"{fn}() has no argument {k!r} that translate reads")
        return ConvSource("keras", fn, tuple(a.items()), text)
    if last == "conv_transpose2d":
        a = _bind(fn, text, node, ["weight", "bias", "stride", "padding", "output_padding", "groups", "dilation"])
        return ConvSource("pytorch", fn, tuple(a.items()), text)
    if last == "ConvTranspose2d":
        names = ["in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "groups", "bias",
                 "dilation", "padding_mode"]
        a = _bind(fn, text, node, names, skip_input=False)
        return ConvSource("pytorch_module", fn, tuple(a.items()), text)
    a, opset = _onnx_kwargs(fn, text, node)
    allowed = {"auto_pad", "dilations", "group", "kernel_shape", "output_padding", "output_shape", "pads", "strides"}
    for k in a:
        if k not in allowed:
            raise InvalidArgumentError(k, a[k], message="ONNX ConvTranspose has no attribute "
                                       f"{k!r}; it takes " + ", ".join(sorted(allowed)))
    return ConvSource("onnx", fn, tuple(a.items()) + (("opset", opset),), text)


def parse_source(source: Any, size: Sequence[int] | None = None, dims: Any = None) -> Call | ConvSource:
    """The call ``source`` describes: a string (parsed), a ResizeSpec or a registry Setting.

    Raises :class:`~upsampling.errors.InvalidArgumentError` naming the call and listing what is
    supported when it is not understood.
    """
    if isinstance(source, ResizeSpec):
        return EngineResize(source)
    if isinstance(source, Setting):
        if size is None:
            raise InvalidArgumentError("size", None, message="a Setting has no output size: pass size=(height, width)")
        return setting_call(source, tuple(int(v) for v in size))[0]
    if isinstance(source, Call):
        return source
    if not isinstance(source, str):
        raise InvalidArgumentError("source", type(source).__name__,
                                   message="source must be a call written as text, a ResizeSpec or a Setting")
    text = source.strip()
    if len(text) > _MAX_TEXT:
        raise InvalidArgumentError("source", text[:60] + "...", message=f"the call is longer than {_MAX_TEXT} characters")
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as exc:
        raise _fail(text, f"{text!r} is not Python syntax ({exc.msg})") from None
    if len(tree.body) != 1 or not isinstance(tree.body[0], (ast.Expr, ast.Assign)):
        raise _fail(text, f"{text!r} is not one call (write one expression, e.g. F.interpolate(x, ...))")
    node = tree.body[0].value
    applied = None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Call):
        applied, node = node, node.func  # nn.Upsample(...)(x): the constructor, then the call on x
    if not isinstance(node, ast.Call):
        raise _fail(text, f"{text!r} is not a call")
    fn = _dotted(node.func)
    receiver_is_image = False
    if fn is None and isinstance(node.func, ast.Attribute):
        fn = "<image>." + node.func.attr  # Image.open(p).resize(...), img.convert('F').resize(...)
        receiver_is_image = True
    if fn is None:
        raise _fail(text, f"{ast.unparse(node.func)!r} is not a function name")
    root = fn.split(".")[0]
    if fn.endswith(".resize") and root not in _MODULES and fn.count(".") <= 2:
        receiver_is_image = True  # img.resize(...), self.image.resize(...): Pillow's Image.resize
    result = _resize_call(fn, text, node, receiver_is_image)
    if result is None:
        raise _fail(text, f"{fn}() is not a call translate knows")
    if applied is not None:
        result = _applied(fn, text, applied, result)
    return result


def _applied(fn: str, text: str, call: ast.Call, result: Call | ConvSource) -> Call | ConvSource:
    """A layer built, then called on its input: ``ConvTranspose2d(...)(x, output_size=...)`` reads
    the output size; every other layer takes its input alone."""
    if isinstance(result, ConvSource) and result.framework == "pytorch_module":
        a = _bind(f"{fn}(...)", text, call, ["output_size"])
        if a.get("output_size") is not None:
            return ConvSource(result.framework, result.function, result.args + (("output_size", a["output_size"]),),
                              result.text)
        return result
    if len(call.args) > 1 or call.keywords:
        raise _fail(text, f"{fn}(...)(x) takes the input alone; {ast.unparse(call)!r} passes more")
    return result
