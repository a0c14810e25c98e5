"""upsampling.dask: lazy block-wise resize / argmax equal to the in-memory engine, storage, CLI.

* Property tests (hypothesis): random shapes, layouts, dtypes, chunkings (1-pixel chunks,
  random partitions), output chunkings, sizes/scales, modes, conventions, antialias,
  exclude_outside, roi -- the Dask result equals ``upsampling.resize`` bit for bit.
* Chunk borders on every phase of the sampling grid; each block reads only its window.
* Zarr / TIFF round trips, resize_raster, atomic writes, bad input.
* A LocalCluster (2 workers, 224 MiB each) writing a 704 MiB output to Zarr through the CLI.
* The CLI's arguments and errors are in tests/test_raster_cli.py.
"""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("dask.array")
pytest.importorskip("zarr")

import dask  # noqa: E402
import dask.array as da  # noqa: E402

import upsampling  # noqa: E402
import upsampling.dask as ud  # noqa: E402
from upsampling.coords import COORDINATE_TRANSFORMATION_MODES, NEAREST_MODES  # noqa: E402
from upsampling.errors import (  # noqa: E402
    DTypeError,
    InvalidArgumentError,
    OutputTooLargeError,
    ShapeError,
    UpsamplingError,
)
from upsampling.argmax import upsample_argmax as argmax_in_memory  # noqa: E402

SHAPES = {"HW": lambda h, w, c: (h, w), "HWC": lambda h, w, c: (h, w, c), "CHW": lambda h, w, c: (c, h, w)}


@pytest.fixture(autouse=True)
def _one_kernel_thread():
    """Blocks here are tiny: one kernel thread per call avoids hand-offs to the native pool (slow
    on a loaded machine).  The split of work over threads never changes a result."""
    with upsampling.options(threads=1):
        yield


