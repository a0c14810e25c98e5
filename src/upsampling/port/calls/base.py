"""What every call shares: the input's dims, the :class:`Call` interface, and the keys that say
what a call computes in exact arithmetic (:func:`op_key`), from which ``translate`` decides
whether an equality holds for every input size."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal, get_args

import numpy as np

from upsampling.frameworks._mapping import Setting
from upsampling.spec import ResizeSpec

#: the frameworks translate writes calls for (``to=``), in the order tables list them
Framework = Literal["pytorch", "tensorflow", "opencv", "pillow", "onnx", "engine"]
FRAMEWORKS: tuple[Framework, ...] = get_args(Framework)
#: the input dtypes the porting tools probe with (the frameworks' coordinate arithmetic follows them)
FloatDtype = Literal["float32", "float64", "float16"]
FLOAT_DTYPES: tuple[FloatDtype, ...] = get_args(FloatDtype)
TITLES = {
    "pytorch": "PyTorch", "tensorflow": "TensorFlow", "opencv": "OpenCV", "pillow": "Pillow", "onnx": "ONNX",
    "engine": "upsampling",
}


@dataclass(frozen=True)
class Dims:
    """The input's batch, channels, height and width (``n``/``c`` None when the source has no such axis)."""

    n: int | None
    c: int | None
    h: int
    w: int

    @classmethod
    def from_shape(cls, shape: tuple[int, ...], layout: str) -> Dims:
        named = dict(zip(layout, shape))
        return cls(named.get("N"), named.get("C"), named["H"], named["W"])

    def shape(self, layout: str) -> tuple[int, ...]:
        values = {"N": self.n or 1, "C": self.c or 1, "H": self.h, "W": self.w}
        return tuple(values[a] for a in layout)

    @property
    def batch(self) -> int:
        return self.n or 1

    @property
    def channels(self) -> int:
        return self.c or 1

    def resized(self, h: int, w: int) -> Dims:
        return replace(self, h=h, w=w)


def _scale_text(s: tuple[float, float]) -> str:
    return repr(float(s[0])) if s[0] == s[1] else f"({float(s[0])!r}, {float(s[1])!r})"


# Kernels that vanish at their radius: which taps a window visits at its very edge does not matter.
_VANISHING = ("triangle", "keys_a-0.5", "keys_a-0.75", "lanczos3", "lanczos5", "mitchell", "hamming", "mks2013",
              "mks2021")
_KERNEL_ALIASES = {"keys_a-0.5_pillow": "keys_a-0.5", "lanczos3_pillow": "lanczos3", "hamming_pillow": "hamming"}
# Builder arguments that change only the float rounding of a coordinate or a weight.
_ROUNDING = ("precision", "fused", "rounding_precision", "coordinate_storage", "pillow_rounding", "linear_border")


