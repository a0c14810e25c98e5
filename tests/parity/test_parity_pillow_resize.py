"""Pillow twin vs live ``PIL.Image.Image.resize`` (Pillow 13.0).

* Mode "F" (2-D float32) over every filter x size pairs that go up, down, by non-integer
  and asymmetric factors, to and from 1 pixel, with and without a fractional ``box``:
  within 1e-6 * max|x| (observed: bit-identical; single-axis resizes are asserted so).
* NEAREST index maps over every (n_in, n_out) in 1..49 on both axes, and with boxes: exact.
* Modes "L" and "RGB" (uint8): bit for bit (22-bit fixed point, rounding and clipping
  between the passes, and Pillow 13's pass order: height first when
  in_h - out_h > max(0, 2 * (in_w - out_w)), python-pillow/Pillow#9549).
* Refusals with Pillow's words.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conftest import framework
from upsampling.errors import DTypeError, InvalidArgumentError, ShapeError
from upsampling.frameworks import pillow as twin
from upsampling.frameworks.pillow import _axis_plan, _pass

pytestmark = pytest.mark.parity

FILTERS = {"NEAREST": twin.NEAREST, "BOX": twin.BOX, "BILINEAR": twin.BILINEAR, "HAMMING": twin.HAMMING,
           "BICUBIC": twin.BICUBIC, "LANCZOS": twin.LANCZOS, "MKS2013": twin.MKS2013,
           "MKS2021": twin.MKS2021}
SIZE_PAIRS = [(5, 8), (7, 3), (13, 10), (6, 13), (1, 4), (4, 1), (1, 1), (3, 6), (5, 5), (8, 2), (2, 9),
              (12, 4), (31, 7), (10, 25), (40, 17)]


def _pil(Image, x):
    return Image.fromarray(x)


def _random_box(rng, w, h):
    x0, x1 = sorted(rng.uniform(0, w, 2))
    y0, y1 = sorted(rng.uniform(0, h, 2))
    return (float(x0), float(y0), float(x1), float(y1))


def _both_orders(x, size, resample):
    """The twin's two passes in Pillow's historical order (width first) and the other one."""
    (ow, oh), (h, w) = size, x.shape[:2]
    px, py = _axis_plan(resample, w, ow, 0.0, float(w)), _axis_plan(resample, h, oh, 0.0, float(h))
    return _pass(_pass(x, 1, px), 0, py), _pass(_pass(x, 0, py), 1, px)


@pytest.mark.parametrize("name", list(FILTERS))
def test_float_grid(rng, name):
    """Mode F, one filter, every size pair in both axes, whole image and random boxes."""
    Image = framework("PIL.Image")
    resample = FILTERS[name]
    runs = 0
    for (h, oh), (w, ow) in itertools.product(SIZE_PAIRS[::2], SIZE_PAIRS[1::2]):
        x = rng.normal(size=(h, w)).astype(np.float32)
        for box in (None, _random_box(rng, w, h)):
            ref = np.asarray(_pil(Image, x).resize((ow, oh), resample, box=box))
            got = twin.resize(x, (ow, oh), resample, box=box)
            what = f"{name} {x.shape} -> {(oh, ow)} box={box}"
            assert got.shape == ref.shape and got.dtype == ref.dtype, what
            err = float(np.abs(got.astype(np.float64) - ref).max())
            assert err <= 1e-6 * float(np.abs(x).max()), f"{what}: max|diff| {err:.3g}"
            runs += 1
    assert runs >= 100


@pytest.mark.parametrize("name", [n for n in FILTERS if n != "NEAREST"])
def test_float_single_axis_bit_identical(rng, name):
    """One axis resampled: Pillow's kernels, windows and double accumulation reproduced to the bit."""
    Image = framework("PIL.Image")
    resample = FILTERS[name]
    for n, o in SIZE_PAIRS:
        x = rng.normal(size=(3, n)).astype(np.float32)
        for arr, size in ((x, (o, 3)), (np.ascontiguousarray(x.T), (3, o))):
            ref = np.asarray(_pil(Image, arr).resize(size, resample))
            assert np.array_equal(twin.resize(arr, size, resample), ref), (name, arr.shape, size)


@pytest.mark.parametrize("mode", ["F", "L"])
def test_nearest_index_sweep(mode):
    """Every (n_in, n_out) in 1..49 on both axes: the affine-transform index loop, exactly."""
    Image = framework("PIL.Image")
    bad = []
    for n_in in range(1, 50):
        row = np.arange(n_in).reshape(1, n_in).astype(np.float32 if mode == "F" else np.uint8)
        col = np.ascontiguousarray(row.T)
        for n_out in range(1, 50):
            for x, size in ((row, (n_out, 1)), (col, (1, n_out))):
                ref = np.asarray(_pil(Image, x).resize(size, Image.Resampling.NEAREST))
                if not np.array_equal(twin.resize(x, size, twin.NEAREST), ref):
                    bad.append((n_in, n_out, size))
    assert not bad, f"{len(bad)} size pairs differ, e.g. {bad[:5]}"


