"""A private, single-threaded OpenBLAS for the tiled transposed convolution (``scipy-openblas32``).

NumPy's BLAS belongs to the user: its thread count is theirs, and a GEMM through it runs on
all its threads.  The tiled transposed convolution (:mod:`upsampling.kernels.conv_tiles`)
wants the opposite -- one single-threaded GEMM per tile, several tiles at once on our own
threads.  ``scipy-openblas32`` (extra ``fast``) ships the OpenBLAS build that NumPy and SciPy
use as a library of its own, with every symbol prefixed ``scipy_``; it is loaded here through
ctypes and set to one thread.  That is a separate library instance: NumPy's BLAS and its
threads are untouched.  ctypes releases the GIL during a foreign call, so GEMMs called from
several Python threads run in parallel.

Nothing here is loaded until :func:`load` is first called (the first tiled transposed
convolution); ``import upsampling`` does not import this module.  When the package is
missing or its library fails to load, :func:`load` returns ``None`` and the caller keeps its
NumPy path.

Kernel choice: OpenBLAS picks its kernels (``Haswell``, ``SkylakeX``, ...) when the library
loads, from the CPU or from ``OPENBLAS_CORETYPE``.  That variable, like ``OPENBLAS_L2_SIZE``,
tunes the user's own OpenBLAS (NumPy's); this private instance ignores both and detects the
CPU, so that its speed and numbers do not depend on how NumPy was tuned.
``UPSAMPLING_OPENBLAS_CORETYPE`` pins this library's kernels instead (an empty value: detect;
a name OpenBLAS does not run is refused with :class:`~upsampling.errors.InvalidArgumentError`).
The variables are changed in ``os.environ`` only while the library loads, and have no effect
if ``scipy_openblas32`` was already imported.  It matters: on the project's Zen 5 machine, whose
environment sets ``OPENBLAS_CORETYPE=Haswell``, float32 GEMMs of the transposed convolution's
shapes ran at about 120 GFLOP/s per core with the Haswell (AVX2) kernels and 215-230 with the
SkylakeX (AVX-512) kernels this library detects by itself.

The single-thread setting belongs to the library instance: another user of the
``scipy_openblas32`` package in the same process shares it.
"""

from __future__ import annotations

import ctypes
import os
import threading

import numpy as np

from upsampling.errors import DTypeError, InvalidArgumentError, ShapeError

__all__ = ["Blas", "gemm", "load"]

_CBLAS_ROW_MAJOR = 101
_CBLAS_NO_TRANS = 111
_CBLAS_TRANS = 112
_INT32_MAX = 2**31 - 1
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)

_lock = threading.Lock()
_state: dict[str, object] = {"tried": False, "blas": None, "error": None}


def _new_lock_in_child() -> None:  # pragma: no cover - runs in forked children
    global _lock
    _lock = threading.Lock()  # another thread may have held it at the fork


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_lock_in_child)


