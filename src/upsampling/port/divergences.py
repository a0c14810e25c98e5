"""Known places where runtimes, converters and references depart from the ONNX spec, per node.

Each :class:`Divergence` is one documented departure (docs/onnx.md, docs/conv_transpose.md,
/work/shared/research/porting.md, each with its public thread) and a test on the node's facts
that says whether this node is exposed to it, and how.  ``--run`` measures what the installed
runtimes actually do; this list says what to watch for elsewhere (TensorRT, OpenVINO, older
ONNX Runtime releases, converters) and why a node was rewritten by ``--fix``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from upsampling.port.onnx_graph import NodeFacts, resize_axes

__all__ = ["DIVERGENCES", "Divergence", "Finding", "findings"]


@dataclass(frozen=True)
class Divergence:
    """One documented departure: who departs, the threads, and a test on a node."""

    id: str
    who: str
    threads: tuple[str, ...]
    applies: Callable[[NodeFacts], str | None]  # the sentence for this node, or None


@dataclass(frozen=True)
class Finding:
    id: str
    who: str
    text: str
    threads: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"id": self.id, "who": self.who, "text": self.text, "threads": list(self.threads)}


def _ctm(f: NodeFacts) -> str:
    if f.op_type == "Upsample" or (f.op_type == "Resize" and f.opset < 11):
        return "asymmetric"
    return f.attrs.get("coordinate_transformation_mode", "half_pixel")


def _lengths(f: NodeFacts) -> list[tuple[int, int, float]]:
    """``(n_in, n_out, scale)`` of each resized axis (static ones only)."""
    axes, scales, outs = resize_axes(f)
    return [(f.x_shape[a], o, s) for a, s, o in zip(axes, scales, outs) if isinstance(f.x_shape[a], int) and isinstance(o, int)]


def _resize(fn: Callable[[NodeFacts], str | None]) -> Callable[[NodeFacts], str | None]:
    return lambda f: fn(f) if f.op_type in ("Resize", "Upsample") else None


def _conv(fn: Callable[[NodeFacts], str | None]) -> Callable[[NodeFacts], str | None]:
    return lambda f: fn(f) if f.op_type == "ConvTranspose" else None


@_resize
def _integer_length(f: NodeFacts) -> str | None:
    ctm = _ctm(f)
    if f.scales is None or ctm not in ("align_corners", "pytorch_half_pixel", "tf_crop_and_resize"):
        return None
    frac = [(n, s) for n, o, s in _lengths(f) if abs(n * s - round(n * s)) > 1e-9]
    if not frac:
        return None
    n, s = frac[0]
    return (f"{ctm} with scales: the spec divides by the fractional length n·scale = {n}×{s:g} = {n * s:g}, "
            f"ONNX Runtime by the integer {int(np.floor(n * s))} (ORT fails the node tests "
            "downsample_scales_*_align_corners for this)")


@_resize
def _float32_length(f: NodeFacts) -> str | None:
    if f.scales is None:
        return None
    for n, o, s in _lengths(f):
        ort = int(np.floor(np.float32(n) * np.float32(s)))
        if ort != o:
            return f"output length: ONNX Runtime computes floor(float32({n})·float32({s:g})) = {ort}, the spec {o}"
    return None


@_resize
def _identity(f: NodeFacts) -> str | None:
    if f.scales is None or _ctm(f) == "tf_crop_and_resize":
        return None
    lengths = _lengths(f)
    if lengths and all(n == o for n, o, _ in lengths) and any(s != 1 for _, _, s in lengths):
        return ("no axis changes length but a scale is not 1: the spec still moves the samples "
                "(x = f(i, scale)); ONNX Runtime returns the input unchanged")
    return None


@_resize
def _crop_same_length(f: NodeFacts) -> str | None:
    if _ctm(f) != "tf_crop_and_resize" or f.roi is None:
        return None
    axes, _, outs = resize_axes(f)
    roi = np.ravel(f.roi).astype(float)
    rank = len(f.x_shape or ())
    for a in range(rank):
        n = f.x_shape[a]
        o = outs[axes.index(a)] if a in axes else n
        if len(roi) == 2 * rank and n == o and (roi[a], roi[rank + a]) != (0.0, 1.0):
            return f"tf_crop_and_resize: axis {a} keeps its length {n}; ONNX Runtime copies it and ignores its roi"
    return None


@_resize
def _exclude_refused(f: NodeFacts) -> str | None:
    a = f.attrs
    if a.get("exclude_outside") and not (a.get("mode") == "cubic" or (a.get("mode") == "linear" and a.get("antialias"))):
        return (f"exclude_outside=1 with mode={a.get('mode')!r}{'' if a.get('antialias') else ' without antialias'}: "
                "no effect in the spec (the clamped coordinate never reads outside); ONNX Runtime refuses the model")
    return None


@_resize
def _nearest_ties(f: NodeFacts) -> str | None:
    if f.attrs.get("mode") != "nearest" or _ctm(f) in ("asymmetric", "tf_crop_and_resize"):
        return None
    plans = _plans(f)
    if plans is None:
        return None
    rounding = f.attrs.get("nearest_mode", "round_prefer_floor")
    edge = 0.5 if rounding.startswith("round") else 0.0
    for axis, plan in plans:
        if plan.coordinate is None or plan.n_in == plan.n_out:
            continue
        frac = plan.coordinate - np.floor(plan.coordinate)
        ties = int(np.sum(np.abs(frac - edge) < 1e-9))
        if ties:
            return (f"nearest ({rounding}): {ties} of {plan.n_out} samples on axis {axis} fall exactly on a rounding "
                    "boundary; ONNX Runtime's float32 coordinate decides them (ORT picks pixels one off from PyTorch "
                    "at 26→64)")
    return None


def _plans(f: NodeFacts):
    """The spec's per-axis plans of a 4-D NCHW node resizing H and W (None otherwise)."""
    from upsampling.port.rewrite import node_spec

    spec = node_spec(f)
    if spec is None:
        return None
    try:
        return sorted(spec.plans(tuple(f.x_shape)).items())
    except Exception:
        return None


