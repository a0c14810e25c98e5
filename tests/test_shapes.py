"""Shape arithmetic: the formulas, TensorFlow's SAME split and valid output sizes, checked by brute
force and against what PyTorch and TensorFlow actually produce and accept."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import upsampling
from conftest import framework
from upsampling import shapes
from upsampling.errors import InvalidArgumentError, ShapeError


def test_textbook_formulas_and_seed_numbers():
    # (H + 2P - K)/S + 1 and (H - 1)·S - 2P + K
    assert upsampling.conv_output_size(28, 3, stride=1, padding=1) == 28
    assert upsampling.conv_output_size(56, 4, stride=2, padding="SAME") == 28
    assert upsampling.conv_output_size(57, 4, stride=2, padding="SAME") == 29
    assert upsampling.conv_output_size(8, 3, padding="VALID", dilation=2) == 4
    assert upsampling.conv_output_size(7, 3, stride=2, padding=(0, 1)) == 3
    assert upsampling.conv_output_size(1, 2, stride=3, padding="VALID") == 0  # TF's empty output
    assert upsampling.conv_transpose_output_size(28, 4, stride=2, padding=1) == 56
    assert upsampling.conv_transpose_output_size(5, 3, stride=2, padding=1, output_padding=1) == 10
    assert upsampling.conv_transpose_output_size(5, 3, stride=1, padding=0, dilation=2) == 9
    assert upsampling.conv_transpose_output_size(5, 3, stride=3, padding="VALID") == 15
    assert upsampling.conv_transpose_output_size(5, 3, stride=3, padding="SAME") == 15
    assert upsampling.conv_transpose_output_size(4, 3, stride=2, padding=(2, 1)) == 6
    assert list(upsampling.valid_conv_transpose_output_sizes(28, 4, 2, "SAME")) == [55, 56]
    assert list(upsampling.valid_conv_transpose_output_sizes(4, 3, 2, "VALID")) == [9, 10]
    assert list(upsampling.valid_conv_transpose_output_sizes(4, 1, 3, "VALID")) == [10, 11, 12]
    assert list(upsampling.valid_conv_transpose_output_sizes(3, 3, 2, (1, 2))) == [4, 5]
    assert list(upsampling.valid_conv_transpose_output_sizes(1, 1, 10, (5, 5))) == []


def test_same_padding_puts_the_odd_pixel_at_the_end():
    assert upsampling.same_padding(5, 4, stride=1) == (1, 2)
    assert upsampling.same_padding(56, 4, stride=2) == (1, 1)
    assert upsampling.same_padding(55, 4, stride=2) == (1, 2)
    assert upsampling.same_padding(7, 1, stride=3) == (0, 0)  # kernel smaller than the stride
    assert upsampling.same_padding(7, 3, stride=1, dilation=3) == (3, 3)
    for n, k, s, d in itertools.product(range(1, 12), range(1, 6), range(1, 5), range(1, 3)):
        before, after = upsampling.same_padding(n, k, s, d)
        assert 0 <= after - before <= 1
        assert upsampling.conv_output_size(n, k, s, (before, after), d) == -(-n // s)


def test_valid_sizes_are_exactly_those_the_forward_convolution_maps_back():
    """Brute force: out is valid iff the forward conv of out (same k, s, d, padding) gives in."""
    paddings = ["SAME", "VALID", (0, 0), (1, 0), (0, 2), (2, 3), (4, 4)]
    for n, k, s, d, p in itertools.product(range(1, 7), range(1, 6), range(1, 5), range(1, 3), paddings):
        valid = shapes.valid_conv_transpose_output_sizes(n, k, s, p, d)
        brute = [o for o in range(1, 60) if shapes.forward_size(o, k, s, p, d) == n]
        assert list(valid) == brute, (n, k, s, d, p)
        assert len(valid) <= s
        full = shapes.full_conv_transpose_size(n, k, s, d)
        for o in valid:
            before, after = shapes.conv_transpose_crop(n, o, k, s, p, d)
            assert before + o + after == full
            assert before == shapes.padding_pair(p, o, k, s, d)[0]


def test_transposed_size_formula_is_pytorch_s():
    for n, k, s, p, d in itertools.product(range(1, 6), range(1, 5), range(1, 4), range(0, 3), range(1, 3)):
        for op in range(max(s, d)):
            expect = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
            if expect < 1:
                with pytest.raises(ShapeError):
                    shapes.conv_transpose_output_size(n, k, s, p, d, op)
                continue
            assert shapes.conv_transpose_output_size(n, k, s, p, d, op) == expect


@pytest.mark.parametrize(
    "call, error, parameter",
    [
        (lambda: shapes.conv_output_size(5, 0), InvalidArgumentError, "kernel_size"),
        (lambda: shapes.conv_output_size(5, 3, stride=-1), InvalidArgumentError, "stride"),
        (lambda: shapes.conv_output_size(5, 3, dilation=0), InvalidArgumentError, "dilation"),
        (lambda: shapes.conv_output_size(5, 3, padding=-1), InvalidArgumentError, "padding"),
        (lambda: shapes.conv_output_size(5, 3, padding="same"), InvalidArgumentError, "padding"),
        (lambda: shapes.conv_output_size(5, 3, padding=(1, 2, 3)), InvalidArgumentError, "padding"),
        (lambda: shapes.conv_output_size(1, 9, stride=2, padding="VALID"), ShapeError, "input_size"),
        (lambda: shapes.conv_transpose_output_size(5, 3, 2, 0, 1, 2), InvalidArgumentError, "output_padding"),
        (lambda: shapes.conv_transpose_output_size(5, 3, 1, 0, 3, 3), InvalidArgumentError, "output_padding"),
        (lambda: shapes.conv_transpose_output_size(1, 1, 1, 1), ShapeError, "padding"),
        (lambda: shapes.conv_transpose_crop(28, 58, 4, 2, "SAME"), ShapeError, "output_size"),
        (lambda: shapes.same_padding(True, 3), InvalidArgumentError, "input_size"),
    ],
)
def test_bad_arguments(call, error, parameter):
    with pytest.raises(error) as info:
        call()
    assert info.value.parameter == parameter


# --------------------------------------------------------------------------------------------
# against the frameworks


@pytest.mark.parity
def test_sizes_match_pytorch(rng):
    torch = framework("torch")
    F = torch.nn.functional
    for _ in range(200):
        n, k = int(rng.integers(1, 9)), int(rng.integers(1, 6))
        s, d, p = int(rng.integers(1, 5)), int(rng.integers(1, 4)), int(rng.integers(0, 4))
        op = int(rng.integers(0, max(s, d)))
        x = torch.zeros(1, 1, n, dtype=torch.float64)
        w = torch.zeros(1, 1, k, dtype=torch.float64)
        try:
            got = F.conv_transpose1d(x, w, stride=s, padding=p, output_padding=op, dilation=d).shape[-1]
        except RuntimeError:
            with pytest.raises(ShapeError):
                shapes.conv_transpose_output_size(n, k, s, p, d, op)
        else:
            assert shapes.conv_transpose_output_size(n, k, s, p, d, op) == got, (n, k, s, p, d, op)
        try:
            got = F.conv1d(x, w, stride=s, padding=p, dilation=d).shape[-1]
        except RuntimeError:  # PyTorch refuses an empty output, we return 0 for it (as TF does)
            assert shapes.forward_size(n, k, s, p, d) < 1
        else:
            assert shapes.conv_output_size(n, k, s, p, d) == got, (n, k, s, p, d)


@pytest.mark.parity
def test_valid_sizes_are_the_sizes_tensorflow_accepts(rng):
    """TF accepts exactly valid_conv_transpose_output_sizes; the twin refuses the rest with a ShapeError."""
    tf = framework("tensorflow")
    checked = 0
    for trial in range(40):
        n, k = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        s, d = int(rng.integers(1, 5)), int(rng.choice([1, 1, 2]))
        kind = ["SAME", "VALID", "EXPLICIT"][trial % 3]
        pad = (int(rng.integers(0, 3)), int(rng.integers(0, 3))) if kind == "EXPLICIT" else kind
        tf_pad = [[0, 0], list(pad), [0, 0], [0, 0]] if kind == "EXPLICIT" else kind
        if kind == "EXPLICIT":
            d = 1  # TF's CPU kernel for explicit padding (Eigen) refuses dilations > 1
        x = rng.normal(size=(1, n, 1, 1)).astype(np.float32)
        w = rng.normal(size=(k, 1, 1, 1)).astype(np.float32)
        valid = shapes.valid_conv_transpose_output_sizes(n, k, s, pad, d)
        for out in range(1, (n + 1) * s + (k - 1) * d + 2):
            if shapes.forward_size(out, k, s, pad, d) == 0:
                # The forward convolution of `out` is empty: TF's Eigen kernel refuses ("computed = 0"),
                # its oneDNN kernel skips the check for some of these sizes; the twin follows Eigen.
                continue
            try:
                tf.nn.conv2d_transpose(x, w, [1, out, 1, 1], [s, 1], tf_pad, dilations=[d, 1])
                accepted = True
            except Exception:  # oneDNN: AbortedError; Eigen: InvalidArgumentError
                accepted = False
            assert accepted == (out in valid), (n, k, s, d, pad, out, list(valid))
            if not accepted:
                with pytest.raises(ShapeError, match="does not fit the input"):
                    upsampling.conv2d_transpose(x, w, [1, out, 1, 1], [s, 1], tf_pad, dilations=[d, 1])
            checked += 1
    assert checked > 300


@pytest.mark.parity
def test_same_split_is_tensorflow_s(rng):
    """TF's own SAME equals its explicit padding with same_padding's split, and not the mirrored split."""
    tf = framework("tensorflow")
    odd = 0
    for _ in range(40):
        n, k, s = int(rng.integers(2, 9)), int(rng.integers(1, 6)), int(rng.integers(1, 4))
        before, after = upsampling.same_padding(n, k, s)
        x = rng.normal(size=(1, n, 1, 1)).astype(np.float32)
        w = rng.normal(size=(k, 1, 1, 1)).astype(np.float32)
        same = tf.nn.conv2d(x, w, 1 if s == 1 else [s, 1], "SAME").numpy()
        explicit = tf.nn.conv2d(x, w, [s, 1], [[0, 0], [before, after], [0, 0], [0, 0]]).numpy()
        np.testing.assert_allclose(same, explicit, rtol=1e-6, atol=1e-6)
        if before != after:
            odd += 1
            mirrored = tf.nn.conv2d(x, w, [s, 1], [[0, 0], [after, before], [0, 0], [0, 0]]).numpy()
            assert mirrored.shape != same.shape or not np.allclose(same, mirrored, atol=1e-4)
    assert odd > 5
