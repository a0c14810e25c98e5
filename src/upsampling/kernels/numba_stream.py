"""Streaming (non-temporal) stores for the fused kernels' output rows (extra ``fast``).

A large output is written once and not read back by the kernel.  Ordinary stores first read
each cache line they write into the cache ("read for ownership"), which doubles the memory
traffic of a write-bound resize; a non-temporal store writes whole lines straight to memory.
On this project's machine the H pass of a 2x RGB upscale (48 MiB) took 1.6 ms instead of 2.7 ms
on one core (``benchmarks/kernel_probe.py``).

Numba has no non-temporal store, so :func:`blend_row_stream` builds one with an LLVM intrinsic:
64-byte vectors (16 float32 or 8 float64 lanes) of ``Σ_t w[t]·s_t[i]`` -- a multiply, then an
add per tap, in tap order, each rounded in the row's dtype: the same operations as
:func:`upsampling.kernels.numba_fused._blend`, so the same bits -- stored with LLVM's
``!nontemporal`` metadata (``vmovntps`` on x86, ``stnp`` on ARM, a plain store elsewhere).
Such stores need 64-byte aligned addresses: the head of a row up to the first aligned element
and its tail are written with ordinary stores.  Non-temporal stores are weakly ordered, so a
kernel that used them ends with :func:`store_fence` before another thread may read its rows.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic, overload

# Bytes per streamed vector: one cache line.
VECTOR_BYTES = 64


def _vector_pointer(context, builder, array_type, array, index, vec):
    """Code generation: a ``vec *`` pointer to element ``index`` of a 1-D Numba array (``vec``
    any LLVM type: a vector here, a byte for :func:`prefetch`)."""
    data = cgutils.create_struct_proxy(array_type)(context, builder, value=array).data
    return builder.bitcast(builder.gep(data, [index]), vec.as_pointer())


def _store_nontemporal(builder, value, pointer):
    """Code generation: store ``value`` (a 64-byte vector) at the aligned ``pointer`` with
    LLVM's ``!nontemporal`` metadata."""
    store = builder.store(value, pointer, align=VECTOR_BYTES)
    store.set_metadata("nontemporal", builder.module.add_metadata([ir.Constant(ir.IntType(32), 1)]))


