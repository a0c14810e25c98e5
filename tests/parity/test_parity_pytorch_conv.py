"""PyTorch twin vs live torch.nn.functional.conv_transpose{1,2,3}d: numbers (float64), refusals, and
the adjoint (autograd's gradient of conv with respect to its input)."""

from __future__ import annotations

import numpy as np
import pytest

import upsampling
from conftest import framework
from upsampling.conv_transpose import conv_transpose
from upsampling.errors import UpsamplingError
from upsampling.frameworks import pytorch as twin

pytestmark = pytest.mark.parity

TWINS = {1: twin.conv_transpose1d, 2: twin.conv_transpose2d, 3: twin.conv_transpose3d}


def _per_axis(rng, nd, low, high):
    """An int or a tuple, as users pass them."""
    values = tuple(int(v) for v in rng.integers(low, high, nd))
    return values[0] if rng.integers(2) and len(set(values)) == 1 else values


def test_conv_transpose_matches_pytorch_on_random_grid(rng):
    torch = framework("torch")
    fns = {1: torch.nn.functional.conv_transpose1d, 2: torch.nn.functional.conv_transpose2d,
           3: torch.nn.functional.conv_transpose3d}
    compared = refused = 0
    for trial in range(300):
        nd = int(rng.choice([1, 2, 2, 3]))
        g = int(rng.choice([1, 1, 2, 3]))
        c_in, m_g = g * int(rng.integers(1, 3)), int(rng.integers(1, 3))
        size = [int(rng.choice([1, 1, 2, 3, 5, 8])) for _ in range(nd)]
        k = [int(rng.integers(1, 8 if nd < 3 else 4)) for _ in range(nd)]
        stride = _per_axis(rng, nd, 1, 5)
        dilation = _per_axis(rng, nd, 1, 4)
        padding = _per_axis(rng, nd, 0, 4)
        s_t = stride if isinstance(stride, tuple) else (stride,) * nd
        d_t = dilation if isinstance(dilation, tuple) else (dilation,) * nd
        # mostly legal output_padding, sometimes one PyTorch refuses
        op = tuple(int(rng.integers(0, max(s, d) + (1 if rng.random() < 0.1 else 0))) for s, d in zip(s_t, d_t))
        unbatched = rng.random() < 0.15
        x = rng.normal(size=((c_in, *size) if unbatched else (2, c_in, *size)))
        w = rng.normal(size=(c_in, m_g, *k))
        b = rng.normal(size=(g * m_g,)) if rng.random() < 0.5 else None
        config = dict(trial=trial, x=x.shape, w=w.shape, bias=b is not None, stride=stride, padding=padding,
                      output_padding=op, groups=g, dilation=dilation)
        try:
            expected = fns[nd](torch.tensor(x), torch.tensor(w), None if b is None else torch.tensor(b), stride,
                               padding, op, g, dilation).numpy()
        except RuntimeError as exc:
            with pytest.raises(UpsamplingError) as info:
                TWINS[nd](x, w, b, stride, padding, op, g, dilation)
            assert str(exc) in str(info.value), (config, str(exc), str(info.value))  # PyTorch's own words
            refused += 1
            continue
        y = TWINS[nd](x, w, b, stride, padding, op, g, dilation)
        assert y.shape == expected.shape and y.dtype == np.float64, config
        np.testing.assert_allclose(y, expected, rtol=1e-10, atol=1e-10, err_msg=str(config))
        compared += 1
    assert compared > 200 and refused > 5, (compared, refused)


