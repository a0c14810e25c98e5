"""Each framework's resize calls, read from their syntax tree into :mod:`upsampling.port.calls`."""

from __future__ import annotations

import ast
from typing import Any

from upsampling.errors import InvalidArgumentError
from upsampling.port.calls import (
    CV_FLAGS,
    PIL_FILTERS,
    Call,
    CVResize,
    EngineResize,
    KerasUpSampling,
    PILResize,
    TF1Resize,
    TFResize,
    TorchInterpolate,
)
from upsampling.port.parse.conv import ConvSource, conv_call
from upsampling.port.parse.literals import (
    CV_VALUES,
    PIL_VALUES,
    bind,
    boolean,
    choice,
    ints,
    named,
    numbers,
)
from upsampling.port.parse.onnx import node_op, onnx_resize, onnx_upsample
from upsampling.spec import ResizeSpec

__all__ = ["resize_call"]


def _tf_method(fn: str, value: Any) -> str:
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "tf":
        value = value[1]
    return choice(fn, "method", value, ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                                         "gaussian", "mitchellcubic"))


def _torch(fn: str, text: str, node: ast.Call, module_form: bool, defaults: dict[str, Any]) -> TorchInterpolate:
    params = ["size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias"]
    if module_form:
        params = params[:5]
    a = {**defaults, **bind(fn, text, node, params, skip_input=not module_form)}
    size, sf = a.get("size"), a.get("scale_factor")
    if (size is None) == (sf is None):
        raise InvalidArgumentError("size", size, message=f"{fn}: give exactly one of size and scale_factor")
    mode = choice(fn, "mode", a.get("mode", "nearest"),
                   ("nearest", "nearest-exact", "bilinear", "bicubic", "area", "lanczos", "linear", "trilinear"))
    if mode in ("linear", "trilinear"):
        raise InvalidArgumentError("mode", mode, message=f"{fn}: mode={mode!r} resizes 3-D / 5-D tensors; "
                                   "translate resizes images (4-D, bilinear)")
    ac = a.get("align_corners")
    return TorchInterpolate(
        size=None if size is None else ints(fn, "size", size, 2),
        scale_factor=None if sf is None else numbers(fn, "scale_factor", sf, 2),
        mode=mode, align_corners=None if ac is None else boolean(fn, "align_corners", ac),
        antialias=boolean(fn, "antialias", a.get("antialias", False)),
        recompute_scale_factor=None if a.get("recompute_scale_factor") is None else boolean(
            fn, "recompute_scale_factor", a["recompute_scale_factor"]),
    )


