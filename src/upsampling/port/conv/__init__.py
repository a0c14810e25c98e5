"""``translate`` for transposed convolutions.

Every framework's transposed convolution is the same operation -- the *full* transposed
convolution ``(in-1)·s + (k-1)·d + 1`` long -- followed by a crop: ``before`` elements cut at the
start of each spatial axis and ``after`` at the end (a negative ``after`` appends zeros).  Only
the crops, the weight layout and the argument spelling differ:

==================  =========================================================================
framework           crop (before, after) per axis
==================  =========================================================================
PyTorch             ``(padding, padding - output_padding)``; ``output_padding < max(s, d)``
TensorFlow          ``before`` = the forward convolution's padding before the axis, computed on
                    ``output_shape`` (``SAME``: ``total // 2``, the odd element at the end)
Keras               TensorFlow's, with the output size Keras computes (``same``: ``in·s``)
ONNX                ``pads`` (``after`` reduced by ``output_padding``); ``SAME_UPPER`` = TF SAME
==================  =========================================================================

The source's crops are not re-derived here: its twin is run once with a ramp input and a
single-tap kernel, and the crops are read off where the ramp lands (:func:`.sources.crops`).  The target
code then expresses the same crops with the target's arguments (and a slice where they cannot:
TensorFlow's odd ``SAME`` total in PyTorch, pytorch/pytorch#80301), converts the weight layout
(``weight.transpose(3, 2, 0, 1)``: TensorFlow ``[kh, kw, out/g, in]`` -> PyTorch/ONNX
``[in, out/g, kh, kw]``), and both twins are compared on random data before anything is returned.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from upsampling import _checks
from upsampling.errors import InvalidArgumentError, ShapeError
from upsampling.port.calls import TITLES
from upsampling.port.conv.sources import ConvOp, Source, check_bytes, crops, kernel, source
from upsampling.port.conv.targets import engine_code, onnx_code, run_target, tf_code, torch_code, w_expr
from upsampling.port.parse import ConvSource

__all__ = ["ConvOp", "translate_conv"]


def _verify(parsed: ConvSource, src: Source, code: str, to: str, layout: str, shape: tuple[int, ...], opset: int,
            weight_shape: Sequence[int] | None) -> tuple[float, bool]:
    """Run the source's own framework and the target code live on random data.

    The source text is never run: its framework runs the code ``translate`` writes for it in that
    same framework (the same function, the same crops).
    """
    from upsampling.port.calls import convert_layout, namespace, run_live

    own = {"tensorflow": "tensorflow", "engine": "engine", "pytorch": "pytorch", "onnx": "onnx"}[src.framework]
    same = translate_conv(parsed, own, shape, opset=opset, weight_shape=weight_shape, verify=False)
    names = namespace()
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal(src.weight_shape).astype(np.float32)
    b = np.zeros(same.output_shape[1 if same.layout == "NCHW" else 3], np.float32)
    extra = dict(names, bias=b)
    y_src = run_live(same.code, np.ascontiguousarray(convert_layout(x, src.layout, same.layout)), own, weight=w,
                     names=extra)
    y_t = run_live(code, np.ascontiguousarray(convert_layout(x, src.layout, layout)), to, weight=w, names=extra)
    y_t = convert_layout(y_t, layout, same.layout)
    return float(np.abs(y_t.astype(np.float64) - y_src).max()), bool(np.array_equal(y_t, y_src))


def translate_conv(parsed: ConvSource, to: str, input_shape: Sequence[int] | None, *, opset: int,
                   weight_shape: Sequence[int] | None, verify: bool) -> Any:
    """:func:`upsampling.port.translate` for a transposed convolution."""
    from upsampling.port.result import Translation

    layout = "NCHW" if parsed.framework in ("pytorch", "pytorch_module", "onnx") else \
        {"NCHW": "NCHW", "channels_first": "NCHW"}.get(dict(parsed.args).get("data_format"), "NHWC")
    notes: list[str] = []
    if input_shape is None:
        raise InvalidArgumentError("input_shape", None, message=f"{parsed.text}: pass input_shape (in {layout}) -- a "
                                   "transposed convolution's crops depend on it")
    shape = tuple(_checks.positive_int("input_shape", v) for v in _checks.sequence("input_shape", input_shape, 4))
    src = source(parsed, shape, weight_shape)
    check_bytes(src, shape)
    crop, out_hw, c_out = crops(src, shape)
    lay = src.layout
    op = ConvOp(shape[0], shape[lay.index("C")], c_out, src.groups, (shape[lay.index("H")], shape[lay.index("W")]),
                out_hw, kernel(src), src.stride, src.dilation, crop, src.bias)
    if src.note:
        notes.append(src.note)
    title = TITLES.get(to, to)
    in_words = (f"the full transposed convolution ({op.full(0)}x{op.full(1)}) cropped by {crop[0][0]} at the top, "
                f"{crop[0][1]} at the bottom, {crop[1][0]} at the left, {crop[1][1]} at the right"
                + (" (negative: zeros appended)" if min(min(c) for c in crop) < 0 else ""))
    size_free = not src.size_fixed
    holds = ("all input sizes" if size_free else "the input shape given")
    reason = ("the crops do not depend on the input size (they come from the padding arguments alone)" if size_free
              else "the call states its output size, and the crops that give it depend on the input size: for "
                   "another input size, translate again")
    if to in ("opencv", "pillow"):
        return Translation(
            source=parsed.text, target=to, code="", layout="", exact=False, bit_identical=None, max_error=math.inf,
            holds_for="no input size", reason=f"{title} has no transposed convolution",
            input_shape=shape, source_layout=lay, output_shape=(), call="", kind="conv_transpose",
            source_does=in_words, differences=[f"{title} has no transposed convolution; use to='onnx' (cv2.dnn runs "
                                               "ONNX models) or to='engine' (upsampling, NumPy)"],
            notes=notes)
    if to == "pytorch":
        code, what, kwargs = torch_code(op, src)
        target_layout = "NCHW"
        if kwargs["slices"] != ((0, 0), (0, 0)):
            notes.append("PyTorch's padding crops both ends alike and output_padding only adds at the end, so these "
                         "crops need a slice after the call (pytorch/pytorch#80301)")
    elif to == "tensorflow":
        code, what, kwargs = tf_code(op, src, fixed=src.size_fixed)
        target_layout = "NHWC"
    elif to == "onnx":
        code, what, kwargs = onnx_code(op, src, max(opset, 11))
        target_layout = "NCHW"
    else:
        code, what, kwargs = engine_code(op, src)
        target_layout = "NCHW"
    # prove it with the twins: random input, weight and bias, source vs target
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    w = rng.standard_normal(src.weight_shape)
    b = rng.standard_normal(c_out) if src.bias else None
    y_src = np.asarray(src.run(x, w, b))
    y_src_nchw = y_src.transpose(0, 3, 1, 2) if lay == "NHWC" else y_src
    x_nchw = x.transpose(0, 3, 1, 2) if lay == "NHWC" else x
    w_torch = w.transpose(3, 2, 0, 1) if src.weight_layout == "tf" else w
    y_t = run_target(to, op, kwargs, x_nchw, w_torch, b)
    if y_t.shape != y_src_nchw.shape:  # pragma: no cover - a bug in the crops above
        raise ShapeError("code", y_t.shape, f"the source's output shape {y_src_nchw.shape}")
    scale = float(np.abs(x).max()) * float(np.abs(w).sum(axis=(0, 1) if src.weight_layout == "tf" else (0, 2, 3)).max())
    err = float(np.abs(y_t - y_src_nchw).max()) / max(scale, 1e-300)
    exact = err < 1e-12
    out_shape = (shape[0], c_out, *out_hw) if target_layout == "NCHW" else (shape[0], *out_hw, c_out)
    measured = bit = None
    if verify:
        measured, bit = _verify(parsed, src, code, to, target_layout, shape, opset, weight_shape)
    return Translation(
        source=parsed.text, target=to, code=code, layout=target_layout, exact=exact,
        max_error=err, holds_for=holds, reason=reason, input_shape=shape, source_layout=lay,
        output_shape=out_shape, call=what, kind="conv_transpose", source_does=in_words,
        composition=to == "pytorch" and kwargs["slices"] != ((0, 0), (0, 0)),
        target_does=f"{what}: the same crops" + (" with the weight transposed" if w_expr(src, 'torch' if to in (
            'pytorch', 'onnx', 'engine') else 'tf') != "weight" else ""),
        measured_error=measured, bit_identical=bit,
        notes=notes + [f"code reads `weight` ({'[kh, kw, out/groups, in]' if src.weight_layout == 'tf' else '[in, out/groups, kh, kw]'}, "
                       f"the source's layout{', ' + 'and `bias`' if op.bias else ''})"],
    )