def test_float32_float16_and_int64(rng):
    torch = framework("torch")
    x = rng.normal(size=(2, 4, 5, 6))
    w = rng.normal(size=(4, 3, 3, 2))
    for dt, tol in ((np.float32, 1e-5), (np.float16, 2e-2)):
        expected = torch.nn.functional.conv_transpose2d(
            torch.tensor(x.astype(dt)), torch.tensor(w.astype(dt)), stride=2, padding=1, output_padding=1
        ).numpy()
        y = twin.conv_transpose2d(x.astype(dt), w.astype(dt), stride=2, padding=1, output_padding=1)
        assert y.dtype == expected.dtype == dt
        np.testing.assert_allclose(y.astype(float), expected.astype(float), rtol=tol, atol=tol * np.abs(expected).max())
    xi = rng.integers(-1000, 1000, size=(1, 2, 4, 4))
    wi = rng.integers(-1000, 1000, size=(2, 3, 3, 3))
    expected = torch.nn.functional.conv_transpose2d(torch.tensor(xi), torch.tensor(wi), stride=3).numpy()
    y = twin.conv_transpose2d(xi, wi, stride=3)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize(
    "call",
    [
        lambda F, x, w: F(x, w, stride=2, output_padding=2),
        lambda F, x, w: F(x, w, stride=(2, 1), output_padding=(1, 1)),
        lambda F, x, w: F(x, w, padding=-1),
        lambda F, x, w: F(x, w, stride=0),
        lambda F, x, w: F(x, w, dilation=0),
        lambda F, x, w: F(x, w, groups=3),
        lambda F, x, w: F(x, w, groups=0),
        lambda F, x, w: F(x[:, :3], w),
        lambda F, x, w: F(x, w, bias=np.ones(5)),
        lambda F, x, w: F(x, w, bias=np.ones((3, 1))),
        lambda F, x, w: F(x, w, padding=4),
        lambda F, x, w: F(x[0, 0], w),
        lambda F, x, w: F(x[None], w),
        lambda F, x, w: F(x, w, stride=(1, 2, 3)),
        lambda F, x, w: F(x, w, output_padding=-1),
        lambda F, x, w: F(x[:, :, :0], w),
        lambda F, x, w: F(x, w[:, :, :0]),
        lambda F, x, w: F(x.astype(np.float32), w),
        lambda F, x, w: F(x.astype(np.int32), w.astype(np.int32)),
    ],
)
def test_refusals_match_pytorch(call):
    """Each configuration PyTorch refuses, the twin refuses with PyTorch's words (a ValueError or TypeError)."""
    torch = framework("torch")
    x = np.ones((1, 4, 5, 5))
    w = np.ones((4, 3, 3, 3))

    def torch_f(x, w, bias=None, **kw):
        t = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        return torch.nn.functional.conv_transpose2d(
            torch.tensor(x), torch.tensor(w), None if bias is None else torch.tensor(bias), **t
        )

    with pytest.raises((RuntimeError, NotImplementedError, TypeError)) as torch_info:
        call(torch_f, x, w)
    with pytest.raises((ValueError, TypeError)) as info:
        call(twin.conv_transpose2d, x, w)
    assert isinstance(info.value, UpsamplingError)
    expected = str(torch_info.value).split("\n")[0]
    if isinstance(torch_info.value, (RuntimeError, NotImplementedError)):
        assert expected in str(info.value), (expected, str(info.value))


def test_padding_same_is_refused_like_pytorch():
    torch = framework("torch")
    with pytest.raises(TypeError):
        torch.nn.functional.conv_transpose2d(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 3, 3), padding="same")
    with pytest.raises(upsampling.UnsupportedError, match="conv2d_transpose"):
        twin.conv_transpose2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)), padding="same")


