"""ResizeSpec: one resize described once -- validation, identity, printing, plans."""

from __future__ import annotations

import dataclasses
import pickle
import typing

import numpy as np
import pytest

import upsampling
from upsampling import ResizeSpec
from upsampling.errors import DTypeError, InvalidArgumentError, ShapeError
from upsampling.spec import ResizeOptions


def test_normalises_and_prints_as_the_call_that_makes_it():
    s = ResizeSpec(64, mode="cubic", cubic_coeff_a=-0.5, exclude_outside=np.bool_(True))
    assert s.size == (64, 64) and s.scale is None and s.exclude_outside is True
    assert repr(s) == "upsampling.resize(x, (64, 64), mode='cubic', cubic_coeff_a=-0.5, exclude_outside=True)"
    assert repr(ResizeSpec(scale=2)) == "upsampling.resize(x, scale=2.0)"
    assert repr(ResizeSpec(scale=(2, 3.5), layout="HW")) == "upsampling.resize(x, scale=(2.0, 3.5), layout='HW')"
    for spec in (s, ResizeSpec(scale=(2, 3.5), layout="HW"), ResizeSpec((3, 4), coordinate_transformation_mode="tf_crop_and_resize",
                                                                    roi=[0.1, 0.2, 0.9, 1.0], extrapolation_value=-1)):
        # the printed call, evaluated with our own names, makes an equal spec
        call = repr(spec).replace("upsampling.resize(x, ", "ResizeSpec(")
        assert eval(call, {"ResizeSpec": ResizeSpec}) == spec  # noqa: S307 - our own repr, in a test


def test_equal_when_the_operation_is_the_same():
    assert ResizeSpec(64) == ResizeSpec((64, 64), nearest_mode="floor", cubic_coeff_a=-0.5, roi=(0, 0, 0.5, 0.5))
    assert ResizeSpec(64, mode="area", coordinate_transformation_mode="align_corners") == ResizeSpec(64, mode="area")
    assert ResizeSpec(64, coordinate_transformation_mode="half_pixel_symmetric") == ResizeSpec(64)
    assert ResizeSpec(scale=1.5, coordinate_transformation_mode="half_pixel_symmetric") != ResizeSpec(scale=1.5)
    assert ResizeSpec((64, 2), coordinate_transformation_mode="pytorch_half_pixel") == ResizeSpec((64, 2))
    assert ResizeSpec((64, 1), coordinate_transformation_mode="pytorch_half_pixel") != ResizeSpec((64, 1))
    assert ResizeSpec(64, mode="nearest") != ResizeSpec(64, mode="nearest", nearest_mode="floor")
    assert ResizeSpec(64, mode="cubic") != ResizeSpec(64, mode="cubic", cubic_coeff_a=-0.5)
    assert ResizeSpec(64, exclude_outside=True) == ResizeSpec(64)  # linear clamps: nothing to exclude
    assert ResizeSpec(64, exclude_outside=True, antialias=True) != ResizeSpec(64, antialias=True)
    assert ResizeSpec(64) != ResizeSpec(scale=2.0)  # the same only for 32-pixel inputs
    assert ResizeSpec(64, layout="NCHW") != ResizeSpec(64)
    crop = dict(coordinate_transformation_mode="tf_crop_and_resize")
    assert ResizeSpec(4, **crop, extrapolation_value=float("nan")) == ResizeSpec(4, **crop, extrapolation_value=float("nan"))
    assert ResizeSpec(4, **crop, extrapolation_value=0.0) != ResizeSpec(4, **crop, extrapolation_value=-0.0)
    assert len({ResizeSpec(64), ResizeSpec((64, 64)), ResizeSpec(64, nearest_mode="ceil")}) == 1


def test_equal_specs_give_equal_results():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 9, 7, 2)).astype(np.float32)
    pairs = [
        (dict(coordinate_transformation_mode="half_pixel_symmetric"), {}),
        (dict(coordinate_transformation_mode="pytorch_half_pixel"), {}),
        (dict(mode="area", coordinate_transformation_mode="asymmetric"), dict(mode="area")),
    ]
    for a, b in pairs:
        assert ResizeSpec((5, 13), **a) == ResizeSpec((5, 13), **b)
        np.testing.assert_array_equal(upsampling.resize(x, (5, 13), **a), upsampling.resize(x, (5, 13), **b))