def bits_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Same shape, dtype and bytes (signed zeros included); NaN equals NaN whatever its sign bit.

    IEEE 754 leaves the sign and payload of a NaN made by ``0 * inf`` unspecified, and the
    compiled kernel's vectorised and scalar loops may order an addition's operands
    differently, so the same NaN can come out with either sign (the Numba and NumPy kernels
    differ there too).  Every other bit must match.
    """
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if np.issubdtype(a.dtype, np.floating):
        nan_a, nan_b = np.isnan(a), np.isnan(b)
        if not np.array_equal(nan_a, nan_b):
            return False
        a, b = np.where(nan_a, 0, a), np.where(nan_b, 0, b)
    return a.tobytes() == b.tobytes()


#: Property examples with more output blocks than this use 8-pixel output chunks instead.
MAX_TEST_BLOCKS = 200


def compute(y):
    return y.compute(scheduler="sync")


# ----------------------------------------------------------------------------- strategies


@st.composite
def partitions(draw, n: int):
    """Chunk lengths for an axis of length n: 1-pixel, one int, or a random partition."""
    kind = draw(st.sampled_from(["one", "int", "random", "whole"]))
    if kind == "one":
        return (1,) * n
    if kind == "whole":
        return (n,)
    if kind == "int":
        c = draw(st.integers(1, max(1, n)))
        return (c,) * (n // c) + ((n % c,) if n % c else ())
    cuts = sorted(draw(st.sets(st.integers(1, n - 1), max_size=n - 1))) if n > 1 else []
    edges = [0, *cuts, n]
    return tuple(b - a for a, b in zip(edges, edges[1:]))


@st.composite
def resize_cases(draw, layouts=("HW", "HWC", "CHW")):
    layout = draw(st.sampled_from(layouts))
    h, w, c = draw(st.integers(1, 13)), draw(st.integers(1, 13)), draw(st.integers(1, 3))
    shape = SHAPES[layout](h, w, c)
    mode = draw(st.sampled_from(["nearest", "linear", "cubic", "area"]))
    ctm = draw(st.sampled_from(COORDINATE_TRANSFORMATION_MODES))
    kw = dict(
        mode=mode,
        coordinate_transformation_mode=ctm,
        nearest_mode=draw(st.sampled_from(NEAREST_MODES)),
        cubic_coeff_a=draw(st.sampled_from([-0.75, -0.5])),
        exclude_outside=draw(st.booleans()),
        antialias=mode in ("linear", "cubic") and draw(st.booleans()),
        extrapolation_value=draw(st.sampled_from([0.0, -1.5, 7.0])),
    )
    if ctm == "tf_crop_and_resize":
        kw["roi"] = (
            draw(st.floats(-0.3, 0.4)),
            draw(st.floats(-0.3, 0.4)),
            draw(st.floats(0.6, 1.3)),
            draw(st.floats(0.6, 1.3)),
        )
    if draw(st.booleans()):
        size = (draw(st.integers(1, 30)), draw(st.integers(1, 30)))
        arg = dict(size=size)
    else:
        sh = draw(st.floats(1 / h, 3.5).filter(lambda s: int(h * s) >= 1))
        sw = draw(st.floats(1 / w, 3.5).filter(lambda s: int(w * s) >= 1))
        arg = dict(scale=(sh, sw))
    dtype = draw(st.sampled_from([np.float32, np.float32, np.float64, np.float64, np.float16, np.uint8, np.int16]))
    chunks = tuple(draw(partitions(n)) for n in shape)
    out_chunks = draw(st.sampled_from([None, "int", "random"]))
    seed = draw(st.integers(0, 2**32 - 1))
    special = draw(st.booleans())
    return layout, shape, dtype, chunks, arg, kw, out_chunks, seed, special


def make_input(shape, dtype, seed, special):
    rng = np.random.default_rng(seed)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
    x = (rng.normal(size=shape) * 10).astype(dtype)
    if special and x.size > 2:
        flat = x.reshape(-1)
        idx = rng.choice(flat.size, size=2, replace=False)
        flat[idx[0]] = np.nan
        flat[idx[1]] = np.inf
    return x


def out_chunk_arg(kind, n_out_hw, data):
    if kind is None:
        return None
    if kind == "int":
        return data.draw(st.integers(1, 8))
    return tuple(data.draw(partitions(n)) for n in n_out_hw)


# ----------------------------------------------------------------------------- properties


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=resize_cases(), data=st.data())
def test_dask_resize_equals_in_memory_bit_for_bit(case, data):
    layout, shape, dtype, chunks, arg, kw, out_kind, seed, special = case
    x = make_input(shape, dtype, seed, special)
    ref = upsampling.resize(x, layout=layout, **arg, **kw)
    hw = {"HW": (0, 1), "HWC": (0, 1), "CHW": (1, 2)}[layout]
    out_chunks = out_chunk_arg(out_kind, [ref.shape[a] for a in hw], data)
    y = ud.resize(da.from_array(x, chunks=chunks), layout=layout, chunks=out_chunks, **arg, **kw)
    if math.prod(y.numblocks) > MAX_TEST_BLOCKS:  # keep each example cheap (1-pixel blocks: test_chunk_borders_*)
        out_chunks = 8
        y = ud.resize(da.from_array(x, chunks=chunks), layout=layout, chunks=out_chunks, **arg, **kw)
    assert y.shape == ref.shape and y.dtype == ref.dtype
    got = compute(y)
    assert bits_equal(got, ref), (layout, shape, dtype, chunks, arg, kw, out_chunks)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=resize_cases(layouts=("CHW", "HWC")), data=st.data())
def test_dask_upsample_argmax_equals_in_memory(case, data):
    layout, shape, dtype, chunks, arg, kw, out_kind, seed, special = case
    x = make_input(shape, dtype, seed, special)
    c_axis = 0 if layout == "CHW" else 2
    chunks = tuple((n,) if a == c_axis else ch for a, (n, ch) in enumerate(zip(shape, chunks)))
    ref = argmax_in_memory(x, layout=layout, **arg, **kw)
    assert np.array_equal(ref, np.argmax(upsampling.resize(x, layout=layout, **arg, **kw), axis=c_axis))
    out_chunks = out_chunk_arg(out_kind, ref.shape, data)
    y = ud.upsample_argmax(da.from_array(x, chunks=chunks), layout=layout, chunks=out_chunks, **arg, **kw)
    if math.prod(y.numblocks) > MAX_TEST_BLOCKS:
        y = ud.upsample_argmax(da.from_array(x, chunks=chunks), layout=layout, chunks=8, **arg, **kw)
    assert bits_equal(compute(y), ref)


# ----------------------------------------------------------------------------- grid phases


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic", "area"])
@pytest.mark.parametrize(
    "ctm", ["half_pixel", "align_corners", "asymmetric", "pytorch_half_pixel", "half_pixel_symmetric"]
)
def test_chunk_borders_on_every_phase_of_the_grid(mode, ctm, rng):
    """Upscale by 3 and 2.5 and downscale by 0.4 (grid periods 3, 5, 5): output chunks of 1..4
    put block borders on every output phase (o mod period), input chunks of 1..7 put input
    borders everywhere, on each axis in turn (the other axis one chunk, to keep graphs small)."""
    x = rng.normal(size=(20, 17)).astype(np.float32)
    cases, refs = [], []
    for scale, period in [(3.0, 3), (2.5, 5), (0.4, 5)]:
        for antialias in [False, True] if mode in ("linear", "cubic") else [False]:
            kw = dict(scale=scale, layout="HW", mode=mode, coordinate_transformation_mode=ctm, antialias=antialias)
            ref = upsampling.resize(x, **kw)
            for in_chunk, out_chunk in [(1, 1), (2, 3), (3, 2), (7, 4)]:
                for axis in (0, 1):
                    in_chunks = (in_chunk, -1) if axis == 0 else (-1, in_chunk)
                    out_chunks = (out_chunk, ref.shape[1]) if axis == 0 else (ref.shape[0], out_chunk)
                    y = ud.resize(da.from_array(x, chunks=in_chunks), chunks=out_chunks, **kw)
                    borders = np.cumsum(y.chunks[axis])[:-1]
                    if math.gcd(out_chunk, period) == 1 and len(borders) >= period:
                        assert set(borders % period) == set(range(period))
                    cases.append(((scale, antialias, in_chunk, out_chunk, axis), y))
                    refs.append(ref)
    got = dask.compute(*(y for _, y in cases), scheduler="sync")
    for (case, _), g, ref in zip(cases, got, refs, strict=True):
        assert bits_equal(g, ref), case


def test_each_block_reads_only_its_window():
    """With 1-pixel input chunks, a block's task depends exactly on the rows/columns its plan reads."""
    from dask.core import get_dependencies

    from upsampling.resizing import resize_plans

    x = da.from_array(np.arange(30 * 24, dtype=np.float64).reshape(30, 24), chunks=1)
    for mode, size in [("nearest", (60, 48)), ("linear", (60, 48)), ("cubic", (45, 36)), ("area", (10, 8))]:
        y = ud.resize(x, size, mode=mode, chunks=(7, 5))
        plans, _ = resize_plans(x, size, mode=mode, layout="HW")
        dsk = dict(y.__dask_graph__())
        r0 = 0
        for i, rh in enumerate(y.chunks[0]):
            c0 = 0
            for j, cw in enumerate(y.chunks[1]):
                lo, hi = plans[0].source_window(r0, r0 + rh)
                clo, chi = plans[1].source_window(c0, c0 + cw)
                deps = {k[1:] for k in get_dependencies(dsk, (y.name, i, j))}
                assert deps == {(r, c) for r in range(lo, hi) for c in range(clo, chi)}, (mode, i, j)
                c0 += cw
            r0 += rh


