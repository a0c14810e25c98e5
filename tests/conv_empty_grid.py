"""Random (transposed) convolution configurations biased towards empty arrays, for the parity tests.

Issue 19 (item 10a): where PyTorch, TensorFlow and ONNX Runtime return an empty (or all-zero)
result and where they refuse depends on the batch, channel and spatial sizes, the output size,
the dtype and the framework's backend.  Each parity test draws configurations from
:func:`configurations` (zero batch, channels, kernel outputs or spatial sizes in about half of
them) and checks that the twin returns the same shape (and values) where the framework returns
a result, and refuses where it refuses.  The whole-grid sweep that found the rules is
``benchmarks/conv_empty_sweep.py``.
"""

from __future__ import annotations

import numpy as np

from upsampling.errors import UpsamplingError


def configurations(seed: int, count: int, dtypes=(np.float32, np.float64)):
    """Dicts: ``nd`` spatial axes, ``x`` (N, C_in, *spatial), ``w`` (C_in, C_out/g, *k), strides
    ``s``, dilations ``d``, padding ``p``, output padding ``op``, groups ``g``."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        nd = int(rng.integers(1, 4))
        g = int(rng.integers(1, 3))
        n = int(rng.choice([0, 1, 2]))
        cin = g * int(rng.integers(0, 3))
        cout_g = int(rng.integers(0, 3))
        sp = [int(rng.choice([0, 1, 2, 3, 5])) for _ in range(nd)]
        k = [int(rng.integers(1, 4)) for _ in range(nd)]
        dt = dtypes[int(rng.integers(len(dtypes)))]
        yield dict(
            nd=nd, g=g, n=n, cin=cin, cout_g=cout_g, sp=sp, k=k, dtype=dt,
            s=[int(rng.integers(1, 4)) for _ in range(nd)],
            d=[int(rng.integers(1, 3)) for _ in range(nd)],
            p=[int(rng.integers(0, 4)) for _ in range(nd)],
            op=[int(rng.integers(0, 3)) for _ in range(nd)],
            x=rng.standard_normal((n, cin, *sp)).astype(dt),
            w=rng.standard_normal((cin, cout_g, *k)).astype(dt),
            rng=rng,
        )


def outcome(call):
    """``("ok", result)`` or ``("refused", exception)``."""
    try:
        return "ok", np.asarray(call())
    except UpsamplingError as exc:
        return "refused", exc
    except Exception as exc:  # noqa: BLE001 - the framework's own errors
        return "refused", exc


def compare(label: str, ref, got, *, values: bool = True, atol: float = 1e-4) -> str | None:
    """A description of how ``got`` differs from ``ref`` (both from :func:`outcome`), or None.
    The twin must refuse with an ``upsampling.errors`` type, never another exception."""
    if got[0] == "refused" and not isinstance(got[1], UpsamplingError):
        return f"{label}: the twin raised {type(got[1]).__name__}: {got[1]}"
    if ref[0] != got[0]:
        return f"{label}: framework {ref[0]} ({ref[1] if ref[0] == 'refused' else ref[1].shape}), twin {got[0]} " \
               f"({got[1] if got[0] == 'refused' else got[1].shape})"
    if ref[0] == "ok":
        if ref[1].shape != got[1].shape:
            return f"{label}: shape {got[1].shape} != framework {ref[1].shape}"
        if values and not np.allclose(ref[1].astype(np.float64), got[1].astype(np.float64), atol=atol, rtol=1e-4):
            return f"{label}: values differ by {float(np.max(np.abs(ref[1] - got[1]))):.3g}"
    return None
