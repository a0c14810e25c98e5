"""How :class:`~upsampling.torch.Resize` and :class:`~upsampling.torch.ConvTranspose2dSame` export to ONNX.

``torch.onnx.export`` (the default exporter of torch 2.13, built on ``torch.export``, and the
TorchScript one with ``dynamo=False``) would otherwise trace the eager forward: the Resize layer's
tap-by-tap gathers (dozens of ``Gather``/``Mul``/``Add`` nodes, or a failure under
``torch.export``), and ConvTranspose2dSame's negative ``Pad``.  While exporting, the layers call
this module instead, which writes *standard* nodes that reproduce the layer:

* ``Resize`` with the attributes of the layer's convention (ONNX's vocabulary is the engine's:
  ``mode``, ``coordinate_transformation_mode``, ``nearest_mode``, ``cubic_coeff_a``,
  ``exclude_outside``, ``antialias``, ``roi`` and ``extrapolation_value``), ``scales`` when the
  layer has a scale, ``sizes`` when it has a size;
* the engine's own per-axis plans, as constant ``Gather`` indices (nearest) or ``MatMul``
  weight matrices (linear, cubic, area, antialias), where ``Resize`` cannot say it (``area``:
  ONNX has no such mode) or where ONNX Runtime would compute that ``Resize`` differently from
  the specification and so from the layer.  The check asks the ONNX twin's two behaviours
  (:func:`upsampling.frameworks.onnx.resize`, ``behaviour="onnxruntime"`` against the layer's
  own result) on the traced input size: e.g. ``align_corners`` with a scale whose output
  length ``n·s`` is fractional (onnx/onnx#2462), a scale that float32 cannot hold, nearest
  sampling at an exact rounding tie;
* ``ConvTranspose`` with explicit ``pads`` (TensorFlow's SAME crop, odd pixel at the end) and
  the bias inside; where TF appends zeros instead (a kernel smaller than the stride),
  ``ConvTranspose`` + ``Pad`` + ``Add`` (the bias is added to the appended zeros too, as TF and
  Keras do).

The plans need the input's height and width at export time; an input exported with dynamic
height or width gets ``Resize`` when that is faithful and an :class:`UnsupportedError` naming
the convention otherwise.  The eager forward (bit-identical to :func:`upsampling.resize`) and
its backward are untouched: this module runs only under ``torch.onnx.is_in_onnx_export()``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from upsampling.errors import UnsupportedError

__all__ = ["exporting", "export_conv_transpose", "export_resize", "static_shape"]

_MODES = {"nearest": "nearest", "linear": "linear", "cubic": "cubic"}
_LAYOUTS = {2: "HW", 3: "CHW", 4: "NCHW"}
_TOLERANCE = 1e-5  # float32 rounding on inputs in [0, 1)


def exporting() -> bool:
    """True inside ``torch.onnx.export`` (either exporter)."""
    return bool(torch.onnx.is_in_onnx_export())


def static_shape(x: torch.Tensor) -> tuple[int, ...] | None:
    """The input's shape with ints for its height and width, or None when either is dynamic
    (``torch.export`` SymInt).  The leading axes (batch, channels) may stay dynamic: the plans and
    the Resize node depend on the last two axes only, so they are given as 1 here.

    Under the TorchScript exporter shapes are traced tensors: their value at trace time is used.
    """
    if any(isinstance(d, torch.SymInt) for d in x.shape[-2:]):
        return None
    return (1,) * (x.dim() - 2) + tuple(int(d) for d in x.shape[-2:])


def _lead(x: torch.Tensor) -> tuple:
    """The leading (batch, channel) lengths of ``x`` as they are: ints, or SymInts under ``torch.export``."""
    return tuple(x.shape[:-2])


class _Node(torch.autograd.Function):
    """One ONNX node for the TorchScript exporter: ``forward`` computes the eager value (so the
    trace goes on with the right tensor), ``symbolic`` writes the node.  ``values``: the constant
    inputs as Python lists (``rank, roi, scales, sizes`` for Resize), for a rewrite the opset needs."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, eager: Callable, op: str, attrs: dict, values: tuple | None,
                *inputs: torch.Tensor | None) -> torch.Tensor:
        return eager(x)

    @staticmethod
    def symbolic(g, x, eager, op, attrs, values, *inputs):
        if "axes" in attrs and g.opset < 18:  # Resize before opset 18 has no axes: full-rank roi and sizes
            attrs, inputs = _full_rank_resize(g, x, attrs, values)
        args = [x]
        for value in inputs:
            if value is None:  # an omitted optional input ("")
                none = g.op("prim::Constant")
                none.setType(torch._C.OptionalType.ofTensor())
                args.append(none)
            elif isinstance(value, torch.Tensor):
                args.append(g.op("Constant", value_t=value))
            else:
                args.append(value)
        kwargs = {}
        for k, v in attrs.items():
            suffix = "_s" if isinstance(v, str) else "_f" if isinstance(v, float) else "_i"
            kwargs[k + suffix] = v
        return g.op(op, *args, **kwargs)