def test_adjoint_is_autograd_gradient_of_conv(rng):
    """conv_transpose(dy, w) is PyTorch autograd's d<conv(x, w), dy>/dx, with output_padding choosing the size."""
    torch = framework("torch")
    convs = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d, 3: torch.nn.functional.conv3d}
    for trial in range(60):
        nd = int(rng.choice([1, 2, 3]))
        g = int(rng.choice([1, 2]))
        c_in, c_out = g * int(rng.integers(1, 3)), g * int(rng.integers(1, 3))
        size = [int(rng.integers(3, 9 if nd < 3 else 6)) for _ in range(nd)]
        k = [int(rng.integers(1, 4)) for _ in range(nd)]
        s = [int(rng.integers(1, 4)) for _ in range(nd)]
        d = [int(rng.integers(1, 3)) for _ in range(nd)]
        p = [int(rng.integers(0, 3)) for _ in range(nd)]
        if any(n + 2 * pi < (kk - 1) * di + 1 for n, pi, kk, di in zip(size, p, k, d)):
            continue
        x = torch.tensor(rng.normal(size=(2, c_in, *size)), requires_grad=True)
        w = rng.normal(size=(c_out, c_in // g, *k))  # conv weight [out, in/g, k] == conv_transpose weight
        y = convs[nd](x, torch.tensor(w), stride=s, padding=p, dilation=d, groups=g)
        dy = rng.normal(size=tuple(y.shape))
        (y * torch.tensor(dy)).sum().backward()
        grad = x.grad.numpy()
        out = y.shape[2:]
        op = [n - ((o - 1) * si - 2 * pi + di * (kk - 1) + 1) for n, o, si, pi, di, kk in zip(size, out, s, p, d, k)]
        ours = TWINS[nd](dy, w, None, s, p, op, g, d)
        config = (trial, nd, g, size, k, s, d, p, op)
        np.testing.assert_allclose(ours, grad, rtol=1e-10, atol=1e-10, err_msg=str(config))
        engine = conv_transpose(dy, w, strides=s, dilations=d, pads_begin=p, output_size=size, groups=g)
        np.testing.assert_allclose(engine, grad, rtol=1e-10, atol=1e-10, err_msg=str(config))


def test_tensorflow_same_is_pytorch_full_output_cropped(rng):
    """TF SAME == conv_transpose2d(padding=0) then [pb : pb + out]; PyTorch's padding/output_padding pair
    gives the right size but is one pixel off when the total is odd (semantics notes §2.3)."""
    torch = framework("torch")
    shifted = 0
    for trial in range(40):
        n, k, s = int(rng.integers(2, 8)), int(rng.integers(1, 6)), int(rng.integers(1, 4))
        out = n * s
        x = rng.normal(size=(1, n, n, 2))
        w = rng.normal(size=(k, k, 3, 2))
        y = upsampling.conv2d_transpose(x, w, (1, out, out, 3), s, "SAME")
        full = torch.nn.functional.conv_transpose2d(
            torch.tensor(x.transpose(0, 3, 1, 2)), torch.tensor(upsampling.tf_to_torch_weight(w)), stride=s
        ).numpy()
        total = full.shape[-1] - out
        pb = max(total, 0) // 2
        expect = np.zeros((1, 3, out, out))
        m = min(out, full.shape[-1] - pb)
        expect[:, :, :m, :m] = full[:, :, pb : pb + m, pb : pb + m]
        np.testing.assert_allclose(y.transpose(0, 3, 1, 2), expect, rtol=1e-10, atol=1e-10, err_msg=str(trial))
        if total > 0 and total % 2 and s > 1:  # output_padding must stay below the stride
            p = (total + 1) // 2
            alt = torch.nn.functional.conv_transpose2d(
                torch.tensor(x.transpose(0, 3, 1, 2)), torch.tensor(upsampling.tf_to_torch_weight(w)), stride=s,
                padding=p, output_padding=1,
            ).numpy()
            assert alt.shape == expect.shape and not np.allclose(alt, expect)
            shifted += 1
    assert shifted > 3


def test_int64_overflow_wraps_as_torch_does():
    """PyTorch's int64 transposed convolution wraps modulo 2**64 (checked live, not assumed)."""
    torch = framework("torch")
    x = np.full((1, 1, 2, 2), 2**62, np.int64)
    w = np.full((1, 1, 2, 2), 3, np.int64)
    ref = torch.nn.functional.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w)).numpy()
    assert np.array_equal(twin.conv_transpose2d(x, w), ref)


def test_empty_arrays_as_pytorch_does():
    """Issue 19 (item 10a): zero batch, channels, spatial or output sizes -- where torch returns an
    (empty) result the twin returns the same, where it refuses the twin refuses (float32 runs
    oneDNN, which returns an output length of 0; the slow kernels refuse it)."""
    from conv_empty_grid import compare, configurations, outcome

    torch = framework("torch")
    problems = []
    for c in configurations(1919, 400):
        nd = c["nd"]
        f = getattr(torch.nn.functional, f"conv_transpose{nd}d")
        args = dict(stride=c["s"], padding=c["p"], output_padding=c["op"], groups=c["g"], dilation=c["d"])
        ref = outcome(lambda: f(torch.from_numpy(c["x"]), torch.from_numpy(c["w"]), **args).numpy())
        got = outcome(lambda: getattr(twin, f"conv_transpose{nd}d")(c["x"], c["w"], None, c["s"], c["p"], c["op"], c["g"], c["d"]))
        problem = compare(f"x {c['x'].shape} {c['x'].dtype} w {c['w'].shape} {args}", ref, got)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems[:10])
