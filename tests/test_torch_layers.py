"""upsampling.torch: Resize equals the engine and its gradient is the plans' transpose; TF SAME
transposed convolution; the FCN bilinear kernel's interior/border behaviour; the upsamplers."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.nn import functional as F  # noqa: E402

import upsampling  # noqa: E402
from upsampling.torch import (  # noqa: E402
    UPSAMPLERS,
    ConvTranspose2dSame,
    Resize,
    bilinear_kernel,
    make_upsampler,
    resize,
    upsample_argmax,
)

torch.set_num_threads(1)

ENGINE_MODE = {"bilinear": "linear", "nearest": "nearest", "bicubic": "cubic", "area": "area"}
# (mode, options for upsampling.torch.resize, options for upsampling.resize)
CONVENTIONS = [
    ("bilinear", {}, {}),
    ("bilinear", {"align_corners": True}, {"coordinate_transformation_mode": "align_corners"}),
    ("bilinear", {"coordinate_transformation_mode": "asymmetric"}, {"coordinate_transformation_mode": "asymmetric"}),
    ("bilinear", {"coordinate_transformation_mode": "pytorch_half_pixel"}, {"coordinate_transformation_mode": "pytorch_half_pixel"}),
    ("nearest", {}, {}),
    ("nearest", {"align_corners": True}, {"coordinate_transformation_mode": "align_corners"}),
    # TF1 resize_nearest_neighbor (legacy): asymmetric grid, floor.
    ("nearest", {"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"},
     {"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}),
    ("bicubic", {}, {}),
    ("bicubic", {"align_corners": True}, {"coordinate_transformation_mode": "align_corners"}),
    ("bicubic", {"cubic_coeff_a": -0.5, "exclude_outside": True}, {"cubic_coeff_a": -0.5, "exclude_outside": True}),
    ("bilinear", {"antialias": True}, {"antialias": True}),
    ("area", {}, {}),
    ("bilinear", {"coordinate_transformation_mode": "tf_crop_and_resize", "roi": (0.1, -0.2, 0.9, 1.3),
                  "extrapolation_value": 0.5},
     {"coordinate_transformation_mode": "tf_crop_and_resize", "roi": (0.1, -0.2, 0.9, 1.3), "extrapolation_value": 0.5}),
]
SIZES = [(11, 13), (3, 4), (5, 7), (16, 2)]


def _ids(c):
    return c[0] + "-" + "-".join(f"{k}={v}" for k, v in c[1].items())


def test_import_upsampling_does_not_import_torch():
    code = "import sys, upsampling; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("conv", CONVENTIONS, ids=[_ids(c) for c in CONVENTIONS])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_resize_forward_equals_engine(rng, conv, dtype):
    mode, topts, eopts = conv
    for size in SIZES:
        x = rng.standard_normal((2, 3, 5, 7)).astype(dtype)
        expected = upsampling.resize(x, size, layout="NCHW", mode=ENGINE_MODE[mode], **eopts)
        got = resize(torch.from_numpy(x), size, mode=mode, **topts)
        assert got.dtype == torch.from_numpy(x).dtype
        np.testing.assert_array_equal(got.numpy(), expected, err_msg=f"{mode} {topts} size={size}")


def test_resize_scale_and_layouts(rng):
    x = rng.random((3, 4, 6)).astype(np.float32)
    np.testing.assert_array_equal(
        Resize(scale=2.5)(torch.from_numpy(x)).numpy(), upsampling.resize(x, scale=2.5, layout="CHW")
    )
    np.testing.assert_array_equal(resize(torch.from_numpy(x[0]), 9).numpy(), upsampling.resize(x[0], 9, layout="HW"))


def test_resize_bilinear_matches_torch_interpolate(rng):
    x = torch.from_numpy(rng.random((1, 2, 6, 5)))
    for ac in (False, True):
        ours = Resize(size=(13, 9), mode="bilinear", align_corners=ac)(x)
        theirs = F.interpolate(x, size=(13, 9), mode="bilinear", align_corners=ac)
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-12)


@pytest.mark.parametrize("conv", CONVENTIONS, ids=[_ids(c) for c in CONVENTIONS])
def test_resize_gradcheck(rng, conv):
    mode, topts, _ = conv
    x = torch.from_numpy(rng.standard_normal((1, 2, 4, 5))).requires_grad_()
    for size in [(7, 3), (4, 9)]:
        assert torch.autograd.gradcheck(lambda t: resize(t, size, mode=mode, **topts), (x,), eps=1e-6, atol=1e-9)


def test_resize_backward_is_transpose_of_plan_matrices(rng):
    from upsampling.resizing import resize_plans

    x = torch.from_numpy(rng.random((5, 6))).requires_grad_()
    g = torch.from_numpy(rng.random((9, 4)))
    resize(x, (9, 4), mode="bicubic").backward(g)
    plans, _ = resize_plans(np.empty((5, 6)), (9, 4), mode="cubic", layout="HW")
    mh, mw = plans[0].matrix(), plans[1].matrix()
    np.testing.assert_allclose(x.grad.numpy(), mh.T @ g.numpy() @ mw, rtol=0, atol=1e-12)


def test_resize_float16_computes_in_float32(rng):
    x = rng.random((1, 1, 4, 4)).astype(np.float16)
    got = resize(torch.from_numpy(x), (7, 7))
    assert got.dtype == torch.float16
    np.testing.assert_array_equal(got.numpy(), upsampling.resize(x, (7, 7), layout="NCHW"))


def test_resize_bad_input():
    with pytest.raises(upsampling.InvalidArgumentError, match="mode"):
        Resize(scale=2, mode="trilinear")
    with pytest.raises(upsampling.InvalidArgumentError, match="exactly one"):
        Resize()
    with pytest.raises(upsampling.DTypeError):
        resize(torch.zeros(1, 1, 2, 2, dtype=torch.int64), 4)
    with pytest.raises(upsampling.InvalidArgumentError, match="align_corners"):
        resize(torch.zeros(1, 1, 2, 2), 4, align_corners=True, coordinate_transformation_mode="asymmetric")


# --- TF SAME conv2d_transpose ---------------------------------------------------------------

SAME_CASES = [  # (H, W, kh, kw, stride, output hw or None)
    (5, 6, 3, 3, 2, None),
    (5, 6, 3, 3, 2, (9, 11)),  # the smaller valid output: odd crop, extra pixel cut at the end
    (4, 4, 4, 4, 2, None),
    (4, 4, 4, 4, 2, (7, 8)),
    (3, 5, 2, 5, 3, None),
    (4, 3, 1, 1, 3, None),  # kernel smaller than stride: TF appends zeros
    (6, 6, 5, 2, 1, None),
]


@pytest.mark.parametrize("h,w,kh,kw,s,out", SAME_CASES)
def test_conv_transpose_same_equals_engine(rng, h, w, kh, kw, s, out):
    cin, cout = 3, 2
    x = rng.standard_normal((2, h, w, cin))
    f = rng.standard_normal((kh, kw, cout, cin))
    b = rng.standard_normal(cout)
    oh, ow = out if out is not None else (h * s, w * s)
    expected = upsampling.conv2d_transpose(x, f, output_shape=(2, oh, ow, cout), strides=s, padding="SAME") + b
    m = ConvTranspose2dSame.from_tf(f, s, bias=b, dtype=torch.float64)
    got = m(torch.from_numpy(x).permute(0, 3, 1, 2), out).permute(0, 2, 3, 1).detach().numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    # integer-valued float32 data: every product and sum is exact, so the two agree bit for bit
    xi = rng.integers(-3, 4, x.shape).astype(np.float32)
    fi = rng.integers(-3, 4, f.shape).astype(np.float32)
    ei = upsampling.conv2d_transpose(xi, fi, output_shape=(2, oh, ow, cout), strides=s, padding="SAME")
    mi = ConvTranspose2dSame.from_tf(fi, s)
    gi = mi(torch.from_numpy(xi).permute(0, 3, 1, 2), out).permute(0, 2, 3, 1).detach().numpy()
    np.testing.assert_array_equal(gi, ei)


def test_conv_transpose_same_odd_crop_differs_from_pytorch_padding(rng):
    # SAME, stride 2, kernel 3, output 9 from 5: full 11, TF crops 1 before and 1 after; output 10 crops 0 and 1.
    m = ConvTranspose2dSame(1, 1, 3, 2, bias=False)
    assert m.output_crops((5, 5), (10, 10)) == [(0, 1), (0, 1)]
    x = torch.from_numpy(rng.random((1, 1, 5, 5))).float()
    full = F.conv_transpose2d(x, m.weight, stride=2)
    torch.testing.assert_close(m(x), full[..., :10, :10])


def test_conv_transpose_same_bad_output_size():
    m = ConvTranspose2dSame(1, 1, 3, 2)
    with pytest.raises(upsampling.ShapeError, match="output_size"):
        m(torch.zeros(1, 1, 5, 5), (12, 12))


# --- FCN bilinear kernel --------------------------------------------------------------------


@pytest.mark.parametrize("f", [2, 3, 4, 5, 8])
def test_bilinear_kernel_is_half_pixel_bilinear_inside_zero_border_outside(rng, f):
    """k = 2f - f%2, stride f, padding ceil((f-1)/2) (Caffe BilinearFiller's recipe).

    * equals half-pixel bilinear (``F.interpolate(align_corners=False)``, ``upsampling.resize``'s
      default) at every output whose source coordinate (i + 0.5)/f - 0.5 lies inside [0, n-1];
    * differs at the outer ceil((f-1)/2) = f // 2 outputs of each end, where half-pixel clamps the
      coordinate to the edge pixel and the transposed convolution reads a zero instead;
    * is *exactly* half-pixel bilinear of the input padded with one ring of zeros (cropped back).
    """
    n, c = 9, 2
    k, p = 2 * f - f % 2, math.ceil((f - 1) / 2)
    x = torch.from_numpy(rng.random((1, c, n, n)) + 1.0)
    y = F.conv_transpose2d(x, bilinear_kernel(k, c, dtype=torch.float64), stride=f, padding=p)
    assert y.shape[-1] == n * f
    engine = torch.from_numpy(upsampling.resize(x.numpy(), (n * f, n * f), layout="NCHW"))
    border = f // 2
    inner = slice(border, n * f - border)
    torch.testing.assert_close(y[..., inner, inner], engine[..., inner, inner], rtol=0, atol=1e-12)
    torch.testing.assert_close(y[..., inner, inner], F.interpolate(x, scale_factor=f, mode="bilinear")[..., inner, inner],
                               rtol=0, atol=1e-12)
    diff = (y - engine).abs()[0, 0, n * f // 2] > 1e-9  # one row through the middle
    expected = np.zeros(n * f, bool)
    expected[:border] = expected[n * f - border:] = True
    np.testing.assert_array_equal(diff.numpy(), expected)
    # the border is darker: the zero beyond the edge is averaged in
    assert (y[..., :border] < engine[..., :border]).all()
    padded = F.pad(x, (1, 1, 1, 1))
    zero_border = upsampling.resize(padded.numpy(), ((n + 2) * f,) * 2, layout="NCHW")[..., f:-f, f:-f]
    np.testing.assert_allclose(y.numpy(), zero_border, rtol=0, atol=1e-12)


def test_bilinear_kernel_layout():
    w = bilinear_kernel(4, 3)
    assert w.shape == (3, 3, 4, 4)
    assert torch.count_nonzero(w[0, 1]) == 0 and torch.allclose(w[1, 1], w[0, 0])
    assert float(w[0, 0].sum()) == pytest.approx(4.0)  # stride 2: each output sums 4 stamps of weight 1/4


# --- upsamplers -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(UPSAMPLERS))
@pytest.mark.parametrize("scale", [2, 4])
def test_upsamplers_shape_and_grad(name, scale):
    torch.manual_seed(0)
    m = make_upsampler(name, 6, 4, scale)
    x = torch.randn(2, 6, 5, 7, requires_grad=True)
    y = m(x)
    assert y.shape == (2, 4, 5 * scale, 7 * scale)
    y.square().mean().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_bilinear_init_transposed_keeps_constants_in_the_interior():
    m = make_upsampler("transposed_bilinear_init", 4, 4, 2)
    y = m(torch.ones(1, 4, 8, 8))
    torch.testing.assert_close(y[..., 1:-1, 1:-1], torch.ones(1, 4, 14, 14))


def test_pixel_shuffle_icnr_starts_as_nearest():
    torch.manual_seed(0)
    m = make_upsampler("pixel_shuffle", 3, 2, 2)
    y = m(torch.randn(1, 3, 6, 6))
    torch.testing.assert_close(y[..., 0::2, 0::2], y[..., 1::2, 1::2])


def test_make_upsampler_unknown_name_lists_valid():
    with pytest.raises(upsampling.InvalidArgumentError, match="pixel_shuffle"):
        make_upsampler("deconv", 2, 2)


def test_upsample_argmax_torch_equals_argmax_of_resize(rng):
    logits = torch.from_numpy(rng.standard_normal((2, 5, 6, 7)).astype(np.float32))
    got = upsample_argmax(logits, (23, 19))
    expected = resize(logits, (23, 19)).argmax(1)
    assert got.dtype == torch.int64
    torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("name", ["upsampling.torch.resize", "upsampling.torch.layers", "upsampling.models.metrics"])
def test_doctests(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0, name