@_resize
def _pytorch_half_pixel_1(f: NodeFacts) -> str | None:
    if _ctm(f) != "pytorch_half_pixel":
        return None
    if any(o == 1 for _, o, _ in _lengths(f)):
        return ("pytorch_half_pixel with an output length of 1: the spec (and ONNX Runtime) samples x = 0, "
                "onnx.reference x = -0.5, and eager PyTorch (which this convention was written to match) the centre "
                "x = (n-1)/2; ORT's cubic 4→1 differs from PyTorch for this reason")
    return ("pytorch_half_pixel: equals half_pixel here (no output length is 1); some converters refuse it "
            "(onnx-tensorflow) and old exporters wrote it where eager PyTorch no longer agrees")


@_resize
def _align_corners_old(f: NodeFacts) -> str | None:
    if _ctm(f) == "align_corners":
        return "align_corners: some ONNX Runtime releases computed it as asymmetric"
    return None


@_resize
def _antialias(f: NodeFacts) -> str | None:
    a = f.attrs
    if not a.get("antialias"):
        return None
    text = "antialias=1: OpenVINO ignores it (no antialiasing)"
    if a.get("mode") == "cubic" and float(a.get("cubic_coeff_a", -0.75)) != -0.75:
        text += f"; ONNX Runtime's CUDA kernel ignores cubic_coeff_a={a['cubic_coeff_a']:g} with antialias"
    return text


@_resize
def _modes_elsewhere(f: NodeFacts) -> str | None:
    ctm = _ctm(f)
    if ctm == "asymmetric":
        return None
    return f"{ctm}: TensorRT 7 accepts only asymmetric Resize (--fix --target-modes tensorrt7 rewrites it)"


@_resize
def _upsample(f: NodeFacts) -> str | None:
    if f.op_type != "Upsample":
        return None
    return "Upsample is deprecated since opset 10 and has no coordinate mode (asymmetric); exporters wrote modes ORT rejected"


@_conv
def _auto_pad(f: NodeFacts) -> str | None:
    ap = f.attrs.get("auto_pad", "NOTSET")
    if ap not in ("SAME_UPPER", "SAME_LOWER"):
        return None
    return (f"auto_pad={ap}: ONNX Runtime before 1.13 swapped SAME_UPPER and SAME_LOWER for ConvTranspose and earlier "
            "computed SAME_UPPER like VALID; TensorRT followed an older ORT. Explicit pads say the same thing everywhere")


@_conv
def _auto_pad_output_padding(f: NodeFacts) -> str | None:
    ap = f.attrs.get("auto_pad", "NOTSET")
    op = f.attrs.get("output_padding")
    if ap != "NOTSET" and op and any(op):
        return f"auto_pad={ap} with output_padding {list(op)}: runtimes disagreed on the size and the padding"
    return None


