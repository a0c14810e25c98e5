"""The tiled transposed convolution (private OpenBLAS, our threads) against the references.

``conv_transpose2d_tiles`` is forced over the random grid of ``test_conv_fast`` (groups,
strides 1-4, kernels 1-7, crops -4..6, outputs longer than the full size, 1-pixel inputs,
batch > 1, float32/float64) with one-row tiles, the default tiles and several threads, with
both weight layouts (PyTorch's, and TensorFlow's seen through a transpose, which takes the
``trans_b`` GEMM), and compared with the scatter reference and the GEMM + col2im engine.  The
tiles run in compiled code (``csrc/conv_tiles.hpp``) on the native pool.  Then
the public engine with the tiles forced on views, the fallback when the private library is
missing, the checks of :func:`upsampling.kernels._blas.gemm`, and that ``import upsampling``
loads none of it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import upsampling
from upsampling import options
from upsampling.conv_transpose import conv_transpose
from upsampling.errors import DTypeError, InvalidArgumentError, MissingExtraError, ShapeError
from upsampling.kernels import _blas, conv_tiles
from upsampling.kernels.numpy_conv import conv_transpose2d_blocks

from test_conv_fast import _arrays, _close32, _config, _references, engine_on_views

F64 = np.dtype(np.float64)
F32 = np.dtype(np.float32)

BLAS = _blas.load()
needs_blas = pytest.mark.skipif(
    BLAS is None, reason=f"private OpenBLAS not loadable: {_blas._state['error']}"
)


@pytest.fixture
def forced(monkeypatch):
    """The engine takes the tiles for every 2-D float problem (thresholds off)."""
    monkeypatch.setattr(conv_tiles, "_MIN_MACS", 0)
    monkeypatch.setattr(conv_tiles, "_MIN_K", 0)
    monkeypatch.setattr(conv_tiles, "_MIN_COLUMNS", 0)
    calls = []
    real = conv_tiles.conv_transpose2d_tiles

    def spy(*args, **kwargs):
        calls.append(args[0].shape)
        return real(*args, **kwargs)

    monkeypatch.setattr(conv_tiles, "conv_transpose2d_tiles", spy)
    return calls


def _tf_memory(w: np.ndarray) -> np.ndarray:
    """The same weights seen as (C_in, C_out/g, kh, kw) over TensorFlow's [kh, kw, out, in] memory."""
    return np.ascontiguousarray(w.transpose(2, 3, 1, 0)).transpose(3, 2, 0, 1)


@needs_blas
@pytest.mark.parametrize("tiles", ["one-row", "default", "one-thread"])
def test_tiles_match_scatter_and_engine_on_random_grid(monkeypatch, tiles):
    """float64 to 1e-12 and float32 to 1e-5 against both references, both weight layouts."""
    rng = np.random.default_rng(4242 + len(tiles))
    threads = 1 if tiles == "one-thread" else 3  # 3 > cores: the shared tile counter under contention
    if tiles == "one-row":  # a tile per extended block row: every tile boundary and edge
        monkeypatch.setattr(conv_tiles, "_TILE_BYTES", 1)
    for trial in range(120):
        cfg = _config(rng)
        x, w = _arrays(rng, cfg)
        if trial % 2:
            w = _tf_memory(w)
        scatter, engine = _references(x, w, cfg)
        msg = f"trial {trial}: {cfg}"
        args = (cfg["s"], cfg["pb"], cfg["out"], cfg["g"])
        got = conv_tiles.conv_transpose2d_tiles(x, w, *args, F64, BLAS, threads=threads)
        assert got.shape == scatter.shape == (cfg["n"], cfg["g"] * cfg["mg"], *cfg["out"]), msg
        assert got.dtype == F64
        np.testing.assert_allclose(got, scatter, rtol=1e-12, atol=1e-12, err_msg=msg)
        np.testing.assert_allclose(got, engine, rtol=1e-12, atol=1e-12, err_msg=msg)
        x32, w32 = x.astype(F32), w.astype(F32)
        got32 = conv_tiles.conv_transpose2d_tiles(x32, w32, *args, F32, BLAS, threads=threads)
        assert got32.dtype == F32
        _close32(got32, scatter, msg)


