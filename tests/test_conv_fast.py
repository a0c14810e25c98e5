"""The phase ("sub-pixel") fast path of the 2-D transposed convolution against the references.

``conv_transpose2d_blocks`` has two ways through it -- one GEMM over every phase (small
problems, groups 1) and one GEMM per pair of phase runs (with a shared or a per-pair im2col);
both are forced here on a random grid of configurations and compared with the scatter
reference and the N-D GEMM + col2im engine, then the public engine and the TensorFlow face
are checked on views, dtypes, paddings and bad input.
"""

from __future__ import annotations

import numpy as np
import pytest

import upsampling
from upsampling import options, shapes
from upsampling.conv_transpose import conv_transpose
from upsampling.errors import DTypeError, InvalidArgumentError, ShapeError
from upsampling.kernels import numpy_conv
from upsampling.kernels.numpy_conv import (
    _merged_taps,
    _phase_segments,
    conv_transpose2d_blocks,
    conv_transpose_numpy,
)
from upsampling.reference.conv_transpose_scatter import conv_transpose_scatter

F64 = np.dtype(np.float64)
F32 = np.dtype(np.float32)


def _config(rng: np.random.Generator) -> dict:
    """Random 2-D configuration: groups, strides 1-4, kernels 1-7, crops from -4 to 6, any output size."""
    g = int(rng.choice([1, 1, 1, 2, 3]))
    n = int(rng.choice([1, 1, 2, 3]))
    hw = tuple(int(rng.choice([1, 1, 2, 3, 5, 6, 7])) for _ in range(2))
    k = tuple(int(v) for v in rng.integers(1, 8, size=2))
    s = tuple(int(v) for v in rng.integers(1, 5, size=2))
    pb = tuple(int(v) for v in rng.integers(-4, 7, size=2))
    full = [(i - 1) * si + ki for i, si, ki in zip(hw, s, k)]
    # output sizes around the full size: shorter, equal, longer (zeros beyond the full output)
    out = tuple(max(1, f - p + int(rng.integers(-3, 5))) for f, p in zip(full, pb))
    return dict(n=n, g=g, cg=int(rng.integers(1, 4)), mg=int(rng.integers(1, 4)), hw=hw, k=k, s=s, pb=pb, out=out)


def _arrays(rng: np.random.Generator, cfg: dict) -> tuple[np.ndarray, np.ndarray]:
    x = rng.standard_normal((cfg["n"], cfg["g"] * cfg["cg"], *cfg["hw"]))
    w = rng.standard_normal((cfg["g"] * cfg["cg"], cfg["mg"], *cfg["k"]))
    return x, w


