"""What an error echoes is capped library-wide: a pasted megabyte or a 300-digit size computed from
``scale=1e300`` never floods a terminal or a log (upsampling.errors: MAX_MESSAGE, long numbers)."""

from __future__ import annotations

import numpy as np
import pytest

import upsampling
from upsampling import errors


def test_scale_1e300_gives_a_short_message_with_readable_numbers():
    with pytest.raises(upsampling.OutputTooLargeError) as info:
        upsampling.resize(np.zeros((4, 4)), scale=1e300, layout="HW")
    text = str(info.value)
    assert len(text) < 400, text
    assert "~4.00e+300" in text and "~1.28e+602 bytes" in text, text


def test_every_message_is_capped():
    assert len(str(errors.UpsamplingError(message="x" * 10**6))) == errors.MAX_MESSAGE
    e = errors.InvalidArgumentError("size", "y" * 10**6, "a size")
    assert len(str(e)) < 200 and str(e).startswith("size='yyy")
    assert str(errors.ShapeError("n", 10**500)) == "n=~1.00e+500 is not allowed."
    assert "17,179,869,184" in errors._cap("limit of 17,179,869,184 bytes")  # ordinary sizes stay exact


def test_a_hostile_repr_does_not_hide_the_error():
    class Hostile:
        def __repr__(self):
            raise RuntimeError("no")

    assert str(errors.InvalidArgumentError("x", Hostile(), "a number")) == (
        "x=<Hostile object> is not allowed; expected a number.")
