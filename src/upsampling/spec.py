"""One resize, described once: :class:`ResizeSpec`.

A resize of the two spatial axes of an image or feature map is fully described by eleven
arguments, in ONNX Resize's vocabulary: the output ``size`` or the ``scale``, the ``mode``,
the ``coordinate_transformation_mode``, the ``nearest_mode``, ``cubic_coeff_a``,
``exclude_outside``, ``antialias``, the ``layout``, and for ``tf_crop_and_resize`` the ``roi``
and ``extrapolation_value``.  :class:`ResizeSpec` is that list, written once: its fields are
the parameters (names, ``Literal`` types and defaults) of every public resize entry point
(:func:`upsampling.resize`, :func:`upsampling.resizing.resize_plans`,
:func:`upsampling.dask.resize`, both ``upsample_argmax``, :class:`upsampling.torch.Resize`,
the ONNX twin), and each of them builds a spec and goes through it.

A spec is frozen, hashable and validated once, when it is made; what depends on the input
(the output shape, the per-axis plans) is computed by :meth:`ResizeSpec.output_shape` and
:meth:`ResizeSpec.plans` for a given input shape, and the plans are cached.

Two specs are equal when they describe the same operation on every input: arguments that the
mode ignores do not count (``nearest_mode`` outside ``nearest``, ``cubic_coeff_a`` outside
``cubic``, the coordinate mode of ``area``, ``roi`` and ``extrapolation_value`` outside
``tf_crop_and_resize``...), and conventions that coincide for the given sizes are one
(``half_pixel_symmetric`` with ``size`` is ``half_pixel``; so is ``pytorch_half_pixel`` when
no output length is 1).  A spec prints as the :func:`upsampling.resize` call that makes it.

>>> from upsampling import ResizeSpec
>>> s = ResizeSpec((64, 64), mode="cubic", cubic_coeff_a=-0.5)
>>> s
upsampling.resize(x, (64, 64), mode='cubic', cubic_coeff_a=-0.5)
>>> s.output_shape((1, 33, 47, 3))
(1, 64, 64, 3)
>>> ResizeSpec(64, coordinate_transformation_mode="pytorch_half_pixel") == ResizeSpec((64, 64))
True
>>> ResizeSpec(64, nearest_mode="floor") == ResizeSpec(64)     # linear ignores nearest_mode
True
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, Literal, TypedDict, TypeVar

import numpy as np

from upsampling import _checks
from upsampling._cache import ByteLRU
from upsampling.coords import (
    COORDINATE_TRANSFORMATION_MODES,
    NEAREST_MODES,
    CoordinateTransformationMode,
    NearestMode,
)
from upsampling.errors import InvalidArgumentError, ShapeError
from upsampling.plan import AxisPlan, area_plan, interpolation_plan

__all__ = [
    "FRAMEWORK_MODE_NAMES",
    "LAYOUTS",
    "MODES",
    "MODE_ALIASES",
    "Layout",
    "Mode",
    "ResizeOptions",
    "ResizeSpec",
    "output_size",
    "spatial_axes",
]

Mode = Literal["nearest", "linear", "cubic", "area"]
Layout = Literal["HW", "HWC", "CHW", "NHWC", "NCHW"]
MODES: tuple[str, ...] = Mode.__args__  # type: ignore[attr-defined]
#: layout -> (rank, index of H, index of W)
LAYOUTS: dict[str, tuple[int, int, int]] = {
    "HW": (2, 0, 1),
    "HWC": (3, 0, 1),
    "CHW": (3, 1, 2),
    "NHWC": (4, 1, 2),
    "NCHW": (4, 2, 3),
}
#: Mode names as PyTorch and TensorFlow write them (and the engine's own) -> the engine's (ONNX)
#: names: ``upsampling.torch`` accepts both; ``upsampling.explain`` maps back with
#: :data:`FRAMEWORK_MODE_NAMES`.
MODE_ALIASES: dict[str, str] = {
    "nearest": "nearest",
    "linear": "linear",
    "bilinear": "linear",
    "cubic": "cubic",
    "bicubic": "cubic",
    "area": "area",
}
#: The engine's mode -> the frameworks' name for it, where the two differ.
FRAMEWORK_MODE_NAMES: dict[str, str] = {engine: name for name, engine in MODE_ALIASES.items() if name != engine}


def spatial_axes(parameter: str, x: Any, layout: str) -> tuple[int, int]:
    """Check ``x.ndim`` against ``layout`` and return the (H, W) axes (``x``: anything with ``ndim``)."""
    _checks.choice("layout", layout, tuple(LAYOUTS))
    rank, h, w = LAYOUTS[layout]
    if x.ndim != rank:
        raise ShapeError(
            parameter,
            f"array of shape {tuple(x.shape)}",
            f"a {rank}-D array for layout {layout!r}",
            f"Pass layout= matching the array ({', '.join(f'{k}: {v[0]}-D' for k, v in LAYOUTS.items())}).",
        )
    return h, w


def output_size(n_in: int, scale: float, parameter: str = "scale") -> int:
    """``floor(n_in * scale)`` in float64 (ONNX's rule; PyTorch's for ``scale_factor``)."""
    n = math.floor(n_in * scale)
    if n < 1:
        raise InvalidArgumentError(
            parameter, scale, f"a scale with floor({n_in} * scale) >= 1, i.e. scale >= {1 / n_in:g}"
        )
    return n


def _pair(parameter: str, value: Any, check: Callable[[str, Any], Any]) -> tuple[Any, Any]:
    if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, (str, bytes)):
        items = _checks.sequence(parameter, value, 2)
        return check(parameter, items[0]), check(parameter, items[1])
    v = check(parameter, value)
    return v, v


def _float_key(v: float) -> bytes:
    # NaN != NaN, and 0.0 == -0.0 though they differ as extrapolation values: compare bits.
    return struct.pack("<d", v)


@dataclass(frozen=True, eq=False, repr=False)
class ResizeSpec:
    """One resize of the two spatial axes, validated once.

    Parameters
    ----------
    size : output ``(height, width)``, or one int for both.  Exactly one of ``size`` and
        ``scale``.
    scale : ``s`` per axis (or one for both); the output length is ``floor(n_in * s)`` and the
        coordinate formulas use ``s`` itself (not ``n_out / n_in``), as ONNX Resize does with
        ``scales``.
    mode : ``"nearest"``, ``"linear"`` (bilinear), ``"cubic"`` (bicubic) or ``"area"`` (box
        average weighted by fractional overlap, TF's ``area``; the coordinate convention does
        not apply to it).
    coordinate_transformation_mode : where output pixel ``i`` samples the input; see
        :data:`upsampling.coords.CONVENTIONS`.
    nearest_mode : rounding for ``mode="nearest"``.
    cubic_coeff_a : Keys' ``a`` for ``mode="cubic"``.
    exclude_outside : give out-of-image taps weight 0 and renormalise (cubic, antialias).
    antialias : when downscaling, stretch the linear/cubic kernel by ``1/s`` (ONNX Resize-18).
    layout : ``"HW"``, ``"HWC"``, ``"CHW"``, ``"NHWC"`` (default) or ``"NCHW"``: which axes
        of the input are H and W.
    roi : for ``tf_crop_and_resize``: ``(y_start, x_start, y_end, x_end)`` in normalised
        coordinates (default ``(0, 0, 1, 1)``).
    extrapolation_value : value of samples outside the image for ``tf_crop_and_resize``.

    Attributes hold the normalised values: ``size`` and ``scale`` are pairs (or ``None``),
    ``roi`` a 4-tuple of floats (or ``None``), the rest as given.

    Raises
    ------
    InvalidArgumentError
        Any argument outside what is allowed, naming it, the value and what is allowed.
    """

    size: int | Sequence[int] | None = None
    _: KW_ONLY
    scale: float | Sequence[float] | None = None
    mode: Mode = "linear"
    coordinate_transformation_mode: CoordinateTransformationMode = "half_pixel"
    nearest_mode: NearestMode = "round_prefer_floor"
    cubic_coeff_a: float = -0.75
    exclude_outside: bool = False
    antialias: bool = False
    layout: Layout = "NHWC"
    roi: Sequence[float] | None = None
    extrapolation_value: float = 0.0

    def __post_init__(self) -> None:
        set_ = functools.partial(object.__setattr__, self)
        _checks.choice("mode", self.mode, MODES)
        _checks.choice(
            "coordinate_transformation_mode", self.coordinate_transformation_mode, COORDINATE_TRANSFORMATION_MODES
        )
        _checks.choice("nearest_mode", self.nearest_mode, NEAREST_MODES)
        _checks.choice("layout", self.layout, tuple(LAYOUTS))
        set_("cubic_coeff_a", _checks.finite("cubic_coeff_a", self.cubic_coeff_a))
        set_("exclude_outside", _checks.boolean("exclude_outside", self.exclude_outside))
        set_("antialias", _checks.boolean("antialias", self.antialias))
        if self.antialias and self.mode not in ("linear", "cubic"):
            raise InvalidArgumentError(
                "antialias", True, "False for mode " + repr(self.mode), "Antialias applies to 'linear' and 'cubic'."
            )
        if (self.size is None) == (self.scale is None):
            raise InvalidArgumentError(
                "size", self.size, "exactly one of size and scale", f"Got size={self.size!r} and scale={self.scale!r}."
            )
        if self.size is not None:
            set_("size", _pair("size", self.size, _checks.positive_int))
        else:
            set_("scale", _pair("scale", self.scale, _checks.positive_finite))
        if self.roi is not None:
            set_("roi", tuple(_checks.finite("roi", v) for v in _checks.sequence("roi", self.roi, 4)))
        set_("extrapolation_value", _checks.real("extrapolation_value", self.extrapolation_value))
        set_("_key", self._operation())

    # -- identity ------------------------------------------------------------------------

    def _operation(self) -> tuple:
        """The fields that change the result, normalised: equal keys, equal operations."""
        mode, ctm = self.mode, self.coordinate_transformation_mode
        if mode == "area":
            ctm = "-"
        elif self.size is not None and ctm == "half_pixel_symmetric":
            ctm = "half_pixel"  # its adjustment n_out / (n_in * s) is 1 when the size is given
        elif self.size is not None and ctm == "pytorch_half_pixel" and min(self.size) > 1:
            ctm = "half_pixel"  # differs only where an output length is 1
        crop = ctm == "tf_crop_and_resize"
        kernel_reach = mode == "cubic" or self.antialias
        return (
            self.size,
            self.scale,
            mode,
            ctm,
            self.nearest_mode if mode == "nearest" else "-",
            _float_key(self.cubic_coeff_a) if mode == "cubic" else "-",
            self.exclude_outside if kernel_reach else "-",
            self.antialias,
            self.layout,
            (self.roi or (0.0, 0.0, 1.0, 1.0)) if crop else "-",
            _float_key(self.extrapolation_value) if crop else "-",
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ResizeSpec):
            return NotImplemented
        return self._key == other._key  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._key)  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return self.call()

    def call(self, array: str = "x", function: str = "upsampling.resize") -> str:
        """The call that makes this spec: ``upsampling.resize(x, (64, 64), mode='cubic')``.

        Only arguments that differ from the defaults are written, in the signature's order.
        """
        parts = [array]
        if self.size is not None:
            parts.append(repr(tuple(self.size)))
        else:
            s = self.scale
            parts.append(f"scale={s[0]!r}" if s[0] == s[1] else f"scale={tuple(s)!r}")
        for f in dataclasses.fields(self):
            if f.name in ("size", "scale"):
                continue
            value, default = getattr(self, f.name), f.default
            if isinstance(value, float):
                same = isinstance(default, float) and _float_key(value) == _float_key(default)
            else:
                same = value == default
            if not same:
                parts.append(f"{f.name}={value!r}")
        return f"{function}({', '.join(parts)})"

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments that make this spec: ``ResizeSpec(**s.arguments()) == s``."""
        return {name: getattr(self, name) for name in ("size", *_INIT_FIELDS)}

    def replace(self, **changes: Any) -> ResizeSpec:
        """A copy with some arguments changed (validated again)."""
        current = self.arguments()
        if "size" in changes and changes["size"] is not None:
            current["scale"] = None
        if "scale" in changes and changes["scale"] is not None:
            current["size"] = None
        return ResizeSpec(**{**current, **changes})

    # -- what depends on the input ------------------------------------------------------

    def axes(self, input_shape: Sequence[int], parameter: str = "x") -> tuple[int, int]:
        """The (H, W) axes of an input of ``input_shape`` (its rank checked against the layout)."""
        return spatial_axes(parameter, _Shape(tuple(input_shape)), self.layout)

    def output_lengths(self, input_shape: Sequence[int], parameter: str = "x") -> tuple[int, int]:
        """``(H_out, W_out)`` for an input of ``input_shape``."""
        ah, aw = self.axes(input_shape, parameter)
        n_in = (int(input_shape[ah]), int(input_shape[aw]))
        if 0 in n_in:
            raise ShapeError(parameter, tuple(input_shape), "a non-empty height and width")
        if self.size is not None:
            return self.size  # type: ignore[return-value]
        return output_size(n_in[0], self.scale[0]), output_size(n_in[1], self.scale[1])  # type: ignore[index]

    def output_shape(self, input_shape: Sequence[int], parameter: str = "x") -> tuple[int, ...]:
        """The output's shape for an input of ``input_shape`` (the layout's H and W replaced)."""
        ah, aw = self.axes(input_shape, parameter)
        h, w = self.output_lengths(input_shape, parameter)
        shape = [int(n) for n in input_shape]
        shape[ah], shape[aw] = h, w
        return tuple(shape)

    def plans(self, input_shape: Sequence[int], parameter: str = "x") -> dict[int, AxisPlan]:
        """One :class:`~upsampling.plan.AxisPlan` per spatial axis (H first, then W).

        Cached per spec and input height and width; the caller gets its own dict, but the
        plans are shared: do not modify them.
        """
        ah, aw = self.axes(input_shape, parameter)
        n_out = self.output_lengths(input_shape, parameter)
        n_in = (int(input_shape[ah]), int(input_shape[aw]))
        plans = _plans(self, n_in, n_out)
        return {ah: plans[0], aw: plans[1]}

    @classmethod
    def from_call(cls, size: Any = None, options: Mapping[str, Any] | None = None) -> ResizeSpec:
        """The spec of a call ``f(x, size, **options)``, from a small cache of recent calls.

        Validation costs 10-30 µs, a tenth of a small resize; a loop of calls with the same
        arguments pays it once.  Every part of the key carries its type, so a value that
        compares equal to a validated one but would be refused (``True`` for ``1``, ``1.0``
        for a size) never reuses an entry.  An unknown keyword is refused naming it.
        """
        options = {} if options is None else options
        try:
            key = (_tagged(size), *((k, _tagged(v)) for k, v in options.items()))
            hit = _SPECS.get(key)
        except TypeError:  # an unhashable argument (a list): validate every time
            key = hit = None
        if hit is not None:
            return hit
        unknown = [k for k in options if k not in _INIT_FIELDS]
        if unknown:
            raise InvalidArgumentError(
                unknown[0], options[unknown[0]], "a keyword of upsampling.resize: " + ", ".join(_INIT_FIELDS)
            )
        spec = cls(size, **options)
        if key is not None:
            if len(_SPECS) >= _SPECS_MAX:
                _SPECS.clear()
            _SPECS[key] = spec
        return spec