def test_nearest_with_boxes(rng):
    """NEAREST with fractional boxes: step = float32(x1 - x0) / out, start = x0 + step / 2."""
    Image = framework("PIL.Image")
    for trial in range(60):
        h, w, oh, ow = (int(v) for v in rng.integers(1, 40, 4))
        x = rng.normal(size=(h, w)).astype(np.float32)
        box = _random_box(rng, w, h)
        ref = np.asarray(_pil(Image, x).resize((ow, oh), Image.Resampling.NEAREST, box=box))
        assert np.array_equal(twin.resize(x, (ow, oh), twin.NEAREST, box=box), ref), (x.shape, (ow, oh), box)


@pytest.mark.parametrize("channels", [0, 3])
@pytest.mark.parametrize("name", list(FILTERS))
def test_uint8_single_axis_bit_exact(rng, name, channels):
    """Modes L and RGB with one axis resampled (also with a box along it): bit for bit."""
    Image = framework("PIL.Image")
    resample = FILTERS[name]
    for trial in range(24):
        n, o = SIZE_PAIRS[trial % len(SIZE_PAIRS)]
        other = int(rng.integers(1, 6))
        vertical = trial % 2 == 1
        h, w, oh, ow = (n, other, o, other) if vertical else (other, n, other, o)
        shape = (h, w, 3) if channels else (h, w)
        x = rng.integers(0, 256, size=shape).astype(np.uint8)
        box = None
        if trial % 3 == 0:  # a box that only cuts the resampled axis
            a, b = sorted(rng.uniform(0, n, 2))
            box = (0.0, float(a), float(w), float(b)) if vertical else (float(a), 0.0, float(b), float(h))
        ref = np.asarray(_pil(Image, x).resize((ow, oh), resample, box=box))
        got = twin.resize(x, (ow, oh), resample, box=box)
        assert got.shape == ref.shape and got.dtype == ref.dtype
        assert np.array_equal(got, ref), f"{name} {shape} -> {(oh, ow)} box={box}: {np.abs(got - ref.astype(int)).max()}"


@pytest.mark.parametrize("name", [n for n in FILTERS if n != "NEAREST"])
def test_uint8_both_axes(rng, name):
    """Both axes resampled, with and without boxes: bit for bit.  About a quarter of these cases
    need Pillow 13's height-first order (the test counts them), where clipping the intermediate
    row pass differs by up to 32 (LANCZOS) from the width-first result."""
    Image = framework("PIL.Image")
    resample = FILTERS[name]
    height_first = 0
    for (h, oh), (w, ow) in itertools.product(SIZE_PAIRS[::2], SIZE_PAIRS[1::2]):
        if h == oh or w == ow:
            continue
        x = rng.integers(0, 256, size=(h, w, 3) if (h + w) % 2 else (h, w)).astype(np.uint8)
        for box in (None, _random_box(rng, w, h)):
            ref = np.asarray(_pil(Image, x).resize((ow, oh), resample, box=box))
            got = twin.resize(x, (ow, oh), resample, box=box)
            assert np.array_equal(got, ref), f"{name} {x.shape} -> {(oh, ow)} box={box}"
        height_first += twin._height_first(h, w, oh, ow)
    assert height_first > 0


def test_pass_order_matters_and_is_pillows(rng):
    """The twin's order rule against the other order, on sizes where it decides the bits."""
    Image = framework("PIL.Image")
    decided = 0
    for trial in range(80):
        h, w, oh, ow = (int(v) for v in rng.integers(2, 50, 4))
        if h == oh or w == ow:
            continue
        x = rng.integers(0, 256, size=(h, w)).astype(np.uint8)
        ref = np.asarray(_pil(Image, x).resize((ow, oh), Image.Resampling.LANCZOS))
        width_first, height_first = _both_orders(x, (ow, oh), twin.LANCZOS)
        if np.array_equal(width_first, height_first):
            continue
        decided += 1
        expected = height_first if twin._height_first(h, w, oh, ow) else width_first
        assert np.array_equal(expected, ref), (h, w, oh, ow)
    assert decided > 20


def test_same_size_copies_and_defaults(rng):
    Image = framework("PIL.Image")
    x = rng.normal(size=(5, 7)).astype(np.float32)
    y = twin.resize(x, (7, 5))
    assert np.array_equal(y, x) and y is not x
    ref = np.asarray(_pil(Image, x).resize((4, 9)))  # BICUBIC by default
    np.testing.assert_allclose(twin.resize(x, (4, 9)), ref, rtol=0, atol=1e-6)
    np.testing.assert_allclose(twin.resize(x.astype(np.float64), (4, 9)), ref, rtol=0, atol=1e-6)
    # a box smaller than the image with the same output size still resamples
    box = (0.5, 0.25, 6.5, 4.75)
    np.testing.assert_allclose(twin.resize(x, (7, 5), twin.BILINEAR, box=box),
                               np.asarray(_pil(Image, x).resize((7, 5), Image.Resampling.BILINEAR, box=box)),
                               rtol=0, atol=1e-6)


