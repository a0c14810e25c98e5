"""Framework resize calls as data: how each is written, what it runs, which settings it uses.

A call is one framework function with all its arguments fixed (the output size included), e.g.
``F.interpolate(x, size=(64, 64), mode='bilinear', align_corners=False)``.  Each call knows

* ``code(dims)``: the Python statements that compute ``y`` from ``x`` with the framework's
  conventional names (``torch``, ``F``, ``tf``, ``cv2``, ``np``, ``Image``), ``x`` and ``y``
  in :meth:`layout` -- a ``torch.Tensor`` for PyTorch, a NumPy array (or ``tf.Tensor``) for
  TensorFlow, NumPy for the others; OpenCV and Pillow loop over the batch (and Pillow over
  the channels: it has no multi-channel float mode);
* ``run(x)``: the same call through its twin in :mod:`upsampling.frameworks` (NumPy, no
  framework imported), which :func:`upsampling.port.operator.probe` reads the operation from;
* ``settings()``: the :class:`~upsampling.frameworks._mapping.Setting` objects of the registry
  the twin builds its plans through for this call (more than one where the framework picks a
  kernel by shape or dtype), and :meth:`key`: the operation in exact arithmetic, the same for
  every input size, from which ``translate`` says whether an equality holds for all sizes.

The framework modules are never imported here; :func:`run_live` (tests, ``verify=``) executes
``code`` against the real framework.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np

from upsampling.errors import ShapeError
from upsampling.frameworks import _mapping
from upsampling.frameworks._mapping import Setting
from upsampling.spec import ResizeSpec

__all__ = [
    "CVResize",
    "apply_call",
    "convert_layout",
    "Call",
    "Dims",
    "EngineResize",
    "KerasUpSampling",
    "FRAMEWORKS",
    "ONNXResize",
    "PILResize",
    "TF1Resize",
    "TFResize",
    "TorchInterpolate",
    "TwinResize",
    "run_live",
    "code_with_size_from",
    "op_key",
    "resized",
    "setting_call",
    "spec_key",
]

#: target names accepted by translate, in the order tables list them
FRAMEWORKS = ("pytorch", "tensorflow", "opencv", "pillow", "onnx", "engine")
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


def _pair(v: Any) -> tuple:
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _num(v: float) -> str:
    return repr(int(v)) if float(v).is_integer() and not isinstance(v, float) else repr(float(v))


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
    neighbour: the setting itself, since its float arithmetic picks the pixel (two frameworks'
    nearest rules are only proved equal when they are the same kernel, or the same loop:
    Pillow's and OpenCV's ``nearest_loop_plan``).  Windows, areas: the builder and its arguments
    without the rounding-only ones, kernel aliases merged, and the edge-tap rule dropped for
    kernels that vanish at their radius.
    """
    params = {**setting.params, **per_call}
    if setting.builder == "interpolation_plan" and "mode" in params:
        mode = params["mode"]
        if mode == "nearest":
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


def normal_rule(rule: tuple) -> tuple:
    """Size rules that coincide: with whole scale factors every rule gives ``out = n·s`` and samples
    with ``in/out = 1/s`` exactly, whatever it rounds and whichever scale it divides by."""
    if rule[0] in ("scale", "floor_size", "round_size", "scale_fractional") and all(
            float(v).is_integer() for v in rule[1]):
        return ("whole_scale", tuple(float(v) for v in rule[1]))
    return rule


class Call:
    """A framework resize call with every argument fixed; see the module docstring."""

    framework: ClassVar[str]
    #: "nearest" or "smooth": candidates of the other family are never searched
    family: str

    # -- written form ---------------------------------------------------------------------
    def expression(self, x: str = "x") -> str:
        """The call on one input ``x`` in :meth:`unit_layout`."""
        raise NotImplementedError

    def unit_layout(self) -> str:
        """The layout of one input of :meth:`expression` (``NCHW`` for PyTorch...)."""
        raise NotImplementedError

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
        return (tuple(sorted({op_key(s, **self._key_extras()) for s in self.settings()}, key=repr)),
                normal_rule(self.size_rule()))

    def _key_extras(self) -> dict[str, Any]:
        return {}

    def size_rule(self) -> tuple:
        """How the output size and the sampling scale follow from the input size."""
        raise NotImplementedError

    def scale_based(self) -> bool:
        return self.size_rule()[0] != "size"


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


