"""Upsampling layers for segmentation decoders: TF-SAME transposed convolution, the FCN bilinear
kernel, and the checkerboard-free alternatives (resize-then-convolve, pixel shuffle)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from upsampling import _checks, shapes
from upsampling.errors import InvalidArgumentError, ShapeError
from upsampling.layouts import tf_to_torch_weight
from upsampling.torch import _onnx_export
from upsampling.torch.resize import Resize

__all__ = [
    "UPSAMPLERS",
    "ConvTranspose2dSame",
    "PixelShuffleUpsample",
    "ResizeConv",
    "bilinear_kernel",
    "bilinear_filter",
    "make_upsampler",
]


def _pair(v: int | Sequence[int]) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, (int, np.integer)) else (int(v[0]), int(v[1]))


def bilinear_filter(kernel_size: int) -> np.ndarray:
    """The 2-D FCN bilinear filter (``surgery.py::upsample_filt``, credit @longjon), float64 ``(k, k)``.

    ``factor = (k + 1) // 2``; centre ``factor - 1`` (odd ``k``) or ``factor - 0.5`` (even ``k``);
    ``w[i, j] = (1 - |i - c| / factor) * (1 - |j - c| / factor)``.
    """
    if int(kernel_size) < 1:
        raise InvalidArgumentError("kernel_size", kernel_size, "an integer >= 1")
    k = int(kernel_size)
    factor = (k + 1) // 2
    center = factor - 1 if k % 2 == 1 else factor - 0.5
    og = np.arange(k)
    f = 1 - np.abs(og - center) / factor
    return f[:, None] * f[None, :]


def bilinear_kernel(kernel_size: int, channels: int, *, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """FCN's bilinear initialisation of a ``ConvTranspose2d(channels, channels, kernel_size)`` weight.

    Returns a ``(channels, channels, k, k)`` tensor (PyTorch's ``[in, out, kh, kw]``) holding
    :func:`bilinear_filter` on the diagonal (channel ``c`` feeds only channel ``c``, as
    ``interp_surgery`` fills it) and zeros elsewhere.

    With ``k = 2f - f % 2``, ``stride = f`` and ``padding = ceil((f - 1) / 2)`` the transposed
    convolution is half-pixel bilinear upsampling by ``f`` with a *zero* border: equal to
    ``F.interpolate(scale_factor=f, mode="bilinear", align_corners=False)`` (and to
    ``upsampling.resize(..., coordinate_transformation_mode="half_pixel")``) everywhere except the
    outer ``ceil(f/2)`` or so pixels, which the missing neighbour beyond the edge darkens
    (tests/test_torch_layers.py pins exactly which pixels).

    Examples
    --------
    >>> bilinear_kernel(4, 1)[0, 0]
    tensor([[0.0625, 0.1875, 0.1875, 0.0625],
            [0.1875, 0.5625, 0.5625, 0.1875],
            [0.1875, 0.5625, 0.5625, 0.1875],
            [0.0625, 0.1875, 0.1875, 0.0625]])
    """
    if int(channels) < 1:
        raise InvalidArgumentError("channels", channels, "an integer >= 1")
    filt = torch.from_numpy(bilinear_filter(kernel_size)).to(dtype)
    w = torch.zeros(int(channels), int(channels), *filt.shape, dtype=dtype)
    idx = torch.arange(int(channels))
    w[idx, idx] = filt
    return w


class ConvTranspose2dSame(nn.Module):
    """TensorFlow's ``tf.nn.conv2d_transpose(..., padding="SAME")`` as a PyTorch module (NCHW).

    PyTorch's ``padding``/``output_padding`` crop the same amount at both ends, so it cannot
    express TF's SAME crop when the total is odd (TF crops the extra pixel at the *end*).  This
    module runs the full transposed convolution (``padding=0``: ``(n-1)·s + (k-1)·d + 1``) and
    cuts ``[before : before + out]`` with ``before`` from
    :func:`upsampling.shapes.conv_transpose_crop`, appending zeros where TF does (a kernel smaller
    than the stride).  ``output_size`` picks one of the sizes that map back to the input
    (:func:`upsampling.valid_conv_transpose_output_sizes`); the default is ``n·s``, what Keras'
    ``Conv2DTranspose(padding="same")`` produces.

    Parameters
    ----------
    in_channels, out_channels, kernel_size, stride, dilation, groups, bias : as ``nn.ConvTranspose2d``.

    Use :meth:`from_tf` to load a TF filter ``[kh, kw, out, in]``; the result reproduces
    :func:`upsampling.conv2d_transpose` (tested).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Sequence[int], stride: int | Sequence[int] = 1,
                 *, dilation: int | Sequence[int] = 1, groups: int = 1, bias: bool = True) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.dilation = _pair(kernel_size), _pair(stride), _pair(dilation)
        self.groups = int(groups)
        self.conv = nn.ConvTranspose2d(in_channels, out_channels, self.kernel_size, self.stride, padding=0,
                                       dilation=self.dilation, groups=self.groups,
                                       bias=_checks.boolean("bias", bias))

    @property
    def weight(self) -> nn.Parameter:
        return self.conv.weight

    @property
    def bias(self) -> nn.Parameter | None:
        return self.conv.bias

    @classmethod
    def from_tf(cls, filters, stride: int | Sequence[int] = 1, *, dilation: int | Sequence[int] = 1, groups: int = 1,
                bias=None, dtype: torch.dtype = torch.float32) -> ConvTranspose2dSame:
        """A module holding TF's ``[kh, kw, out/groups, in]`` filter (``tf_to_torch_weight``) and optional bias."""
        w = tf_to_torch_weight(np.asarray(filters))
        m = cls(w.shape[0], w.shape[1] * int(groups), w.shape[2:], stride, dilation=dilation, groups=groups,
                bias=bias is not None).to(dtype)
        with torch.no_grad():
            m.conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(w)).to(dtype))
            if bias is not None:
                m.conv.bias.copy_(torch.as_tensor(np.asarray(bias)).to(dtype))
        return m

    def output_crops(self, input_hw: Sequence[int], output_hw: Sequence[int]) -> list[tuple[int, int]]:
        """``(before, after)`` cropped from the full output per axis (negative: zeros appended)."""
        return [
            shapes.conv_transpose_crop(n, o, k, s, "SAME", d)
            for n, o, k, s, d in zip(input_hw, output_hw, self.kernel_size, self.stride, self.dilation)
        ]

    def forward(self, x: torch.Tensor, output_size: Sequence[int] | None = None) -> torch.Tensor:
        if x.ndim != 4:
            raise ShapeError("x", f"tensor of shape {tuple(x.shape)}", "an (N, C, H, W) tensor")
        hw = tuple(int(n) for n in x.shape[2:])  # ints also while the TorchScript exporter traces shapes
        out = tuple(n * s for n, s in zip(hw, self.stride)) if output_size is None else tuple(int(o) for o in output_size[-2:])
        crops = self.output_crops(hw, out)
        c = self.conv
        if _onnx_export.exporting():  # torch.onnx.export: ConvTranspose with explicit pads (see _onnx_export)
            return _onnx_export.export_conv_transpose(
                x, c.weight, c.bias, c.stride, c.dilation, c.groups, crops, lambda t: self._eager(t, crops)
            )
        return self._eager(x, crops)

    def _eager(self, x: torch.Tensor, crops: list[tuple[int, int]]) -> torch.Tensor:
        c = self.conv
        y = F.conv_transpose2d(x, c.weight, None, c.stride, 0, 0, c.groups, c.dilation)
        (t, b), (l, r) = crops
        # F.pad with negative amounts crops; positive amounts append the zeros TF appends.
        # The bias is added afterwards, to every output (Keras Conv2DTranspose adds it after the op).
        y = F.pad(y, (-l, -r, -t, -b))
        return y if c.bias is None else y + c.bias.view(1, -1, 1, 1)