def test_halo_follows_kernel_support():
    """The window grows with the kernel: nearest < linear < cubic, and antialias widens it when shrinking."""
    from upsampling.resizing import resize_plans

    shape = np.empty((1000, 10))
    widths = {}
    for name, kw in {
        "nearest": dict(mode="nearest"),
        "linear": dict(mode="linear"),
        "cubic": dict(mode="cubic"),
        "linear_aa": dict(mode="linear", antialias=True),
    }.items():
        plans, _ = resize_plans(shape, (250, 10), layout="HW", **kw)
        lo, hi = plans[0].source_window(100, 110)
        widths[name] = hi - lo
    assert widths["nearest"] < widths["linear"] < widths["cubic"] <= widths["linear_aa"]


# ----------------------------------------------------------------------------- API behaviour


def test_layouts_channels_and_batch(rng):
    x = rng.normal(size=(2, 9, 11, 3)).astype(np.float32)
    for layout, arr in [("NHWC", x), ("NCHW", x.transpose(0, 3, 1, 2).copy())]:
        ref = upsampling.resize(arr, (20, 7), layout=layout, mode="cubic")
        y = ud.resize(da.from_array(arr, chunks=(1, 4, 3, 2)), (20, 7), layout=layout, mode="cubic")
        assert bits_equal(compute(y), ref)
    # channels may be chunked for resize (they are independent)
    chw = rng.normal(size=(5, 9, 11))
    y = ud.resize(da.from_array(chw, chunks=(2, 4, 4)), (13, 30), layout="CHW")
    assert y.chunks[0] == (2, 2, 1)
    assert bits_equal(compute(y), upsampling.resize(chw, (13, 30), layout="CHW"))
    # default layout: HW for 2-D, NHWC for 4-D
    assert bits_equal(compute(ud.resize(da.from_array(x[0, :, :, 0]), (4, 4))), upsampling.resize(x[0, :, :, 0], 4, layout="HW"))
    assert bits_equal(compute(ud.resize(da.from_array(x), (4, 4))), upsampling.resize(x, 4))


