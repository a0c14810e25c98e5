"""Shared set-up of the porting tests: input shapes that reach each registry setting, and
running a call's code in the real framework."""

from __future__ import annotations

import numpy as np

from upsampling.frameworks._mapping import Setting
from upsampling.port.calls import Call, Dims, setting_call

# (input H x W, output H x W): up, down, non-integer and mixed, 1-pixel input and output, x2.
SIZES = [((5, 7), (13, 20)), ((33, 47), (13, 20)), ((17, 23), (40, 31)), ((1, 9), (4, 5)), ((6, 8), (1, 3)),
         ((8, 8), (16, 16))]


def case(setting: Setting, rng: np.random.Generator) -> tuple[Call, Dims, tuple[int, int]]:
    """A call of ``setting``, an input shape in the call's layout that makes the framework pick
    this very setting, and the output size."""
    (h, w), out = SIZES[int(rng.integers(len(SIZES)))]
    _, need = setting_call(setting, out)
    c = int(rng.integers(1, 4))
    if "min_out_sum" in need:
        out = (70, 80)
    if "max_out_sum" in need and sum(out) > need["max_out_sum"]:
        out = (13, 20)
    if "channels" in need:
        c = need["channels"]
    if need.get("min_side"):
        h, w = max(h, need["min_side"]), max(w, need["min_side"])
    if need.get("shrink"):
        (h, w), out = (33, 47), (13, 20)
    if need.get("grow"):
        (h, w), out = (5, 7), (13, 20)
    call, _ = setting_call(setting, out)
    return call, Dims(1, c, h, w), out
