"""``Resize``: the engine's resize as a differentiable PyTorch operation.

The forward pass does not re-derive any coordinate: it asks the NumPy engine for its per-axis
plans (:func:`upsampling.resizing.resize_plans`, the same cached :class:`~upsampling.plan.AxisPlan`
objects :func:`upsampling.resize` applies) and applies them to the tensor the way
:mod:`upsampling.kernels.numpy_resize` does -- gather the tap, multiply by its weight, add, tap by
tap, in the engine's working dtype and axis order -- so the result equals ``upsampling.resize``
bit for bit.  Resizing is linear, so the backward pass is the transpose of each axis' plan: every
output gradient is scattered back (``index_add_``) onto the input samples it was read from, with
the same weight, the axes in reverse order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from upsampling import _checks
from upsampling._cache import ByteLRU
from upsampling.errors import DTypeError, InvalidArgumentError
from upsampling.plan import AxisPlan
from upsampling.resizing import axis_order, spec_plans
from upsampling.spec import MODE_ALIASES, ResizeOptions, ResizeSpec, takes_resize_options
from upsampling.torch import _onnx_export

if TYPE_CHECKING:
    from typing import Unpack

__all__ = ["MODE_ALIASES", "Resize", "resize"]


_TENSORS = ByteLRU("torch.resize._plan_tensors")  # bounded by options(plan_cache_bytes=...)


def _plan_tensors(plan: AxisPlan, dtype: torch.dtype) -> tuple[list[torch.Tensor], list[torch.Tensor], bool]:
    """The plan's per-tap index and weight columns as tensors (weights cast as the engine casts them)."""
    key = (plan, dtype)
    hit = _TENSORS.lookup(key)
    if hit is not None:
        return hit
    index = [torch.from_numpy(np.ascontiguousarray(plan.index[:, t]).astype(np.int64)) for t in range(plan.taps)]
    np_dtype = torch.empty((), dtype=dtype).numpy().dtype
    weight = [torch.from_numpy(plan.weight[:, t].astype(np_dtype)) for t in range(plan.taps)]
    take_only = plan.taps == 1 and bool(np.all(plan.weight == 1))
    value = (index, weight, take_only)
    _TENSORS.put(key, value, sum(t.nbytes for t in index + weight) + plan.index.nbytes + plan.weight.nbytes)
    return value


def _work_dtype(dtype: torch.dtype) -> torch.dtype:
    # The engine's rule (upsampling.resizing.compute_dtype): float64 stays, the rest computes in float32.
    if dtype == torch.float64:
        return torch.float64
    if dtype in (torch.float32, torch.float16, torch.bfloat16):
        return torch.float32
    raise DTypeError("x", dtype, "a floating-point tensor (float16, bfloat16, float32 or float64)")


def _apply_axis(y: torch.Tensor, axis: int, plan: AxisPlan) -> torch.Tensor:
    # The resized axis is moved to the front first: gathering whole rows of a contiguous tensor
    # is a memcpy per row, where index_select on an inner axis is many times slower on the CPU.
    index, weight, take_only = _plan_tensors(plan, y.dtype)
    rows = y.movedim(axis, 0).contiguous()
    if take_only:
        return rows[index[0].to(y.device)].movedim(0, axis)
    shape = (plan.n_out,) + (1,) * (y.ndim - 1)
    out = None
    for idx, w in zip(index, weight):
        term = rows[idx.to(y.device)] * w.to(y.device).reshape(shape)
        out = term if out is None else out.add_(term)
    return out.movedim(0, axis)


#: Plans whose dense matrix would take more bytes than this are transposed tap by tap instead
#: (the matrix is n_out x n_in: 6.4 GB for a 20,000 -> 40,000 axis).
DENSE_MAX_BYTES = 16 * 2**20
_MATRICES = ByteLRU("torch.resize._plan_matrix")  # bounded by options(plan_cache_bytes=...)


def _plan_matrix(plan: AxisPlan, dtype: torch.dtype) -> torch.Tensor:
    """The plan's dense ``(n_out, n_in)`` matrix (duplicate taps summed; outside rows are masked separately)."""
    key = (plan, dtype)
    hit = _MATRICES.lookup(key)
    if hit is not None:
        return hit
    m = np.zeros((plan.n_out, plan.n_in))
    np.add.at(m, (np.repeat(np.arange(plan.n_out), plan.taps), plan.index.ravel()), plan.weight.ravel())
    value = torch.from_numpy(m).to(dtype)
    _MATRICES.put(key, value, value.nbytes + plan.index.nbytes + plan.weight.nbytes)
    return value