def test_numpy_input_and_threaded_scheduler(rng):
    x = rng.normal(size=(64, 48)).astype(np.float32)
    y = ud.resize(x, scale=2.5, mode="cubic", chunks=16)
    assert isinstance(y, da.Array)
    assert bits_equal(y.compute(scheduler="threads"), upsampling.resize(x, scale=2.5, layout="HW", mode="cubic"))


def test_empty_chunks_and_the_numpy_kernel(rng):
    """Zero-length input chunks (what slicing leaves) are skipped; the NumPy kernel gives the same bits."""
    x = rng.normal(size=(12, 10)).astype(np.float32)
    arr = da.from_array(x, chunks=((5, 0, 4, 0, 3), (6, 0, 4)))
    assert 0 in arr.chunks[0]
    for kernel in ["auto", "numpy"]:
        with upsampling.options(kernel=kernel):
            ref = upsampling.resize(x, scale=2.5, layout="HW", mode="cubic")
            assert bits_equal(compute(ud.resize(arr, scale=2.5, mode="cubic", chunks=(3, 7))), ref), kernel


def test_default_output_chunks_bounded_by_input_chunks():
    x = da.zeros((4000, 4000), chunks=1000, dtype=np.float32)
    up = ud.resize(x, (16000, 16000))
    assert max(up.chunks[0]) == 1000
    down = ud.resize(x, (400, 400))
    assert max(down.chunks[0]) == 100


def test_graph_is_small_for_long_axes():
    """Blocks carry row ranges, not plan slices: the graph does not grow with the axis length."""
    import pickle

    x = da.zeros((20000, 20000), chunks=4096, dtype=np.float32)
    y = ud.resize(x, (100000, 100000), mode="cubic", chunks=4096)
    layer = y.__dask_graph__().layers[y.name]
    size = len(pickle.dumps(dict(layer)))
    assert size < 2_000_000, size


def test_argmax_ties_nan_and_dtype():
    logits = np.zeros((3, 4, 5), dtype=np.float32)  # all ties -> class 0
    logits[2, 1, 1] = np.nan  # NaN wins, as np.argmax
    y = compute(ud.upsample_argmax(da.from_array(logits, chunks=(3, 1, 2)), (8, 10), mode="nearest"))
    assert y.dtype == np.uint8
    ref = np.argmax(upsampling.resize(logits, (8, 10), layout="CHW", mode="nearest"), axis=0)
    assert np.array_equal(y, ref) and y.max() == 2
    y16 = ud.upsample_argmax(da.zeros((300, 4, 4), chunks=(300, 2, 2)), (5, 5))
    assert y16.dtype == np.uint16
    assert ud.upsample_argmax(da.zeros((3, 4, 4)), (5, 5), dtype=np.int64).dtype == np.int64