@pytest.mark.parametrize("kind", ["F", "L", "RGB"])
def test_reducing_gap(rng, kind):
    """reducing_gap: Image.reduce by whole factors over the widened box, then the filter resize.
    uint8 bit for bit (Reduce.c's 24-bit multiplier), F within 1e-6 (observed ~4e-8: reduce's
    double sum of float32 pixels is added in another order)."""
    Image = framework("PIL.Image")
    for trial in range(28):
        h, w = (int(v) for v in rng.integers(5, 70, 2))
        oh, ow = (int(v) for v in rng.integers(1, 25, 2))
        gap = float((1.0, 1.5, 2.0, 3.0)[trial % 4])
        resample = (twin.BICUBIC, twin.LANCZOS, twin.BILINEAR, twin.BOX, twin.HAMMING, twin.MKS2013, twin.MKS2021,
                    twin.NEAREST)[trial % 8]
        shape = (h, w, 3) if kind == "RGB" else (h, w)
        x = rng.normal(size=shape).astype(np.float32) if kind == "F" else rng.integers(0, 256, shape).astype(np.uint8)
        box = _random_box(rng, w, h) if trial % 3 == 0 else None
        ref = np.asarray(_pil(Image, x).resize((ow, oh), resample, box=box, reducing_gap=gap))
        got = twin.resize(x, (ow, oh), resample, box=box, reducing_gap=gap)
        what = f"{x.shape} -> {(oh, ow)} resample={resample} box={box} gap={gap}"
        assert got.shape == ref.shape, what
        if kind == "F":
            assert float(np.abs(got - ref).max()) <= 1e-6 * float(np.abs(x).max()), what
        else:
            assert np.array_equal(got, ref), what


def test_constants_match_pillow():
    Image = framework("PIL.Image")
    for name, value in FILTERS.items():
        assert int(getattr(Image.Resampling, name)) == value, name


REFUSALS = [  # (array, size, kwargs, error class)
    (np.zeros((5, 7), np.float32), (0, 3), {}, InvalidArgumentError),
    (np.zeros((5, 7), np.float32), (3, -1), {}, InvalidArgumentError),
    (np.zeros((5, 7), np.float32), (3.5, 2), {}, DTypeError),
    (np.zeros((5, 7), np.float32), (3,), {}, DTypeError),
    (np.zeros((5, 7), np.float32), "ab", {}, DTypeError),
    (np.zeros((5, 7), np.float32), (3, 4), dict(resample=9), InvalidArgumentError),
    (np.zeros((5, 7), np.float32), (3, 4), dict(resample=-1), InvalidArgumentError),
    (np.zeros((5, 7), np.float32), (3, 4), dict(resample=2.0), DTypeError),
    (np.zeros((5, 7), np.float32), (3, 4), dict(box=(-1, 0, 3, 4)), InvalidArgumentError),
    (np.zeros((5, 7), np.float32), (3, 4), dict(box=(0, 0, 8, 4)), InvalidArgumentError),
    (np.zeros((5, 7), np.float32), (3, 4), dict(box=(3, 0, 2, 4)), InvalidArgumentError),
    (np.zeros((5, 7), np.float32), (3, 4), dict(box=(0, 0, 3)), DTypeError),
    (np.zeros((5, 7), np.float32), (3, 4), dict(reducing_gap=0.5), InvalidArgumentError),
]


@pytest.mark.parametrize("case", range(len(REFUSALS)))
def test_refusals(case):
    Image = framework("PIL.Image")
    x, size, kw, cls = REFUSALS[case]
    with pytest.raises((ValueError, TypeError)):
        Image.fromarray(x).resize(size, **kw)
    with pytest.raises(cls) as info:
        twin.resize(x, size, **kw)
    assert info.value.parameter in ("size", "resample", "box", "reducing_gap"), info.value.parameter


def test_refusals_of_the_twin():
    """What the twin does not reproduce is refused, saying what it accepts."""
    with pytest.raises(ShapeError, match="expected mode 'F'"):
        twin.resize(np.zeros((5, 7, 4), np.uint8), (3, 4))  # RGBA (premultiplied in Pillow)
    with pytest.raises(DTypeError, match="expected mode 'F'"):
        twin.resize(np.zeros((5, 7), np.int16), (3, 4))
    with pytest.raises(InvalidArgumentError, match=r"Unknown resampling filter \(8\)"):
        twin.resize(np.zeros((5, 7), np.float32), (3, 4), 8)


def test_docstring_examples():
    """The module's doctests (the first thing a reader copies) run with the suite."""
    import doctest

    result = doctest.testmod(twin, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
