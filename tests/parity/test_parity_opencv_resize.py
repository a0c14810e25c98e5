"""OpenCV twin vs live ``cv2.resize`` (opencv-python-headless 5.0).

* The whole grid -- every interpolation flag x dtype x channel count (HW and HWC, 1..7) x
  (dsize | fx/fy | dsize together with fx/fy) -- on random normal inputs whose sizes go up,
  down, by non-integer and asymmetric factors, to and from 1 pixel.
* Nearest and nearest-exact index maps over every (n_in, n_out) in 1..49 on both axes, and
  through fx/fy.
* Tolerances (relative to max|x| for floats, in units for integers), per flag:
  - INTER_NEAREST, INTER_NEAREST_EXACT: exact, every dtype.
  - uint8 INTER_LINEAR, INTER_LANCZOS4 and INTER_AREA when a side grows (OpenCV's 11-bit
    fixed point), every integer INTER_LINEAR_EXACT (resize_bitExact), integer INTER_AREA by
    whole factors (resizeAreaFast): exact.
  - other integer cases: within 1 (OpenCV rounds float32 buffers, Intel IPP its own way).
  - float32: 1e-5 (observed ~1e-6 for INTER_CUBIC/INTER_LANCZOS4, ~2e-7 otherwise).
  - float64: 1e-5 for INTER_CUBIC/INTER_LANCZOS4, whose weights OpenCV keeps in float32
    even for double images (observed ~1.5e-6), 1e-6 otherwise (observed ~5e-8).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conftest import framework
from upsampling.errors import DTypeError, InvalidArgumentError, ShapeError, UnsupportedError
from upsampling.frameworks import opencv as twin

pytestmark = pytest.mark.parity

FLAGS = {
    "INTER_NEAREST": twin.INTER_NEAREST,
    "INTER_LINEAR": twin.INTER_LINEAR,
    "INTER_CUBIC": twin.INTER_CUBIC,
    "INTER_AREA": twin.INTER_AREA,
    "INTER_LANCZOS4": twin.INTER_LANCZOS4,
    "INTER_LINEAR_EXACT": twin.INTER_LINEAR_EXACT,
    "INTER_NEAREST_EXACT": twin.INTER_NEAREST_EXACT,
}
DTYPES = [np.uint8, np.int8, np.uint16, np.int16, np.float32, np.float64]
# (n_in, n_out): up, down, non-integer, integer factors, 1-pixel in and out, unchanged.
SIZE_PAIRS = [(5, 8), (7, 3), (13, 10), (6, 13), (1, 4), (4, 1), (1, 1), (3, 6), (5, 5), (8, 2), (2, 9),
              (12, 4), (9, 3), (10, 25), (31, 7)]
# (n_in, f) for fx/fy: the output length is round-half-even(n * f), coordinates use 1/f.
FACTOR_PAIRS = [(5, 1.7), (7, 0.43), (13, 0.77), (6, 2.17), (5, 0.5), (7, 0.5), (4, 2.0), (6, 0.5),
                (3, 3.0), (1, 4.0), (9, 1 / 3), (10, 0.7), (3, 7 / 3), (20, 1.04), (8, 0.25)]


def _exact_case(flag: int, dtype, area_grows: bool) -> bool:
    if flag in (twin.INTER_NEAREST, twin.INTER_NEAREST_EXACT):
        return True
    if flag == twin.INTER_LINEAR_EXACT and np.dtype(dtype).kind in "iu":
        return True
    if dtype == np.uint8 and flag == twin.INTER_LANCZOS4:
        return True
    return dtype == np.uint8 and (flag == twin.INTER_LINEAR or (flag == twin.INTER_AREA and area_grows))


def _tolerance(flag: int, dtype, area_grows: bool) -> float:
    if _exact_case(flag, dtype, area_grows):
        return 0.0
    if np.dtype(dtype).kind in "iu":
        return 1.0
    if flag in (twin.INTER_CUBIC, twin.INTER_LANCZOS4):
        return 1e-5
    return 1e-5 if dtype == np.float32 else 1e-6


def _random(rng, shape, dtype):
    x = rng.normal(size=shape)
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        centre, spread = (info.max + info.min + 1) / 2, (info.max - info.min) / 6
        return np.clip(np.rint(x * spread + centre), info.min, info.max).astype(dtype)
    return x.astype(dtype)


def _check(y, ref, x, tol, what):
    assert y.shape == ref.shape, f"{what}: shape {y.shape} != cv2 {ref.shape}"
    assert y.dtype == ref.dtype, f"{what}: dtype {y.dtype} != cv2 {ref.dtype}"
    err = float(np.max(np.abs(y.astype(np.float64) - ref.astype(np.float64)), initial=0.0))
    if np.dtype(x.dtype).kind == "f":
        scale = float(np.max(np.abs(x.astype(np.float64)), initial=0.0)) or 1.0
        assert err <= tol * scale, f"{what}: max|diff| {err:.3g} > {tol:g} * max|x| ({scale:.3g})"
    else:
        assert err <= tol, f"{what}: max|diff| {err:g} > {tol:g}"


def _cv2_or_error(cv2, x, dsize, **kw):
    try:
        return cv2.resize(x, dsize, **kw), None
    except cv2.error as exc:
        return None, str(exc)


@pytest.mark.parametrize("flag_name", list(FLAGS))
def test_resize_grid(rng, flag_name):
    """Every dtype x channels x (dsize | fx/fy | both) for one flag, against live cv2."""
    cv2 = framework("cv2")
    flag = FLAGS[flag_name]
    runs = 0
    for dtype, channels, how, trial in itertools.product(DTYPES, (0, 1, 3, 4, 5), ("dsize", "fxfy", "both"), range(2)):
        if dtype == np.int8 and flag not in (twin.INTER_NEAREST, twin.INTER_NEAREST_EXACT, twin.INTER_LINEAR_EXACT):
            continue  # cv2 has no int8 kernel for the others (tested in test_refusals)
        pairs = SIZE_PAIRS if how != "fxfy" else FACTOR_PAIRS
        (h, oh), (w, ow) = (pairs[i] for i in rng.choice(len(pairs), size=2))
        shape = (h, w) if channels == 0 else (h, w, channels)
        x = _random(rng, shape, dtype)
        if how == "dsize":
            args, kw = ((ow, oh),), {}
        elif how == "fxfy":
            args, kw = (None,), dict(fx=float(ow), fy=float(oh))
        else:  # dsize wins; fx/fy are ignored, also for the coordinates
            args, kw = ((ow, oh),), dict(fx=0.37, fy=2.9)
        kw["interpolation"] = flag
        what = f"{flag_name} {np.dtype(dtype).name} shape={shape} dsize={args[0]} {kw}"
        ref, err = _cv2_or_error(cv2, x, *args, **kw)
        if err is not None:  # e.g. INTER_AREA shrinking by a non-integer factor with > 4 channels
            with pytest.raises((InvalidArgumentError, UnsupportedError, ShapeError, DTypeError)):
                twin.resize(x, *args, **kw)
            continue
        grows = ref.shape[0] > h or ref.shape[1] > w
        _check(twin.resize(x, *args, **kw), ref, x, _tolerance(flag, dtype, grows), what)
        runs += 1
    assert runs >= 60


@pytest.mark.parametrize("flag_name", ["INTER_NEAREST", "INTER_NEAREST_EXACT"])
def test_nearest_index_sweep(flag_name):
    """Every (n_in, n_out) in 1..49, along the width and along the height: exactly cv2's index.
    INTER_NEAREST is floor(i * (1/inv_scale)) in double; INTER_NEAREST_EXACT is OpenCV 5's
    Pillow-compatible accumulator loop."""
    cv2 = framework("cv2")
    flag = FLAGS[flag_name]
    bad = []
    for n_in in range(1, 50):
        row = np.arange(n_in, dtype=np.float32).reshape(1, n_in)
        col = np.ascontiguousarray(row.T)
        for n_out in range(1, 50):
            for x, dsize in ((row, (n_out, 1)), (col, (1, n_out))):
                ref = cv2.resize(x, dsize, interpolation=flag)
                got = twin.resize(x, dsize, interpolation=flag)
                if not np.array_equal(got, ref):
                    bad.append((n_in, n_out, dsize))
    assert not bad, f"{len(bad)} size pairs differ, e.g. {bad[:5]}"


SWEEP_FACTORS = [0.3, 0.45, 0.5, 0.61, 0.7, 0.75, 0.9, 1.04, 1.1, 1.3, 1.5, 1.7, 2.0, 2.5, 3.3, 7 / 3]


@pytest.mark.parametrize("flag_name", ["INTER_NEAREST", "INTER_NEAREST_EXACT"])
def test_nearest_index_sweep_fx(flag_name):
    """n_in in 1..49 with fx: the output length rounds half to even and INTER_NEAREST samples
    with 1/fx (not n_in/n_out); INTER_NEAREST_EXACT uses only the two sizes."""
    cv2 = framework("cv2")
    flag = FLAGS[flag_name]
    bad = []
    for n_in, f in itertools.product(range(1, 50), SWEEP_FACTORS):
        x = np.arange(n_in, dtype=np.float32).reshape(1, n_in)
        ref, err = _cv2_or_error(cv2, x, None, fx=f, fy=1.0, interpolation=flag)
        if err is not None:
            with pytest.raises(InvalidArgumentError):
                twin.resize(x, None, fx=f, fy=1.0, interpolation=flag)
            continue
        got = twin.resize(x, None, fx=f, fy=1.0, interpolation=flag)
        if got.shape != ref.shape or not np.array_equal(got, ref):
            bad.append((n_in, f))
    assert not bad, f"{len(bad)} cases differ, e.g. {bad[:5]}"


def test_output_size_from_fx_rounds_half_to_even():
    """dsize = saturate_cast<int>(n * f): 5 * 0.5 = 2.5 -> 2, 7 * 0.5 = 3.5 -> 4."""
    cv2 = framework("cv2")
    x = np.zeros((7, 5), np.float32)
    for fx, fy in [(0.5, 0.5), (0.7, 0.7), (1.5, 1.5), (0.3, 2.5), (2.1, 0.1 + 1 / 7)]:
        assert twin.resize(x, None, fx=fx, fy=fy).shape == cv2.resize(x, None, fx=fx, fy=fy).shape, (fx, fy)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_long_axes(rng, dtype):
    """Lengths up to 700, where OpenCV's float coordinates and IPP's double ones drift apart."""
    cv2 = framework("cv2")
    for trial in range(14):
        flag = [twin.INTER_LINEAR, twin.INTER_CUBIC, twin.INTER_AREA, twin.INTER_LANCZOS4,
                twin.INTER_LINEAR_EXACT, twin.INTER_NEAREST, twin.INTER_NEAREST_EXACT][trial % 7]
        h, w = int(rng.integers(1, 6)), int(rng.integers(100, 700))
        oh, ow = int(rng.integers(1, 6)), int(rng.integers(100, 700))
        if trial % 2:
            h, w, oh, ow = w, h, ow, oh
        x = _random(rng, (h, w, int(rng.choice([1, 3]))), dtype)
        ref = cv2.resize(x, (ow, oh), interpolation=flag)
        grows = oh > h or ow > w
        _check(twin.resize(x, (ow, oh), interpolation=flag), ref, x, _tolerance(flag, dtype, grows),
               f"flag {flag} {x.shape} -> {(oh, ow)}")


@pytest.mark.parametrize("dtype", ["int8", "uint32", "int32", "float16"])
def test_nearest_other_dtypes(rng, dtype):
    """The nearest kernels only copy pixels, so cv2 takes these dtypes too; the result is exact."""
    cv2 = framework("cv2")
    x = (rng.normal(size=(6, 7, 3)) * 50).astype(dtype)
    for flag in (twin.INTER_NEAREST, twin.INTER_NEAREST_EXACT):
        ref = cv2.resize(x, (11, 4), interpolation=flag)
        got = twin.resize(x, (11, 4), interpolation=flag)
        assert got.dtype == ref.dtype and np.array_equal(got, ref)


def test_layouts_and_dst(rng):
    """(H, W, 1) comes back 2-D, a 1-D array is a row (OpenCV 5), dst is filled in place, same size copies."""
    cv2 = framework("cv2")
    x = rng.normal(size=(5, 7, 1)).astype(np.float32)
    assert twin.resize(x, (3, 4)).shape == cv2.resize(x, (3, 4)).shape == (4, 3)
    v = rng.normal(size=6).astype(np.float32)
    np.testing.assert_allclose(twin.resize(v, (2, 9)), cv2.resize(v, (2, 9)), rtol=0, atol=1e-6)
    dst = np.empty((4, 3), np.float32)
    out = twin.resize(x[:, :, 0], (3, 4), dst=dst)
    assert out is dst and np.allclose(dst, cv2.resize(x[:, :, 0], (3, 4)), atol=1e-6)
    same = twin.resize(x[:, :, 0], None, fx=1.0001, fy=1.0, interpolation=twin.INTER_CUBIC)
    assert np.array_equal(same, x[:, :, 0]) and np.array_equal(same, cv2.resize(x[:, :, 0], None, fx=1.0001, fy=1.0,
                                                                                 interpolation=cv2.INTER_CUBIC))


def test_constants_match_cv2():
    cv2 = framework("cv2")
    for name, value in FLAGS.items():
        assert getattr(cv2, name) == value, name


REFUSALS = [  # (src, dsize, kwargs, error class)
    (np.zeros((7, 9), np.float32), None, {}, InvalidArgumentError),  # no dsize, no fx/fy
    (np.zeros((7, 9), np.float32), (0, 0), dict(fx=0.5), InvalidArgumentError),  # fy missing
    (np.zeros((7, 9), np.float32), None, dict(fx=-1, fy=1), InvalidArgumentError),
    (np.zeros((7, 9), np.float32), None, dict(fx=0.01, fy=1), InvalidArgumentError),  # round(0.09) = 0
    (np.zeros((7, 9), np.float32), None, dict(fx=float("inf"), fy=1), InvalidArgumentError),
    (np.zeros((7, 9), np.float32), None, dict(fx=float("nan"), fy=1), InvalidArgumentError),
    (np.zeros((7, 9), np.float32), (4, 5), dict(interpolation=7), InvalidArgumentError),
    (np.zeros((7, 9), np.float32), (4, 5), dict(interpolation=-1), InvalidArgumentError),
    (np.zeros((7, 9), np.float32), (4, 5), dict(interpolation=1.0), InvalidArgumentError),
    (np.zeros((7, 9), np.float32), (4, 5), dict(fx="a"), InvalidArgumentError),
    (np.zeros((7, 9), np.int8), (4, 5), {}, DTypeError),  # INTER_LINEAR has no int8 kernel
    (np.zeros((7, 9), np.uint32), (4, 5), dict(interpolation=3), DTypeError),
    (np.zeros((7, 9), np.float16), (4, 5), dict(interpolation=5), DTypeError),
    (np.zeros((0, 3), np.float32), (4, 5), {}, ShapeError),
    (np.zeros((2, 3, 4, 5), np.float32), (4, 5), {}, ShapeError),
    (np.zeros((3, 4, 513), np.float32), (4, 5), {}, ShapeError),
    (np.zeros((7, 9), np.float32), (4,), {}, InvalidArgumentError),
    (np.zeros((7, 9), np.float32), (4.0, 5), {}, InvalidArgumentError),
    (np.zeros((7, 9), np.float32), "ab", {}, InvalidArgumentError),
    (np.zeros((7, 9, 5), np.float32), (4, 5), dict(interpolation=3), UnsupportedError),  # area, cn > 4
]


@pytest.mark.parametrize("case", range(len(REFUSALS)))
def test_refusals(case):
    """Whatever cv2 refuses, the twin refuses, with an error naming the parameter and the rule."""
    cv2 = framework("cv2")
    src, dsize, kw, cls = REFUSALS[case]
    with pytest.raises((cv2.error, TypeError, ValueError)):
        cv2.resize(src, dsize, **kw)
    with pytest.raises(cls) as info:
        twin.resize(src, dsize, **kw)
    assert info.value.parameter in ("src", "dsize", "fx", "fy", "interpolation"), info.value.parameter


def test_refusal_messages_name_what_is_allowed():
    with pytest.raises(DTypeError, match="INTER_LINEAR has no kernel for int8; expected one of uint8"):
        twin.resize(np.zeros((3, 3), np.int8), (2, 2))
    with pytest.raises(InvalidArgumentError, match=r"Unknown interpolation method.*INTER_NEAREST \(0\)"):
        twin.resize(np.zeros((3, 3), np.float32), (2, 2), interpolation=9)
    with pytest.raises(UnsupportedError, match="int32"):
        twin.resize(np.zeros((3, 3), np.int32), (2, 2), interpolation=twin.INTER_LINEAR_EXACT)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16])
def test_area_whole_factors_bit_exact(rng, dtype):
    """INTER_AREA shrinking by whole factors (resizeAreaFast) and INTER_LINEAR_EXACT at an exact
    2x shrink (which OpenCV turns into it): integer box sums, (sum + 2) >> 2 for 2x2 boxes with
    1, 3 or 4 channels (SIMD), else the float32 product sum * (1/area) rounded half to even."""
    cv2 = framework("cv2")
    for (ky, kx), channels, flag in itertools.product(((2, 2), (3, 2), (1, 4), (3, 3)), (0, 1, 2, 3, 4, 5),
                                                      (twin.INTER_AREA, twin.INTER_LINEAR_EXACT)):
        if flag == twin.INTER_LINEAR_EXACT and (ky, kx) != (2, 2):
            continue
        oh, ow = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        shape = (oh * ky, ow * kx) + ((channels,) if channels else ())
        x = _random(rng, shape, dtype)
        for args, kw in ((((ow, oh),), {}), ((None,), dict(fx=1 / kx, fy=1 / ky))):
            ref = cv2.resize(x, *args, interpolation=flag, **kw)
            _check(twin.resize(x, *args, interpolation=flag, **kw), ref, x, 0.0, f"{shape} {args} {kw} flag {flag}")
    # a box cut by the edge: 7 -> round(3.5) = 4 with fx = 0.5
    x = _random(rng, (7, 9, 3), dtype)
    ref = cv2.resize(x, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    _check(twin.resize(x, None, fx=0.5, fy=0.5, interpolation=twin.INTER_AREA), ref, x, 0.0, "edge boxes")


def test_docstring_examples():
    """The module's doctests (the first thing a reader copies) run with the suite."""
    import doctest

    result = doctest.testmod(twin, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