def resize_call(fn: str, text: str, node: ast.Call, receiver_is_image: bool) -> Call | ConvSource | None:
    """The call ``fn(...)`` describes, by framework; None when no framework has it."""
    last = fn.split(".")[-1]
    if last in ("conv2d_transpose", "Conv2DTranspose", "conv_transpose2d", "ConvTranspose2d", "ConvTranspose",
                "Conv2dTranspose") or (last == "make_node" and node_op(node) == "ConvTranspose"):
        return conv_call(fn, text, node)
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
        a = bind(fn, text, node, params)
        size = ints(fn, "size", a.get("size"), 2)
        return TF1Resize(op=last, size=size, align_corners=boolean(fn, "align_corners", a.get("align_corners", False)),
                         half_pixel_centers=boolean(fn, "half_pixel_centers", a.get("half_pixel_centers", False)))
    if fn in ("tf.compat.v1.image.resize", "tf.compat.v1.image.resize_images", "tf.image.resize_images"):
        a = bind(fn, text, node, ["size", "method", "align_corners", "preserve_aspect_ratio", "name"])
        method = _tf_method(fn, a.get("method", "bilinear"))
        ops = {"bilinear": "resize_bilinear", "nearest": "resize_nearest_neighbor", "bicubic": "resize_bicubic",
               "area": "resize_area"}
        if method not in ops:
            raise InvalidArgumentError("method", method, message=f"{fn}: method must be one of " + ", ".join(ops))
        if a.get("preserve_aspect_ratio"):
            raise InvalidArgumentError("preserve_aspect_ratio", True, message=f"{fn}: preserve_aspect_ratio is not "
                                       "supported here; give the size it produces")
        return TF1Resize(op=ops[method], size=ints(fn, "size", a.get("size"), 2),
                         align_corners=boolean(fn, "align_corners", a.get("align_corners", False)))
    if fn in ("tf.image.resize", "tensorflow.image.resize", "image.resize", "tf.compat.v2.image.resize"):
        a = bind(fn, text, node, ["size", "method", "preserve_aspect_ratio", "antialias", "name"])
        return TFResize(size=ints(fn, "size", a.get("size"), 2), method=_tf_method(fn, a.get("method", "bilinear")),
                        antialias=boolean(fn, "antialias", a.get("antialias", False)),
                        preserve_aspect_ratio=boolean(fn, "preserve_aspect_ratio", a.get("preserve_aspect_ratio", False)))
    if last == "UpSampling2D":
        a = bind(fn, text, node, ["size", "data_format", "interpolation"], skip_input=False)
        if a.get("data_format") not in (None, "channels_last"):
            raise InvalidArgumentError("data_format", a.get("data_format"),
                                       message=f"{fn}: only data_format='channels_last' is supported here")
        interp = choice(fn, "interpolation", a.get("interpolation", "nearest"),
                         ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area", "gaussian", "mitchellcubic"))
        return KerasUpSampling(factors=ints(fn, "size", a.get("size", 2), 2, positive=True), interpolation=interp)
    if last == "Resizing" and ("keras" in fn or fn == last):
        a = bind(fn, text, node, ["height", "width", "interpolation", "crop_to_aspect_ratio"], skip_input=False)
        if a.get("crop_to_aspect_ratio"):
            raise InvalidArgumentError("crop_to_aspect_ratio", True,
                                       message=f"{fn}: crop_to_aspect_ratio=True is not supported here")
        size = (ints(fn, "height", a.get("height"), 1)[0], ints(fn, "width", a.get("width"), 1)[0])
        return TFResize(size=size, method=_tf_method(fn, a.get("interpolation", "bilinear")))
    return None


def _torch_call(fn: str, last: str, text: str, node: ast.Call) -> Call | None:
    """``F.interpolate`` and its aliases, ``nn.Upsample`` and the ``Upsampling*2d`` layers."""
    if last in ("interpolate", "upsample") and ("functional" in fn or fn.startswith(("F.", "torch.")) or fn == last):
        return _torch(fn, text, node, False, {})
    if last in ("upsample_bilinear", "upsample_nearest"):
        defaults = {"mode": "bilinear", "align_corners": True} if last == "upsample_bilinear" else {"mode": "nearest"}
        a = bind(fn, text, node, ["size", "scale_factor"])
        return _torch(fn, text, ast.Call(func=node.func, args=[], keywords=[]), True, {**defaults, **a})
    if last in ("Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d") and (
            "nn" in fn.split(".") or (fn == last and not any(k.arg == "scales" for k in node.keywords))):
        defaults = {"UpsamplingBilinear2d": {"mode": "bilinear", "align_corners": True},
                    "UpsamplingNearest2d": {"mode": "nearest"}}.get(last, {})
        if last != "Upsample":
            a = bind(fn, text, node, ["size", "scale_factor"], skip_input=False)
            return _torch(fn, text, ast.Call(func=node.func, args=[], keywords=[]), True, {**defaults, **a})
        return _torch(fn, text, node, True, defaults)
    return None


def _cv_call(fn: str, last: str, text: str, node: ast.Call) -> Call | None:
    """``cv2.resize(x, dsize, fx=, fy=, interpolation=)``."""
    if fn not in ("cv2.resize", "cv.resize"):
        return None
    a = bind(fn, text, node, ["dsize", "dst", "fx", "fy", "interpolation"])
    interp = named(fn, "interpolation", a.get("interpolation", ("cv2", "INTER_LINEAR")), "cv2", CV_VALUES, CV_FLAGS,
                    "cv2.")
    dsize = a.get("dsize")
    if dsize is not None and not (isinstance(dsize, tuple) and dsize[0] <= 0 and dsize[1] <= 0):
        return CVResize(dsize=ints(fn, "dsize", dsize, 2), interpolation=interp)
    fx, fy = a.get("fx"), a.get("fy")
    if not fx or not fy:
        raise InvalidArgumentError("dsize", dsize, message=f"{fn}: give dsize=(width, height), or fx and fy")
    return CVResize(dsize=None, fx=float(numbers(fn, "fx", fx, 1)[0]), fy=float(numbers(fn, "fy", fy, 1)[0]),
                    interpolation=interp)


def _onnx_call(fn: str, last: str, text: str, node: ast.Call) -> Call | None:
    """ONNX ``Resize(...)`` / ``Upsample(...)`` with their attributes (or ``onnx.helper.make_node``)."""
    if last == "Resize" or (last == "make_node" and node_op(node) == "Resize"):
        return onnx_resize(fn, text, node)
    if last == "Upsample" or (last == "make_node" and node_op(node) == "Upsample"):
        return onnx_upsample(fn, text, node)
    return None


def _engine_call(fn: str, last: str, text: str, node: ast.Call) -> Call | None:
    """``upsampling.resize(x, ...)`` or ``ResizeSpec(...)``."""
    if fn not in ("upsampling.resize", "ResizeSpec", "upsampling.ResizeSpec", "upsampling.spec.ResizeSpec"):
        return None
    names = ["size", "scale", "mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a",
             "exclude_outside", "antialias", "layout", "roi", "extrapolation_value"]
    a = bind(fn, text, node, names, skip_input=fn == "upsampling.resize")
    return EngineResize(ResizeSpec(**a))


def _pil_call(fn: str, text: str, node: ast.Call, *, skip_input: bool) -> Call:
    """Pillow's ``Image.resize(size, resample=, box=, reducing_gap=)`` (``resample`` defaults to BICUBIC)."""
    a = bind(fn, text, node, ["size", "resample", "box", "reducing_gap"], skip_input=skip_input)
    resample = a.get("resample")
    resample = named(fn, "resample", ("pil", "BICUBIC") if resample is None else resample, "pil", PIL_VALUES,
                      PIL_FILTERS, "Image.Resampling.")
    box = a.get("box")
    gap = a.get("reducing_gap")
    return PILResize(size=ints(fn, "size", a.get("size"), 2), resample=resample,
                     box=None if box is None else numbers(fn, "box", box, 4),
                     reducing_gap=None if gap is None else numbers(fn, "reducing_gap", gap, 1)[0])