def _transpose_axis(g: torch.Tensor, axis: int, plan: AxisPlan) -> torch.Tensor:
    """The adjoint of :func:`_apply_axis`: ``grad_in[index[o, t]] += weight[o, t] * grad_out[o]``,
    computed as a product with the plan's transposed matrix (one BLAS call; a scatter-add per tap
    is several times slower on the CPU and the gradient need not match any framework bit for bit),
    or, when that matrix would exceed :data:`DENSE_MAX_BYTES`, as the scatter-add."""
    if plan.n_out * plan.n_in * 8 > DENSE_MAX_BYTES:
        index, weight, _ = _plan_tensors(plan, g.dtype)
        rows = g.movedim(axis, 0)
        shape = (plan.n_out,) + (1,) * (g.ndim - 1)
        out = rows.new_zeros((plan.n_in,) + tuple(rows.shape[1:]))
        for idx, w in zip(index, weight):
            out.index_add_(0, idx.to(g.device), rows * w.to(g.device).reshape(shape))
        return out.movedim(0, axis)
    m = _plan_matrix(plan, g.dtype).to(g.device)
    if axis == g.ndim - 1:
        return g @ m
    moved = g.movedim(axis, -1)
    return (moved @ m).movedim(-1, axis)


def _outside_mask(plans: dict[int, AxisPlan], shape: Sequence[int], device) -> torch.Tensor | None:
    masks = [(a, p.outside) for a, p in plans.items() if p.outside is not None]
    if not masks:
        return None
    hit = torch.zeros(tuple(shape), dtype=torch.bool, device=device)
    for axis, outside in masks:
        view = [1] * len(shape)
        view[axis] = -1
        hit |= torch.from_numpy(np.array(outside)).to(device).reshape(view)
    return hit


class _ResizeFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, plans: dict, order: tuple, extrapolation_value: float) -> torch.Tensor:
        work = _work_dtype(x.dtype)
        y = x.to(work)
        for axis in order:
            y = _apply_axis(y, axis, plans[axis])
        hit = _outside_mask(plans, y.shape, y.device)
        if hit is not None:
            y = torch.where(hit, torch.tensor(extrapolation_value, dtype=work, device=y.device), y)
        ctx.plans, ctx.order, ctx.in_dtype = plans, order, x.dtype
        ctx.hit = hit
        return y.to(x.dtype)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: torch.Tensor):
        g = grad.to(_work_dtype(grad.dtype))
        if ctx.hit is not None:
            g = g.masked_fill(ctx.hit, 0)
        for axis in reversed(ctx.order):
            g = _transpose_axis(g, axis, ctx.plans[axis])
        return g.to(ctx.in_dtype), None, None, None


#: The layout of a tensor whose ``layout`` is not given, by its rank (channels first).
LAYOUT_OF_RANK: dict[int, str] = {2: "HW", 3: "CHW", 4: "NCHW"}


def _spec(size: Any, align_corners: Any, options: dict[str, Any], ndim: int | None) -> ResizeSpec:
    """The engine's spec of a call in this module's words: PyTorch's mode names
    (:data:`~upsampling.spec.MODE_ALIASES`), ``align_corners``, the layout from the rank."""
    options = dict(options)
    if "mode" in options:
        options["mode"] = MODE_ALIASES[_checks.choice("mode", options["mode"], tuple(MODE_ALIASES))]
    align_corners = _checks.boolean("align_corners", align_corners, none=True)
    if options.get("coordinate_transformation_mode") is None:
        options.pop("coordinate_transformation_mode", None)
        if align_corners:
            options["coordinate_transformation_mode"] = "align_corners"
    elif align_corners is not None:
        raise InvalidArgumentError("align_corners", align_corners, "None when coordinate_transformation_mode is given")
    if options.get("layout") is None:
        options["layout"] = LAYOUT_OF_RANK.get(ndim, "NCHW")  # type: ignore[arg-type]
    return ResizeSpec.from_call(size, options)


