"""Comparing resize calls by their matrices, and the candidate calls of each target framework.

A call's operation for an input shape is read from its twin by :func:`operator_of` (cached);
two calls are *exact* equivalents at that shape when their per-axis matrices agree within what
float rounding of a coordinate explains (:func:`~upsampling.port.operator.axis_tolerance`) and
they produce the same output size.  :func:`candidates` lists what a target framework can write
for a given output size -- every option of its grid, the family (nearest or smooth) of the
source only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from upsampling._options import options
from upsampling.port.calls import (
    CV_FLAGS,
    PIL_FILTERS,
    TF1_OPS,
    Call,
    CVResize,
    Dims,
    EngineResize,
    ONNXResize,
    PILResize,
    TF1Resize,
    TFResize,
    TorchInterpolate,
    TwinResize,
)
from upsampling.port.operator import PROBE_BYTES, Operator, axis_tolerance, check_bytes, probe, worst_error
from upsampling.spec import ResizeSpec

__all__ = ["Score", "candidates", "compare", "operator_of", "spec_operator"]

_SLOTS = 32


def spec_operator(spec: ResizeSpec, dims: Dims) -> Operator:
    """The operator of a :class:`ResizeSpec` straight from its plans (no probing)."""
    plans = spec.plans(dims.shape(spec.layout))
    axes = sorted(plans)
    ph, pw = plans[axes[0]], plans[axes[1]]
    h, w = ph.matrix(), pw.matrix()
    offset = None
    outside_h = np.zeros(ph.n_out, bool) if ph.outside is None else ph.outside
    outside_w = np.zeros(pw.n_out, bool) if pw.outside is None else pw.outside
    if (outside_h.any() or outside_w.any()) and spec.extrapolation_value != 0:
        offset = spec.extrapolation_value * (outside_h[:, None] | outside_w[None, :]).astype(np.float64)
    s = float(np.abs(h.sum(axis=1)).max(initial=0.0))
    if s > 0:
        h, w = h / s, w * s
    return Operator(h, w, offset)


@functools.lru_cache(maxsize=4096)
def operator_of(call: Call, dims: Dims, dtype: str = "float32") -> Operator:
    """What ``call`` computes on an input of ``dims``: probed through its twin (cached)."""
    out_h, out_w = call.out_hw(dims)
    check_bytes(dims.h, dims.w, out_h, out_w)
    if isinstance(call, EngineResize):  # the engine applies exactly its spec's plans, in any dtype
        return spec_operator(call.spec, dims)
    per_image = 8 * (dims.h * dims.w + out_h * out_w)
    slots = max(1, min(_SLOTS, PROBE_BYTES // max(per_image, 1)))
    shape = call.probe_shape(dims, slots)
    # Small probes run the NumPy kernels (the same bits as the compiled ones, without their thread
    # hand-offs); large ones the compiled kernels.
    kernel = "numpy" if per_image * slots < 32 * 2**20 else "auto"
    with options(kernel=kernel):
        return probe(call.run, shape, call.unit_layout(), np.dtype(dtype))


@dataclass
class Score:
    """One candidate compared with the source."""

    call: Call
    op: Operator
    axis_error: tuple[float, float]  # largest per-weight difference of each axis
    exact: bool
    worst: float | None = None  # worst_error, computed for the ones reported

    def worst_error(self, source: Operator) -> float:
        if self.worst is None:
            self.worst = worst_error(source, self.op)
        return self.worst


def compare(source: Operator, call: Call, op: Operator) -> Score | None:
    """Score ``op`` against ``source``; None when the output sizes differ."""
    if op.n_out != source.n_out or op.n_in != source.n_in:
        return None
    errs = []
    exact = True
    for k in range(2):
        d = float(np.abs(source.axis(k) - op.axis(k)).max(initial=0.0))
        errs.append(d)
        exact &= d <= axis_tolerance(source.n_in[k], source.n_out[k])
    o1 = 0 if source.offset is None else source.offset
    o2 = 0 if op.offset is None else op.offset
    exact &= float(np.abs(np.asarray(o1) - np.asarray(o2)).max(initial=0.0)) <= 1e-6
    return Score(call, op, (errs[0], errs[1]), bool(exact))


# -- the grids ----------------------------------------------------------------------------------


def _fits(call: Call, dims: Dims, out: tuple[int, int]) -> bool:
    try:
        return tuple(call.out_hw(dims)) == tuple(out)
    except Exception:  # noqa: BLE001 - a size the call cannot make
        return False


def candidates(to: str, source: Call, dims: Dims, out: tuple[int, int], opset: int = 19) -> list[Call]:
    """Every call of framework ``to`` that resizes ``dims`` to ``out`` in the source's family.

    Scale-based forms (``scale_factor``, ``fx``/``fy``, ONNX ``scales``, the engine's ``scale``)
    are added with the source's own scales when the source is scale-based.
    """
    nearest = source.family == "nearest"
    scales = None
    rule = source.size_rule()
    if source.scale_based():
        scales = tuple(float(v) for v in rule[1])
    h, w = out
    calls: list[Call] = []
    if to == "pytorch":
        forms = [dict(size=(h, w))] + ([dict(scale_factor=scales)] if scales else [])
        for form in forms:
            if nearest:
                modes = [dict(mode="nearest"), dict(mode="nearest-exact")]
            else:
                modes = [dict(mode=m, align_corners=ac, antialias=aa) for m in ("bilinear", "bicubic")
                         for ac in (False, True) for aa in (False, True)]
                modes += [dict(mode="area"), dict(mode="lanczos", align_corners=False, antialias=True)]
            for m in modes:
                if m["mode"] == "area" and "scale_factor" in form:
                    continue
                calls.append(TorchInterpolate(**form, **m))
    elif to == "tensorflow":
        if nearest:
            calls.append(TFResize(size=(h, w), method="nearest"))
            calls += [TF1Resize("resize_nearest_neighbor", (h, w), ac, hpc)
                      for ac, hpc in ((False, False), (True, False), (False, True))]
        else:
            for method in ("bilinear", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"):
                calls.append(TFResize(size=(h, w), method=method))
                if method != "area":
                    calls.append(TFResize(size=(h, w), method=method, antialias=True))
            for op in TF1_OPS:
                if op == "resize_nearest_neighbor":
                    continue
                flags = [(False, False), (True, False)] + ([(False, True)] if op != "resize_area" else [])
                calls += [TF1Resize(op, (h, w), ac, hpc) for ac, hpc in flags]
    elif to == "opencv":
        flags = [f for f in CV_FLAGS if f.startswith("INTER_NEAREST") == nearest and f != "INTER_LINEAR_EXACT"]
        for flag in flags:
            calls.append(CVResize(dsize=(w, h), interpolation=flag))
            if scales:
                calls.append(CVResize(dsize=None, fx=scales[1], fy=scales[0], interpolation=flag))
    elif to == "pillow":
        calls += [PILResize(size=(w, h), resample=f) for f in PIL_FILTERS if (f == "NEAREST") == nearest]
    elif to in ("onnx", "engine"):
        forms = [dict(size=(h, w))] + ([dict(scale=scales)] if scales else [])
        if to == "onnx" and opset < 10:  # Upsample takes scales only
            forms = [dict(scale=scales or (h / dims.h, w / dims.w))]
        layout = source.layout(dims)
        layout = layout if layout in ("NCHW", "NHWC", "HWC", "HW", "CHW") else "NHWC"
        for spec in _spec_grid(source, forms, nearest, opset if to == "onnx" else 99, min(out) == 1):
            if to == "engine":
                calls.append(EngineResize(spec.replace(layout=layout)))
            else:
                calls.append(ONNXResize(
                    sizes=spec.size, scales=spec.scale, mode=spec.mode,
                    coordinate_transformation_mode=spec.coordinate_transformation_mode, nearest_mode=spec.nearest_mode,
                    cubic_coeff_a=spec.cubic_coeff_a, exclude_outside=spec.exclude_outside, antialias=spec.antialias,
                    roi=spec.roi, extrapolation_value=spec.extrapolation_value, opset=opset,
                ))
        if to == "engine" and isinstance(source, (TorchInterpolate, TFResize, TF1Resize, CVResize, PILResize,
                                                  ONNXResize)):
            calls.append(TwinResize(source))
    return [c for c in calls if _fits(c, dims, out)]


def _spec_grid(source: Call, forms: list[dict], nearest: bool, opset: int, has_one: bool) -> list[ResizeSpec]:
    ctms = ["half_pixel", "asymmetric", "align_corners"]
    if has_one:
        ctms.append("pytorch_half_pixel")
    roi = getattr(source, "roi", None) or (getattr(getattr(source, "spec", None), "roi", None)
                                          if not callable(getattr(source, "spec", None)) else None)
    extrapolation = float(getattr(source, "extrapolation_value", 0.0) or 0.0)
    if roi is not None:
        ctms.append("tf_crop_and_resize")
    if opset < 11:
        ctms = ["asymmetric"]
    specs: list[ResizeSpec] = []
    a_values = sorted({-0.75, -0.5, float(getattr(source, "cubic_coeff_a", -0.75))})
    for form in forms:
        form_ctms = ctms + (["half_pixel_symmetric"] if "scale" in form and opset >= 19 else [])
        for ctm in form_ctms:
            extra = dict(roi=roi, extrapolation_value=extrapolation) if ctm == "tf_crop_and_resize" else {}
            if nearest:
                rounding = ["floor"] if opset < 11 else ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]
                specs += [ResizeSpec(**form, mode="nearest", coordinate_transformation_mode=ctm, nearest_mode=r,
                                     layout="NCHW", **extra) for r in rounding]
                continue
            aa_values = (False, True) if opset >= 18 else (False,)
            for aa in aa_values:
                for ex in ((False, True) if aa else (False,)):
                    specs.append(ResizeSpec(**form, mode="linear", coordinate_transformation_mode=ctm, antialias=aa,
                                            exclude_outside=ex, layout="NCHW", **extra))
            if opset < 11:
                continue
            for a in a_values:
                for aa in aa_values:
                    for ex in (False, True):
                        specs.append(ResizeSpec(**form, mode="cubic", coordinate_transformation_mode=ctm, cubic_coeff_a=a,
                                                exclude_outside=ex, antialias=aa, layout="NCHW", **extra))
        if not nearest and opset >= 99 and "size" in form:
            specs.append(ResizeSpec(**form, mode="area", layout="NCHW"))
    return specs
