"""1-D interpolation kernels, as functions of the signed distance ``t`` (in input pixels).

Each kernel is a :class:`Kernel`: its function, its support radius (the kernel is
zero for ``|t| >= radius``, apart from the box's closed edge) and where it comes
from.  They are looked up by name in :data:`KERNELS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["KERNELS", "Kernel", "cubic", "kernel", "quantize_fraction"]


def triangle(t: np.ndarray) -> np.ndarray:
    """The linear (tent) kernel ``max(0, 1 - |t|)``."""
    return np.maximum(0.0, 1.0 - np.abs(t))


def cubic(t: np.ndarray, a: float = -0.75) -> np.ndarray:
    """Keys' cubic convolution kernel with coefficient ``a``.

    ``(a+2)|t|^3 - (a+3)|t|^2 + 1`` for ``|t| <= 1``,
    ``a|t|^3 - 5a|t|^2 + 8a|t| - 4a`` for ``1 < |t| < 2``, else 0.
    ``a = -0.75``: PyTorch, OpenCV, ONNX default; ``a = -0.5``: TF2, Pillow (Keys 1981).
    """
    t = np.abs(t)
    t2 = t * t
    t3 = t2 * t
    near = (a + 2) * t3 - (a + 3) * t2 + 1
    far = a * t3 - 5 * a * t2 + 8 * a * t - 4 * a
    return np.where(t <= 1, near, np.where(t < 2, far, 0.0))


def _sinc(x: np.ndarray) -> np.ndarray:
    return np.sinc(x)  # sin(pi x) / (pi x), 1 at 0


def lanczos(t: np.ndarray, r: int) -> np.ndarray:
    """Lanczos window of radius ``r``: ``sinc(t) * sinc(t/r)`` for ``|t| < r``."""
    t = np.abs(t)
    return np.where(t < r, _sinc(t) * _sinc(t / r), 0.0)


def gaussian_tf(t: np.ndarray) -> np.ndarray:
    """TensorFlow's ``gaussian`` kernel: radius 1.5, sigma 0.5 (``sampling_kernels.h``).

    The ``tf.image.resize`` docstring says "radius 3, sigma 1.5/3"; the kernel code
    has radius 1.5 and sigma 0.5.  It is discontinuous at its radius (value e^-4.5).
    """
    t = np.abs(t)
    sigma = 0.5
    return np.where(t < 1.5, np.exp(-t * t / (2 * sigma * sigma)), 0.0)


def mitchell(t: np.ndarray) -> np.ndarray:
    """Mitchell-Netravali cubic with B = C = 1/3 (TF ``mitchellcubic``)."""
    b = c = 1.0 / 3.0
    t = np.abs(t)
    t2 = t * t
    t3 = t2 * t
    near = ((12 - 9 * b - 6 * c) * t3 + (-18 + 12 * b + 6 * c) * t2 + (6 - 2 * b)) / 6
    far = ((-b - 6 * c) * t3 + (6 * b + 30 * c) * t2 + (-12 * b - 48 * c) * t + (8 * b + 24 * c)) / 6
    return np.where(t < 1, near, np.where(t < 2, far, 0.0))


def box_pillow(t: np.ndarray) -> np.ndarray:
    """Pillow's box: 1 on the half-open interval ``(-0.5, 0.5]``."""
    return np.where((t > -0.5) & (t <= 0.5), 1.0, 0.0)


def box_tf(t: np.ndarray) -> np.ndarray:
    """TensorFlow's box: 1 inside, 0.5 exactly at ``|t| == 0.5``."""
    t = np.abs(t)
    return np.where(t < 0.5, 1.0, np.where(t == 0.5, 0.5, 0.0))


def hamming(t: np.ndarray) -> np.ndarray:
    """Pillow's Hamming-windowed sinc of radius 1."""
    t = np.abs(t)
    x = np.pi * t
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.sin(x) / x * (0.54 + 0.46 * np.cos(x))
    return np.where(t == 0, 1.0, np.where(t < 1, v, 0.0))


def hamming_pillow(t: np.ndarray) -> np.ndarray:
    """Pillow's ``hamming_filter`` exactly: its window constants are C floats (``0.54f``, ``0.46f``)."""
    t = np.abs(t)
    x = np.pi * t
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.sin(x) / x * (float(np.float32(0.54)) + float(np.float32(0.46)) * np.cos(x))
    return np.where(t == 0, 1.0, np.where(t < 1, v, 0.0))


def bicubic_pillow(t: np.ndarray) -> np.ndarray:
    """Pillow's ``bicubic_filter`` (Keys a=-0.5) in its own Horner order, rounding as it rounds."""
    a = -0.5
    t = np.abs(t)
    near = ((a + 2.0) * t - (a + 3.0)) * t * t + 1
    far = (((t - 5) * t + 8) * t - 4) * a
    return np.where(t < 1, near, np.where(t < 2, far, 0.0))


def lanczos3_pillow(t: np.ndarray) -> np.ndarray:
    """Pillow's ``lanczos_filter``: ``sinc(x) * sinc(x/3)`` on the half-open ``[-3, 3)``."""
    t = np.asarray(t, dtype=np.float64)
    return np.where((t >= -3.0) & (t < 3.0), np.sinc(t) * np.sinc(t / 3), 0.0)