@intrinsic
def _stream(typingctx, dst, i, sources, weights):
    """``dst[i : i + lanes] = (w_0·s_0[i:] + w_1·s_1[i:]) + ...``, stored non-temporally.

    ``sources`` is a tuple of 1-D arrays and ``weights`` a tuple of scalars, all of ``dst``'s
    float dtype, one weight per source.  ``&dst[i]`` must be 64-byte
    aligned and ``i + lanes <= len`` for every array (the callers ensure both).
    """
    if not isinstance(dst, types.Array) or dst.dtype not in (types.float32, types.float64):
        return None
    if not isinstance(sources, types.UniTuple) or not isinstance(sources.dtype, types.Array):
        return None
    if sources.dtype.dtype != dst.dtype:
        return None
    if not isinstance(weights, types.UniTuple) or weights.dtype != dst.dtype:
        return None
    taps = len(weights)
    if len(sources) != taps:
        return None
    sig = types.void(dst, i, sources, weights)

    def codegen(context, builder, signature, args):
        dst_ty, _, src_ty, _ = signature.args
        is32 = dst_ty.dtype == types.float32
        scalar = ir.FloatType() if is32 else ir.DoubleType()
        lanes = VECTOR_BYTES // (4 if is32 else 8)
        vec = ir.VectorType(scalar, lanes)
        i32 = ir.IntType(32)
        index = args[1]

        def pointer(ty, value):
            return _vector_pointer(context, builder, ty, value, index, vec)

        def splat(value):
            first = builder.insert_element(ir.Constant(vec, ir.Undefined), value, ir.Constant(i32, 0))
            mask = ir.Constant(ir.VectorType(i32, lanes), [0] * lanes)
            return builder.shuffle_vector(first, ir.Constant(vec, ir.Undefined), mask)

        def source(t):
            return builder.load(pointer(src_ty.dtype, builder.extract_value(args[2], t)), align=4 if is32 else 8)

        acc = None
        for t in range(taps):
            term = builder.fmul(splat(builder.extract_value(args[3], t)), source(t))
            acc = term if acc is None else builder.fadd(acc, term)
        _store_nontemporal(builder, acc, pointer(dst_ty, args[0]))
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def store_fence(typingctx):
    """A full memory fence (``mfence`` on x86): orders earlier non-temporal stores before
    whatever the thread does next (returning its rows to another thread)."""
    sig = types.void()

    def codegen(context, builder, signature, args):
        builder.fence("seq_cst")
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def prefetch(typingctx, arr, i):
    """Ask the CPU to fetch the cache line holding ``arr[i]`` (1-D array) into its caches
    (``llvm.prefetch``: a read, kept in all cache levels; ``prefetcht0`` on x86, nothing
    where the target has no prefetch).  A hint: it never faults and changes no value."""
    if not isinstance(arr, types.Array) or arr.ndim != 1 or not isinstance(i, types.Integer):
        return None
    sig = types.void(arr, i)

    def codegen(context, builder, signature, args):
        pointer = _vector_pointer(context, builder, signature.args[0], args[0], args[1], ir.IntType(8))
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [pointer.type, i32, i32, i32])
        fn = builder.module.declare_intrinsic("llvm.prefetch", [pointer.type], fnty)
        # (address, read = 0, locality 3 = keep in every level, data cache = 1)
        builder.call(fn, [pointer, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def _address(typingctx, arr):
    """The address of ``arr``'s first element, as an integer (``arr.ctypes.data`` builds an
    object per call, which costs as much as streaming a short row)."""
    if not isinstance(arr, types.Array):
        return None
    sig = types.uintp(arr)

    def codegen(context, builder, signature, args):
        data = cgutils.create_struct_proxy(signature.args[0])(context, builder, value=args[0]).data
        return builder.ptrtoint(data, context.get_value_type(types.uintp))

    return sig, codegen


@intrinsic
def _stream_copy(typingctx, dst, src, i):
    """``dst[i : i + lanes] = src[i : i + lanes]`` (64 bytes) with one non-temporal store.

    ``dst`` and ``src`` are 1-D arrays of one integer dtype (raw bits); ``&dst[i]`` must be
    64-byte aligned and ``i + lanes <= len`` for both (the callers ensure both).
    """
    if not isinstance(dst, types.Array) or not isinstance(dst.dtype, types.Integer):
        return None
    if not isinstance(src, types.Array) or src.dtype != dst.dtype:
        return None
    sig = types.void(dst, src, i)

    def codegen(context, builder, signature, args):
        dst_ty, src_ty, _ = signature.args
        width = dst_ty.dtype.bitwidth
        vec = ir.VectorType(ir.IntType(width), VECTOR_BYTES * 8 // width)

        value = builder.load(_vector_pointer(context, builder, src_ty, args[1], args[2], vec), align=width // 8)
        _store_nontemporal(builder, value, _vector_pointer(context, builder, dst_ty, args[0], args[2], vec))
        return context.get_dummy_value()

    return sig, codegen


@numba.njit(inline="always")
def _aligned_start(dst):  # pragma: no cover - compiled
    """The first index of ``dst`` whose address is a multiple of 64 bytes (``len`` if none)."""
    n = dst.shape[0]
    addr = _address(dst)
    size = np.uintp(dst.itemsize)
    line = np.uintp(VECTOR_BYTES)
    if addr % size != 0:
        return n  # misaligned elements: never stream
    start = np.intp(((line - addr % line) % line) // size)
    return start if start < n else n


@numba.njit(inline="always")
def _stream_span(src, rows, weights, dst, head, end, lanes):  # pragma: no cover - compiled
    """Streamed vectors of ``lanes`` elements over ``dst[head:end]`` (``lanes`` a literal: a
    loop whose step is only known at run time measured 4x slower on short rows)."""
    taps = rows.shape[0]
    if taps == 1:
        s0 = src[rows[0]]
        w0 = weights[0]
        for i in range(head, end, lanes):
            _stream(dst, i, (s0,), (w0,))
    elif taps == 2:
        s0 = src[rows[0]]
        s1 = src[rows[1]]
        w0 = weights[0]
        w1 = weights[1]
        for i in range(head, end, lanes):
            _stream(dst, i, (s0, s1), (w0, w1))
    elif taps == 3:
        s0 = src[rows[0]]
        s1 = src[rows[1]]
        s2 = src[rows[2]]
        w0 = weights[0]
        w1 = weights[1]
        w2 = weights[2]
        for i in range(head, end, lanes):
            _stream(dst, i, (s0, s1, s2), (w0, w1, w2))
    else:
        s0 = src[rows[0]]
        s1 = src[rows[1]]
        s2 = src[rows[2]]
        s3 = src[rows[3]]
        w0 = weights[0]
        w1 = weights[1]
        w2 = weights[2]
        w3 = weights[3]
        for i in range(head, end, lanes):
            _stream(dst, i, (s0, s1, s2, s3), (w0, w1, w2, w3))


@numba.njit(inline="always")
def _blend_scalar(src, rows, weights, dst, i0, i1):  # pragma: no cover - compiled
    """``dst[i0:i1]`` with ordinary stores, the same arithmetic as the streamed vectors."""
    taps = rows.shape[0]
    for i in range(i0, i1):
        acc = weights[0] * src[rows[0], i]
        for t in range(1, taps):
            acc = acc + weights[t] * src[rows[t], i]
        dst[i] = acc


@numba.njit(inline="always")
def blend_row_stream(src, rows, weights, dst):  # pragma: no cover - compiled
    """``dst[:] = Σ_t weights[t]·src[rows[t], :]`` for 1-4 taps with streaming stores.

    The same operations in the same order as :func:`~upsampling.kernels.numba_fused._blend`
    (so the same bits); ``src`` is a 2-D C-ordered array of rows, ``dst`` a contiguous row of
    the same float dtype.  Returns ``False`` (and writes nothing) for more than 4 taps.
    """
    taps = rows.shape[0]
    if taps > 4 or taps < 1:
        return False
    n = dst.shape[0]
    head = _aligned_start(dst)
    if dst.itemsize == 4:
        end = head + (n - head) // 16 * 16
        _stream_span(src, rows, weights, dst, head, end, 16)
    else:
        end = head + (n - head) // 8 * 8
        _stream_span(src, rows, weights, dst, head, end, 8)
    _blend_scalar(src, rows, weights, dst, 0, head)
    _blend_scalar(src, rows, weights, dst, end, n)
    return True


@numba.njit(inline="always")
def _copy_span(src, dst, head, end, lanes):  # pragma: no cover - compiled
    for i in range(head, end, lanes):
        _stream_copy(dst, src, i)


@numba.njit(inline="always")
def copy_row_stream(src, dst):  # pragma: no cover - compiled
    """``dst[:] = src[:]`` for 1-D integer arrays of one dtype (raw bits), with streaming
    stores from ``dst``'s first 64-byte aligned element; ordinary stores before and after."""
    n = dst.shape[0]
    head = _aligned_start(dst)
    size = dst.itemsize
    # One literal step per width (a step known only at run time is slower; see _stream_span).
    if size == 1:
        end = head + (n - head) // 64 * 64
        _copy_span(src, dst, head, end, 64)
    elif size == 2:
        end = head + (n - head) // 32 * 32
        _copy_span(src, dst, head, end, 32)
    elif size == 4:
        end = head + (n - head) // 16 * 16
        _copy_span(src, dst, head, end, 16)
    else:
        end = head + (n - head) // 8 * 8
        _copy_span(src, dst, head, end, 8)
    for i in range(head):
        dst[i] = src[i]
    for i in range(end, n):
        dst[i] = src[i]


def blend_into(src, rows, weights, dst, stream):  # pragma: no cover - replaced by the overload
    """``dst[:] = Σ_t weights[t]·src[rows[t], :]``, streamed when ``stream`` and the row allows
    it (same bits either way); for use inside compiled kernels only."""
    raise NotImplementedError


@overload(blend_into, inline="always")
def _blend_into(src, rows, weights, dst, stream):
    from upsampling.kernels.numba_fused import _blend

    can_stream = (
        isinstance(dst, types.Array)
        and dst.dtype in (types.float32, types.float64)
        and isinstance(src, types.Array)
        and src.dtype == dst.dtype
        and weights.dtype == dst.dtype
    )
    if can_stream:

        def impl(src, rows, weights, dst, stream):  # pragma: no cover - compiled
            if not (stream and blend_row_stream(src, rows, weights, dst)):
                _blend(src, rows, weights, dst)

    else:

        def impl(src, rows, weights, dst, stream):  # pragma: no cover - compiled
            _blend(src, rows, weights, dst)

    return impl
