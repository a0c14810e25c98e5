"""The arguments of a call, read from its syntax tree: literals, the frameworks' named constants,
simple arithmetic on numbers -- never anything evaluated -- and the checks every call's parser
shares (one value, a bool, ints, numbers, a named constant)."""

from __future__ import annotations

import ast
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from upsampling.errors import InvalidArgumentError
from upsampling.port.calls import CV_FLAGS

__all__ = ["CV_VALUES", "PIL_VALUES", "SUPPORTED", "SUPPORTED_NAMES", "Ignored", "bind", "boolean", "choice", "dotted", "fail", "ints",
           "named", "numbers", "quote", "read_value"]

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


class _Refusal(Exception):
    pass


#: the supported functions by name, for error messages (errors are capped at 1,000 characters)
SUPPORTED_NAMES = (
    "tf.image.resize, tf.compat.v1.image.resize[_bilinear|_nearest_neighbor|_bicubic|_area], "
    "tf.keras.layers.UpSampling2D / Resizing / Conv2DTranspose, tf.nn.conv2d_transpose, F.interpolate, "
    "nn.Upsample / UpsamplingBilinear2d / UpsamplingNearest2d, F.conv_transpose2d, nn.ConvTranspose2d, "
    "cv2.resize, img.resize (Pillow), ONNX Resize / Upsample / ConvTranspose (attributes), upsampling.resize, "
    "ResizeSpec (arguments: docs/port.md, or upsampling.port.parse.SUPPORTED)"
)


def quote(text: str, limit: int = 80) -> str:
    """``repr(text)``, cut to ``limit`` characters (a message echoes the call, not a pasted file)."""
    return repr(text) if len(text) <= limit else repr(text[: limit - 3]) + "..."


def fail(text: str, message: str) -> InvalidArgumentError:
    return InvalidArgumentError("source", text, message=f"{message}. Supported calls: {SUPPORTED_NAMES}")


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
PIL_VALUES = {0: "NEAREST", 1: "LANCZOS", 2: "BILINEAR", 3: "BICUBIC", 4: "BOX", 5: "HAMMING", 6: "MKS2013",
               7: "MKS2021"}
CV_VALUES = {0: "INTER_NEAREST", 1: "INTER_LINEAR", 2: "INTER_CUBIC", 3: "INTER_AREA", 4: "INTER_LANCZOS4",
              5: "INTER_LINEAR_EXACT", 6: "INTER_NEAREST_EXACT"}


def dotted(node: ast.AST) -> str | None:
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
    name = dotted(node)
    if name is not None and name in _CONSTANTS:
        return _CONSTANTS[name]
    if name is not None:
        raise _Refusal(f"the name {name!r} (write the value itself: the call is parsed, not run)")
    raise _Refusal(f"the expression {ast.unparse(node)!r} (write numbers, strings, tuples or framework "
                   "constants: the call is parsed, not run)")


def bind(fn: str, text: str, call: ast.Call, params: Sequence[str], *, skip_input: bool = True,
          extra_ok: bool = False) -> dict[str, Any]:
    """Positional and keyword arguments bound to ``params`` (the first positional is the input)."""
    args = list(call.args)
    bound: dict[str, Any] = {}
    if any(isinstance(a, ast.Starred) for a in args) or any(k.arg is None for k in call.keywords):
        raise fail(text, f"{fn}: *args and **kwargs cannot be read; write the arguments out")
    if skip_input and args:
        args = args[1:]
    if len(args) > len(params):
        raise fail(text, f"{fn}: too many positional arguments ({len(args)}; it takes {', '.join(params)})")
    for name, node in zip(params, args):
        bound[name] = read_value(fn, text, name, node)
    for kw in call.keywords:
        if kw.arg not in params and not extra_ok:
            raise InvalidArgumentError(
                kw.arg, ast.unparse(kw.value),
                message=f"{fn}() has no argument {kw.arg!r}; it takes {', '.join(params)}",
            )
        if kw.arg in bound:
            raise InvalidArgumentError(kw.arg, ast.unparse(kw.value), message=f"{fn}() got {kw.arg!r} twice")
        bound[kw.arg] = read_value(fn, text, kw.arg, kw.value)
    return bound


def read_value(fn: str, text: str, name: str, node: ast.AST) -> Any:
    try:
        return _literal(node)
    except _Refusal as exc:
        if name in ("name", "dst", "bias", "weight", "filters", "W", "B", "X", "input", "roi_input"):
            return Ignored(ast.unparse(node))
        raise InvalidArgumentError(name, ast.unparse(node), message=f"{fn}: argument {name!r} cannot be read: {exc}") \
            from None


@dataclass(frozen=True)
class Ignored:
    """An argument that is a variable where only its existence matters (a weight, a name)."""

    text: str


def choice(fn: str, name: str, value: Any, allowed: Sequence[Any]) -> Any:
    if value not in allowed:
        raise InvalidArgumentError(name, value, message=f"{fn}: {name}={value!r} is not one of "
                                   + ", ".join(repr(a) for a in allowed))
    return value


def boolean(fn: str, name: str, value: Any) -> bool:
    if isinstance(value, bool) or value in (0, 1):
        return bool(value)
    raise InvalidArgumentError(name, value, message=f"{fn}: {name} must be True or False, got {value!r}")


def ints(fn: str, name: str, value: Any, count: int, *, positive: bool = False) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,) * count
    if isinstance(value, tuple) and len(value) == count and all(isinstance(v, int) and not isinstance(v, bool)
                                                                  for v in value):
        if positive and min(value) < 1:
            raise InvalidArgumentError(name, value, message=f"{fn}: {name} must be positive, got {value!r}")
        return value
    raise InvalidArgumentError(name, value, message=f"{fn}: {name} must be {count} integers, got {value!r}")


def numbers(fn: str, name: str, value: Any, count: int) -> tuple[float, ...]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (float(value),) * count
    if isinstance(value, tuple) and len(value) == count and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return tuple(float(v) for v in value)
    raise InvalidArgumentError(name, value, message=f"{fn}: {name} must be a number or {count} numbers, got {value!r}")


def named(fn: str, name: str, value: Any, tag: str, by_int: dict[int, str], allowed: Sequence[str],
           prefix: str) -> str:
    """A framework constant given as its name (``cv2.INTER_AREA``) or its integer value (``3``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = (tag, by_int.get(value, value))
    if not (isinstance(value, tuple) and len(value) == 2 and value[0] == tag and value[1] in allowed):
        raise InvalidArgumentError(name, value, message=f"{fn}: {name} must be one of "
                                   + ", ".join(prefix + f for f in allowed))
    return value[1]