def mks2013(t: np.ndarray) -> np.ndarray:
    """Costella's Magic Kernel Sharp 2013 (Pillow 13 ``MKS2013``), radius 2.5.

    ``17/16 - 7/4 t^2`` for ``|t| < 1/2``, ``(1 - |t|)(7/4 - |t|)`` up to 3/2,
    ``-1/8 (|t| - 5/2)^2`` up to 5/2 (https://johncostella.com/magic/).
    """
    t = np.abs(np.asarray(t, dtype=np.float64))
    return np.where(
        t < 0.5, 17 / 16 - 7 / 4 * t**2, np.where(t < 1.5, (1 - t) * (7 / 4 - t), np.where(t < 2.5, -1 / 8 * (t - 5 / 2) ** 2, 0.0))
    )


def mks2021(t: np.ndarray) -> np.ndarray:
    """Costella's Magic Kernel Sharp 2021 (Pillow 13 ``MKS2021``), radius 4.5.

    Pieces in ``|t|``: ``577/576 - 239/144 t^2`` below 1/2, ``(140 t^2 - 379 t + 239)/144`` to
    3/2, ``-(24 t^2 - 113 t + 130)/144`` to 5/2, ``(4 t^2 - 27 t + 45)/144`` to 7/2,
    ``-(2 t - 9)^2/1152`` to 9/2 (https://johncostella.com/magic/).
    """
    t = np.abs(np.asarray(t, dtype=np.float64))
    return np.where(
        t < 0.5,
        577 / 576 - 239 / 144 * t**2,
        np.where(
            t < 1.5,
            (140 * t**2 - 379 * t + 239) / 144,
            np.where(
                t < 2.5,
                -(24 * t**2 - 113 * t + 130) / 144,
                np.where(t < 3.5, (4 * t**2 - 27 * t + 45) / 144, np.where(t < 4.5, -((2 * t - 9) ** 2) / 1152, 0.0)),
            ),
        ),
    )


@dataclass(frozen=True)
class Kernel:
    name: str
    function: Callable[[np.ndarray], np.ndarray]
    radius: float
    source: str


def _make_kernels() -> dict[str, Kernel]:
    return {
        k.name: k
        for k in (
            Kernel("triangle", triangle, 1.0, "linear interpolation"),
            Kernel("keys_a-0.5", lambda t: cubic(t, -0.5), 2.0, "Keys cubic a=-0.5 (TF, Pillow)"),
            Kernel("keys_a-0.75", lambda t: cubic(t, -0.75), 2.0, "Keys cubic a=-0.75 (PyTorch, OpenCV)"),
            Kernel("lanczos3", lambda t: lanczos(t, 3), 3.0, "Lanczos r=3 (TF lanczos3, Pillow LANCZOS)"),
            Kernel("lanczos5", lambda t: lanczos(t, 5), 5.0, "Lanczos r=5 (TF lanczos5)"),
            Kernel("lanczos4", lambda t: lanczos(t, 4), 4.0, "Lanczos r=4 (OpenCV INTER_LANCZOS4)"),
            Kernel("gaussian_tf", gaussian_tf, 1.5, "TF gaussian (radius 1.5, sigma 0.5)"),
            Kernel("mitchell", mitchell, 2.0, "Mitchell-Netravali B=C=1/3 (TF mitchellcubic)"),
            Kernel("box_pillow", box_pillow, 0.5, "Pillow BOX"),
            Kernel("box_tf", box_tf, 0.5, "TF box"),
            Kernel("hamming", hamming, 1.0, "Pillow HAMMING"),
            Kernel("hamming_pillow", hamming_pillow, 1.0, "Pillow HAMMING, float window constants"),
            Kernel("keys_a-0.5_pillow", bicubic_pillow, 2.0, "Pillow BICUBIC, Pillow's evaluation order"),
            Kernel("lanczos3_pillow", lanczos3_pillow, 3.0, "Pillow LANCZOS, support [-3, 3)"),
            Kernel("mks2013", mks2013, 2.5, "Magic Kernel Sharp 2013 (Pillow MKS2013)"),
            Kernel("mks2021", mks2021, 4.5, "Magic Kernel Sharp 2021 (Pillow MKS2021)"),
        )
    }


KERNELS: dict[str, Kernel] = _make_kernels()


def kernel(name: str, cubic_coeff_a: float | None = None) -> Kernel:
    """Look a kernel up by name; ``"cubic"`` builds a Keys kernel for ``cubic_coeff_a``."""
    if name == "cubic":
        a = -0.75 if cubic_coeff_a is None else float(cubic_coeff_a)
        return Kernel(f"keys_a{a:g}", lambda t: cubic(t, a), 2.0, f"Keys cubic a={a:g}")
    return KERNELS[name]


def quantize_fraction(frac: np.ndarray, table_size: int = 1024) -> np.ndarray:
    """Round a fraction in [0, 1] to the nearest ``1/table_size``, ties to even.

    TensorFlow's bicubic resize reads its weights from a 1,024-entry table at
    ``lrintf(frac * 1024)`` (``resize_bicubic_op.cc``), so its weights are those of
    the quantised fraction; an exact kernel differs from TF by up to 2e-3.
    """
    scaled = (np.asarray(frac, dtype=np.float32) * np.float32(table_size)).astype(np.float32)
    return np.rint(scaled).astype(np.float64) / table_size