@dataclass(frozen=True)
class _Shape:
    shape: tuple[int, ...]

    @property
    def ndim(self) -> int:
        return len(self.shape)


_INIT_FIELDS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(ResizeSpec) if f.init and f.name != "size"
)


class ResizeOptions(TypedDict, total=False):
    """The keyword arguments of a resize entry point, for type checkers and editors
    (``**options: Unpack[ResizeOptions]``).  Same names and types as :class:`ResizeSpec`'s
    keyword fields, which hold the defaults (a test keeps the two identical)."""

    scale: float | Sequence[float] | None
    mode: Mode
    coordinate_transformation_mode: CoordinateTransformationMode
    nearest_mode: NearestMode
    cubic_coeff_a: float
    exclude_outside: bool
    antialias: bool
    layout: Layout
    roi: Sequence[float] | None
    extrapolation_value: float


# Validated specs of recent calls, keyed by their typed arguments (ResizeSpec.from_call).
_SPECS: dict[tuple, ResizeSpec] = {}
_SPECS_MAX = 128


def _tagged(value: Any) -> Any:
    if type(value) is tuple:
        return (tuple, tuple(map(type, value)), value)
    return (type(value), value)


# (spec, input (H, W), output (H, W)) -> the two plans; bounded by options(plan_cache_bytes=...)
# like every plan cache (upsampling._cache.trim_caches shrinks it).
_PLANS = ByteLRU("spec._plans")