@takes_resize_options(layout=None)
def resize(
    x: torch.Tensor,
    size: int | Sequence[int] | None = None,
    *,
    align_corners: bool | None = None,
    **options: Unpack[ResizeOptions],
) -> torch.Tensor:
    """Resize an ``(N, C, H, W)`` (or ``(C, H, W)``, ``(H, W)``) tensor with the engine's plans; differentiable.

    Parameters
    ----------
    x : floating tensor, channels first.  float16/bfloat16 compute in float32, as the engine does.
    size, **options : as :func:`upsampling.resize` (the fields of :class:`~upsampling.ResizeSpec`,
        ONNX Resize's vocabulary), except: ``mode`` also takes PyTorch's names ``"bilinear"`` and
        ``"bicubic"``; ``layout`` defaults to ``None``, the tensor's rank (``HW``, ``CHW``,
        ``NCHW``).  TF1's legacy ``resize_bilinear`` grid is
        ``coordinate_transformation_mode="asymmetric"``; its ``resize_nearest_neighbor`` adds
        ``nearest_mode="floor"``.
    align_corners : shorthand: ``True`` -> ``coordinate_transformation_mode="align_corners"``,
        ``False``/``None`` -> ``"half_pixel"`` (unless ``coordinate_transformation_mode`` is given).

    Returns
    -------
    Tensor of the same dtype, equal to ``upsampling.resize(x.numpy(), layout="NCHW", ...)``.

    Examples
    --------
    >>> import torch
    >>> from upsampling.torch import resize
    >>> resize(torch.tensor([[0.0, 1.0]]), (1, 4))
    tensor([[0.0000, 0.2500, 0.7500, 1.0000]])
    """
    if not isinstance(x, torch.Tensor):
        raise DTypeError("x", type(x).__name__, "a torch.Tensor")
    if options.get("layout") is None and x.ndim not in LAYOUT_OF_RANK:
        raise InvalidArgumentError("x", f"tensor of shape {tuple(x.shape)}", "a 2-, 3- or 4-D tensor (HW, CHW, NCHW)")
    spec = _spec(size, align_corners, options, x.ndim)
    if _onnx_export.exporting():  # torch.onnx.export: a standard Resize node (or the plan), see _onnx_export
        if spec.layout != LAYOUT_OF_RANK.get(x.ndim):
            raise InvalidArgumentError("layout", spec.layout, f"{LAYOUT_OF_RANK.get(x.ndim)!r} (channels first) when exporting to ONNX")
        arguments = {k: v for k, v in spec.arguments().items() if k != "layout"}
        return _onnx_export.export_resize(x, arguments, lambda t: _forward(t, spec))
    return _forward(x, spec)


def _forward(x: torch.Tensor, spec: ResizeSpec) -> torch.Tensor:
    shape_only = np.broadcast_to(np.empty((), dtype=np.float32), tuple(int(n) for n in x.shape))
    plans = spec_plans(spec, shape_only)
    return _ResizeFunction.apply(x, plans, tuple(axis_order(plans)), spec.extrapolation_value)


class Resize(nn.Module):
    """A resize layer in any of the engine's conventions, with autograd (see :func:`resize`).

    ``Resize(scale=2)`` is bilinear half-pixel (``F.interpolate(..., align_corners=False)``);
    ``Resize(scale=2, align_corners=True)``; ``Resize(scale=2, mode="nearest",
    coordinate_transformation_mode="asymmetric", nearest_mode="floor")`` is TF1's
    ``resize_nearest_neighbor``; ``Resize(size=(64, 64), mode="bicubic")``.  The arguments are
    :func:`resize`'s, validated when the layer is made (:attr:`spec`; its layout is ``NCHW``
    unless given: the layer follows each input's rank).
    """

    @takes_resize_options(layout=None)
    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        *,
        align_corners: bool | None = None,
        **options: Unpack[ResizeOptions],
    ) -> None:
        super().__init__()
        self.size, self.align_corners, self.options = size, align_corners, dict(options)
        self.spec = _spec(size, align_corners, self.options, None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resize(x, self.size, align_corners=self.align_corners, **self.options)

    def extra_repr(self) -> str:
        args = {"size": self.size} if self.size is not None else {}
        args.update(self.options)
        if self.align_corners is not None:
            args["align_corners"] = self.align_corners
        return ", ".join(f"{k}={v!r}" for k, v in args.items())
