"""The seed's bilinear forms: four-point two-step, unit square, matrix; and array sampling."""

from __future__ import annotations

import numpy as np
import pytest

import upsampling
from upsampling import bilinear, bilinear_matrix, bilinear_steps, bilinear_unit_square, lerp, sample


def test_seed_example_steps():
    s = bilinear_steps(0.3, 0.6, 0, 0, 1, 1, 10, 30, 20, 40)  # q11, q12, q21, q22
    assert (float(s.r1), float(s.r2), float(s.p)) == pytest.approx((13.0, 33.0, 25.0))


def test_three_forms_agree_on_random_points(rng):
    q = rng.normal(size=(4, 1000))
    x, y = rng.uniform(0, 1, (2, 1000))
    a = bilinear(x, y, 0, 0, 1, 1, q[0], q[1], q[2], q[3])
    b = bilinear_unit_square(x, y, q[0], q[1], q[2], q[3])
    c = bilinear_matrix(x, y, q[0], q[1], q[2], q[3])
    np.testing.assert_allclose(a, b, atol=1e-12)
    np.testing.assert_allclose(a, c, atol=1e-12)


def test_general_corners_equal_unit_square_after_normalising(rng):
    x1, y1 = rng.normal(size=2)
    x2, y2 = x1 + rng.uniform(0.5, 3), y1 + rng.uniform(0.5, 3)
    px, py = rng.uniform(0, 1, (2, 50))
    q = rng.normal(size=(4, 50))
    got = bilinear(x1 + px * (x2 - x1), y1 + py * (y2 - y1), x1, y1, x2, y2, *q)
    np.testing.assert_allclose(got, bilinear_unit_square(px, py, *q), atol=1e-12)
    # bilinear reproduces the corner values and is exact on f = a + bx + cy + dxy
    a, b, c, d = rng.normal(size=4)
    f = lambda u, v: a + b * u + c * v + d * u * v  # noqa: E731
    got = bilinear(px * 3, py * 2, 0, 0, 3, 2, f(0, 0), f(0, 2), f(3, 0), f(3, 2))
    np.testing.assert_allclose(got, f(px * 3, py * 2), atol=1e-12)


def test_lerp_and_coincident_points():
    assert float(lerp(2.0, 1.0, 3.0, 10.0, 30.0)) == 20.0
    with pytest.raises(upsampling.InvalidArgumentError, match="x1"):
        lerp(0.5, 1.0, 1.0, 0.0, 1.0)
    with pytest.raises(upsampling.InvalidArgumentError, match="y2"):
        bilinear(0.5, 0.5, 0, 1, 1, 1, 1, 2, 3, 4)


def test_sample_borders_and_channels(rng):
    img = rng.normal(size=(4, 5, 3))
    np.testing.assert_allclose(sample(img, 2, 3), img[2, 3])
    np.testing.assert_allclose(sample(img, -3.0, 1.0), img[0, 1])  # clamp
    np.testing.assert_allclose(sample(img, 10.0, 10.0), img[3, 4])
    np.testing.assert_allclose(sample(img, -0.5, 1.0, border="constant"), 0.5 * img[0, 1])  # half fill
    np.testing.assert_allclose(sample(img, 1.6, 2.4, method="nearest"), img[2, 2])
    got = sample(img, np.array([0.25, 1.75]), np.array([[0.5], [3.5]]))
    assert got.shape == (2, 2, 3)
    with pytest.raises(upsampling.ShapeError):
        sample(np.zeros(3), 0, 0)
    with pytest.raises(upsampling.InvalidArgumentError, match="method"):
        sample(img, 0, 0, method="cubic")