def test_frozen_hashable_picklable():
    s = ResizeSpec(scale=2, mode="nearest")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.mode = "linear"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(s)) == s and hash(pickle.loads(pickle.dumps(s))) == hash(s)
    assert s.replace(size=8) == ResizeSpec(8, mode="nearest")
    assert s.replace(mode="cubic").scale == (2.0, 2.0)


@pytest.mark.parametrize(
    "kwargs, parameter",
    [
        (dict(), "size"),
        (dict(size=4, scale=2), "size"),
        (dict(size=0), "size"),
        (dict(size=(4, 4, 4)), "size"),
        (dict(size=4.0), "size"),
        (dict(size=True), "size"),
        (dict(scale=float("nan")), "scale"),
        (dict(scale=-1), "scale"),
        (dict(size=4, mode="bilinear"), "mode"),
        (dict(size=4, coordinate_transformation_mode="half"), "coordinate_transformation_mode"),
        (dict(size=4, nearest_mode="round"), "nearest_mode"),
        (dict(size=4, cubic_coeff_a=float("inf")), "cubic_coeff_a"),
        (dict(size=4, exclude_outside="False"), "exclude_outside"),
        (dict(size=4, antialias="no"), "antialias"),
        (dict(size=4, antialias=1), "antialias"),
        (dict(size=4, antialias=True, mode="nearest"), "antialias"),
        (dict(size=4, layout="NHCW"), "layout"),
        (dict(size=4, roi=(0, 0, 1)), "roi"),
        (dict(size=4, roi=(0, 0, 1, float("nan"))), "roi"),
        (dict(size=4, extrapolation_value="abc"), "extrapolation_value"),
        (dict(size=4, extrapolation_value=None), "extrapolation_value"),
    ],
)
def test_refusals_name_the_parameter(kwargs, parameter):
    size = kwargs.pop("size", None)
    # (a flag that is not a bool is a DTypeError, a TypeError, as upsampling.resize has always raised)
    with pytest.raises((InvalidArgumentError, DTypeError)) as info:
        ResizeSpec(size, **kwargs)
    assert info.value.parameter == parameter


def test_output_shape_and_plans():
    s = ResizeSpec(scale=(2, 0.5), layout="NCHW")
    assert s.output_shape((2, 3, 5, 8)) == (2, 3, 10, 4)
    plans = s.plans((2, 3, 5, 8))
    assert sorted(plans) == [2, 3] and plans[2].n_out == 10 and plans[3].n_out == 4
    assert s.plans((1, 1, 5, 8))[2] is plans[2]  # cached per spec and (H, W)
    with pytest.raises(ShapeError):
        s.output_shape((5, 8))
    with pytest.raises(ShapeError):
        s.output_shape((1, 3, 0, 8))
    with pytest.raises(InvalidArgumentError) as info:
        ResizeSpec(scale=0.1).output_shape((1, 5, 5, 1))
    assert info.value.parameter == "scale"


def test_from_call_refuses_unknown_keywords_and_never_reuses_a_refused_value():
    with pytest.raises(InvalidArgumentError) as info:
        ResizeSpec.from_call(4, {"modee": "cubic"})
    assert info.value.parameter == "modee"
    assert ResizeSpec.from_call(4, {"antialias": False}) == ResizeSpec(4)
    with pytest.raises(DTypeError):
        ResizeSpec.from_call(4, {"antialias": 0})  # equal to False, but not a bool
    assert ResizeSpec.from_call([4, 5], {}) == ResizeSpec((4, 5))  # unhashable: validated each time


def test_options_typeddict_matches_the_spec_fields():
    fields = {f.name: f.type for f in dataclasses.fields(ResizeSpec) if f.init and f.name != "size"}
    hints = typing.get_type_hints(ResizeOptions)
    spec_hints = typing.get_type_hints(ResizeSpec)
    assert list(hints) == list(fields)
    for name in fields:
        assert hints[name] == spec_hints[name], name