# ----------------------------------------------------------------------------- bad input


def test_bad_input_is_a_clear_error():
    x = da.zeros((10, 12), chunks=4)
    with pytest.raises(InvalidArgumentError, match="layout"):
        ud.resize(x, (4, 4), layout="WH")
    with pytest.raises(ShapeError, match="layout"):
        ud.resize(da.zeros((3, 10, 12)), (4, 4))  # 3-D needs an explicit layout
    with pytest.raises(ShapeError, match="3-D array for layout"):
        ud.resize(x, (4, 4), layout="HWC")
    with pytest.raises(DTypeError):
        ud.resize(da.zeros((4, 4), dtype=bool), (8, 8))
    with pytest.raises(InvalidArgumentError, match="mode"):
        ud.resize(x, (4, 4), mode="bilinear")
    with pytest.raises(InvalidArgumentError, match="size"):
        ud.resize(x, (4, 4), scale=2)
    with pytest.raises(InvalidArgumentError, match="chunks"):
        ud.resize(x, (4, 4), chunks=(1, 2, 3))
    with pytest.raises(InvalidArgumentError, match="chunks"):
        ud.resize(x, (4, 4), chunks=((1, 2), (4,)))  # does not sum to 4
    unknown = x[x[:, 0] > 0]
    with pytest.raises(ShapeError, match="compute_chunk_sizes"):
        ud.resize(unknown, (4, 4))


def test_argmax_needs_the_class_axis_whole():
    logits = da.zeros((6, 10, 10), chunks=(3, 5, 5))
    with pytest.raises(ShapeError, match=r"rechunk\(\{0: -1\}\)"):
        ud.upsample_argmax(logits, (20, 20))
    with pytest.raises(ShapeError, match=r"rechunk\(\{2: -1\}\)"):
        ud.upsample_argmax(da.zeros((10, 10, 6), chunks=(5, 5, 3)), (20, 20), layout="HWC")
    with pytest.raises(InvalidArgumentError, match="layout"):
        ud.upsample_argmax(da.zeros((10, 10)), (20, 20), layout="HW")
    with pytest.raises(InvalidArgumentError, match="dtype"):
        ud.upsample_argmax(da.zeros((300, 4, 4)), (5, 5), dtype=np.uint8)
    with pytest.raises(InvalidArgumentError, match="antialas"):
        ud.upsample_argmax(da.zeros((3, 4, 4)), (5, 5), antialas=True)


def test_overflowing_sizes_are_refused_before_any_work():
    x = da.zeros((1000, 1000), chunks=100, dtype=np.float32)
    t = time.perf_counter()
    with pytest.raises(OutputTooLargeError, match="overflows"):
        ud.resize(x, (2**40, 2**40))
    with pytest.raises(OutputTooLargeError, match="plan"):
        ud.resize(x, (10**10, 10))
    with pytest.raises(InvalidArgumentError, match="output blocks"):
        ud.resize(x, (10**5, 10**5), chunks=1)
    assert time.perf_counter() - t < 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_scheduler_times_out_with_a_clear_error(tmp_path):
    pytest.importorskip("distributed")
    ud.write_zarr(da.zeros((8, 8), chunks=4), tmp_path / "in.zarr")
    address = f"tcp://127.0.0.1:{free_port()}"
    t = time.perf_counter()
    with pytest.raises(ud.SchedulerUnreachableError, match="no dask.distributed scheduler answered within 1 s"):
        ud.resize_raster(tmp_path / "in.zarr", tmp_path / "out.zarr", (16, 16), scheduler=address, timeout=1)
    assert time.perf_counter() - t < 30
    assert not (tmp_path / "out.zarr").exists()
    assert issubclass(ud.SchedulerUnreachableError, (UpsamplingError, ConnectionError))


# ----------------------------------------------------------------------------- storage


def _failing(x, at=(1, 1)):
    def boom(block, block_info=None):
        if block_info[0]["chunk-location"] == at:
            raise RuntimeError("disk on fire")
        return block

    return x.map_blocks(boom, dtype=x.dtype)


