"""The plan builders and coordinate functions refuse bad arguments with upsampling.errors types
that name the parameter, the value and what is allowed (issue 17: no bare ValueError)."""

from __future__ import annotations

import numpy as np
import pytest

from upsampling import coords, errors, plan
from upsampling.port.operator import NotALinearResize

CASES = [
    (lambda: plan.interpolation_plan(4, 8, "bilinear"), errors.InvalidArgumentError, "mode", "'bilinear'"),
    (lambda: plan.interpolation_plan(4, 8, "linear", coordinate_storage="float16"), errors.InvalidArgumentError,
     "coordinate_storage", "'float16'"),
    (lambda: plan.interpolation_plan(4, 8, "linear", linear_border="wrap"), errors.InvalidArgumentError,
     "linear_border", "'wrap'"),
    (lambda: plan.window_plan(4, 8, "triangle", span_rule="opencv"), errors.InvalidArgumentError, "span_rule", "'opencv'"),
    (lambda: plan.area_plan(4, 8, "mean"), errors.InvalidArgumentError, "rule", "'mean'"),
    (lambda: plan.area_plan(4, 2, "overlap", border="wrap"), errors.InvalidArgumentError, "border", "'wrap'"),
    (lambda: plan.area_plan(4, 2, "block"), errors.InvalidArgumentError, "factor", "None"),
    (lambda: plan.area_plan(4, 2, "block", factor=0), errors.InvalidArgumentError, "factor", "0"),
    (lambda: plan.area_plan(4, 2, "block", factor=2.0), errors.InvalidArgumentError, "factor", "2.0"),
    (lambda: plan.complement_fixed_plan(plan.interpolation_plan(4, 8, "cubic"), 8), errors.ShapeError, "plan", "4 taps"),
    (lambda: coords.source_coordinates(4, 8, "half_pixel_symmetric", inv_scale=0.5), errors.InvalidArgumentError,
     "inv_scale", "0.5"),
    (lambda: coords.window_span(np.zeros(2), 1.0, 4, "box"), errors.InvalidArgumentError, "span_rule", "'box'"),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_refusals_name_parameter_value_and_what_is_allowed(case):
    call, kind, parameter, shown = CASES[case]
    with pytest.raises(kind) as info:
        call()
    assert isinstance(info.value, ValueError)  # callers that catch ValueError keep working
    assert info.value.parameter == parameter, (case, str(info.value))
    assert shown in str(info.value) and "expected" in str(info.value), (case, str(info.value))


def test_not_a_linear_resize_lives_in_errors():
    assert NotALinearResize is errors.NotALinearResize
    assert issubclass(NotALinearResize, errors.UpsamplingError) and issubclass(NotALinearResize, ValueError)


def test_set_options_trims_registered_caches_and_pool():
    """set_options runs what _cache and _memory register (on_change), without importing them."""
    import upsampling
    from upsampling import _cache

    before = upsampling.get_options()
    try:
        plan.interpolation_plan(5, 7, "cubic")
        assert _cache.cache_stats()["plan.interpolation_plan"] > 0
        upsampling.set_options(plan_cache_bytes=0)
        assert all(v == 0 for v in _cache.cache_stats().values())
    finally:
        upsampling.set_options(**before)