class Blas:
    """The loaded library: its ``cblas_sgemm`` / ``cblas_dgemm`` and what it runs.

    Use :func:`gemm` (or :meth:`gemm`), which checks every operand before a pointer is passed.
    """

    def __init__(self, lib: ctypes.CDLL, path: str) -> None:
        i32 = ctypes.c_int
        ptr = ctypes.c_void_p
        self.path = path
        self._lib = lib
        self._gemm = {}
        routines = ((_F32, "scipy_cblas_sgemm", ctypes.c_float), (_F64, "scipy_cblas_dgemm", ctypes.c_double))
        for dtype, name, scalar in routines:
            fn = getattr(lib, name)
            fn.restype = None
            fn.argtypes = [i32, i32, i32, i32, i32, i32, scalar, ptr, i32, ptr, i32, scalar, ptr, i32]
            self._gemm[dtype] = fn
        lib.scipy_openblas_set_num_threads.restype = None
        lib.scipy_openblas_set_num_threads.argtypes = [i32]
        lib.scipy_openblas_get_corename.restype = ctypes.c_char_p
        lib.scipy_openblas_get_config.restype = ctypes.c_char_p
        # One thread: each of our threads runs its own GEMMs.  This instance is ours alone.
        lib.scipy_openblas_set_num_threads(1)

    @property
    def corename(self) -> str:
        """The kernels OpenBLAS chose (``"Haswell"``, ``"SkylakeX"``, ...)."""
        return self._lib.scipy_openblas_get_corename().decode()

    @property
    def config(self) -> str:
        """OpenBLAS's build string (version, ``DYNAMIC_ARCH``, ...)."""
        return self._lib.scipy_openblas_get_config().decode()

    def gemm(
        self,
        a: np.ndarray,
        b: np.ndarray,
        c: np.ndarray,
        alpha: float = 1.0,
        beta: float = 0.0,
        trans_b: bool = False,
    ) -> None:
        """``c[...] = alpha · a @ op(b) + beta · c`` on one thread; see :func:`gemm`."""
        m, k, n, (pa, lda), (pb, ldb), (pc, ldc), dtype = _check_operands(a, b, c, trans_b)
        if m == 0 or n == 0:
            return
        if k == 0:  # BLAS would only scale c; do it here (alpha·a@b is empty)
            if beta == 0.0:
                c[...] = 0
            else:
                c *= beta
            return
        self._gemm[dtype](
            _CBLAS_ROW_MAJOR, _CBLAS_NO_TRANS, _CBLAS_TRANS if trans_b else _CBLAS_NO_TRANS, m, n, k,
            alpha, pa, lda, pb, ldb, beta, pc, ldc,
        )


def _leading_dimension(name: str, x: np.ndarray) -> tuple[int, int]:
    """Address and row-major leading dimension of a 2-D view whose rows are unit-stride runs.

    Raises :class:`ShapeError` when the columns are not adjacent in memory, the rows are
    not at a positive multiple of the item size at least a row apart, or the view is not
    aligned to its item size.
    """
    rows, cols = x.shape
    if rows == 0 or cols == 0:  # never passed: gemm returns before calling BLAS
        return 0, max(cols, 1)
    item = x.itemsize
    s0, s1 = x.strides
    if cols > 1 and s1 != item:
        raise ShapeError(
            name, f"array with strides {x.strides}", "columns adjacent in memory (unit inner stride)"
        )
    if rows <= 1:
        ld = max(cols, 1)
    elif s0 <= 0 or s0 % item or s0 // item < max(cols, 1):
        raise ShapeError(
            name,
            f"array of shape {x.shape} with strides {x.strides}",
            "rows at least a row apart, in increasing order",
        )
    else:
        ld = s0 // item
    address = x.ctypes.data
    if address % item:
        raise ShapeError(name, f"array at address {address:#x}", f"an address aligned to {item} bytes")
    if max(rows, cols, ld) > _INT32_MAX:
        raise ShapeError(name, f"array of shape {x.shape}", "dimensions below 2**31 (32-bit BLAS)")
    return address, ld


def _check_operands(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, trans_b: bool = False
) -> tuple[int, int, int, tuple[int, int], tuple[int, int], tuple[int, int], np.dtype]:
    """Every check before a pointer reaches BLAS (``b`` is ``(n, k)`` when ``trans_b``).

    Returns ``m, k, n`` and the ``(address, leading dimension)`` of a, b and c, and the dtype.
    """
    for name, x in (("a", a), ("b", b), ("c", c)):
        if type(x) is not np.ndarray:
            raise DTypeError(name, type(x).__name__, "a numpy.ndarray")
        if x.ndim != 2:
            raise ShapeError(name, f"array of shape {x.shape}", "a 2-D array")
    dtype = c.dtype
    if dtype not in (_F32, _F64) or a.dtype != dtype or b.dtype != dtype:
        raise DTypeError(
            "c",
            f"dtypes {a.dtype}, {b.dtype}, {c.dtype}",
            "float32 or float64 (native byte order), the same for a, b and c",
        )
    m, k = a.shape
    k_b, n = b.shape[::-1] if trans_b else b.shape
    if k_b != k or c.shape != (m, n):
        expected = "a (m, k), b (n, k) (trans_b), c (m, n)" if trans_b else "a (m, k), b (k, n), c (m, n)"
        raise ShapeError("b", f"shapes a {a.shape}, b {b.shape}, c {c.shape}", expected)
    if not c.flags.writeable:
        raise InvalidArgumentError("c", "a read-only array", "a writeable array")
    if c.size and (np.may_share_memory(c, a) or np.may_share_memory(c, b)):
        raise InvalidArgumentError(
            "c", "an array overlapping a or b", "an output that shares no memory with the inputs"
        )
    return m, k, n, _leading_dimension("a", a), _leading_dimension("b", b), _leading_dimension("c", c), dtype