# -- PyTorch ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TorchInterpolate(Call):
    """``torch.nn.functional.interpolate`` (also what ``nn.Upsample`` runs)."""

    size: tuple[int, int] | None = None
    scale_factor: tuple[float, float] | None = None
    mode: str = "nearest"
    align_corners: bool | None = None
    antialias: bool = False
    recompute_scale_factor: bool | None = None

    framework: ClassVar[str] = "pytorch"

    @property
    def family(self) -> str:
        return "nearest" if self.mode.startswith("nearest") else "smooth"

    def unit_layout(self) -> str:
        return "NCHW"

    def expression(self, x: str = "x") -> str:
        args = [x]
        if self.size is not None:
            args.append(f"size={tuple(self.size)!r}")
        else:
            args.append(f"scale_factor={_scale_text(self.scale_factor)}")
        args.append(f"mode={self.mode!r}")
        if self.mode in ("bilinear", "bicubic", "linear", "trilinear"):
            args.append(f"align_corners={bool(self.align_corners)}")
        if self.antialias:
            args.append("antialias=True")
        if self.recompute_scale_factor:
            args.append("recompute_scale_factor=True")
        return f"F.interpolate({', '.join(args)})"

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        if self.size is not None:
            return tuple(self.size)
        return int(dims.h * self.scale_factor[0]), int(dims.w * self.scale_factor[1])

    def run(self, x: np.ndarray) -> np.ndarray:
        return _torch_module().interpolate(
            x, size=self.size, scale_factor=self.scale_factor, mode=self.mode,
            align_corners=self.align_corners if self.mode not in ("nearest", "nearest-exact", "area") else None,
            antialias=self.antialias, recompute_scale_factor=self.recompute_scale_factor,
        )

    def settings(self) -> tuple[Setting, ...]:
        t = _torch_module()
        if self.mode == "nearest":
            return (t.NEAREST, t.NEAREST_GENERIC)
        if self.mode == "nearest-exact":
            return (t.NEAREST_EXACT, t.NEAREST_EXACT_GENERIC)
        if self.mode == "area":
            return (t.AREA,)
        if self.antialias:
            return ({"bilinear": t.BILINEAR_ANTIALIAS, "bicubic": t.BICUBIC_ANTIALIAS, "lanczos": t.LANCZOS_ANTIALIAS}
                    [self.mode],)
        if self.mode == "bicubic":
            return (t.CUBIC_ALIGN_CORNERS if self.align_corners else t.CUBIC,)
        return (t.LINEAR_ALIGN_CORNERS if self.align_corners else t.LINEAR,)

    def _key_extras(self) -> dict[str, Any]:
        # align_corners=True keeps the antialias window, with the scale (in-1)/(out-1)
        return {"align_corners": True} if self.antialias and self.align_corners else {}

    def size_rule(self) -> tuple:
        if self.size is not None:
            return ("size",)
        sizes_only = self.recompute_scale_factor or self.mode == "area" or self.align_corners
        return ("floor_size" if sizes_only else "scale", tuple(self.scale_factor), "floor")


# -- TensorFlow ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TFResize(Call):
    """``tf.image.resize`` (TF2)."""

    size: tuple[int, int] = (1, 1)
    method: str = "bilinear"
    antialias: bool = False
    preserve_aspect_ratio: bool = False

    framework: ClassVar[str] = "tensorflow"

    @property
    def family(self) -> str:
        return "nearest" if self.method == "nearest" else "smooth"

    def unit_layout(self) -> str:
        return "NHWC"

    def expression(self, x: str = "x") -> str:
        args = [x, repr(tuple(self.size))]
        if self.method != "bilinear":
            args.append(f"method={self.method!r}")
        if self.antialias:
            args.append("antialias=True")
        if self.preserve_aspect_ratio:
            args.append("preserve_aspect_ratio=True")
        return f"tf.image.resize({', '.join(args)})"

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        if not self.preserve_aspect_ratio:
            return tuple(self.size)
        f = np.float32
        s = min(f(self.size[0]) / f(dims.h), f(self.size[1]) / f(dims.w))
        return int(np.round(f(s * f(dims.h)))), int(np.round(f(s * f(dims.w))))

    def run(self, x: np.ndarray) -> np.ndarray:
        return _tf_module().resize(x, self.size, method=self.method, antialias=self.antialias,
                                   preserve_aspect_ratio=self.preserve_aspect_ratio)

    def settings(self) -> tuple[Setting, ...]:
        t = _tf_module()
        if self.method == "nearest":
            return (t.NEAREST_HALF_PIXEL,)
        if self.method == "area":
            return (t.AREA,)
        if self.method == "bilinear" and not self.antialias:
            return (t.BILINEAR_HALF_PIXEL,)
        if self.method == "bicubic" and not self.antialias:
            return (t.BICUBIC_HALF_PIXEL,)
        return ({"bilinear": t.TRIANGLE, "bicubic": t.KEYS_CUBIC, "lanczos3": t.LANCZOS3, "lanczos5": t.LANCZOS5,
                 "gaussian": t.GAUSSIAN, "mitchellcubic": t.MITCHELLCUBIC}[self.method],)

    def _key_extras(self) -> dict[str, Any]:
        return {"antialias": bool(self.antialias)} if self.settings()[0].builder == "window_plan" else {}

    def size_rule(self) -> tuple:
        return ("aspect",) if self.preserve_aspect_ratio else ("size",)


TF1_OPS = ("resize_bilinear", "resize_nearest_neighbor", "resize_bicubic", "resize_area")