def _views(rng: np.random.Generator, x: np.ndarray, w: np.ndarray, trial: int) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``w`` as they are, reversed (negative strides), strided into a larger array, or
    in channels-last memory (as the TensorFlow faces pass them), by ``trial % 4``."""
    kind = trial % 4
    if kind == 1:  # negative strides
        x = x[:, :, ::-1, ::-1]
        w = w[:, :, ::-1]
    elif kind == 2:  # strided, non-contiguous
        big = rng.standard_normal((x.shape[0], x.shape[1], 2 * x.shape[2], 2 * x.shape[3] + 1))
        big[:, :, ::2, 1::2] = x
        x = big[:, :, ::2, 1::2]
    elif kind == 3:  # channels-last memory, as the TensorFlow faces pass it
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    return x, w


def _references(x: np.ndarray, w: np.ndarray, cfg: dict) -> tuple[np.ndarray, np.ndarray]:
    scatter = conv_transpose_scatter(x, w, cfg["s"], (1, 1), cfg["pb"], cfg["out"], cfg["g"])
    engine = conv_transpose_numpy(x, w, cfg["s"], (1, 1), cfg["pb"], cfg["out"], cfg["g"], F64)
    return scatter, engine


def _close32(got: np.ndarray, ref: np.ndarray, msg: str) -> None:
    scale = max(1.0, float(np.abs(ref).max(initial=0.0)))
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5 * scale, err_msg=msg)


@pytest.mark.parametrize("path", ["merged", "runs", "runs-shared", "runs-separate", "runs-chunked"])
def test_blocks_match_scatter_and_engine_on_random_grid(monkeypatch, path):
    """Every path of the fast kernel, float64 to 1e-12 and float32 to 1e-5, against both references."""
    rng = np.random.default_rng(2024 + len(path))
    monkeypatch.setattr(numpy_conv, "_MERGED_MACS", 10**12 if path == "merged" else -1)
    if path == "runs-separate":  # never share an im2col between run pairs
        monkeypatch.setattr(numpy_conv, "_shares_im2col", lambda rows, cols, c, m_g: False)
    if path == "runs-chunked":  # one batch item at a time
        monkeypatch.setattr(numpy_conv, "_BLOCK_BYTES", 1)
    if path == "runs-shared":  # always share one (and stack the pairs' GEMMs)
        monkeypatch.setattr(numpy_conv, "_shares_im2col", lambda rows, cols, c, m_g: True)
    for trial in range(250):
        cfg = _config(rng)
        x, w = _arrays(rng, cfg)
        scatter, engine = _references(x, w, cfg)
        msg = f"trial {trial}: {cfg}"
        args = (cfg["s"], cfg["pb"], cfg["out"], cfg["g"])
        got = conv_transpose2d_blocks(x, w, *args, F64)
        assert got.shape == scatter.shape == (cfg["n"], cfg["g"] * cfg["mg"], *cfg["out"]), msg
        assert got.dtype == F64
        np.testing.assert_allclose(got, scatter, rtol=1e-12, atol=1e-12, err_msg=msg)
        np.testing.assert_allclose(got, engine, rtol=1e-12, atol=1e-12, err_msg=msg)
        got32 = conv_transpose2d_blocks(x.astype(np.float32), w.astype(np.float32), *args, F32)
        assert got32.dtype == F32
        _close32(got32, scatter, msg)


def test_blocks_at_the_benchmark_shapes_scaled_down(monkeypatch):
    """FCN-like (k = 2s, crop s/2), U-Net (k = s = 2), decoder (k4 s2 SAME) and odd crops, both paths."""
    rng = np.random.default_rng(7)
    cases = [
        # (n, c_in, h, w, c_out, k, s, pads_begin, out)
        (1, 5, 4, 4, 3, (16, 16), (8, 8), (4, 4), (32, 32)),
        (1, 6, 5, 3, 4, (2, 2), (2, 2), (0, 0), (10, 6)),
        (3, 8, 6, 5, 4, (4, 4), (2, 2), (1, 1), (12, 10)),
        (2, 3, 7, 7, 5, (5, 3), (3, 2), (2, 0), (21, 15)),
        (1, 4, 3, 4, 2, (7, 6), (4, 3), (-2, 5), (13, 9)),
    ]
    for limit in (-1, 10**12):
        monkeypatch.setattr(numpy_conv, "_MERGED_MACS", limit)
        for n, c_in, h, wd, c_out, k, s, pb, out in cases:
            x = rng.standard_normal((n, c_in, h, wd))
            w = rng.standard_normal((c_in, c_out, *k))
            cfg = dict(s=s, pb=pb, out=out, g=1)
            scatter, _ = _references(x, w, cfg)
            got = conv_transpose2d_blocks(x, w, s, pb, out, 1, F64)
            np.testing.assert_allclose(got, scatter, rtol=1e-12, atol=1e-12, err_msg=str((limit, k, s, pb, out)))


def test_phase_tables_cover_every_tap_once():
    """Across the phases of an axis, the runs and the merged table name every kernel tap exactly once."""
    for k in range(1, 12):
        for s in range(1, 6):
            for pad in range(-6, 9):
                seen = []
                for r0, r1, c, taps, j0 in _phase_segments(k, s, pad):
                    for r in range(r0, r1):
                        assert divmod(r + pad, s) == (c, j0 + r - r0)
                        seen += [j0 + r - r0 + d * s for d in range(taps)]
                assert sorted(seen) == list(range(k)), (k, s, pad)
                _, depth, table = _merged_taps(k, s, pad)
                assert table.shape == (depth, s)
                assert sorted(int(j) for j in table.ravel() if j < k) == list(range(k)), (k, s, pad)


def engine_on_views(seed: int, trials: int, fast_call=lambda call: call()) -> None:
    """conv_transpose == the scatter reference option on non-contiguous, reversed and
    channels-last views, float32 and float64, with bias.  ``fast_call(call)`` runs the fast
    call and returns its result (a caller may check which path it took)."""
    rng = np.random.default_rng(seed)
    for trial in range(trials):
        cfg = _config(rng)
        x, w = _arrays(rng, cfg)
        x, w = _views(rng, x, w, trial)
        bias = rng.standard_normal(cfg["g"] * cfg["mg"])
        kwargs = dict(strides=cfg["s"], pads_begin=cfg["pb"], output_size=cfg["out"], groups=cfg["g"])
        for dtype, tol in ((np.float64, 1e-12), (np.float32, 1e-5)):
            xd, wd, bd = x.astype(dtype), w.astype(dtype), bias.astype(dtype)
            got = fast_call(lambda: conv_transpose(xd, wd, bd, **kwargs))
            with options(kernel="reference"):
                ref = conv_transpose(xd, wd, bd, **kwargs)
            assert got.dtype == ref.dtype == dtype
            scale = max(1.0, float(np.abs(ref).max()))
            np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * scale, err_msg=f"trial {trial}: {cfg}")


def test_engine_on_views_dtypes_and_bias():
    """conv_transpose (fast path) == the scatter reference option on non-contiguous and reversed views."""
    engine_on_views(11, 60)


@pytest.mark.parametrize("padding", ["SAME", "VALID", "EXPLICIT"])
def test_tensorflow_face_matches_reference(padding):
    """conv2d_transpose NHWC and NCHW, every valid output size, C-ordered results."""
    rng = np.random.default_rng(sum(map(ord, padding)))
    for trial in range(40):
        n, h, wd = int(rng.integers(1, 3)), int(rng.integers(1, 8)), int(rng.integers(1, 8))
        c_in, c_out = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        k = [int(v) for v in rng.integers(1, 8, size=2)]
        s = [int(v) for v in rng.integers(1, 5, size=2)]
        pad = [(int(rng.integers(0, 4)), int(rng.integers(0, 4))) for _ in range(2)]
        per_axis = pad if padding == "EXPLICIT" else [padding] * 2
        valid = [shapes.valid_conv_transpose_output_sizes(i, ki, si, p) for i, ki, si, p in zip((h, wd), k, s, per_axis)]
        if any(len(v) == 0 for v in valid):
            continue
        out = [int(rng.choice(list(v))) for v in valid]
        x = rng.standard_normal((n, h, wd, c_in)).astype(np.float32)
        filters = rng.standard_normal((*k, c_out, c_in)).astype(np.float32)
        tf_pad = [[0, 0], list(pad[0]), list(pad[1]), [0, 0]] if padding == "EXPLICIT" else padding
        got = upsampling.conv2d_transpose(x, filters, (n, *out, c_out), s, tf_pad)
        with options(kernel="reference"):
            ref = upsampling.conv2d_transpose(x, filters, (n, *out, c_out), s, tf_pad)
        assert got.flags.c_contiguous and got.shape == (n, *out, c_out)
        _close32(got, ref, f"trial {trial}: {x.shape} k{k} s{s} {padding} {pad} -> {out}")
        nchw_pad = [[0, 0], [0, 0], list(pad[0]), list(pad[1])] if padding == "EXPLICIT" else padding
        got_nchw = upsampling.conv2d_transpose(
            x.transpose(0, 3, 1, 2), filters, (n, c_out, *out), s, nchw_pad, data_format="NCHW"
        )
        _close32(got_nchw, ref.transpose(0, 3, 1, 2), f"NCHW trial {trial}")


def test_tensorflow_example_shape_exactly():
    """The harness's case E (1x28x28x3 -> 56x56x5, k4 s2 SAME) in float32 and float64."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 28, 28, 3))
    filters = rng.standard_normal((4, 4, 5, 3))
    for dtype, tol in ((np.float64, 1e-12), (np.float32, 1e-5)):
        got = upsampling.conv2d_transpose(x.astype(dtype), filters.astype(dtype), (1, 56, 56, 5), 2, "SAME")
        with options(kernel="reference"):
            ref = upsampling.conv2d_transpose(x.astype(dtype), filters.astype(dtype), (1, 56, 56, 5), 2, "SAME")
        assert got.dtype == dtype
        np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * float(np.abs(ref).max()))