@needs_blas
def test_tiles_at_the_benchmark_shapes_scaled_down():
    """U-Net (k2 s2: the input rows are the GEMM operand), decoder (k4 s2 SAME), FCN-like, odd crops."""
    rng = np.random.default_rng(8)
    cases = [
        # (n, c_in, h, w, c_out, k, s, pads_begin, out, groups)
        (1, 16, 8, 6, 8, (2, 2), (2, 2), (0, 0), (16, 12), 1),  # direct family
        (2, 16, 8, 6, 8, (2, 2), (2, 2), (0, 0), (16, 12), 4),  # direct, grouped (lda = C_in)
        (3, 8, 6, 5, 4, (4, 4), (2, 2), (1, 1), (12, 10), 1),
        (1, 5, 4, 4, 3, (16, 16), (8, 8), (4, 4), (32, 32), 1),
        (2, 6, 5, 7, 6, (3, 5), (2, 3), (1, 2), (9, 19), 3),
        (1, 4, 3, 4, 2, (7, 6), (4, 3), (-2, 5), (13, 9), 1),
        (1, 4, 1, 1, 3, (2, 3), (5, 4), (0, 0), (7, 9), 1),  # 1 pixel; kernel shorter than the stride
    ]
    for n, c_in, h, wd, c_out, k, s, pb, out, g in cases:
        x = rng.standard_normal((n, c_in, h, wd))
        w = rng.standard_normal((c_in, c_out // g, *k))
        cfg = dict(s=s, pb=pb, out=out, g=g)
        scatter, _ = _references(x, w, cfg)
        for threads in (1, 2):
            for weights in (w, _tf_memory(w)):
                got = conv_tiles.conv_transpose2d_tiles(x, weights, s, pb, out, g, F64, BLAS, threads=threads)
                msg = str((k, s, pb, out, g, threads))
                np.testing.assert_allclose(got, scatter, rtol=1e-12, atol=1e-12, err_msg=msg)


@needs_blas
def test_engine_takes_the_tiles_on_views_dtypes_and_bias(forced):
    """conv_transpose with the tiles forced == the scatter reference on non-contiguous, reversed
    and channels-last views, float32 and float64, with bias."""

    def through_tiles(call):
        before = len(forced)
        got = call()
        assert len(forced) == before + 1, "the engine did not take the tiles"
        return got

    engine_on_views(12, 40, through_tiles)


@needs_blas
def test_tensorflow_face_with_tiles_is_c_ordered_and_matches(forced):
    rng = np.random.default_rng(21)
    x = rng.standard_normal((2, 9, 7, 6)).astype(np.float32)
    filters = rng.standard_normal((4, 4, 5, 6)).astype(np.float32)
    got = upsampling.conv2d_transpose(x, filters, (2, 18, 14, 5), 2, "SAME")
    assert forced and got.flags.c_contiguous and got.shape == (2, 18, 14, 5)
    with options(kernel="reference"):
        ref = upsampling.conv2d_transpose(x, filters, (2, 18, 14, 5), 2, "SAME")
    _close32(got, ref, "conv2d_transpose SAME")


@needs_blas
def test_threads_calling_at_once_get_their_own_results(forced):
    """Per-thread scratch buffers: concurrent calls from user threads never mix their tiles."""
    rng = np.random.default_rng(33)
    xs = [rng.standard_normal((2, 8, 9, 7)) for _ in range(4)]
    w = rng.standard_normal((8, 6, 4, 4))
    kwargs = dict(strides=2, pads_begin=1, output_size=(18, 14))
    expected = [conv_transpose2d_blocks(x, w, (2, 2), (1, 1), (18, 14), 1, F64) for x in xs]
    results: dict[int, np.ndarray] = {}

    def call(i: int) -> None:
        for _ in range(5):
            results[i] = conv_transpose(xs[i], w, **kwargs)

    workers = [threading.Thread(target=call, args=(i,)) for i in range(4)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    for i in range(4):
        np.testing.assert_allclose(results[i], expected[i], rtol=1e-12, atol=1e-12)


def test_fallback_without_the_private_library_gives_numpys_numbers(forced, monkeypatch):
    """scipy-openblas32 missing: the engine runs conv_transpose2d_blocks, bit for bit."""
    monkeypatch.setitem(sys.modules, "scipy_openblas32", None)  # import fails
    monkeypatch.setattr(_blas, "_state", {"tried": False, "blas": None, "error": None})
    assert _blas.load() is None
    assert isinstance(_blas._state["error"], ImportError)
    rng = np.random.default_rng(44)
    for trial in range(20):
        cfg = _config(rng)
        x, w = _arrays(rng, cfg)
        args = (cfg["s"], cfg["pb"], cfg["out"], cfg["g"])
        kwargs = dict(strides=cfg["s"], pads_begin=cfg["pb"], output_size=cfg["out"], groups=cfg["g"])
        got = conv_transpose(x, w, **kwargs)
        np.testing.assert_array_equal(got, conv_transpose2d_blocks(x, w, *args, F64))
    assert not forced, "the tiles ran without the library"
    with pytest.raises(MissingExtraError, match="scipy-openblas32"):
        _blas.gemm(np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 2)))


def test_kernel_numpy_option_keeps_the_numpy_path(forced):
    rng = np.random.default_rng(45)
    x, w = rng.standard_normal((1, 4, 5, 5)), rng.standard_normal((4, 3, 4, 4))
    with options(kernel="numpy"):
        got = conv_transpose(x, w, strides=2, pads_begin=1, output_size=(10, 10))
    assert not forced
    np.testing.assert_array_equal(got, conv_transpose2d_blocks(x, w, (2, 2), (1, 1), (10, 10), 1, F64))


def test_dispatch_thresholds():
    """The gate: small problems and thin GEMMs stay on the NumPy path (no library loaded for them)."""
    gate = conv_tiles.tiles_blas
    assert gate((1, 3, 28, 28), (3, 5, 4, 4), (2, 2), (1, 1), (56, 56), 1) is None  # E
    assert gate((1, 32, 32, 64), (64, 32, 4, 4), (2, 2), (1, 1), (64, 64), 1) is None  # 34M multiply-adds
    assert gate((1, 21, 16, 16), (21, 21, 64, 64), (32, 32), (16, 16), (512, 512), 1) is BLAS  # F: K = 84
    assert gate((4, 64, 32, 32), (64, 32, 3, 3), (2, 2), (1, 1), (63, 63), 1) is BLAS  # N = 32
    assert gate((4, 16, 64, 64), (16, 32, 3, 3), (2, 2), (1, 1), (127, 127), 1) is None  # the one-tap phase: K = 16
    assert gate((4, 64, 64, 64), (64, 8, 3, 3), (2, 2), (1, 1), (127, 127), 1) is None  # the one-tap phase: N = 8
    assert gate((1, 256, 64, 64), (256, 128, 2, 2), (2, 2), (0, 0), (128, 128), 1) is BLAS  # G
    assert gate((8, 128, 32, 32), (128, 64, 4, 4), (2, 2), (1, 1), (64, 64), 1) is BLAS  # H


@needs_blas
def test_bad_input_still_raises_the_projects_errors(forced):
    x = np.random.default_rng(3).standard_normal((1, 4, 4, 3)).astype(np.float32)
    filters = np.random.default_rng(4).standard_normal((3, 3, 2, 3)).astype(np.float32)
    with pytest.raises(ShapeError, match="output_shape"):
        upsampling.conv2d_transpose(x, filters, (1, 20, 8, 2), 2, "SAME")
    with pytest.raises(DTypeError):
        upsampling.conv2d_transpose(x > 0, filters > 0, (1, 8, 8, 2), 2, "SAME")
    xc, wc = x.transpose(0, 3, 1, 2), filters.transpose(3, 2, 0, 1)
    with pytest.raises(InvalidArgumentError, match="groups"):
        conv_transpose(xc, wc, strides=2, groups=2)
    with pytest.raises(ShapeError, match="bias"):
        conv_transpose(xc, wc, np.ones(3), strides=2)
    assert not forced  # every refusal comes before the kernel


@needs_blas
def test_gemm_computes_on_any_leading_dimension_and_transposed_b():
    rng = np.random.default_rng(55)
    for dtype in (np.float32, np.float64):
        tol = 1e-4 if dtype == np.float32 else 1e-12
        a = rng.standard_normal((40, 70)).astype(dtype)[3:33, 5:55]  # lda 70 > k 50
        b = rng.standard_normal((50, 23)).astype(dtype)
        big = np.full((40, 31), 7.0, dtype=dtype)
        c = big[4:34, 2:25]
        _blas.gemm(a, b, c)
        np.testing.assert_allclose(c, a @ b, rtol=tol, atol=tol)
        outside = np.ones(big.shape, bool)
        outside[4:34, 2:25] = False
        assert (big[outside] == 7).all()  # nothing written outside c
        _blas.gemm(a, b, c, alpha=2.0, beta=-1.0)
        np.testing.assert_allclose(c, a @ b, rtol=tol, atol=tol)
        bt = np.ascontiguousarray(b.T)
        _blas.gemm(a, bt, c, trans_b=True)
        np.testing.assert_allclose(c, a @ b, rtol=tol, atol=tol)
        empty_k = np.empty((30, 0), dtype=dtype)
        _blas.gemm(empty_k, np.empty((0, 23), dtype=dtype), c)
        assert (c == 0).all()
        one_row = rng.standard_normal((1, 50)).astype(dtype)
        c1 = np.empty((1, 23), dtype=dtype)
        _blas.gemm(one_row, b, c1)
        np.testing.assert_allclose(c1, one_row @ b, rtol=tol, atol=tol)


@needs_blas
def test_gemm_refuses_what_blas_cannot_take():
    """Every refusal is one of the project's errors, raised before a pointer is passed."""
    a = np.ones((4, 3), np.float32)
    b = np.ones((3, 5), np.float32)
    c = np.zeros((4, 5), np.float32)
    raw = np.zeros(4 * 3 * 4 + 1, np.uint8)
    misaligned = raw[1:].view(np.float32).reshape(4, 3)
    assert misaligned.ctypes.data % 4
    lying = np.lib.stride_tricks.as_strided(a, (4, 3), (8, 4))  # rows overlapping: ld 2 < 3 columns
    bad = [
        ((a.astype(np.float64), b, c), DTypeError),
        ((a.astype(np.float16), b.astype(np.float16), c.astype(np.float16)), DTypeError),
        ((a.astype(">f4"), b.astype(">f4"), c.astype(">f4")), DTypeError),
        ((a.tolist(), b, c), DTypeError),
        ((a, b[:2], c), ShapeError),
        ((a, b, c[:, :4]), ShapeError),
        ((a, b, c[None]), ShapeError),
        ((a[:, ::2], b[:2], c), ShapeError),  # inner stride 2
        ((a[::-1], b, c), ShapeError),  # negative row stride
        ((np.asfortranarray(a), b, c), ShapeError),
        ((lying, b, c), ShapeError),
        ((misaligned, b, c), ShapeError),
        ((a, b, c.copy().view()), None),  # fine: a check below must not fire
    ]
    readonly = c.copy()
    readonly.setflags(write=False)
    bad.append(((a, b, readonly), InvalidArgumentError))
    square = np.ones((3, 3), np.float32)
    bad.append(((square, square, square), InvalidArgumentError))  # c overlaps a and b
    for args, error in bad:
        if error is None:
            _blas.gemm(*args)
            continue
        with pytest.raises(error):
            _blas.gemm(*args)
    with pytest.raises(ShapeError):
        _blas.gemm(a, b, c, trans_b=True)  # b must be (n, k) = (5, 3)
    assert (c == 0).all()


def test_import_upsampling_loads_no_private_blas():
    code = (
        "import sys, numpy as np, upsampling\n"
        "assert 'upsampling.kernels._blas' not in sys.modules and 'scipy_openblas32' not in sys.modules\n"
        "x = np.ones((1, 3, 4, 4)); w = np.ones((3, 2, 3, 3))\n"
        "from upsampling.conv_transpose import conv_transpose\n"
        "conv_transpose(x, w, strides=2)\n"  # a small problem: the NumPy path, nothing loaded
        "assert 'scipy_openblas32' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_private_blas_ignores_the_users_openblas_tuning():
    """OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE tune NumPy's OpenBLAS, not ours: the private library
    detects the CPU whatever they say, UPSAMPLING_OPENBLAS_CORETYPE pins it, and the process
    environment is left as it was."""
    pytest.importorskip("scipy_openblas32")
    code = (
        "import os; from upsampling.kernels import _blas; b = _blas.load(); "
        "print(b.corename, os.environ.get('OPENBLAS_CORETYPE'), os.environ.get('OPENBLAS_L2_SIZE'))"
    )

    def corename(**env: str) -> list[str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBLAS_", "UPSAMPLING_OPENBLAS"))}
        out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, check=True)
        return out.stdout.split()

    detected = corename()[0]
    assert corename(OPENBLAS_CORETYPE="Nehalem", OPENBLAS_L2_SIZE="64") == [detected, "Nehalem", "64"]
    assert corename(UPSAMPLING_OPENBLAS_CORETYPE="Nehalem")[0] == "Nehalem"
    assert corename(UPSAMPLING_OPENBLAS_CORETYPE="", OPENBLAS_CORETYPE="Nehalem")[0] == detected
    assert detected != "Nehalem"  # else the first check could not fail
    bad = subprocess.run(
        [sys.executable, "-c", code],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("UPSAMPLING_OPENBLAS")}, "UPSAMPLING_OPENBLAS_CORETYPE": "Bogus"},
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "InvalidArgumentError" in bad.stderr
    assert "UPSAMPLING_OPENBLAS_CORETYPE='Bogus'" in bad.stderr