@dataclass(frozen=True)
class TF1Resize(Call):
    """``tf.compat.v1.image.resize_{bilinear,nearest_neighbor,bicubic,area}``."""

    op: str = "resize_bilinear"
    size: tuple[int, int] = (1, 1)
    align_corners: bool = False
    half_pixel_centers: bool = False

    framework: ClassVar[str] = "tensorflow"

    @property
    def family(self) -> str:
        return "nearest" if self.op == "resize_nearest_neighbor" else "smooth"

    def unit_layout(self) -> str:
        return "NHWC"

    def expression(self, x: str = "x") -> str:
        args = [x, repr(tuple(self.size))]
        if self.align_corners:
            args.append("align_corners=True")
        if self.half_pixel_centers:
            args.append("half_pixel_centers=True")
        return f"tf.compat.v1.image.{self.op}({', '.join(args)})"

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        return tuple(self.size)

    def run(self, x: np.ndarray) -> np.ndarray:
        fn = getattr(_tf_module(), self.op)
        if self.op == "resize_area":
            return fn(x, self.size, align_corners=self.align_corners)
        return fn(x, self.size, align_corners=self.align_corners, half_pixel_centers=self.half_pixel_centers)

    def settings(self) -> tuple[Setting, ...]:
        t = _tf_module()
        kind = {"resize_bilinear": "BILINEAR", "resize_nearest_neighbor": "NEAREST", "resize_bicubic": "BICUBIC",
                "resize_area": "AREA"}[self.op]
        if kind == "AREA":
            return (t.AREA_ALIGN_CORNERS if self.align_corners else t.AREA,)
        flag = "ALIGN_CORNERS" if self.align_corners else "HALF_PIXEL" if self.half_pixel_centers else "LEGACY"
        return (getattr(t, f"{kind}_{flag}"),)

    def _key_extras(self) -> dict[str, Any]:
        return {"inv_scale": "(in-1)/(out-1)"} if self.op == "resize_area" and self.align_corners else {}

    def size_rule(self) -> tuple:
        return ("size",)


@dataclass(frozen=True)
class KerasUpSampling(Call):
    """``tf.keras.layers.UpSampling2D(size, interpolation)`` (Keras 3, channels_last): ``nearest``
    repeats each pixel (``ops.repeat``); the other interpolations are ``tf.image.resize`` to
    ``(H·sh, W·sw)`` without antialias (keras/src/layers/reshaping/up_sampling2d.py)."""

    factors: tuple[int, int] = (2, 2)
    interpolation: str = "nearest"

    framework: ClassVar[str] = "tensorflow"

    @property
    def family(self) -> str:
        return "nearest" if self.interpolation == "nearest" else "smooth"

    def unit_layout(self) -> str:
        return "NHWC"

    def expression(self, x: str = "x") -> str:
        interp = "" if self.interpolation == "nearest" else f", interpolation={self.interpolation!r}"
        return f"tf.keras.layers.UpSampling2D(size={tuple(self.factors)!r}{interp})({x})"

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        return dims.h * self.factors[0], dims.w * self.factors[1]

    def _resize(self, dims: Dims) -> TFResize:
        return TFResize(size=self.out_hw(dims), method=self.interpolation)

    def run(self, x: np.ndarray) -> np.ndarray:
        if self.interpolation == "nearest":
            return np.repeat(np.repeat(x, self.factors[0], axis=1), self.factors[1], axis=2)
        return self._resize(Dims(x.shape[0], x.shape[3], x.shape[1], x.shape[2])).run(x)

    def settings(self) -> tuple[Setting, ...]:
        if self.interpolation == "nearest":
            return ()
        return TFResize(size=(1, 1), method=self.interpolation).settings()

    def key(self) -> tuple:
        if self.interpolation == "nearest":
            return (("repeat",), normal_rule(self.size_rule()))
        return super().key()

    def size_rule(self) -> tuple:
        return ("scale", tuple(float(v) for v in self.factors), "floor")


# -- OpenCV -------------------------------------------------------------------------------------

CV_FLAGS = ("INTER_NEAREST", "INTER_LINEAR", "INTER_CUBIC", "INTER_AREA", "INTER_LANCZOS4", "INTER_LINEAR_EXACT",
            "INTER_NEAREST_EXACT")


@dataclass(frozen=True)
class CVResize(Call):
    """``cv2.resize`` on one ``(H, W, C)`` image; ``dsize`` is (width, height)."""

    dsize: tuple[int, int] | None = None
    fx: float = 0.0
    fy: float = 0.0
    interpolation: str = "INTER_LINEAR"

    framework: ClassVar[str] = "opencv"

    @property
    def family(self) -> str:
        return "nearest" if self.interpolation.startswith("INTER_NEAREST") else "smooth"

    def unit_layout(self) -> str:
        return "HWC"

    def layout(self, dims: Dims) -> str:
        return "NHWC" if dims.batch > 1 else "HWC"

    def expression(self, x: str = "x") -> str:
        interp = f"interpolation=cv2.{self.interpolation}"
        if self.dsize is not None:
            return f"cv2.resize({x}, {tuple(self.dsize)!r}, {interp})"
        return f"cv2.resize({x}, None, fx={float(self.fx)!r}, fy={float(self.fy)!r}, {interp})"

    def code(self, dims: Dims) -> str:
        single = dims.channels == 1  # cv2 returns (h, w) for one channel
        if dims.batch > 1:
            one = self.expression("image") + ("[:, :, np.newaxis]" if single else "")
            return f"y = np.stack([{one} for image in x])"
        return f"y = {self.expression('x')}" + ("[:, :, np.newaxis]" if single else "")

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        if self.dsize is not None:
            return self.dsize[1], self.dsize[0]
        return round(dims.h * self.fy), round(dims.w * self.fx)  # saturate_cast: half to even, as round()

    def run(self, x: np.ndarray) -> np.ndarray:
        cv = _cv_module()
        y = cv.resize(x, self.dsize, fx=self.fx, fy=self.fy, interpolation=getattr(cv, self.interpolation))
        return y if y.ndim == x.ndim else y[:, :, None]

    def probe_shape(self, dims: Dims, slots: int) -> tuple[int, ...]:
        return (dims.h, dims.w, dims.channels)  # the channel count picks the kernel (IPP: 1, 3 or 4)

    def settings(self) -> tuple[Setting, ...]:
        t = _cv_module()
        return {
            "INTER_NEAREST": (t.NEAREST,), "INTER_NEAREST_EXACT": (t.NEAREST_EXACT,),
            "INTER_LINEAR": (t.LINEAR, t.LINEAR_IPP, t.LINEAR_UINT8_ROWS), "INTER_LINEAR_EXACT": (t.LINEAR_EXACT,),
            "INTER_CUBIC": (t.CUBIC, t.CUBIC_IPP), "INTER_LANCZOS4": (t.LANCZOS4,),
            "INTER_AREA": (t.AREA_DOWN, t.AREA_UP),
        }[self.interpolation]

    def size_rule(self) -> tuple:
        if self.dsize is not None:
            return ("size",)
        sizes_only = self.interpolation == "INTER_NEAREST_EXACT"
        return ("round_size" if sizes_only else "scale", (self.fy, self.fx), "round_half_even")


