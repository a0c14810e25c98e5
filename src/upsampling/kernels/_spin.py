"""A native spin-wait on a shared counter, for :mod:`._threads`' hand-off (extra ``fast``).

Waking a sleeping thread costs 30-60 µs on this project's 2-core VM (futex wake of an idle
vCPU, then the GIL): a tenth of a sub-millisecond resize.  A worker that has just finished
a call instead watches its counter for a short while, without the GIL, and starts the next
call within a microsecond or two.  The load is atomic (acquire), so the compiler cannot
hoist it out of the loop.
"""

from __future__ import annotations

import numba
import numpy as np
from numba.core import cgutils, types
from numba.extending import intrinsic


@intrinsic
def _load_acquire(typingctx, arr, i):
    """``arr[i]`` read with an atomic acquire load (``arr``: 1-D int64)."""
    if not isinstance(arr, types.Array) or arr.dtype != types.int64:
        return None
    sig = types.int64(arr, i)

    def codegen(context, builder, signature, args):
        data = cgutils.create_struct_proxy(signature.args[0])(context, builder, value=args[0]).data
        return builder.load_atomic(builder.gep(data, [args[1]]), "acquire", 8)

    return sig, codegen


@intrinsic
def _store_release(typingctx, arr, i, value):
    """``arr[i] = value`` with an atomic release store (``arr``: 1-D int64)."""
    if not isinstance(arr, types.Array) or arr.dtype != types.int64:
        return None
    sig = types.void(arr, i, types.int64)

    def codegen(context, builder, signature, args):
        data = cgutils.create_struct_proxy(signature.args[0])(context, builder, value=args[0]).data
        value = context.cast(builder, args[2], signature.args[2], types.int64)
        builder.store_atomic(value, builder.gep(data, [args[1]]), "release", 8)
        return context.get_dummy_value()

    return sig, codegen


@numba.njit(cache=True, nogil=True)
def publish(counters, i, value):  # pragma: no cover - compiled
    """``counters[i] = value`` after every earlier store of this thread (release): the
    caller that sees the new value also sees the rows the worker wrote."""
    _store_release(counters, i, value)


@numba.njit(cache=True, nogil=True)
def spin_while_equal(counters, i, value, spins):  # pragma: no cover - compiled
    """Spin up to ``spins`` reads while ``counters[i] == value``; whether it changed."""
    for _ in range(spins):
        if _load_acquire(counters, i) != value:
            return True
    return False


def warm() -> None:
    """Load (or compile) :func:`spin_while_equal` and mark the module ready for
    :mod:`._threads` (the background loader of :mod:`upsampling.kernels` calls this)."""
    global ready
    counters = np.zeros(1, dtype=np.int64)
    publish(counters, 0, 1)
    spin_while_equal(counters, 0, 1, 1)
    ready = True


ready = False