def _full_rank_resize(g, x, attrs: dict, values: tuple) -> tuple[dict, list]:
    """A Resize written with ``axes`` (sizes of H and W only) rewritten for an opset without them:
    ``sizes`` becomes ``Concat(Shape(x)[:-2], [h, w])`` (the batch may be dynamic), ``roi`` full rank."""
    attrs = {k: v for k, v in attrs.items() if k != "axes"}
    rank, roi, scales, sizes = values
    lead = rank - 2
    inputs: list = [None if roi is None else torch.tensor([0.0] * lead + list(roi[:2]) + [1.0] * lead + list(roi[2:]),
                                                          dtype=torch.float32),
                    None if scales is None else torch.tensor(scales, dtype=torch.float32), None]
    if sizes is not None:
        shape = g.op("Shape", x)
        lead_sizes = g.op("Slice", shape, g.op("Constant", value_t=torch.tensor([0])),
                          g.op("Constant", value_t=torch.tensor([lead])))
        inputs[2] = g.op("Concat", lead_sizes, g.op("Constant", value_t=torch.tensor(sizes, dtype=torch.int64)),
                         axis_i=0)
    while inputs and inputs[-1] is None:
        inputs.pop()
    return attrs, inputs


def _node(op: str, x: torch.Tensor, inputs: Sequence[torch.Tensor | None], attrs: dict, out_shape: Sequence[int],
          eager: Callable[[torch.Tensor], torch.Tensor], values: tuple | None = None) -> torch.Tensor:
    """Write ONNX node ``op(x, *inputs)`` with ``attrs``, under whichever exporter is running."""
    if torch.jit.is_tracing():  # the TorchScript exporter (dynamo=False)
        return _Node.apply(x, eager, op, dict(attrs), values, *inputs)
    return torch.onnx.ops.symbolic(op, [x, *inputs], attrs, dtype=x.dtype, shape=tuple(out_shape))


# --- Resize ------------------------------------------------------------------------------------


def resize_node(in_shape: Sequence[int], spec: dict) -> tuple[list, dict, tuple[int, ...]]:
    """``(inputs [roi, scales, sizes] as lists or None, attributes, output shape)`` of the ONNX Resize that says ``spec``.

    ``spec``: the engine's resize arguments (``size`` or ``scale``, ``mode``, ...), resizing the
    last two axes of an input of ``in_shape``.  The scale is written as float32, what ONNX holds,
    for every axis (1 for the batch and channels: the node works for any batch).  A size is
    written for H and W with ``axes`` (opset 18), so that the batch may stay dynamic; before
    opset 18 the TorchScript exporter rewrites it as ``Concat(Shape(x)[:-2], sizes)``
    (:func:`_full_rank_resize`), and so does ``roi``.
    """
    from upsampling.spec import ResizeSpec

    rank = len(in_shape)
    s = ResizeSpec(**{**spec, "layout": _LAYOUTS[rank]})
    out_shape = s.output_shape(in_shape)
    lead = [1] * (rank - 2)
    scales = sizes = roi = None
    attrs: dict[str, Any] = {"mode": s.mode, "coordinate_transformation_mode": s.coordinate_transformation_mode}
    if s.size is not None:
        sizes = list(s.size)
        attrs["axes"] = [rank - 2, rank - 1]
    else:
        scales = [float(np.float32(v)) for v in lead + list(s.scale)]
    if s.mode == "nearest":
        attrs["nearest_mode"] = s.nearest_mode
    if s.mode == "cubic":
        attrs["cubic_coeff_a"] = float(s.cubic_coeff_a)
    # exclude_outside changes nothing in nearest or plain linear (the clamped coordinate never
    # reads outside); ONNX Runtime refuses it there, so it is written only where it counts.
    if s.exclude_outside and (s.mode == "cubic" or s.antialias):
        attrs["exclude_outside"] = 1
    if s.antialias:
        attrs["antialias"] = 1
    if s.coordinate_transformation_mode == "tf_crop_and_resize":
        y0, x0, y1, x1 = s.roi or (0.0, 0.0, 1.0, 1.0)
        hw = [float(np.float32(v)) for v in (y0, x0, y1, x1)]
        roi = hw if "axes" in attrs else [0.0] * (rank - 2) + hw[:2] + [1.0] * (rank - 2) + hw[2:]
        attrs["extrapolation_value"] = float(s.extrapolation_value)
    return [roi, scales, sizes], attrs, out_shape