# The user's OpenBLAS tuning, which the private instance does not inherit (see the docstring).
_MASKED = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def _open() -> Blas:
    """Import ``scipy_openblas32`` (which loads its library) and wrap the library."""
    saved = {name: os.environ.pop(name) for name in _MASKED if name in os.environ}
    pinned = os.environ.get("UPSAMPLING_OPENBLAS_CORETYPE")
    if pinned:
        os.environ["OPENBLAS_CORETYPE"] = pinned
    try:
        import scipy_openblas32

        lib_dir = scipy_openblas32.get_lib_dir()
        path = os.path.join(lib_dir, scipy_openblas32.get_library(fullname=True))
        lib = ctypes.CDLL(path)
    finally:
        for name in _MASKED:
            os.environ.pop(name, None)
        os.environ.update(saved)
    blas = Blas(lib, path)
    if pinned and blas.corename.lower() != pinned.lower():
        # OpenBLAS falls back to detecting the CPU on a name it does not know: say so
        raise InvalidArgumentError(
            "UPSAMPLING_OPENBLAS_CORETYPE",
            pinned,
            f"a core type this OpenBLAS runs (e.g. Haswell, SkylakeX, Zen; it ran {blas.corename} instead), "
            "or unset / empty to detect the CPU",
        )
    return blas


def load() -> Blas | None:
    """The private single-threaded OpenBLAS, loaded on first use; ``None`` if it cannot load.

    The failure (package missing, library or symbol not found) is kept in
    ``_state["error"]`` and the load is not retried.  A core type pinned by
    ``UPSAMPLING_OPENBLAS_CORETYPE`` that OpenBLAS does not run raises
    :class:`~upsampling.errors.InvalidArgumentError`, on every call.
    """
    if not _state["tried"]:
        with _lock:
            if not _state["tried"]:
                try:
                    _state["blas"] = _open()
                except Exception as exc:  # ImportError, OSError (no library), AttributeError (no symbol)
                    _state["error"] = exc
                _state["tried"] = True
    if isinstance(_state["error"], InvalidArgumentError):
        raise _state["error"]
    return _state["blas"]  # type: ignore[return-value]


def gemm(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, alpha: float = 1.0, beta: float = 0.0, trans_b: bool = False
) -> None:
    """``c[...] = alpha · a @ op(b) + beta · c`` through the private OpenBLAS, on the calling thread.

    a : ``(m, k)``; b : ``(k, n)``, or ``(n, k)`` with ``trans_b`` (``op(b) = b.T``); c :
    ``(m, n)``, writeable.  2-D float32 or float64 views (all the same dtype, native byte
    order) whose rows are unit-stride runs at any row stride (the leading dimension, ``>=``
    the row length), aligned to the item size; ``c`` must not overlap ``a`` or ``b``.
    Row-major.  Releases the GIL while OpenBLAS runs.

    Raises
    ------
    DTypeError, ShapeError, InvalidArgumentError
        Operands BLAS cannot take (checked before any pointer is passed).
    MissingExtraError
        ``scipy-openblas32`` is not installed or its library does not load.
    """
    blas = load()
    if blas is None:
        from upsampling.errors import MissingExtraError

        raise MissingExtraError(
            message=f"the private OpenBLAS (scipy-openblas32) could not be loaded ({_state['error']}). "
            "Install it with: pip install 'upsampling[fast]'"
        )
    blas.gemm(a, b, c, alpha, beta, trans_b)
