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

One module per framework (:mod:`.pytorch`, :mod:`.tensorflow`, :mod:`.opencv`, :mod:`.pillow`,
:mod:`.onnx`), :mod:`.engine` for ``upsampling.resize`` and twin calls, :mod:`.base` for what they
share, :mod:`.registry` for every registry setting as a call, :mod:`.live` for layouts and running.
The framework modules are never imported here; :func:`run_live` (tests, ``verify=``) executes
``code`` against the real framework.
"""

from __future__ import annotations

from upsampling.port.calls.base import (
    FLOAT_DTYPES,
    FRAMEWORKS,
    TITLES,
    Call,
    Dims,
    FloatDtype,
    Framework,
    Wrapper,
    op_key,
    spec_key,
)
from upsampling.port.calls.engine import EngineResize, TwinResize, code_with_size_from, resized
from upsampling.port.calls.live import apply_call, convert_layout, namespace, run_live
from upsampling.port.calls.onnx import ONNXResize
from upsampling.port.calls.opencv import CV_FLAGS, CVResize
from upsampling.port.calls.pillow import PIL_FILTERS, PILResize
from upsampling.port.calls.pytorch import TorchInterpolate
from upsampling.port.calls.registry import setting_call
from upsampling.port.calls.tensorflow import TF1_OPS, KerasUpSampling, TF1Resize, TFResize

__all__ = [
    "CV_FLAGS",
    "FLOAT_DTYPES",
    "FRAMEWORKS",
    "PIL_FILTERS",
    "TF1_OPS",
    "TITLES",
    "CVResize",
    "Call",
    "Dims",
    "EngineResize",
    "FloatDtype",
    "Framework",
    "KerasUpSampling",
    "ONNXResize",
    "PILResize",
    "TF1Resize",
    "TFResize",
    "TorchInterpolate",
    "TwinResize",
    "Wrapper",
    "apply_call",
    "code_with_size_from",
    "convert_layout",
    "namespace",
    "op_key",
    "resized",
    "run_live",
    "setting_call",
    "spec_key",
]
