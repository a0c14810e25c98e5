"""The lazy faces: :func:`resize` and :func:`upsample_argmax` of Dask arrays.

Each validates its arguments once (one :class:`~upsampling.spec.ResizeSpec`, whose fields are
their parameters) and hands the spec, its whole-array plans and the output chunks to the tiler.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Unpack

from upsampling.errors import ShapeError
from upsampling.kernels.argmax import class_axis, label_dtype
from upsampling.spec import ResizeOptions, takes_resize_options

from upsampling.dask.tiler import _argmax_finish, _tile
from upsampling.dask.validate import _as_dask, _default_layout, _output_chunks, _resize_of


@takes_resize_options(layout=None)
def resize(
    array: Any,
    size: int | Sequence[int] | None = None,
    *,
    chunks: Any = None,
    **options: Unpack[ResizeOptions],
):
    """Resize a Dask array lazily; the result equals :func:`upsampling.resize` of the whole array.

    Parameters
    ----------
    array : ``dask.array.Array`` (a NumPy array is wrapped) of any chunking, in ``layout``.
    size, scale, mode, coordinate_transformation_mode, nearest_mode, cubic_coeff_a,
    exclude_outside, antialias, roi, extrapolation_value : as :func:`upsampling.resize`.
    layout : ``"HW"``, ``"HWC"``, ``"CHW"``, ``"NHWC"`` or ``"NCHW"``.  Default: ``HW`` for a
        2-D array, ``NHWC`` (``upsampling.resize``'s default) for 4-D; 3-D arrays must say.
    chunks : output chunks of the (H, W) axes: an int, a pair of ints, or a pair of tuples of
        chunk lengths.  Default: each input chunk length times ``min(1, n_out/n_in)``.  Other
        axes keep the input's chunks (channels may be chunked: they are independent).

    Returns
    -------
    A lazy ``dask.array.Array`` with the dtype of ``array``.  Each block is one task that
    reads only the input rows and columns its output rows and columns need (see
    :mod:`upsampling.dask`); ``result.compute()`` equals ``upsampling.resize(array.compute(), ...)``
    bit for bit in every mode, convention and dtype.  (``upsampling.options(kernel="reference")``
    does not apply: blocks always use the plan engine, which the default path uses.)

    Raises
    ------
    InvalidArgumentError, ShapeError, DTypeError, OutputTooLargeError
        As :func:`upsampling.resize` (before any computing), plus: unknown chunk sizes,
        outputs whose byte count overflows or whose plans would not fit in memory, and
        ``chunks`` giving more than :data:`~upsampling.dask.MAX_BLOCKS` blocks.

    Examples
    --------
    >>> import numpy as np, dask.array as da, upsampling, upsampling.dask as ud
    >>> x = np.arange(30.0).reshape(5, 6)
    >>> y = ud.resize(da.from_array(x, chunks=2), scale=2.5, mode="cubic", chunks=4)
    >>> y.shape, y.chunks[0]
    ((12, 15), (4, 4, 4))
    >>> bool((y.compute() == upsampling.resize(x, scale=2.5, mode="cubic", layout="HW")).all())
    True
    """
    x = _as_dask("array", array)
    layout = _default_layout("array", x, options.get("layout"))
    spec, plans = _resize_of("array", x, size, {**options, "layout": layout})
    return _tile(x, spec, plans, _output_chunks(x, plans, chunks), dtype=x.dtype, token=layout,
                 prefix="upsampling-resize")


@takes_resize_options(layout="CHW")
def upsample_argmax(
    logits: Any,
    size: int | Sequence[int] | None = None,
    *,
    dtype: Any = None,
    chunks: Any = None,
    **options: Unpack[ResizeOptions],
):
    """Lazy labels ``argmax(resize(logits), axis=class)`` of Dask class scores.

    Parameters
    ----------
    logits : ``dask.array.Array`` of class scores in ``layout`` (``CHW`` default, ``HWC``,
        ``NCHW``, ``NHWC``).  The class axis must be one chunk (``logits.rechunk({0: -1})``).
    size, scale, options : as :func:`upsampling.resize` (``mode``, ``antialias``, ...).
    dtype : label dtype; default the smallest unsigned integer type holding ``C - 1``.
    chunks : output chunks of (H, W), as in :func:`resize`.

    Returns
    -------
    A lazy label raster (the input shape without the class axis, resized), equal to
    :func:`upsampling.argmax.upsample_argmax` on the whole array.  Each task holds
    the scores of one output block for all classes.

    Examples
    --------
    >>> import numpy as np, dask.array as da, upsampling.dask as ud
    >>> logits = da.from_array(np.array([[[0.0, 1.0]], [[1.0, 0.0]]]), chunks=(2, 1, 1))  # C=2, 1 x 2
    >>> ud.upsample_argmax(logits, (1, 4)).compute()
    array([[1, 1, 0, 0]], dtype=uint8)
    """
    options = {"layout": "CHW", **options}
    x = _as_dask("logits", logits)
    c_axis = class_axis(options["layout"])
    spec, plans = _resize_of("logits", x, size, options)
    if len(x.chunks[c_axis]) != 1:
        raise ShapeError(
            "logits",
            f"dask array with chunks {x.chunks[c_axis]} along the class axis {c_axis}",
            f"the class axis in one chunk (layout {spec.layout!r} takes the argmax over it)",
            f"Rechunk first: logits.rechunk({{{c_axis}: -1}}).",
        )
    out_dtype = label_dtype(x.shape[c_axis], dtype)
    finish = _argmax_finish(c_axis, out_dtype)
    return _tile(x, spec, plans, _output_chunks(x, plans, chunks), dtype=out_dtype, drop_axis=c_axis,
                 finish=finish, token=(spec.layout, "argmax"), prefix="upsampling-argmax")