# -- Pillow -------------------------------------------------------------------------------------

PIL_FILTERS = ("NEAREST", "BOX", "BILINEAR", "HAMMING", "BICUBIC", "LANCZOS", "MKS2013", "MKS2021")


def _pillow_setting(name: str) -> Setting:
    if name == "NEAREST":
        return _pil_module().NEAREST_SETTING
    _pil_module()
    wanted = f"Image.resize(resample=Image.{name})"
    for s in _mapping.REGISTRY:
        if s.framework == "Pillow" and (s.call == wanted or s.call.startswith(wanted + " ")):
            return s
    raise LookupError(f"no registered Pillow setting for {name}")  # pragma: no cover - registry drift


@dataclass(frozen=True)
class PILResize(Call):
    """``Image.resize`` of each channel as a mode "F" image; ``size`` is (width, height)."""

    size: tuple[int, int] = (1, 1)
    resample: str = "BICUBIC"
    box: tuple[float, float, float, float] | None = None
    reducing_gap: float | None = None

    framework: ClassVar[str] = "pillow"

    @property
    def family(self) -> str:
        return "nearest" if self.resample == "NEAREST" else "smooth"

    def unit_layout(self) -> str:
        return "HW"

    def layout(self, dims: Dims) -> str:
        return "NHWC" if dims.batch > 1 else "HWC"

    def expression(self, x: str = "x") -> str:
        args = [repr(tuple(self.size)), f"Image.Resampling.{self.resample}"]
        if self.box is not None:
            args.append(f"box={tuple(float(v) for v in self.box)!r}")
        if self.reducing_gap is not None:
            args.append(f"reducing_gap={float(self.reducing_gap)!r}")
        return f"{x}.resize({', '.join(args)})"

    def text(self) -> str:
        return "Image.fromarray(x).resize(" + self.expression("x").split(".resize(", 1)[1]

    def code(self, dims: Dims) -> str:
        one = self.expression("Image.fromarray(np.ascontiguousarray(band, dtype=np.float32))")
        bands = f"np.stack([np.asarray({one}) for band in {{src}}.transpose(2, 0, 1)], axis=2)"
        if dims.batch > 1:
            return f"y = np.stack([{bands.format(src='image')} for image in x])"
        return f"y = {bands.format(src='x')}"

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        return self.size[1], self.size[0]

    def run(self, x: np.ndarray) -> np.ndarray:
        pil = _pil_module()
        if x.dtype != np.uint8:
            x = x.astype(np.float32)  # mode "F"
        return pil.resize(x, self.size, getattr(pil, self.resample), box=self.box,
                          reducing_gap=self.reducing_gap)

    def probe_shape(self, dims: Dims, slots: int) -> tuple[int, ...]:
        return (dims.h, dims.w)

    def settings(self) -> tuple[Setting, ...]:
        s = (_pillow_setting(self.resample),)
        return s + ((_pil_module().REDUCE,) if self.reducing_gap is not None else ())

    def _key_extras(self) -> dict[str, Any]:
        return {"box": self.box} if self.box is not None else {}

    def size_rule(self) -> tuple:
        return ("size",) if self.box is None else ("size", "box")


# -- ONNX ---------------------------------------------------------------------------------------

ONNX_DTYPES = {"float32": "FLOAT", "float64": "DOUBLE", "float16": "FLOAT16", "uint8": "UINT8"}