def test_failed_write_leaves_no_output(tmp_path):
    x = _failing(da.ones((64, 64), chunks=16, dtype=np.float32))
    for name in ["out.zarr", "out.tif"]:
        with pytest.raises(RuntimeError, match="disk on fire"):
            ud.write_raster(x, tmp_path / name, layout="HW")
        assert not (tmp_path / name).exists()
    assert os.listdir(tmp_path) == []  # no temporary leftovers either
    # an existing output is kept intact when a replacement fails
    good = ud.write_zarr(da.zeros((4, 4), chunks=2), tmp_path / "keep.zarr")
    with pytest.raises(RuntimeError):
        ud.write_zarr(x, tmp_path / "keep.zarr", overwrite=True)
    assert np.array_equal(ud.read_zarr(good).compute(), np.zeros((4, 4)))
    with pytest.raises(InvalidArgumentError, match="overwrite"):
        ud.write_zarr(da.zeros((4, 4)), good)
    ud.write_zarr(da.ones((4, 4)), good, overwrite=True)
    assert np.array_equal(ud.read_zarr(good).compute(), np.ones((4, 4)))
    assert sorted(os.listdir(tmp_path)) == ["keep.zarr"]


def test_failed_write_waits_for_the_blocks_in_flight(tmp_path):
    """Many blocks, one failing mid-way: the blocks still being written when it fails do not
    recreate the removed temporary output (threads wait; distributed writes are refused)."""
    x = _failing(da.ones((320, 320), chunks=16, dtype=np.float32), at=(12, 5))
    for attempt in range(2):
        with pytest.raises(RuntimeError, match="disk on fire"):
            ud.write_zarr(x, tmp_path / f"out{attempt}.zarr")
    assert os.listdir(tmp_path) == []


@pytest.mark.xdist_group("dask-cluster")
def test_failed_write_on_distributed_leaves_nothing(tmp_path):
    distributed = pytest.importorskip("distributed")
    x = _failing(da.ones((512, 512), chunks=16, dtype=np.float32), at=(20, 5))
    with distributed.Client(processes=False, n_workers=2, threads_per_worker=2, dashboard_address=":0"):
        with pytest.raises(RuntimeError, match="disk on fire"):
            ud.write_zarr(x, tmp_path / "out.zarr")
        time.sleep(0.5)
    assert os.listdir(tmp_path) == []


def test_zarr_round_trip_and_resize_raster(tmp_path, rng):
    x = rng.normal(size=(3, 70, 50)).astype(np.float32)
    ud.write_raster(da.from_array(x, chunks=(3, 16, 16)), tmp_path / "in.zarr", layout="CHW")
    back, layout = ud.read_raster(tmp_path / "in.zarr")
    assert layout == "CHW" and bits_equal(back.compute(), x)
    out = ud.resize_raster(
        tmp_path / "in.zarr", tmp_path / "out.zarr", (131, 77), mode="cubic", chunks=32, progress=False, antialias=False
    )
    y, layout = ud.read_raster(out)
    assert layout == "CHW" and y.chunks[1][0] == 32
    assert bits_equal(y.compute(), upsampling.resize(x, (131, 77), layout="CHW", mode="cubic"))
    # labels
    out = ud.resize_raster(tmp_path / "in.zarr", tmp_path / "labels.zarr", scale=1.7, labels=True, progress=False)
    labels, layout = ud.read_raster(out)
    assert layout == "HW"
    assert bits_equal(labels.compute(), argmax_in_memory(x, scale=1.7))