@_conv
def _same_small_kernel(f: NodeFacts) -> str | None:
    ap = f.attrs.get("auto_pad", "NOTSET")
    if ap not in ("SAME_UPPER", "SAME_LOWER") or f.attrs.get("output_shape") or f.weight is None:
        return None
    k = list(f.weight.shape[2:])
    s = f.attrs.get("strides") or [1] * len(k)
    d = f.attrs.get("dilations") or [1] * len(k)
    if any((kk - 1) * dd + 1 < ss for kk, ss, dd in zip(k, s, d)):
        return (f"auto_pad={ap} with a kernel smaller than the stride: the spec asks for in·stride outputs; ONNX Runtime "
                "clamps the padding at 0 and returns (in-1)·stride + kernel")
    return None


@_conv
def _output_shape(f: NodeFacts) -> str | None:
    if not f.attrs.get("output_shape"):
        return None
    where = "end" if f.attrs.get("auto_pad") == "SAME_UPPER" else "beginning"
    return (f"output_shape {list(f.attrs['output_shape'])}: the runtime derives the pads (odd pixel at the {where}); "
            "onnx.reference fails on it; explicit pads leave nothing to derive")


@_conv
def _asymmetric_pads(f: NodeFacts) -> str | None:
    p = f.attrs.get("pads")
    if not p or f.attrs.get("auto_pad", "NOTSET") != "NOTSET":
        return None
    half = len(p) // 2
    if list(p[:half]) != list(p[half:]):
        return f"asymmetric pads {list(p)}: ONNX Runtime's CUDA provider did not support them"
    return None


@_conv
def _output_padding(f: NodeFacts) -> str | None:
    op = f.attrs.get("output_padding")
    if op and any(op):
        return (f"output_padding {list(op)}: adds computed elements at the end (not zeros); often misread as "
                "zero padding")
    return None


DIVERGENCES: tuple[Divergence, ...] = (
    Divergence("ort-integer-length", "ONNX Runtime", ("onnx/onnx#2462",), _integer_length),
    Divergence("ort-float32-length", "ONNX Runtime", ("docs/onnx.md",), _float32_length),
    Divergence("ort-unchanged-length", "ONNX Runtime", ("docs/onnx.md",), _identity),
    Divergence("ort-crop-same-length", "ONNX Runtime", ("docs/onnx.md",), _crop_same_length),
    Divergence("ort-exclude-outside-refused", "ONNX Runtime", ("docs/onnx.md",), _exclude_refused),
    Divergence("nearest-ties", "ONNX Runtime", ("microsoft/onnxruntime#28085", "microsoft/onnxruntime#28310"),
               _nearest_ties),
    Divergence("pytorch-half-pixel", "PyTorch export, onnx.reference, converters",
               ("pytorch/pytorch#183523", "onnx/onnx#4275", "onnx/onnx#4276", "pytorch/pytorch#79361",
                "microsoft/onnxruntime#11496", "onnx/onnx-tensorflow#632"), _pytorch_half_pixel_1),
    Divergence("ort-align-corners-asymmetric", "ONNX Runtime (older releases)", ("microsoft/onnxruntime#17564",),
               _align_corners_old),
    Divergence("antialias", "OpenVINO, ONNX Runtime CUDA", ("openvinotoolkit/openvino#35893", "microsoft/onnxruntime#25264"),
               _antialias),
    Divergence("resize-modes", "TensorRT", ("onnx/onnx#2882", "onnx/onnx-tensorrt#491", "NVIDIA/TensorRT#273"),
               _modes_elsewhere),
    Divergence("upsample-deprecated", "converters", ("onnx/onnx#1612", "pytorch/pytorch#12647"), _upsample),
    Divergence("auto-pad", "ONNX Runtime < 1.13, TensorRT",
               ("microsoft/onnxruntime#9370", "microsoft/onnxruntime#4086", "onnx/onnx#2788", "onnx/onnx#1609",
                "onnx/onnx-tensorrt#1042"), _auto_pad),
    Divergence("auto-pad-output-padding", "ONNX Runtime", ("microsoft/onnxruntime#11927", "onnx/onnx#4299"),
               _auto_pad_output_padding),
    Divergence("same-small-kernel", "ONNX Runtime", ("docs/conv_transpose.md",), _same_small_kernel),
    Divergence("output-shape", "onnx.reference, runtimes", ("onnx/onnx#2333",), _output_shape),
    Divergence("asymmetric-pads", "ONNX Runtime CUDA", ("microsoft/onnxruntime#11312",), _asymmetric_pads),
    Divergence("output-padding", "users, converters", ("pytorch/pytorch#8816", "onnx/onnx#2333"), _output_padding),
)


def findings(f: NodeFacts) -> list[Finding]:
    """The documented departures this node is exposed to."""
    out = []
    for d in DIVERGENCES:
        text = d.applies(f)
        if text:
            out.append(Finding(d.id, d.who, text, d.threads))
    return out