@dataclass(frozen=True)
class ONNXResize(Call):
    """An ONNX ``Resize`` node (``Upsample`` below opset 10) over the H and W axes of NCHW,
    run in ONNX Runtime (``behaviour="onnxruntime"`` of the twin)."""

    sizes: tuple[int, int] | None = None
    scales: tuple[float, float] | None = None
    mode: str = "nearest"
    coordinate_transformation_mode: str = "half_pixel"
    nearest_mode: str = "round_prefer_floor"
    cubic_coeff_a: float = -0.75
    exclude_outside: bool = False
    antialias: bool = False
    roi: tuple[float, float, float, float] | None = None
    extrapolation_value: float = 0.0
    opset: int = 19
    behaviour: str = "onnxruntime"

    framework: ClassVar[str] = "onnx"

    @property
    def family(self) -> str:
        return "nearest" if self.mode == "nearest" else "smooth"

    @property
    def op_type(self) -> str:
        return "Resize" if self.opset >= 10 else "Upsample"

    def unit_layout(self) -> str:
        return "NCHW"

    def attributes(self) -> dict[str, Any]:
        """The node's attributes (defaults of this opset left out)."""
        if self.op_type == "Upsample":
            return {"mode": self.mode}
        attrs: dict[str, Any] = {"mode": self.mode}
        if self.opset < 11:
            return attrs
        if self.coordinate_transformation_mode != "half_pixel":
            attrs["coordinate_transformation_mode"] = self.coordinate_transformation_mode
        if self.mode == "nearest" and self.nearest_mode != "round_prefer_floor":
            attrs["nearest_mode"] = self.nearest_mode
        if self.mode == "cubic" and self.cubic_coeff_a != -0.75:
            attrs["cubic_coeff_a"] = float(self.cubic_coeff_a)
        if self.exclude_outside:
            attrs["exclude_outside"] = 1
        if self.antialias:
            attrs["antialias"] = 1
        if self.coordinate_transformation_mode == "tf_crop_and_resize" and self.extrapolation_value != 0:
            attrs["extrapolation_value"] = float(self.extrapolation_value)
        if self.opset >= 18:
            attrs["axes"] = [2, 3]
        return attrs

    def node(self, dims: Dims) -> dict[str, Any]:
        """The node as data: op_type, attributes, the constant inputs and the opset."""
        inputs: dict[str, Any] = {}
        full = self.opset < 18
        if self.roi is not None:
            r = list(self.roi)
            inputs["roi"] = [0.0, 0.0, r[0], r[1], 1.0, 1.0, r[2], r[3]] if full else r
        if self.sizes is not None:
            inputs["sizes"] = ([dims.batch, dims.channels] if full else []) + list(self.sizes)
        else:
            inputs["scales"] = ([1.0, 1.0] if full or self.op_type == "Upsample" else []) + [
                float(v) for v in self.scales]
        return {"op_type": self.op_type, "attributes": self.attributes(), "inputs": inputs, "opset": self.opset}

    def expression(self, x: str = "x") -> str:
        attrs = ", ".join(f"{k}={v!r}" for k, v in self.attributes().items() if k != "axes")
        what = f"sizes={list(self.sizes)!r}" if self.sizes is not None else f"scales={[float(v) for v in self.scales]!r}"
        extra = f", roi={list(self.roi)!r}" if self.roi is not None else ""
        return f"{self.op_type}({x}, {what}{extra}{', ' if attrs else ''}{attrs})"

    def text(self) -> str:
        return f"onnx {self.expression('x')}" + (f" (opset {self.opset})" if self.opset != 19 else "")

    def code(self, dims: Dims) -> str:
        node = self.node(dims)
        names, inits = ["x"], []
        for name in ("roi", "scales", "sizes"):
            if self.op_type == "Upsample":
                if name == "scales":
                    names.append("scales")
                    inits.append(f'onnx.numpy_helper.from_array(np.array({node["inputs"]["scales"]!r}, np.float32), '
                                 '"scales")')
                continue
            if name in node["inputs"]:
                names.append(name)
                dtype = "np.int64" if name == "sizes" else "np.float32"
                inits.append(f'onnx.numpy_helper.from_array(np.array({node["inputs"][name]!r}, {dtype}), "{name}")')
            elif name != "sizes":
                names.append("")
        while names and names[-1] == "":
            names.pop()
        attrs = "".join(f", {k}={v!r}" for k, v in node["attributes"].items())
        return "\n".join([
            "import onnx, onnxruntime",
            f"node = onnx.helper.make_node({self.op_type!r}, {names!r}, ['y']{attrs})",
            "elem = onnx.helper.np_dtype_to_tensor_dtype(x.dtype)",
            "graph = onnx.helper.make_graph(",
            "    [node], 'port', [onnx.helper.make_tensor_value_info('x', elem, list(x.shape))],",
            "    [onnx.helper.make_tensor_value_info('y', elem, None)],",
            f"    initializer=[{', '.join(inits)}])",
            f"model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid('', {self.opset})])",
            "model.ir_version = min(model.ir_version, 10)",
            "session = onnxruntime.InferenceSession(model.SerializeToString(), providers=['CPUExecutionProvider'])",
            "y = session.run(None, {'x': x})[0]",
        ])

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        if self.sizes is not None:
            return tuple(self.sizes)
        f = np.float32
        if self.behaviour == "onnxruntime":
            return (int(math.floor(f(dims.h) * f(self.scales[0]))), int(math.floor(f(dims.w) * f(self.scales[1]))))
        return int(math.floor(dims.h * self.scales[0])), int(math.floor(dims.w * self.scales[1]))

    def run(self, x: np.ndarray) -> np.ndarray:
        o = _onnx_module()
        if self.op_type == "Upsample":
            return o.upsample(x, [1.0, 1.0, *self.scales], mode=self.mode)
        kwargs: dict[str, Any] = dict(
            mode=self.mode, coordinate_transformation_mode=self.coordinate_transformation_mode,
            nearest_mode=self.nearest_mode, cubic_coeff_a=self.cubic_coeff_a,
            exclude_outside=int(self.exclude_outside), antialias=int(self.antialias),
            extrapolation_value=self.extrapolation_value, axes=[2, 3], behaviour=self.behaviour,
        )
        roi = None if self.roi is None else list(self.roi)
        if self.sizes is not None:
            return o.resize(x, roi, None, list(self.sizes), **kwargs)
        return o.resize(x, roi, list(self.scales), None, **kwargs)

    def settings(self) -> tuple[Setting, ...]:
        o = _onnx_module()
        if self.op_type == "Upsample":
            return (o.UPSAMPLE,)
        return (o.RESIZE_ORT if self.behaviour == "onnxruntime" else o.RESIZE_SPEC,)

    def spec(self) -> ResizeSpec:
        """The node in the engine's vocabulary (the ONNX specification's arithmetic)."""
        if self.op_type == "Upsample":
            return ResizeSpec(scale=self.scales, mode=self.mode, coordinate_transformation_mode="asymmetric",
                              nearest_mode="floor", layout="NCHW")
        return ResizeSpec(
            self.sizes, scale=self.scales, mode=self.mode,
            coordinate_transformation_mode=self.coordinate_transformation_mode, nearest_mode=self.nearest_mode,
            cubic_coeff_a=self.cubic_coeff_a, exclude_outside=self.exclude_outside, antialias=self.antialias,
            layout="NCHW", roi=self.roi, extrapolation_value=self.extrapolation_value,
        )

    def key(self) -> tuple:
        return ((spec_key(self.spec(), "onnxruntime" if self.behaviour == "onnxruntime" else "spec"),),
                normal_rule(self.size_rule()))

    def size_rule(self) -> tuple:
        if self.sizes is not None:
            return ("size",)
        integer = self.behaviour == "onnxruntime" and self.coordinate_transformation_mode in (
            "align_corners", "pytorch_half_pixel", "tf_crop_and_resize")
        rounding = "floor_float32" if self.behaviour == "onnxruntime" else "floor"
        return ("floor_size" if integer else "scale", tuple(self.scales), rounding)


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


