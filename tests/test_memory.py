"""The output pool (upsampling._memory): reuse only dead memory, never a live result's."""

from __future__ import annotations

import gc
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import upsampling
from upsampling import _memory, options
from upsampling.errors import InvalidArgumentError

BIG = (1, 600, 700, 3)  # float32 output of 5 MiB: pooled


@pytest.fixture(autouse=True)
def _empty_pool():
    _memory.clear_pool()
    yield
    _memory.clear_pool()


def _resize(x: np.ndarray) -> np.ndarray:
    return upsampling.resize(x, BIG[1:3])


def test_pooled_output_is_an_ordinary_array_with_the_right_values():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 300, 350, 3)).astype(np.float32)
    y = _resize(x)
    with options(output_pool_bytes=0):
        ref = _resize(x)
    assert y.shape == BIG and y.dtype == np.float32 and y.flags.c_contiguous and y.flags.writeable
    assert y.ctypes.data % 64 == 0
    assert np.array_equal(y, ref)
    for dtype in (np.float64, np.uint8, np.int16):
        a = _memory.empty((3, 1000, 700), dtype)
        assert a.dtype == dtype and a.shape == (3, 1000, 700) and a.flags.c_contiguous


def test_memory_comes_back_only_when_every_view_is_gone():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 300, 350, 3)).astype(np.float32)
    first = _resize(x)
    view = first[0, ::3]
    saved = view.copy()
    del first
    gc.collect()
    assert _memory.pool_stats()["free_blocks"] == 0  # the view keeps it alive
    second = _resize(x * 2)  # must not land on the view's memory
    assert not np.shares_memory(second, view)
    assert np.array_equal(view, saved)
    del view
    gc.collect()
    assert _memory.pool_stats()["free_blocks"] == 1
    hits = _memory.pool_stats()["hits"]
    third = _resize(x * 3)
    assert _memory.pool_stats()["hits"] == hits + 1 and _memory.pool_stats()["free_blocks"] == 0
    assert not np.shares_memory(third, second)
    with options(output_pool_bytes=0):
        np.testing.assert_array_equal(third, _resize(x * 3))
        np.testing.assert_array_equal(second, _resize(x * 2))


def test_small_outputs_and_a_zero_limit_bypass_the_pool():
    small = _memory.empty((100, 100), np.float32)
    assert small.base is None  # plain NumPy memory
    del small
    a = _memory.empty((4, 2**20), np.float32)
    del a
    gc.collect()
    assert _memory.pool_stats()["free_blocks"] == 1
    with options(output_pool_bytes=0):
        assert _memory.pool_stats()["free_blocks"] == 0  # released at once
        b = _memory.empty((4, 2**20), np.float32)
        del b
        gc.collect()
        assert _memory.pool_stats()["free_blocks"] == 0


def test_limit_bounds_the_free_memory_held():
    with options(output_pool_bytes=10 * 2**20):
        arrays = [_memory.empty((2**20 + k,), np.float32) for k in range(4)]  # 4 x 4 MiB
        del arrays
        gc.collect()
        assert _memory.pool_stats()["free_bytes"] <= 10 * 2**20


def test_a_block_at_most_twice_the_request():
    a = _memory.empty((16 * 2**20,), np.uint8)
    del a
    gc.collect()
    b = _memory.empty((5 * 2**20,), np.uint8)  # 16 MiB block is > 2 x 5 MiB: not used
    assert _memory.pool_stats()["free_blocks"] == 1
    c = _memory.empty((9 * 2**20,), np.uint8)  # fits
    assert _memory.pool_stats()["free_blocks"] == 0
    assert b.nbytes == 5 * 2**20 and c.nbytes == 9 * 2**20


@pytest.mark.parametrize("value", [-1, 1.5, True, "big"])
def test_bad_pool_limit_is_refused(value):
    with pytest.raises(InvalidArgumentError, match="output_pool_bytes"):
        upsampling.set_options(output_pool_bytes=value)


def test_concurrent_calls_never_share_memory():
    rng = np.random.default_rng(3)
    inputs = [rng.standard_normal((1, 300, 350, 3)).astype(np.float32) for _ in range(6)]
    with options(output_pool_bytes=0):
        refs = [_resize(x) for x in inputs]

    def run(k: int) -> bool:
        ok = True
        for _ in range(5):
            y = _resize(inputs[k])
            ok &= bool(np.array_equal(y, refs[k]))
        return ok

    with ThreadPoolExecutor(3) as pool:
        assert all(pool.map(run, range(6)))


def test_fresh_large_outputs_start_on_a_huge_page_boundary():
    """With the compiled kernels loaded (Linux), fresh outputs of the pool's sizes come from a
    mapping of their own on a 2 MiB boundary (transparent huge pages advised), pooled or not; the
    memory is an ordinary writeable array and goes back to the pool when it dies."""
    from upsampling.kernels import fused  # registers the allocator

    if getattr(fused._native, "empty_pages", None) is None:
        pytest.skip("no page allocator on this platform: NumPy allocates")
    for limit in (256 * 2**20, 0):
        with options(output_pool_bytes=limit):
            a = _memory.empty((3, 1000, 700), np.float32)
            assert a.ctypes.data % (2 * 2**20) == 0 and a.flags.c_contiguous and a.flags.writeable
            a[...] = 7
            assert float(a.sum()) == 7 * a.size
            del a
            gc.collect()
            assert _memory.pool_stats()["free_blocks"] == (1 if limit else 0)
    with pytest.raises(ValueError, match="nbytes"):
        fused._native.empty_pages(0)