# --- every public resize entry point takes its parameters from ResizeSpec -----------------------

_SPEC_FIELDS = [f for f in dataclasses.fields(ResizeSpec) if f.init]


def _entry_points():
    """(name, a getter of the function, its documented layout default)."""
    import upsampling.argmax
    import upsampling.resizing

    yield "upsampling.resize", lambda: upsampling.resize, "NHWC"
    yield "upsampling.resizing.resize_plans", lambda: upsampling.resizing.resize_plans, "NHWC"
    yield "upsampling.argmax.upsample_argmax", lambda: upsampling.argmax.upsample_argmax, "CHW"

    def torch_face(attr):
        def get():
            pytest.importorskip("torch")
            import upsampling.torch

            obj = getattr(upsampling.torch, attr)
            return obj.__init__ if isinstance(obj, type) else obj

        return get

    # the torch faces guess the layout from the tensor's rank (None)
    yield "upsampling.torch.upsample_argmax", torch_face("upsample_argmax"), None
    yield "upsampling.torch.resize", torch_face("resize"), None
    yield "upsampling.torch.Resize.__init__", torch_face("Resize"), None

    def dask_face(attr):
        def get():
            pytest.importorskip("dask.array")
            import upsampling.dask

            return getattr(upsampling.dask, attr)

        return get

    # dask guesses the layout from the rank (None), except for class scores (CHW)
    yield "upsampling.dask.resize", dask_face("resize"), None
    yield "upsampling.dask.upsample_argmax", dask_face("upsample_argmax"), "CHW"
    yield "upsampling.dask.resize_raster", dask_face("resize_raster"), None


@pytest.mark.parametrize("name, get, layout", list(_entry_points()), ids=[e[0] for e in _entry_points()])
def test_entry_point_parameters_come_from_the_spec(name, get, layout):
    import ast
    import inspect
    import textwrap

    fn = get()
    params = inspect.signature(fn).parameters
    ours = [p for p in params if p in {f.name for f in _SPEC_FIELDS}]
    assert ours == [f.name for f in _SPEC_FIELDS], f"{name}: {list(params)}"
    for f in _SPEC_FIELDS:
        p = params[f.name]
        want = layout if f.name == "layout" else f.default
        assert p.default == want, f"{name}: {f.name}={p.default!r}, ResizeSpec has {want!r}"
        hint = f"{f.type} | None" if f.name == "layout" and layout is None else f.type
        assert p.annotation == hint, f"{name}: {f.name}: {p.annotation!r}, ResizeSpec has {hint!r}"
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD if f.name == "size" else inspect.Parameter.KEYWORD_ONLY
        assert p.kind is kind, f"{name}: {f.name} is {p.kind}"
    # ...and the source does not write them out again: only size, then **options.
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    node = next(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    written = {a.arg for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs}
    restated = sorted(written & {f.name for f in _SPEC_FIELDS if f.name != "size"})
    assert not restated, f"{name} restates ResizeSpec's parameters {restated} (use @takes_resize_options and **options)"
    assert node.args.kwarg is not None, f"{name} takes no **options"


def test_resize_spec_is_resize_of_the_spec():
    from upsampling.resizing import resize_spec

    x = np.random.default_rng(3).random((2, 5, 7, 3)).astype(np.float32)
    for kwargs in (dict(mode="cubic", cubic_coeff_a=-0.5), dict(scale=(1.5, 0.5), mode="area"),
                   dict(coordinate_transformation_mode="tf_crop_and_resize", roi=(0.1, 0, 1.2, 0.9))):
        size = None if "scale" in kwargs else (9, 4)
        want = upsampling.resize(x, size, **kwargs)
        got = resize_spec(x, ResizeSpec(size, **kwargs))
        assert got.tobytes() == want.tobytes(), kwargs
    with pytest.raises(DTypeError) as info:
        resize_spec(x, {"size": (9, 4)})
    assert info.value.parameter == "spec"