class ResizeConv(nn.Module):
    """Resize by ``scale`` with the engine (:class:`~upsampling.torch.Resize`), then a ``k×k`` convolution.

    Odena, Dumoulin & Olah, "Deconvolution and Checkerboard Artifacts" (Distill 2016): every output
    pixel sees the same number of input pixels, so there is no checkerboard.  ``mode="nearest"``
    is their recommendation; ``"bilinear"`` with ``kernel_size=1`` is the plain bilinear decoder.
    """

    def __init__(self, in_channels: int, out_channels: int, scale: int = 2, *, mode: str = "nearest",
                 kernel_size: int = 3, **resize_options) -> None:
        super().__init__()
        self.resize = Resize(scale=scale, mode=mode, **resize_options)
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.resize(x))


def icnr_(weight: torch.Tensor, scale: int, init=nn.init.kaiming_normal_) -> torch.Tensor:
    """ICNR (Aitken et al. 2017): initialise a pixel-shuffle conv so that at init it equals
    nearest upsampling of one sub-convolution -- no checkerboard before training."""
    out, *rest = weight.shape
    sub = torch.empty(out // (scale * scale), *rest)
    init(sub)
    with torch.no_grad():
        weight.copy_(sub.repeat_interleave(scale * scale, dim=0))
    return weight


class PixelShuffleUpsample(nn.Module):
    """Sub-pixel convolution (Shi et al. 2016): a ``k×k`` conv to ``out·s²`` channels, then ``PixelShuffle(s)``.

    ``icnr=True`` (default) starts it checkerboard-free (see :func:`icnr_`).
    """

    def __init__(self, in_channels: int, out_channels: int, scale: int = 2, *, kernel_size: int = 3, icnr: bool = True) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels * scale * scale, kernel_size, padding=kernel_size // 2)
        if _checks.boolean("icnr", icnr):
            icnr_(self.conv.weight, scale)
            with torch.no_grad():
                b = self.conv.bias.view(out_channels, scale * scale)
                b.copy_(b[:, :1].expand_as(b))
        self.shuffle = nn.PixelShuffle(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shuffle(self.conv(x))


class BilinearUpsample(nn.Module):
    """Half-pixel bilinear resize by ``scale`` (the engine's ``Resize``), then a 1×1 channel projection."""

    def __init__(self, in_channels: int, out_channels: int, scale: int = 2) -> None:
        super().__init__()
        self.resize = Resize(scale=scale, mode="bilinear")
        self.proj = nn.Identity() if in_channels == out_channels else nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(self.resize(x))


def _bilinear_init_(conv: nn.ConvTranspose2d, scale: int) -> None:
    """FCN init generalised to ``in != out`` channels: input ``i`` feeds output ``i·out // in``,
    scaled by ``out / in`` so a constant map stays constant (``in == out``: the diagonal)."""
    cin, cout, kh, kw = conv.weight.shape
    filt = torch.from_numpy(bilinear_filter(kh)).to(conv.weight.dtype)
    with torch.no_grad():
        conv.weight.zero_()
        for i in range(cin):
            conv.weight[i, (i * cout) // cin] = filt * (cout / cin if cin > cout else 1.0)
        if conv.bias is not None:
            conv.bias.zero_()


class TransposedUpsample(nn.Module):
    """A learned stride-``s`` transposed convolution, kernel ``2s - s % 2`` (FCN's), TF SAME (output ``n·s``)."""

    def __init__(self, in_channels: int, out_channels: int, scale: int = 2, *, bilinear_init: bool = False) -> None:
        super().__init__()
        k = 2 * scale - scale % 2
        self.up = ConvTranspose2dSame(in_channels, out_channels, k, scale)
        if _checks.boolean("bilinear_init", bilinear_init):
            _bilinear_init_(self.up.conv, scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.up(x)


#: ``upsample=`` name -> builder ``(in_channels, out_channels, scale) -> nn.Module``.
UPSAMPLERS = {
    "bilinear": BilinearUpsample,
    "transposed": TransposedUpsample,
    "transposed_bilinear_init": lambda i, o, s=2: TransposedUpsample(i, o, s, bilinear_init=True),
    "resize_conv": ResizeConv,
    "pixel_shuffle": PixelShuffleUpsample,
}


def make_upsampler(name: str, in_channels: int, out_channels: int, scale: int = 2) -> nn.Module:
    """Build the upsampler called ``name`` (one of :data:`UPSAMPLERS`), ``in -> out`` channels, ×``scale``."""
    if name not in UPSAMPLERS:
        raise InvalidArgumentError("upsample", name, "one of " + ", ".join(repr(k) for k in UPSAMPLERS))
    if int(scale) < 1 or int(scale) != scale:
        raise InvalidArgumentError("scale", scale, "an integer >= 1")
    return UPSAMPLERS[name](in_channels, out_channels, int(scale))