def test_tiff_round_trip_and_resize_raster(tmp_path, rng):
    pytest.importorskip("tifffile")
    img = rng.normal(size=(300, 410, 3)).astype(np.float32)
    ud.write_tiff(da.from_array(img, chunks=100), tmp_path / "img.tif", layout="HWC", tile=64)
    back, layout = ud.read_tiff(tmp_path / "img.tif", chunks=128)
    assert layout == "HWC" and bits_equal(back.compute(), img)
    out = ud.resize_raster(tmp_path / "img.tif", tmp_path / "big.tiff", (555, 123), chunks=200, progress=False)
    y, _ = ud.read_raster(out)
    assert bits_equal(y.compute(), upsampling.resize(img, (555, 123), layout="HWC"))
    # TIFF in, Zarr out; 2-D uint16
    gray = rng.integers(0, 65535, size=(97, 131), dtype=np.uint16)
    ud.write_tiff(da.from_array(gray, chunks=50), tmp_path / "g.tif")
    out = ud.resize_raster(tmp_path / "g.tif", tmp_path / "g.zarr", (33, 400), mode="area", progress=False)
    assert bits_equal(ud.read_zarr(out).compute(), upsampling.resize(gray, (33, 400), layout="HW", mode="area"))


def test_docstring_examples():
    import doctest

    import importlib
    import pkgutil

    attempted = 0
    for info in pkgutil.iter_modules(ud.__path__):  # every module of the package
        module = importlib.import_module(f"{ud.__name__}.{info.name}")
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, info.name
        attempted += result.attempted
    assert attempted > 0


@pytest.mark.parametrize("face, layout", [(ud.resize, None), (ud.upsample_argmax, "CHW"), (ud.resize_raster, None)])
def test_resize_arguments_come_from_resize_spec(face, layout):
    """The faces take the resize arguments as **options and show ResizeSpec's: one list of names,
    types and defaults (only the layout's default is the face's own)."""
    import dataclasses
    import inspect

    assert face.__code__.co_flags & inspect.CO_VARKEYWORDS
    written = set(face.__code__.co_varnames[: face.__code__.co_argcount + face.__code__.co_kwonlyargcount])
    shown = inspect.signature(face).parameters
    for f in dataclasses.fields(upsampling.ResizeSpec):
        if not f.init or f.name == "size":
            continue
        assert f.name not in written, f"{face.__name__} writes out {f.name}"
        default = layout if f.name == "layout" else f.default
        hint = f"{f.type} | None" if f.name == "layout" and layout is None else f.type  # (guessed when None)
        assert shown[f.name].default == default and shown[f.name].annotation == hint, f.name
    args = {ud.resize: (da.zeros((4, 4)), 8), ud.upsample_argmax: (da.zeros((2, 4, 4)), 8), ud.resize_raster: ("a", "b", 8)}
    with pytest.raises(InvalidArgumentError, match="modee"):  # an unknown keyword is named, not swallowed
        face(*args[face], modee="cubic")