def op_key(setting: Setting, **per_call: Any) -> tuple:
    """What a setting computes in exact arithmetic, in one vocabulary for every framework.

    Interpolation (linear, cubic, Lanczos-4): ``("interp", mode, convention, a, exclude_outside,
    antialias, weight table)`` -- the float rounding of the coordinate does not count.  Nearest
    neighbour: its float arithmetic picks the pixel, so every argument counts, the precision
    included, and so does how the twin derives the scale it multiplies by (``per_call``
    ``inv_scale``, e.g. ``"float32(in)/float32(out)"``): two frameworks' nearest rules are equal
    for every size only when the registry gives them the same parameters and the same scale
    rule (PyTorch's small-output ``nearest`` and TF1's legacy ``resize_nearest_neighbor``), or
    the same loop (Pillow's and OpenCV's ``nearest_loop_plan``); a call that does not state its
    scale rule keeps a key of its own.  Windows, areas: the builder and its arguments
    without the rounding-only ones, kernel aliases merged, and the edge-tap rule dropped for
    kernels that vanish at their radius.
    """
    params = {**setting.params, **per_call}
    if setting.builder == "interpolation_plan" and "mode" in params:
        mode = params["mode"]
        if mode == "nearest":
            if "inv_scale" in per_call:
                return ("nearest", tuple(sorted((k, repr(v)) for k, v in params.items())))
            return ("nearest", setting.framework, setting.call, tuple(sorted((k, repr(v)) for k, v in per_call.items())))
        return interp_key(mode, params.get("coordinate_transformation_mode", "half_pixel"),
                          params.get("cubic_coeff_a", -0.75), params.get("exclude_outside", False),
                          params.get("antialias", False), params.get("cubic_table_size"))
    if setting.builder == "nearest_loop_plan":
        return ("nearest_loop",)
    for k in _ROUNDING:
        params.pop(k, None)
    if setting.builder == "area_plan" and params.get("rule") == "overlap" and "inv_scale" not in params:
        params.pop("border", None)  # boxes of in/out never run past the image
    if "kernel_name" in params:
        params["kernel_name"] = _KERNEL_ALIASES.get(params["kernel_name"], params["kernel_name"])
        params.setdefault("antialias", True)
        if params["kernel_name"] in _VANISHING:
            params.pop("span_rule", None)
    return (setting.builder, tuple(sorted((k, repr(v)) for k, v in params.items())))


def interp_key(mode: str, ctm: str, a: float, exclude: bool, antialias: bool, table: int | None) -> tuple:
    cubic = mode in ("cubic",)
    return ("interp", mode, ctm, float(a) if cubic else None, bool(exclude) if (cubic or antialias) else None,
            bool(antialias), table)


#: size rules whose output size is the input size times a scale, ``(name, scales, rounding)``
SCALE_RULES = ("scale", "floor_size", "round_size", "scale_fractional")


def normal_rule(rule: tuple) -> tuple:
    """Size rules that coincide: with whole scale factors every rule gives ``out = n·s`` and samples
    with ``in/out = 1/s`` exactly, whatever it rounds and whichever scale it divides by."""
    if rule[0] in SCALE_RULES and all(
            float(v).is_integer() for v in rule[1]):
        return ("whole_scale", tuple(float(v) for v in rule[1]))
    return rule


class Call:
    """A framework resize call with every argument fixed; see the module docstring."""

    framework: ClassVar[str]
    #: what makes the call nearest-neighbour: its field that names the interpolation, and the
    #: prefix of the nearest names there (``("mode", "nearest")`` also takes ``nearest-exact``)
    NEAREST: ClassVar[tuple[str, str]]

    @property
    def family(self) -> str:
        """"nearest" or "smooth": candidates of the other family are never searched."""
        field, prefix = self.NEAREST
        return "nearest" if getattr(self, field).startswith(prefix) else "smooth"

    # -- written form ---------------------------------------------------------------------
    def expression(self, x: str = "x") -> str:
        """The call on one input ``x`` in :meth:`unit_layout`."""
        raise NotImplementedError

    #: the layout of one input of :meth:`expression`, for calls whose layout is fixed
    UNIT_LAYOUT: ClassVar[str] = "NCHW"

    def unit_layout(self) -> str:
        """The layout of one input of :meth:`expression` (``NCHW`` for PyTorch...)."""
        return self.UNIT_LAYOUT

    def layout(self, dims: Dims) -> str:
        """The layout of ``x`` and ``y`` in :meth:`code`."""
        return self.unit_layout()

    def code(self, dims: Dims) -> str:
        return f"y = {self.expression('x')}"

    def text(self) -> str:
        """The call as a user writes it (``x`` the input)."""
        return self.expression("x")

    # -- what it computes -------------------------------------------------------------------
    def out_hw(self, dims: Dims) -> tuple[int, int]:
        raise NotImplementedError

    def run(self, x: np.ndarray) -> np.ndarray:
        """The call through its twin, on ``x`` in :meth:`unit_layout`."""
        raise NotImplementedError

    def probe_shape(self, dims: Dims, slots: int) -> tuple[int, ...]:
        """An input shape (in :meth:`unit_layout`) that computes the same operation, with up to
        ``slots`` independent images (batch entries here; OpenCV keeps the channel count, which
        decides its kernel)."""
        return _with_slots(self.unit_layout(), dims, slots)

    def settings(self) -> tuple[Setting, ...]:
        return ()

    def key(self) -> tuple:
        """The operation in exact arithmetic for every input size: equal keys, equal for all sizes."""
        return (tuple(sorted({op_key(s, **self._key_extras()) for s in self._key_settings()}, key=repr)),
                normal_rule(self.size_rule()))

    def _key_settings(self) -> tuple[Setting, ...]:
        """The settings :meth:`key` reads: :meth:`settings`, or the one the call's fixed sizes pick."""
        return self.settings()

    def _key_extras(self) -> dict[str, Any]:
        return {}

    def size_rule(self) -> tuple:
        """How the output size and the sampling scale follow from the input size."""
        raise NotImplementedError

    def scale_based(self) -> bool:
        """The output size follows from the input size and a scale (``scale_factor``, ``fx``, ``scales``)."""
        return self.size_rule()[0] in SCALE_RULES


