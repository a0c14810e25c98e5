"""PyTorch twin vs live ``torch.nn.functional.interpolate`` (torch 2.13, CPU).

* The whole option grid -- mode x rank x align_corners x antialias x (size | scale_factor x
  recompute_scale_factor) -- on random normal inputs and size pairs that go up, down, by
  non-integer and asymmetric factors, to and from 1 pixel, and through the out == in and
  out == 2*in shortcuts; float32 within 1e-5 * max|x|, float64 within 1e-12 * max|x|.
* Nearest and nearest-exact index maps swept over every (n_in, n_out) in 1..49, and over
  long axes where PyTorch changes kernel.
* uint8 bit for bit; float16 within two half-precision ulps; refusals with PyTorch's words.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conftest import framework
from upsampling.errors import DTypeError, UpsamplingError
from upsampling.frameworks import pytorch as twin

pytestmark = pytest.mark.parity

# (n_in, n_out) pairs for `size=`, and (n_in, scale_factor) pairs for `scale_factor=`.
SIZE_PAIRS = [(5, 8), (7, 3), (13, 10), (6, 13), (1, 4), (4, 1), (1, 1), (3, 6), (5, 5), (8, 2), (2, 9)]
FACTOR_PAIRS = [
    (5, 1.7), (7, 0.43), (13, 0.77), (6, 2.17), (5, 1.1), (20, 1.04), (5, 2.1), (4, 2.0), (6, 0.5),
    (3, 3.0), (1, 4.0), (4, 0.25), (9, 1 / 3), (7, 0.9), (10, 0.7), (3, 7 / 3),
]
MODES_BY_RANK = {
    3: ["nearest", "nearest-exact", "linear", "area"],
    4: ["nearest", "nearest-exact", "bilinear", "bicubic", "area", "lanczos"],
    5: ["nearest", "nearest-exact", "trilinear", "area"],
}


def _options(mode: str):
    """Every valid (align_corners, antialias) pair of a mode."""
    if mode in ("nearest", "nearest-exact", "area"):
        return [(None, False)]
    if mode == "lanczos":
        return [(None, True), (False, True)]
    antialias = [False, True] if mode in ("bilinear", "bicubic") else [False]
    return [(ac, aa) for ac in (None, False, True) for aa in antialias]


def _torch_interpolate(torch, x, **kw):
    return torch.nn.functional.interpolate(torch.from_numpy(x), **kw).numpy()


def _width_one_quirk(x, y_shape, kw) -> bool:
    """torch 2.13 CPU fault: the separable kernels (antialias; uint8 bilinear/bicubic) on an
    NCHW-contiguous tensor resized to width 1 with a resampled height repeat output row 0 down
    the column -- float inputs, and uint8 with more than 4 channels (which misses the AVX path).
    The twin does not copy it (test_width_one_quirk_is_not_copied)."""
    uint8_separable = x.dtype == np.uint8 and kw.get("mode") in ("bilinear", "bicubic")
    return (
        (bool(kw.get("antialias")) or uint8_separable)
        and x.ndim == 4
        and y_shape[3] == 1
        and y_shape[2] != x.shape[2]
        and (x.dtype != np.uint8 or x.shape[1] > 4)
    )


def _torch_reference(torch, x, **kw):
    """Live PyTorch; where the width-1 fault strikes, PyTorch on an unaffected path: uint8 one
    channel at a time (AVX), float on a channels-last copy, a single float channel with H and W
    swapped."""
    ref = _torch_interpolate(torch, x, **kw)
    if not _width_one_quirk(x, ref.shape, kw):
        return ref
    if x.dtype == np.uint8:
        planes = [np.ascontiguousarray(x[:, c : c + 1]) for c in range(x.shape[1])]
        return np.concatenate([_torch_interpolate(torch, p, **kw) for p in planes], axis=1)
    if x.shape[1] > 1:
        t = torch.from_numpy(x).contiguous(memory_format=torch.channels_last)
        return torch.nn.functional.interpolate(t, **kw).contiguous().numpy()
    swapped = dict(kw)
    for key in ("size", "scale_factor"):
        if isinstance(kw.get(key), (list, tuple)):
            swapped[key] = list(kw[key])[::-1]
    ref = _torch_interpolate(torch, np.ascontiguousarray(x.transpose(0, 1, 3, 2)), **swapped)
    return np.ascontiguousarray(ref.transpose(0, 1, 3, 2))


def _check_close(y, ref, x, tol, what):
    assert y.shape == ref.shape, f"{what}: shape {y.shape} != torch {ref.shape}"
    assert y.dtype == ref.dtype, f"{what}: dtype {y.dtype} != torch {ref.dtype}"
    scale = float(np.max(np.abs(x.astype(np.float64)), initial=0.0)) or 1.0
    err = float(np.max(np.abs(y.astype(np.float64) - ref.astype(np.float64)), initial=0.0))
    assert err <= tol * scale, f"{what}: max|diff| {err:.3g} > {tol:g} * max|x| ({scale:.3g})"


def _ramp(n_in, rank, dtype):
    """0, 1, ..., n_in-1 along the last axis: a resize of it is its index map."""
    return np.arange(n_in).astype(dtype).reshape((1, 1) + (1,) * (rank - 3) + (n_in,))


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_interpolate_grid(rng, dtype, tol):
    """Every mode x rank x align_corners x antialias x (size | scale_factor x recompute)."""
    torch = framework("torch")
    runs = 0
    sources = [("size", None)] + [("scale_factor", recompute) for recompute in (None, False, True)]
    for rank, modes in MODES_BY_RANK.items():
        for mode in modes:
            for (align_corners, antialias), (how, recompute), trial in itertools.product(
                _options(mode), sources, range(6)
            ):
                picks = rng.choice(len(SIZE_PAIRS if how == "size" else FACTOR_PAIRS), size=rank - 2)
                pairs = [(SIZE_PAIRS if how == "size" else FACTOR_PAIRS)[i] for i in picks]
                shape = (int(rng.integers(1, 3)), int(rng.integers(1, 4)), *(p[0] for p in pairs))
                x = rng.normal(size=shape).astype(dtype)
                kw = dict(mode=mode, align_corners=align_corners, antialias=antialias)
                if how == "size":  # an int size applies to every axis
                    kw["size"] = [p[1] for p in pairs] if trial % 2 else pairs[0][1]
                else:
                    sf = [float(p[1]) for p in pairs]
                    kw["scale_factor"] = sf if trial % 2 or len(set(sf)) > 1 else sf[0]
                    kw["recompute_scale_factor"] = recompute
                what = f"shape={shape} {kw}"
                try:
                    ref = _torch_reference(torch, x, **kw)
                except RuntimeError as exc:  # an int size larger than an axis can make another 0
                    assert "greater than 0" in str(exc), what
                    with pytest.raises(UpsamplingError, match="greater than 0"):
                        twin.interpolate(x, **kw)
                    continue
                _check_close(twin.interpolate(x, **kw), ref, x, tol, what)
                runs += 1
    assert runs > 600


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
@pytest.mark.parametrize("rank", [3, 4, 5])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_index_sweep_sizes(mode, rank, dtype):
    """Every (n_in, n_out) in 1..49: the twin picks exactly PyTorch's source index.  The 2-D kernel
    computes in float32 for every dtype, the generic 1-D/3-D one in the input's float type."""
    torch = framework("torch")
    bad = []
    for n_in in range(1, 50):
        ramp = _ramp(n_in, rank, dtype)
        for n_out in range(1, 50):
            size = (1,) * (rank - 3) + (n_out,)
            ref = _torch_interpolate(torch, ramp, size=size, mode=mode).ravel()
            got = twin.interpolate(ramp, size=size, mode=mode).ravel()
            if not np.array_equal(got, ref):
                bad.append((n_in, n_out, np.flatnonzero(got != ref)[:3].tolist()))
    assert not bad, f"{len(bad)} size pairs differ, e.g. {bad[:5]}"


