"""The compiled kernels give the same bits as the NumPy kernel (and so the same as each other)."""

from __future__ import annotations

import numpy as np
import pytest

import upsampling
from upsampling import options




def test_compiled_kernel_is_bit_identical_to_numpy(rng):
    modes = ["nearest", "linear", "cubic", "area"]
    for trial in range(120):
        layout = str(rng.choice(["HW", "HWC", "CHW", "NHWC", "NCHW"]))
        h, w = (int(v) for v in rng.integers(1, 40, 2))
        shape = {"HW": (h, w), "HWC": (h, w, 3), "CHW": (5, h, w), "NHWC": (2, h, w, 4), "NCHW": (2, 3, h, w)}[layout]
        dtype = rng.choice([np.float32, np.float64, np.float16, np.uint8])
        x = rng.normal(size=shape) * 50
        x = (x + 100).clip(0, 255).astype(dtype) if dtype == np.uint8 else x.astype(dtype)
        if rng.integers(2):  # non-contiguous and negative-stride views
            x = np.flip(np.concatenate([x, x], axis=-1), axis=0)
        mode = str(rng.choice(modes))
        kw = dict(mode=mode, antialias=bool(rng.integers(2)) and mode in ("linear", "cubic"))
        size = (int(rng.integers(1, 80)), int(rng.integers(1, 80)))
        fast = upsampling.resize(x, size, layout=layout, **kw)
        with options(kernel="numpy"):
            slow = upsampling.resize(x, size, layout=layout, **kw)
        assert fast.dtype == slow.dtype
        assert np.array_equal(fast, slow, equal_nan=True), (trial, layout, x.shape, x.dtype, size, kw)