def _ort_faithful(in_shape: Sequence[int], spec: dict, inputs: list, attrs: dict) -> tuple[bool, str]:
    """Does ONNX Runtime compute this Resize as the layer does, at this input size?

    Compared on one channel with the ONNX twin's ``behaviour="onnxruntime"`` (ORT 1.32's
    measured arithmetic) against the engine's result; nearest sampling at an exact rounding
    boundary counts as unfaithful outside ``asymmetric`` (ORT's float32 coordinate decides
    such ties: docs/onnx.md).
    """
    from upsampling.frameworks import onnx as onnx_twin
    from upsampling.resizing import resize
    from upsampling.spec import ResizeSpec

    hw = tuple(in_shape[-2:])
    probe = np.random.default_rng(0).random(hw, dtype=np.float64).astype(np.float32)
    want = resize(probe, **{**spec, "layout": "HW"})
    roi, scales, sizes = inputs
    try:
        got = onnx_twin.resize(
            probe,
            None if roi is None else [roi[len(roi) // 2 - 2], roi[len(roi) // 2 - 1], roi[-2], roi[-1]],
            None if scales is None else scales[-2:],
            None if sizes is None else sizes[-2:],
            behaviour="onnxruntime",
            **{k: v for k, v in attrs.items() if k != "axes"},
        )
    except ValueError as exc:  # ORT refuses the node
        return False, f"ONNX Runtime refuses it ({exc})"
    if got.shape != want.shape:
        return False, f"ONNX Runtime's output is {got.shape[-2:]}, the layer's {want.shape[-2:]}"
    err = float(np.max(np.abs(got.astype(np.float64) - want))) if want.size else 0.0
    if spec.get("mode") == "nearest":
        if err:
            return False, "ONNX Runtime picks other pixels"
        if spec.get("coordinate_transformation_mode", "half_pixel") != "asymmetric":
            s = ResizeSpec(**{**spec, "layout": "HW"})
            for plan in s.plans(hw).values():
                x = plan.coordinate
                frac = x - np.floor(x)
                edge = 0.5 if s.nearest_mode.startswith("round") else 0.0
                if np.any(np.abs(frac - edge) < 1e-9) and plan.n_out != plan.n_in:
                    return False, "nearest samples at exact rounding ties, which ONNX Runtime's float32 arithmetic decides"
        return True, ""
    if err > _TOLERANCE:
        return False, f"ONNX Runtime differs by {err:.2g}"
    return True, ""


def _plan_graph(x: torch.Tensor, in_shape: Sequence[int], spec: dict) -> torch.Tensor:
    """The engine's per-axis plans as constant Gather indices / MatMul matrices (static shapes)."""
    from upsampling.resizing import axis_order
    from upsampling.spec import ResizeSpec

    s = ResizeSpec(**{**spec, "layout": _LAYOUTS[len(in_shape)]})
    plans = s.plans(in_shape)
    work = torch.float64 if x.dtype == torch.float64 else torch.float32
    y = x if x.dtype == work else x.to(work)
    for axis in axis_order(plans):
        p = plans[axis]
        if p.taps == 1 and bool(np.all(p.weight == 1)):
            y = torch.index_select(y, axis, torch.from_numpy(np.ascontiguousarray(p.index[:, 0]).astype(np.int64)))
        else:
            m = torch.from_numpy(p.matrix()).to(work)  # (n_out, n_in); rows of outside samples are 0
            y = torch.matmul(y, m.T) if axis == y.ndim - 1 else torch.matmul(m, y)
    masks = [(a, p.outside) for a, p in plans.items() if p.outside is not None and p.outside.any()]
    if masks:
        hit = np.zeros(tuple(plans[a].n_out for a in sorted(plans)), dtype=bool)
        for a, outside in masks:
            view = [1, 1]
            view[sorted(plans).index(a)] = -1
            hit = hit | outside.reshape(view)
        y = torch.where(torch.from_numpy(hit), torch.tensor(float(s.extrapolation_value), dtype=work), y)
    return y if y.dtype == x.dtype else y.to(x.dtype)


def export_resize(x: torch.Tensor, spec: dict, eager: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """The Resize layer while exporting: a Resize node, or the plan as Gather/MatMul (module docstring)."""
    in_shape = static_shape(x)
    mode = spec.get("mode", "linear")
    ctm = spec.get("coordinate_transformation_mode", "half_pixel")
    if in_shape is None:
        if mode == "area":
            raise UnsupportedError(
                "mode", "area", "a static input height and width to export",
                "ONNX Resize has no area mode; the layer exports it as constant MatMul matrices of its plan, "
                "which need the input size fixed at export time.",
            )
        raise UnsupportedError(
            "x", "an input with dynamic height or width", "static height and width to export",
            f"Exporting Resize(mode={mode!r}, coordinate_transformation_mode={ctm!r}) checks that ONNX Runtime "
            "computes the node as the layer does at the exported size; export with a fixed input size.",
        )
    if mode == "area":
        return _plan_graph(x, in_shape, spec)
    inputs, attrs, out_hw = resize_node(in_shape, spec)
    out_shape = (*_lead(x), *out_hw[-2:])
    faithful, _ = _ort_faithful(in_shape, spec, inputs, attrs)
    if not faithful:
        return _plan_graph(x, in_shape, spec)
    roi, scales, sizes = inputs
    tensors = [
        None if roi is None else torch.tensor(roi, dtype=torch.float32),
        None if scales is None else torch.tensor(scales, dtype=torch.float32),
        None if sizes is None else torch.tensor(sizes, dtype=torch.int64),
    ]
    while tensors and tensors[-1] is None:  # trailing optional inputs are left out
        tensors.pop()
    values = (len(in_shape), *inputs)
    work = torch.float64 if x.dtype == torch.float64 else torch.float32
    if x.dtype == work:
        return _node("Resize", x, tensors, attrs, out_shape, eager, values)
    # float16/bfloat16: the layer computes in float32, and so does the exported graph
    return _node("Resize", x.to(work), tensors, attrs, out_shape, lambda t: eager(t).to(work), values).to(x.dtype)


# --- ConvTranspose -----------------------------------------------------------------------------


def export_conv_transpose(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                          stride: Sequence[int], dilation: Sequence[int], groups: int,
                          crops: Sequence[tuple[int, int]], eager: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """TF SAME transposed convolution as ``ConvTranspose(pads=...)`` (+ ``Pad`` + ``Add`` where TF appends zeros)."""
    k = tuple(int(v) for v in weight.shape[2:])
    (t, b), (l, r) = crops
    appended = any(v < 0 for v in (t, b, l, r))
    attrs = {
        "kernel_shape": list(k),
        "strides": [int(v) for v in stride],
        "dilations": [int(v) for v in dilation],
        "group": int(groups),
        "pads": [max(t, 0), max(l, 0), max(b, 0), max(r, 0)],
    }
    full = [(n - 1) * s + (kk - 1) * d + 1 for n, s, kk, d in zip(x.shape[2:], stride, k, dilation)]
    conv_hw = [full[0] - max(t, 0) - max(b, 0), full[1] - max(l, 0) - max(r, 0)]
    conv_shape = (x.shape[0], int(weight.shape[1]) * int(groups), *conv_hw)
    if not appended:
        inputs = [weight] if bias is None else [weight, bias]
        return _node("ConvTranspose", x, inputs, attrs, conv_shape, eager)

    def crop_only(t_: torch.Tensor) -> torch.Tensor:
        y = torch.nn.functional.conv_transpose2d(t_, weight, None, tuple(stride), 0, 0, groups, tuple(dilation))
        return torch.nn.functional.pad(y, (-max(l, 0), -max(r, 0), -max(t, 0), -max(b, 0)))

    y = _node("ConvTranspose", x, [weight], attrs, conv_shape, crop_only)
    zeros = (max(-t, 0), max(-l, 0), max(-b, 0), max(-r, 0))  # appended where TF appends them
    pad_shape = (conv_shape[0], conv_shape[1], conv_shape[2] + zeros[0] + zeros[2], conv_shape[3] + zeros[1] + zeros[3])
    pads = torch.tensor([0, 0, zeros[0], zeros[1], 0, 0, zeros[2], zeros[3]], dtype=torch.int64)

    def pad_eager(t_: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.pad(t_, (zeros[1], zeros[3], zeros[0], zeros[2]))

    y = _node("Pad", y, [pads], {"mode": "constant"}, pad_shape, pad_eager)
    return y if bias is None else y + bias.view(1, -1, 1, 1)