class ImageCall(Call):
    """A call on one ``(H, W, C)`` image (OpenCV, Pillow): its written code loops over a batch."""

    def layout(self, dims: Dims) -> str:
        return "NHWC" if dims.batch > 1 else "HWC"

    def code(self, dims: Dims) -> str:
        if dims.batch > 1:
            return f"y = np.stack([{self.image_code('image', dims)} for image in x])"
        return f"y = {self.image_code('x', dims)}"

    def image_code(self, image: str, dims: Dims) -> str:
        """The expression that resizes the one ``(H, W, C)`` image named ``image``."""
        raise NotImplementedError


class Wrapper(Call):
    """A call that runs another one, :attr:`inner` (a dataclass field of the subclass): its family,
    layout, probing and settings are the inner call's."""

    inner: Call

    @property
    def family(self) -> str:
        return self.inner.family

    def unit_layout(self) -> str:
        return self.inner.unit_layout()

    def probe_shape(self, dims: Dims, slots: int) -> tuple[int, ...]:
        return self.inner.probe_shape(dims, slots)

    def settings(self) -> tuple[Setting, ...]:
        return self.inner.settings()


def _with_slots(layout: str, dims: Dims, slots: int) -> tuple[int, ...]:
    values = {"N": slots if "N" in layout else 1, "C": 1, "H": dims.h, "W": dims.w}
    if "N" not in layout and "C" in layout:
        values["C"] = slots
    return tuple(values[a] for a in layout)


def _torch_module():
    from upsampling.frameworks import pytorch

    return pytorch


def _tf_module():
    from upsampling.frameworks import tensorflow

    return tensorflow


def _cv_module():
    from upsampling.frameworks import opencv

    return opencv


def _pil_module():
    from upsampling.frameworks import pillow

    return pillow


def _onnx_module():
    from upsampling.frameworks import onnx

    return onnx


def spec_key(spec: ResizeSpec, arithmetic: str) -> tuple:
    """:func:`op_key` of a spec (``arithmetic``: ``"spec"``, float64, or ``"onnxruntime"``, float32)."""
    op = spec.replace(layout="NHWC")._operation()  # type: ignore[attr-defined]
    mode, ctm = op[2], op[3]
    if mode == "nearest":
        return ("nearest", arithmetic, ctm, spec.nearest_mode)
    if mode == "area":
        return ("area_plan", (("rule", "'overlap'"),))
    if ctm == "tf_crop_and_resize":
        return ("crop", op)
    return interp_key(mode, ctm, spec.cubic_coeff_a, spec.exclude_outside, spec.antialias, None)