# -- the engine ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EngineResize(Call):
    """``upsampling.resize`` (a :class:`~upsampling.spec.ResizeSpec`)."""

    spec: ResizeSpec = field(default_factory=lambda: ResizeSpec(1))

    framework: ClassVar[str] = "engine"

    @property
    def family(self) -> str:
        return "nearest" if self.spec.mode == "nearest" else "smooth"

    def unit_layout(self) -> str:
        return self.spec.layout

    def expression(self, x: str = "x") -> str:
        return self.spec.call(x)

    def code(self, dims: Dims) -> str:
        return f"import upsampling\ny = {self.expression('x')}"

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        return self.spec.output_lengths(dims.shape(self.spec.layout))

    def run(self, x: np.ndarray) -> np.ndarray:
        from upsampling.resizing import resize

        s = self.spec
        return resize(x, s.size, scale=s.scale, mode=s.mode, coordinate_transformation_mode=s.coordinate_transformation_mode,
                      nearest_mode=s.nearest_mode, cubic_coeff_a=s.cubic_coeff_a, exclude_outside=s.exclude_outside,
                      antialias=s.antialias, layout=s.layout, roi=s.roi, extrapolation_value=s.extrapolation_value)

    def key(self) -> tuple:
        return ((spec_key(self.spec, "spec"),), normal_rule(self.size_rule()))

    def size_rule(self) -> tuple:
        if self.spec.size is not None:
            return ("size",)
        frac = self.spec.coordinate_transformation_mode in ("align_corners", "pytorch_half_pixel")
        return ("scale_fractional" if frac else "scale", tuple(self.spec.scale), "floor")


@dataclass(frozen=True)
class TwinResize(Call):
    """A framework call through its twin in :mod:`upsampling.frameworks` (NumPy, no framework)."""

    call: Call = field(default_factory=lambda: TorchInterpolate(size=(1, 1)))

    framework: ClassVar[str] = "engine"

    @property
    def family(self) -> str:
        return self.call.family

    def unit_layout(self) -> str:
        return self.call.unit_layout()

    def layout(self, dims: Dims) -> str:
        return self.call.layout(dims)

    def expression(self, x: str = "x") -> str:
        fw = self.call.framework
        c = self.call
        if isinstance(c, TorchInterpolate):
            return "pytorch." + c.expression(x).replace("F.interpolate(", "interpolate(", 1)
        if isinstance(c, TFResize):
            return "tensorflow." + c.expression(x).replace("tf.image.resize(", "resize(", 1)
        if isinstance(c, TF1Resize):
            return "tensorflow." + c.expression(x).replace("tf.compat.v1.image.", "", 1)
        if isinstance(c, CVResize):
            return "opencv." + c.expression(x).replace("cv2.resize(", "resize(", 1).replace("cv2.", "opencv.")
        if isinstance(c, PILResize):
            args = c.expression("_").split(".resize(", 1)[1].replace("Image.Resampling.", "pillow.")
            return f"pillow.resize({x}, {args}"
        if isinstance(c, ONNXResize):
            kwargs = ", ".join(f"{k}={v!r}" for k, v in {**c.attributes(), "axes": [2, 3]}.items())
            what = f"sizes={list(c.sizes)!r}" if c.sizes is not None else f"scales={[float(v) for v in c.scales]!r}"
            return f"onnx.resize({x}, {what}, {kwargs}, behaviour={c.behaviour!r})"
        raise TypeError(f"no twin for {fw}")  # pragma: no cover

    def code(self, dims: Dims) -> str:
        c = self.call
        module = c.framework
        if isinstance(c, CVResize):
            body = c.code(dims).replace("cv2.resize(", "opencv.resize(").replace("cv2.INTER_", "opencv.INTER_")
            return f"from upsampling.frameworks import opencv\n{body}"
        if isinstance(c, PILResize):
            body = c.code(dims)
            body = re.sub(r"Image\.fromarray\((np\.ascontiguousarray\(band, dtype=np\.float32\))\)\.resize\(",
                          r"pillow.resize(\1, ", body).replace("Image.Resampling.", "pillow.")
            return f"from upsampling.frameworks import pillow\n{body}"
        return f"from upsampling.frameworks import {module}\ny = {self.expression('x')}"

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        return self.call.out_hw(dims)

    def run(self, x: np.ndarray) -> np.ndarray:
        return self.call.run(x)

    def probe_shape(self, dims: Dims, slots: int) -> tuple[int, ...]:
        return self.call.probe_shape(dims, slots)

    def settings(self) -> tuple[Setting, ...]:
        return self.call.settings()

    def key(self) -> tuple:
        return self.call.key()

    def size_rule(self) -> tuple:
        return self.call.size_rule()