def test_bad_input_still_raises_the_same_errors():
    x = np.random.default_rng(3).standard_normal((1, 4, 4, 3)).astype(np.float32)
    filters = np.random.default_rng(4).standard_normal((3, 3, 2, 3)).astype(np.float32)
    with pytest.raises(ShapeError, match="output_shape"):
        upsampling.conv2d_transpose(x, filters, (1, 20, 8, 2), 2, "SAME")
    with pytest.raises(ShapeError, match="channels"):
        upsampling.conv2d_transpose(x, filters[..., :2], (1, 8, 8, 2), 2, "SAME")
    with pytest.raises(InvalidArgumentError, match="strides"):
        upsampling.conv2d_transpose(x, filters, (1, 8, 8, 2), 0, "SAME")
    with pytest.raises(InvalidArgumentError, match="padding"):
        upsampling.conv2d_transpose(x, filters, (1, 8, 8, 2), 2, "same")
    with pytest.raises(DTypeError):
        upsampling.conv2d_transpose(x > 0, filters > 0, (1, 8, 8, 2), 2, "SAME")
    xc = x.transpose(0, 3, 1, 2)
    wc = filters.transpose(3, 2, 0, 1)
    with pytest.raises(InvalidArgumentError, match="groups"):
        conv_transpose(xc, wc, strides=2, groups=2)
    with pytest.raises(ShapeError, match="pads_begin"):
        conv_transpose(xc, wc, strides=1, pads_begin=4, pads_end=3)
    assert conv_transpose(xc, wc, strides=1, pads_begin=3, pads_end=3).shape == (1, 2, 0, 0)  # empty, not refused
    with pytest.raises(ShapeError, match="bias"):
        conv_transpose(xc, wc, np.ones(3), strides=2)