SWEEP_FACTORS = [
    0.3, 0.45, 0.5, 0.61, 0.7, 0.75, 0.9, 1.04, 1.1,
    1.3, 1.5, 1.7, 1.9, 2.0, 2.1, 2.5, 3.3, 7 / 3,
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rank", [3, 4, 5])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_index_sweep_scale_factors(mode, rank, dtype):
    """n_in in 1..49 with scale factors that hit the shortcuts (out == in, out == 2*in) and the
    rounding of 1/scale_factor, with and without recompute_scale_factor."""
    torch = framework("torch")
    bad = []
    for n_in, sf, recompute in itertools.product(range(1, 50), SWEEP_FACTORS, (None, True)):
        if int(n_in * sf) < 1:
            continue
        ramp = _ramp(n_in, rank, dtype)
        kw = dict(scale_factor=(1.0,) * (rank - 3) + (sf,), mode=mode, recompute_scale_factor=recompute)
        ref = _torch_interpolate(torch, ramp, **kw).ravel()
        got = twin.interpolate(ramp, **kw).ravel()
        if got.shape != ref.shape or not np.array_equal(got, ref):
            bad.append((n_in, sf, recompute))
    assert not bad, f"{len(bad)} cases differ, e.g. {bad[:5]}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_long_axes(rng, mode, dtype):
    """Lengths up to 250: on 4-D input torch 2.13 leaves its 2-D kernel (float32, shortcuts) for the
    generic one when out_h + out_w > 128; 3-D and 5-D always use the generic one."""
    torch = framework("torch")
    for trial in range(150):
        rank = (4, 4, 3, 5)[trial % 4]
        top = 250 if rank < 5 else 60
        n_in = [int(v) for v in rng.integers(1, top, size=rank - 2)]
        if trial % 3 == 0:
            sf = [float(rng.choice([1.004, 2.001, 0.7, 1.3, 0.25, 3.01, 1 + 1 / (2 * n)])) for n in n_in]
            kw = dict(scale_factor=sf, recompute_scale_factor=bool(trial % 2))
            if min(int(n * f) for n, f in zip(n_in, sf)) < 1:
                continue
        else:
            kw = dict(size=[int(v) for v in rng.integers(1, top, size=rank - 2)])
        for axis in range(rank - 2):  # one ramp per axis (uint8 holds indices below 256)
            shape = [1] * (rank - 2)
            shape[axis] = n_in[axis]
            ramp = np.broadcast_to(np.arange(n_in[axis]).reshape(shape), n_in)[None, None]
            ramp = np.ascontiguousarray(ramp).astype(dtype)
            ref = _torch_interpolate(torch, ramp, mode=mode, **kw)
            got = twin.interpolate(ramp, mode=mode, **kw)
            assert got.shape == ref.shape and np.array_equal(got, ref), f"n_in={n_in} {kw} axis {axis}"


LONG_AXIS_MODES = {
    3: ["linear", "area"],
    4: ["bilinear", "bicubic", "area", "lanczos"],
    5: ["trilinear", "area"],
}


@pytest.mark.parametrize("dtype,tol", [(np.float32, 2e-6), (np.float64, 1e-12), (np.uint8, 0)])
def test_interpolate_long_axes(rng, dtype, tol):
    """Lengths up to 300, where float32 coordinates carry ~1e-5 of rounding.  PyTorch fuses the
    multiply-add in x = (i + 0.5) * scale - 0.5; a model that rounds twice misses by ~1.5e-5, so
    the float32 bound here is 2e-6 (the twin reaches ~8e-7)."""
    torch = framework("torch")
    runs = 0
    for trial in range(90):
        rank = (3, 4, 4, 4, 5)[trial % 5]
        if dtype == np.uint8 and rank != 4:
            continue
        modes = [m for m in LONG_AXIS_MODES[rank] if dtype != np.uint8 or m != "area"]
        mode = modes[trial % len(modes)]
        top = 300 if rank < 5 else 40
        n_in = [int(v) for v in rng.integers(1, top, size=rank - 2)]
        antialias = mode == "lanczos" or (mode in ("bilinear", "bicubic") and bool(rng.integers(2)))
        align_corners = None if mode in ("area", "lanczos") else bool(rng.integers(2))
        kw = dict(mode=mode, antialias=antialias, align_corners=align_corners)
        if trial % 3 == 0:
            kw["scale_factor"] = [float(rng.choice([1.004, 2.001, 0.7, 1.3, 0.25, 3.01, 0.5])) for _ in n_in]
            kw["recompute_scale_factor"] = bool(rng.integers(2))
            if min(int(n * f) for n, f in zip(n_in, kw["scale_factor"])) < 1:
                continue
        else:
            kw["size"] = [int(v) for v in rng.integers(1, top, size=rank - 2)]
        shape = (1, int(rng.choice([1, 3, 5])), *n_in)
        x = rng.normal(size=shape)
        x = np.clip(x * 60 + 128, 0, 255).astype(np.uint8) if dtype == np.uint8 else x.astype(dtype)
        try:
            ref = _torch_reference(torch, x, **kw)
        except RuntimeError as exc:  # the uint8 1x1 assert, see test_uint8_rule
            assert "INTERNAL ASSERT" in str(exc)
            continue
        _check_close(twin.interpolate(x, **kw), ref, x, tol, f"shape={shape} {kw}")
        runs += 1
    assert runs > 10


SHORTCUTS = [  # (mode, n_in, scale_factor): out == in with sf != 1, out == 2*in with sf != 2
    ("nearest", 5, 1.1), ("nearest", 5, 2.1), ("nearest-exact", 20, 1.04), ("nearest-exact", 5, 2.1),
    ("bilinear", 5, 1.1), ("bicubic", 5, 1.1), ("bicubic", 20, 1.04), ("area", 5, 1.1), ("area", 5, 2.1),
]


@pytest.mark.parametrize(
    "mode,n,sf,antialias",
    [(*case, False) for case in SHORTCUTS]
    + [(*case, True) for case in SHORTCUTS if case[0] in ("bilinear", "bicubic")],
)
def test_same_length_shortcuts(rng, mode, n, sf, antialias):
    """PyTorch copies some axes whose length does not change, and uses i >> 1 for 2x nearest (4-D)."""
    torch = framework("torch")
    x = rng.normal(size=(1, 2, 3, n)).astype(np.float32)
    kw = dict(scale_factor=(1.0, sf), mode=mode, antialias=antialias)
    _check_close(twin.interpolate(x, **kw), _torch_interpolate(torch, x, **kw), x, 1e-5, str(kw))


@pytest.mark.parametrize(
    "mode,antialias",
    [("nearest", False), ("nearest-exact", False), ("bilinear", False), ("bilinear", True),
     ("bicubic", False), ("bicubic", True), ("lanczos", True)],
)
def test_uint8_rule(rng, mode, antialias):
    """uint8 in, uint8 out, bit for bit: nearest modes by index; bilinear/bicubic/lanczos through
    PyTorch's separable fixed-point kernels (width, then height; 16-bit weights; round half up)."""
    torch = framework("torch")
    for trial in range(60):
        c = int(rng.choice([1, 3, 4, 5]))  # PyTorch has an AVX path for <= 4 channels
        h, w = (int(v) for v in rng.integers(1, 14, size=2))
        x = np.clip(rng.normal(128, 60, size=(2, c, h, w)), 0, 255).astype(np.uint8)
        align_corners = None if mode in ("nearest", "nearest-exact", "lanczos") else bool(trial % 2)
        kw = dict(mode=mode, antialias=antialias, align_corners=align_corners)
        if trial % 3 == 2:
            kw["scale_factor"] = [float(v) for v in rng.choice([0.3, 0.5, 0.77, 1.1, 1.7, 2.0, 2.5], size=2)]
            kw["recompute_scale_factor"] = bool(trial % 2)
            if min(int(n * f) for n, f in zip((h, w), kw["scale_factor"])) < 1:
                continue
        else:
            kw["size"] = tuple(int(v) for v in rng.integers(1, 20, size=2))
        try:
            ref = _torch_reference(torch, x, **kw)
        except RuntimeError as exc:
            # torch 2.13 fault: the uint8 AVX kernel asserts on 3-channel images resized to 1x1
            # ("num_channels == unpacked_output.size(0) INTERNAL ASSERT FAILED"); the twin answers.
            assert "INTERNAL ASSERT" in str(exc) and c == 3, f"{kw} shape={x.shape}: {exc}"
            assert twin.interpolate(x, **kw).shape[2:] == (1, 1)
            continue
        y = twin.interpolate(x, **kw)
        assert y.dtype == np.uint8 and y.shape == ref.shape, kw
        diff = np.abs(y.astype(int) - ref.astype(int))
        assert diff.max() == 0, f"{kw} {x.shape}: {np.count_nonzero(diff)} values differ, up to {diff.max()}"


def test_float16_rule(rng):
    """float16 in, float16 out, within 2**-9 * max|x|, about two float16 ulps (PyTorch rounds to
    float16 between some passes; the twin computes in float32 and rounds once); nearest exact."""
    torch = framework("torch")
    modes = {
        1: ["nearest", "nearest-exact", "linear", "area"],
        2: ["nearest", "nearest-exact", "bilinear", "bicubic", "area"],
        3: ["nearest", "nearest-exact", "trilinear", "area"],
    }
    for dim, names in modes.items():
        for mode, trial in itertools.product(names, range(15)):
            x = rng.normal(size=(1, 2, *rng.integers(1, 9, size=dim))).astype(np.float16)
            kw = dict(size=[int(v) for v in rng.integers(1, 15, size=dim)], mode=mode)
            tol = 0 if mode.startswith("nearest") else 2.0**-9
            ref = _torch_interpolate(torch, x, **kw)
            _check_close(twin.interpolate(x, **kw), ref, x, tol, f"{x.shape} {kw}")


# Each call is refused by PyTorch; the twin refuses it with PyTorch's exact message.
REFUSALS = [
    ((1, 2, 5, 7), dict(size=(3, 4), mode="nearest", align_corners=False)),
    ((1, 2, 5, 7), dict(size=(3, 4), mode="area", align_corners=True)),
    ((1, 2, 5, 7), dict(size=(3, 4), scale_factor=2.0)),
    ((1, 2, 5, 7), dict()),
    ((1, 2, 5, 7), dict(size=(3, 4), recompute_scale_factor=True)),
    ((1, 2, 5, 7), dict(size=(3, 4, 5))),
    ((1, 2, 5, 7), dict(scale_factor=(2.0,))),
    ((1, 2, 5, 7), dict(size=(3, 4), mode="nearest", antialias=True)),
    ((1, 2, 5, 7), dict(size=(3, 4), mode="lanczos")),
    ((1, 2, 5, 7), dict(size=(3, 4), mode="lanczos", antialias=True, align_corners=True)),
    ((1, 2, 5, 7), dict(size=(3, 4), mode="linear")),
    ((1, 2, 5, 7), dict(size=(3, 4), mode="trilinear")),
    ((1, 2, 5, 7), dict(size=(0, 4))),
    ((1, 2, 5, 7), dict(size=(-1, 4), mode="bilinear")),
    ((1, 2, 5, 7), dict(scale_factor=0.1)),
    ((1, 2, 5, 7), dict(scale_factor=0.1, mode="bicubic", recompute_scale_factor=True)),
    ((1, 2, 5), dict(size=0, mode="linear")),
    ((1, 1, 3, 4, 5), dict(size=(0, 1, 1), mode="trilinear")),
    ((1, 2, 5), dict(size=3, mode="bilinear")),
    ((1, 2, 5), dict(size=3, mode="bicubic")),
    ((1, 2, 5), dict(size=3, mode="linear", antialias=True)),
    ((1, 1, 3, 4, 5), dict(size=3, mode="bilinear")),
    ((1, 1, 3, 4, 5), dict(size=3, mode="lanczos", antialias=True)),
    ((2, 5), dict(size=3)),
    ((1, 1, 1, 1, 1, 1), dict(size=3)),
]


@pytest.mark.parametrize("shape,kw", REFUSALS)
def test_refusals_match_pytorch(rng, shape, kw):
    torch = framework("torch")
    x = rng.normal(size=shape).astype(np.float32)
    with pytest.raises((ValueError, RuntimeError, NotImplementedError)) as torch_exc:
        _torch_interpolate(torch, x, **kw)
    with pytest.raises(UpsamplingError) as twin_exc:
        twin.interpolate(x, **kw)
    assert isinstance(twin_exc.value, ValueError)
    assert str(twin_exc.value) == str(torch_exc.value).split("\n")[0]


def test_unknown_mode_quotes_pytorch(rng):
    torch = framework("torch")
    x = rng.normal(size=(1, 2, 5, 7)).astype(np.float32)
    with pytest.raises(NotImplementedError) as torch_exc:
        _torch_interpolate(torch, x, size=3, mode="cubic")
    with pytest.raises(UpsamplingError) as twin_exc:
        twin.interpolate(x, size=3, mode="cubic")
    assert "mode='cubic' is not allowed" in str(twin_exc.value)
    assert str(torch_exc.value) in str(twin_exc.value)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint16", "uint8", "float16"])
@pytest.mark.parametrize(
    "rank,mode,antialias",
    [(4, "nearest", False), (3, "nearest-exact", False), (4, "bilinear", False), (4, "bilinear", True),
     (4, "bicubic", False), (4, "bicubic", True), (4, "area", False), (3, "linear", False),
     (5, "trilinear", False), (4, "lanczos", True)],
)
def test_dtype_support_matches_pytorch(dtype, rank, mode, antialias):
    """The twin accepts exactly the dtypes PyTorch's CPU kernels accept, and keeps the dtype."""
    torch = framework("torch")
    x = np.ones((1, 2) + (4,) * (rank - 2), dtype=dtype)
    kw = dict(size=3, mode=mode, antialias=antialias)
    try:
        ref = _torch_interpolate(torch, x, **kw)
    except (RuntimeError, TypeError, NotImplementedError):
        with pytest.raises(DTypeError):
            twin.interpolate(x, **kw)
        return
    y = twin.interpolate(x, **kw)
    assert y.dtype == ref.dtype == x.dtype
    np.testing.assert_array_equal(y, ref)


@pytest.mark.parametrize(
    "dtype,channels,kw",
    [
        (np.float32, 3, dict(size=(3, 1), mode="bilinear", antialias=True)),
        (np.float64, 1, dict(size=(12, 1), mode="bicubic", antialias=True)),
        (np.float32, 2, dict(size=(4, 1), mode="lanczos", antialias=True)),
        (np.uint8, 5, dict(size=(7, 1), mode="bilinear")),
    ],
)
def test_width_one_quirk_is_not_copied(rng, dtype, channels, kw):
    """torch 2.13's separable CPU kernels, on NCHW-contiguous input resized to width 1, repeat
    output row 0 down the column.  The twin gives the unaffected answer (channels-last, or one
    channel at a time); this test notices if PyTorch changes."""
    torch = framework("torch")
    x = rng.normal(size=(2, channels, 9, 4))
    x = np.clip(x * 60 + 128, 0, 255).astype(np.uint8) if dtype == np.uint8 else x.astype(dtype)
    tol = 0 if dtype == np.uint8 else 1e-5
    faulty = _torch_interpolate(torch, x, **kw)
    assert np.all(faulty == faulty[:, :, :1]), "PyTorch no longer repeats row 0: update the docs"
    y = twin.interpolate(x, **kw)
    _check_close(y[:, :, :1], faulty[:, :, :1], x, tol, f"row 0 {kw}")
    assert not np.all(y == y[:, :, :1])
    _check_close(y, _torch_reference(torch, x, **kw), x, tol, str(kw))


# --- issue 19: booleans ------------------------------------------------------------------------

BOOL_PROBES = ["yes", "", 1, 0, 2, 1.0, np.True_, np.int64(1), [1], None, True, False]


@pytest.mark.parametrize("value", BOOL_PROBES, ids=repr)
def test_align_corners_refused_where_torch_refuses(value):
    """torch's align_corners is a C++ bool: Python bools and None only (torch raises TypeError for
    the rest, NumPy bools included); the twin refuses exactly those."""
    torch = framework("torch")
    x = np.random.default_rng(0).random((1, 1, 5, 5)).astype(np.float32)
    try:
        ref = _torch_interpolate(torch, x, size=(3, 3), mode="bilinear", align_corners=value)
    except TypeError:
        with pytest.raises(UpsamplingError) as info:
            twin.interpolate(x, size=(3, 3), mode="bilinear", align_corners=value)
        assert info.value.parameter == "align_corners"
        return
    np.testing.assert_allclose(twin.interpolate(x, size=(3, 3), mode="bilinear", align_corners=value), ref, rtol=1e-6)


@pytest.mark.parametrize("value", ["no", "", 1, 2.0, [1], np.True_, True, False], ids=repr)
def test_antialias_takes_bools_where_torch_takes_any_truth_value(value):
    """torch tests antialias with Python's truth test, so antialias="no" antialiases.  The twin
    takes bools (NumPy's too) with torch's result, and refuses the rest (issue 19)."""
    torch = framework("torch")
    x = np.random.default_rng(1).random((1, 1, 9, 9)).astype(np.float32)
    if isinstance(value, (bool, np.bool_)):
        ref = _torch_interpolate(torch, x, size=(3, 3), mode="bilinear", antialias=bool(value))
        np.testing.assert_allclose(twin.interpolate(x, size=(3, 3), mode="bilinear", antialias=value), ref, rtol=1e-6)
    else:
        _torch_interpolate(torch, x, size=(3, 3), mode="bilinear", antialias=value)  # torch takes it
        with pytest.raises(UpsamplingError) as info:
            twin.interpolate(x, size=(3, 3), mode="bilinear", antialias=value)
        assert info.value.parameter == "antialias"