def resized(call: Call, out_hw: tuple[int, int]) -> Call | None:
    """The same call written with an explicit output size (None for a composition)."""
    h, w = out_hw
    if isinstance(call, TorchInterpolate):
        return replace(call, size=(h, w), scale_factor=None, recompute_scale_factor=None)
    if isinstance(call, (TFResize, TF1Resize)):
        return replace(call, size=(h, w))
    if isinstance(call, CVResize):
        return replace(call, dsize=(w, h), fx=0.0, fy=0.0)
    if isinstance(call, PILResize):
        return replace(call, size=(w, h)) if call.box is None else None
    if isinstance(call, ONNXResize):
        return replace(call, sizes=(h, w), scales=None)
    if isinstance(call, EngineResize):
        return replace(call, spec=call.spec.replace(size=(h, w)))
    if isinstance(call, TwinResize):
        inner = resized(call.call, out_hw)
        return None if inner is None else TwinResize(inner)
    return None


_SENTINELS = (999983, 999979)


def code_with_size_from(call: Call, dims: Dims, scales: tuple[float, float], rounding: str) -> str:
    """``call.code`` with its output size computed from ``x.shape`` as a scale-based source does:
    ``int(n * s)`` (floor), ``round(n * s)`` (half to even, OpenCV) or float32 (ONNX Runtime)."""
    sized = resized(call, _SENTINELS)
    if sized is None:
        return call.code(dims)
    layout = call.layout(dims)
    code = sized.code(dims)
    for axis, sentinel, s in (("H", _SENTINELS[0], scales[0]), ("W", _SENTINELS[1], scales[1])):
        n = f"x.shape[{layout.index(axis)}]"
        if rounding == "round_half_even":
            expr = f"round({n} * {float(s)!r})"
        elif rounding == "floor_float32":
            expr = f"int(np.float32({n}) * np.float32({float(s)!r}))"
        else:
            expr = f"int({n} * {float(s)!r})"
        code = code.replace(str(sentinel), expr)
    return code


# -- every registry setting, as a call ------------------------------------------------------------


def setting_call(setting: Setting, size_hw: tuple[int, int]) -> tuple[Call, dict[str, Any]]:
    """A call that runs ``setting`` at output size ``size_hw``, and what the input must be for the
    framework to pick that setting (``{"dtype": ..., "channels": ..., "min_out_sum": ...}``).

    Raises ``LookupError`` for a setting that no call maps to (a test keeps the registry covered).
    """
    h, w = size_hw
    need: dict[str, Any] = {}
    for call in _all_template_calls(size_hw):
        if setting in call.settings():
            sets = call.settings()
            if len(sets) > 1:
                need = _REACH.get(setting.call, {})
            return call, need
    raise LookupError(f"no call maps to the setting {setting.framework} {setting.call!r}")


# What input makes the framework pick one of several settings of the same call (the twins' rules,
# as their Setting notes state them).
_REACH: dict[str, dict[str, Any]] = {
    "interpolate(mode='nearest'), 4-D input with out_h + out_w <= 128": {"max_out_sum": 128},
    "interpolate(mode='nearest'), 3-D and 5-D input, 4-D with out_h + out_w > 128": {"min_out_sum": 129},
    "interpolate(mode='nearest-exact'), 4-D input with out_h + out_w <= 128": {"max_out_sum": 128},
    "interpolate(mode='nearest-exact'), 3-D and 5-D input, 4-D with out_h + out_w > 128": {"min_out_sum": 129},
    "resize(interpolation=INTER_LINEAR), OpenCV's own kernel: uint8, or an image IPP declines": {"channels": 2},
    "resize(interpolation=INTER_LINEAR), uint8, vertical pass": {"dtype": "uint8"},
    "resize(interpolation=INTER_LINEAR), float32/float64/uint16/int16, 1, 3 or 4 channels, both sides >= 2":
        {"channels": 3},
    "resize(interpolation=INTER_CUBIC), OpenCV's own kernel: float64, or an image IPP declines": {"channels": 2},
    "resize(interpolation=INTER_CUBIC), float32/uint8/uint16/int16, 1, 3 or 4 channels, both sides >= 4":
        {"channels": 3, "min_side": 4},
    "resize(interpolation=INTER_AREA), both axes shrink (1/inv_scale >= 1)": {"shrink": True},
    "resize(interpolation=INTER_AREA), either axis grows (then on both axes)": {"grow": True},
}