def test_import_upsampling_does_not_import_dask():
    code = (
        "import sys, upsampling, upsampling.argmax, upsampling.raster_cli; "
        "assert 'dask' not in sys.modules and 'distributed' not in sys.modules, 'dask imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------------------- distributed


#: Per-worker memory limit of the LocalCluster test.  A dask worker process that has imported
#: distributed, dask.array, zarr and upsampling already holds ~95-130 MiB before any data (the
#: compiled kernels add ~2 MiB; the workers run the NumPy kernel here, same bits, see
#: tests/test_kernels.py); the nanny pauses a worker at 80% of its limit and kills it at 95%.
WORKER_LIMIT = 224 * 2**20


def _crop_reference(x: np.ndarray, r: int, c: int, h: int, w: int, scale: int, **kw) -> np.ndarray:
    """Output window ``[r:r+h, c:c+w]`` of ``upsampling.resize(x, scale=scale)``, from a crop of ``x``.

    With a power-of-two scale the half-pixel coordinates of the crop's outputs are the whole
    array's minus the crop offset, exactly, so the in-memory engine on the crop (4 pixels of
    margin for the cubic taps; none at the image's own borders) gives the same bits without
    holding the full-size output in the test process.
    """
    i0, i1 = max(0, r // scale - 4), min(x.shape[0], (r + h) // scale + 5)
    j0, j1 = max(0, c // scale - 4), min(x.shape[1], (c + w) // scale + 5)
    y = upsampling.resize(x[i0:i1, j0:j1], scale=scale, layout="HW", **kw)
    return y[r - scale * i0 : r - scale * i0 + h, c - scale * j0 : c - scale * j0 + w]


def test_crop_reference_is_the_in_memory_engine(rng):
    x = rng.random((64, 80), dtype=np.float32)
    ref = upsampling.resize(x, scale=16, layout="HW", mode="cubic")
    for r, c, h, w in [(0, 0, 100, 77), (1024 - 100, 1280 - 77, 100, 77), (333, 517, 120, 200)]:
        assert bits_equal(_crop_reference(x, r, c, h, w, 16, mode="cubic"), ref[r : r + h, c : c + w])


@pytest.mark.slow
@pytest.mark.xdist_group("dask-cluster")
def test_local_cluster_output_larger_than_worker_memory(tmp_path, capsys):
    """2 workers with 224 MiB each write a 704 MiB Zarr output (3.1x the limit) through the CLI
    with --scheduler ADDRESS; no worker is killed or restarted, and sampled windows equal the
    in-memory engine."""
    distributed = pytest.importorskip("distributed")
    import concurrent.futures

    from upsampling.raster_cli import main

    rng = np.random.default_rng(7)
    x = rng.random((704, 1024), dtype=np.float32)
    scale = 16
    out_shape = (704 * scale, 1024 * scale)
    out_bytes = out_shape[0] * out_shape[1] * 4
    assert out_bytes > 3 * WORKER_LIMIT
    ud.write_zarr(da.from_array(x, chunks=256), tmp_path / "in.zarr")
    argv = [str(tmp_path / "in.zarr"), str(tmp_path / "out.zarr"), "--scale", str(scale), "--mode", "cubic",
            "--chunks", "1024"]
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        memory_limit=WORKER_LIMIT,
        processes=True,
        dashboard_address=":0",
        silence_logs=40,
    ) as cluster, distributed.Client(cluster) as client:
        client.run(upsampling.set_options, kernel="numpy")
        pids = client.run(os.getpid)
        # A worker paused at 80% of its limit never resumes on its own: time out (and close the
        # cluster, which ends the run) rather than hang the suite.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            run = pool.submit(main, [*argv, "--scheduler", cluster.scheduler_address])
            try:
                code = run.result(timeout=180)
            except concurrent.futures.TimeoutError:
                cluster.close()
                pytest.fail(f"resize-raster did not finish in 180 s; workers: {client.run(lambda: 0)}")
        assert code == 0, capsys.readouterr().err
        assert client.run(os.getpid) == pids, "a worker was restarted"
        limits = client.run(lambda dask_worker: dask_worker.memory_manager.memory_limit)
        assert set(limits.values()) == {WORKER_LIMIT}
    captured = capsys.readouterr()
    # off a terminal: a line at the start and one at the end, on stderr (a bar only on a terminal)
    assert "resize-raster: started on the cluster" in captured.err and "resize-raster: done" in captured.err, captured.err
    assert captured.out.strip() == str(tmp_path / "out.zarr")
    y = ud.read_zarr(tmp_path / "out.zarr")
    assert y.shape == out_shape and y.dtype == np.float32 and y.chunks[0][0] == 1024
    h, w = 257, 311
    windows = [(0, 0), (out_shape[0] - h, out_shape[1] - w), (1024 - 100, 1024 - 100)]  # corners, a block corner
    windows += [(int(rng.integers(0, out_shape[0] - h)), int(rng.integers(0, out_shape[1] - w))) for _ in range(4)]
    for r, c in windows:
        got = y[r : r + h, c : c + w].compute()
        assert bits_equal(got, _crop_reference(x, r, c, h, w, scale, mode="cubic")), (r, c)


@pytest.mark.xdist_group("dask-cluster")
def test_a_local_scheduler_name_wins_over_an_active_client():
    distributed = pytest.importorskip("distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=":0") as client:
        with ud.scheduler_context(None) as active:
            assert active is client and ud._client() is client
        with ud.scheduler_context("threads") as active:
            assert active is None and ud._client() is None
        with ud.scheduler_context(client) as active:
            assert active is client
            x = np.arange(12.0).reshape(3, 4)
            out = ud._compute(ud.resize(x, (5, 7)), progress=False)
            assert bits_equal(out, upsampling.resize(x, (5, 7), layout="HW"))