def _plans(spec: ResizeSpec, n_in: tuple[int, int], n_out: tuple[int, int]) -> tuple[AxisPlan, AxisPlan]:
    key = (spec, n_in, n_out)
    hit = _PLANS.lookup(key)
    if hit is not None:
        return hit
    roi = spec.roi or (0.0, 0.0, 1.0, 1.0)
    scales = spec.scale or (None, None)
    plans = []
    for k in range(2):
        if spec.mode == "area":
            plans.append(area_plan(n_in[k], n_out[k], "overlap"))
            continue
        s = scales[k]
        plans.append(
            interpolation_plan(
                n_in[k],
                n_out[k],
                spec.mode,
                spec.coordinate_transformation_mode,
                scale=s,
                out_length=None if s is None else n_in[k] * s,
                roi=(roi[k], roi[k + 2]),
                nearest_mode=spec.nearest_mode,
                cubic_coeff_a=spec.cubic_coeff_a,
                exclude_outside=spec.exclude_outside,
                antialias=spec.antialias,
            )
        )
    value = (plans[0], plans[1])
    _PLANS.put(key, value)
    return value


F = TypeVar("F", bound=Callable[..., Any])


_SAME = object()


def takes_resize_options(*, layout: Any = _SAME) -> Callable[[F], F]:
    """Give a resize entry point written as ``f(x, size=None, ..., **options)`` the public
    signature of :class:`ResizeSpec`'s fields (for ``help()``, ``inspect`` and notebooks).

    ``layout``: a different default for this entry point (``upsample_argmax`` defaults to
    ``"CHW"``; the Dask face guesses it from the rank when ``None``).
    """

    def decorate(fn: F) -> F:
        sig = inspect.signature(fn)
        params = [p for p in sig.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
        names = {p.name for p in params}
        hints = {f.name: f.type for f in dataclasses.fields(ResizeSpec)}
        for f in dataclasses.fields(ResizeSpec):
            if not f.init or f.name == "size" or f.name in names:
                continue
            default, hint = f.default, hints[f.name]
            if f.name == "layout" and layout is not _SAME:
                default = layout
                if layout is None:  # the entry guesses it (from the rank)
                    hint = f"{hint} | None" if isinstance(hint, str) else hint | None
            params.append(inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=hint))
        # keyword-only parameters after the positional ones, in the spec's order, then the entry's own
        positional = [p for p in params if p.kind is not inspect.Parameter.KEYWORD_ONLY]
        keyword = [p for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]
        order = {name: i for i, name in enumerate(_INIT_FIELDS)}
        keyword.sort(key=lambda p: order.get(p.name, len(order)))
        fn.__signature__ = sig.replace(parameters=positional + keyword)  # type: ignore[attr-defined]
        return fn

    return decorate
