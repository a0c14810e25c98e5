"""An ONNX ``Resize`` (``Upsample`` below opset 10) node as a :class:`Call`, run in ONNX Runtime."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from upsampling.frameworks._mapping import Setting
from upsampling.port.calls.base import Call, Dims, _onnx_module, normal_rule, spec_key
from upsampling.spec import ResizeSpec


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
    UNIT_LAYOUT: ClassVar[str] = "NCHW"
    NEAREST: ClassVar[tuple[str, str]] = ("mode", "nearest")

    @property
    def op_type(self) -> str:
        return "Resize" if self.opset >= 10 else "Upsample"

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
