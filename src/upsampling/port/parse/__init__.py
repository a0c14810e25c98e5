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
from collections.abc import Sequence
from typing import Any

from upsampling.errors import InvalidArgumentError
from upsampling.frameworks._mapping import Setting
from upsampling.port.calls import Call, EngineResize, setting_call
from upsampling.port.parse.conv import ConvSource
from upsampling.port.parse.literals import SUPPORTED, Ignored, bind, dotted, fail, quote
from upsampling.port.parse.resize import resize_call
from upsampling.spec import ResizeSpec

__all__ = ["ConvSource", "Ignored", "SUPPORTED", "parse_source"]

_MAX_TEXT = 2000
# names that are modules, not images, in front of ".resize"
_MODULES = ("cv2", "cv", "tf", "tensorflow", "keras", "upsampling", "torch", "F", "nn", "np", "numpy", "scipy",
            "skimage", "jax", "jnp", "mx", "paddle", "onnx", "ort", "math", "PIL", "image", "kornia", "torchvision",
            "albumentations", "A", "T", "transforms")


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
        raise fail(text, f"{quote(text)} is not Python syntax ({exc.msg})") from None
    if len(tree.body) != 1 or not isinstance(tree.body[0], (ast.Expr, ast.Assign)):
        raise fail(text, f"{quote(text)} is not one call (write one expression, e.g. F.interpolate(x, ...))")
    node = tree.body[0].value
    applied = None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Call):
        applied, node = node, node.func  # nn.Upsample(...)(x): the constructor, then the call on x
    if not isinstance(node, ast.Call):
        raise fail(text, f"{quote(text)} is not a call")
    fn = dotted(node.func)
    receiver_is_image = False
    if fn is None and isinstance(node.func, ast.Attribute):
        fn = "<image>." + node.func.attr  # Image.open(p).resize(...), img.convert('F').resize(...)
        receiver_is_image = True
    if fn is None:
        raise fail(text, f"{ast.unparse(node.func)!r} is not a function name")
    root = fn.split(".")[0]
    if fn.endswith(".resize") and root not in _MODULES and fn.count(".") <= 2:
        receiver_is_image = True  # img.resize(...), self.image.resize(...): Pillow's Image.resize
    result = resize_call(fn, text, node, receiver_is_image)
    if result is None:
        raise fail(text, f"{fn}() is not a call translate knows")
    if applied is not None:
        result = _applied(fn, text, applied, result)
    return result


def _applied(fn: str, text: str, call: ast.Call, result: Call | ConvSource) -> Call | ConvSource:
    """A layer built, then called on its input: ``ConvTranspose2d(...)(x, output_size=...)`` reads
    the output size; every other layer takes its input alone."""
    if isinstance(result, ConvSource) and result.framework == "pytorch_module":
        a = bind(f"{fn}(...)", text, call, ["output_size"])
        if a.get("output_size") is not None:
            return ConvSource(result.framework, result.function, result.args + (("output_size", a["output_size"]),),
                              result.text)
        return result
    if len(call.args) > 1 or call.keywords:
        raise fail(text, f"{fn}(...)(x) takes the input alone; {quote(ast.unparse(call))} passes more")
    return result