def _all_template_calls(size_hw: tuple[int, int]) -> list[Call]:
    h, w = size_hw
    calls: list[Call] = []
    for mode in ("nearest", "nearest-exact", "area"):
        calls.append(TorchInterpolate(size=size_hw, mode=mode))
    for mode in ("bilinear", "bicubic"):
        for ac in (False, True):
            calls.append(TorchInterpolate(size=size_hw, mode=mode, align_corners=ac))
        calls.append(TorchInterpolate(size=size_hw, mode=mode, align_corners=False, antialias=True))
    calls.append(TorchInterpolate(size=size_hw, mode="lanczos", align_corners=False, antialias=True))
    for method in ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"):
        calls.append(TFResize(size=size_hw, method=method))
        if method in ("bilinear", "bicubic"):
            calls.append(TFResize(size=size_hw, method=method, antialias=True))
    for op in TF1_OPS:
        flags = [(False, False), (True, False)] + ([(False, True)] if op != "resize_area" else [])
        for ac, hpc in flags:
            calls.append(TF1Resize(op=op, size=size_hw, align_corners=ac, half_pixel_centers=hpc))
    for flag in CV_FLAGS:
        calls.append(CVResize(dsize=(w, h), interpolation=flag))
    for name in PIL_FILTERS:
        calls.append(PILResize(size=(w, h), resample=name))
    calls.append(PILResize(size=(w, h), resample="BICUBIC", reducing_gap=2.0))
    calls.append(ONNXResize(sizes=size_hw, mode="linear"))
    calls.append(ONNXResize(sizes=size_hw, mode="linear", behaviour="spec"))
    calls.append(ONNXResize(scales=(2.0, 2.0), mode="nearest", opset=9))
    return calls


def convert_layout(x: np.ndarray, source: str, target: str) -> np.ndarray:
    """Move axes from ``source`` layout to ``target`` (letters N, C, H, W); a missing axis is
    added with length 1, a length-1 axis the target lacks is dropped."""
    for a in source:
        if a not in target:
            if x.shape[source.index(a)] != 1:
                raise ShapeError("x", x.shape, f"a length-1 {a} axis to drop for layout {target}")
            x = np.take(x, 0, axis=source.index(a))
            source = source.replace(a, "")
    for a in target:
        if a not in source:
            x = np.expand_dims(x, 0)
            source = a + source
    return np.transpose(x, [source.index(a) for a in target])


def apply_call(call: Call, x: np.ndarray, layout: str) -> np.ndarray:
    """Run ``call`` through its twin on ``x`` given in ``layout`` (any of HW, HWC, CHW, NHWC,
    NCHW); the result comes back in ``layout``.  OpenCV and Pillow calls run image by image (and
    Pillow band by band, as mode "F" or "L" images)."""
    unit = call.unit_layout()
    full = layout if "N" in layout else "N" + layout
    xf = x if "N" in layout else x[None]
    if "C" not in full:
        full = full + "C"
        xf = xf[..., None]
    if unit in ("HW", "HWC"):
        outs = []
        for image in convert_layout(xf, full, "NHWC"):
            if unit == "HW":
                y = np.stack([call.run(np.ascontiguousarray(image[:, :, c])) for c in range(image.shape[2])], axis=2)
            else:
                y = call.run(np.ascontiguousarray(image))
            outs.append(y)
        y_full = convert_layout(np.stack(outs), "NHWC", full)
    else:
        y_full = convert_layout(call.run(np.ascontiguousarray(convert_layout(xf, full, unit))), unit, full)
    if "C" not in layout:
        y_full = y_full[..., 0]
    return y_full if "N" in layout else y_full[0]


# -- running the written code in the real framework -------------------------------------------------


def namespace() -> dict[str, Any]:
    """The conventional names ``code`` uses, bound to the real modules that are installed."""
    import importlib

    ns: dict[str, Any] = {"np": np}
    for name, module in (("torch", "torch"), ("tf", "tensorflow"), ("cv2", "cv2")):
        try:
            ns[name] = importlib.import_module(module)
        except ImportError:
            pass
    if "torch" in ns:
        ns["F"] = ns["torch"].nn.functional
    try:
        ns["Image"] = importlib.import_module("PIL.Image")
    except ImportError:
        pass
    return ns


def run_live(code: str, x: np.ndarray, framework: str, weight: np.ndarray | None = None,
             names: dict[str, Any] | None = None) -> np.ndarray:
    """Execute generated ``code`` on ``x`` (NumPy, in the code's layout) with the real framework.

    The code is ours (generated by this package), never the user's text.  ``x`` is handed over as
    the framework's own array type (a ``torch.Tensor`` for PyTorch); ``y`` comes back as NumPy.
    """
    ns = dict(names) if names is not None else namespace()
    if framework == "pytorch":
        ns["x"] = ns["torch"].from_numpy(np.ascontiguousarray(x))
    else:
        ns["x"] = x
    if weight is not None:
        ns["weight"] = weight
    exec(compile(code, "<upsampling.port code>", "exec"), ns)  # noqa: S102 - our own generated code
    y = ns["y"]
    if hasattr(y, "detach"):
        y = y.detach().numpy()
    return np.asarray(y)


RunFn = Callable[[np.ndarray], np.ndarray]
